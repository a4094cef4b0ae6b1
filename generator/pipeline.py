"""load -> validate -> build IR -> render -> format: the whole generation, in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .build import build
from .config import Config, load_config
from .diagnostics import Diagnostic
from .format import format_files
from .load import Spec
from .render import render
from .validate import check_version, validation_diagnostics


@dataclass(frozen=True)
class Options:
    spec: Path
    config: Path | None = None
    package_name: str | None = None
    skip_validation: bool = False


@dataclass
class Result:
    files: dict[str, str]
    warnings: list[Diagnostic] = field(default_factory=list)


def load_and_validate(options: Options) -> tuple[Spec, list[Diagnostic]]:
    """The loaded spec, and the validation errors demoted to warnings when skipping validation."""
    spec = Spec(options.spec)
    check_version(spec)
    problems = validation_diagnostics(spec)
    if problems and not options.skip_validation:
        from .diagnostics import GenerationError

        raise GenerationError(problems)
    return spec, problems


def generate(options: Options) -> Result:
    config = load_config(options.config) if options.config else Config()
    spec, warnings = load_and_validate(options)
    api = build(spec, config, package_name=options.package_name)
    return Result(format_files(render(api)), warnings)
