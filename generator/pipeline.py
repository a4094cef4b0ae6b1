"""load -> validate -> build IR -> render -> format: the whole generation, in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .build import build
from .cache import Cache
from .config import Config, load_config
from .diagnostics import Diagnostic, GenerationError
from .format import format_files
from .load import Spec
from .options import Options
from .render import render
from .validate import check_version, validation_diagnostics


@dataclass
class Result:
    files: dict[str, str]
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Every file the result was made from (spec documents, config); None if some came from the network.
    inputs: list[Path] | None = None


def load_spec(options: Options) -> Spec:
    return Spec(
        options.spec,
        max_bytes=options.max_spec_bytes,
        allow_remote=options.allow_remote_refs,
        root_dir=options.ref_root,
    )


def load_and_validate(options: Options, *, earlier: list[Diagnostic] | None = None) -> tuple[Spec, list[Diagnostic]]:
    """The loaded spec, and the validation errors demoted to warnings when skipping validation.

    ``earlier`` errors (of the config) are reported together with the spec's, all at once.
    """
    earlier = list(earlier or [])
    try:
        spec = load_spec(options)
        check_version(spec)
    except GenerationError as exc:
        raise GenerationError(earlier + exc.diagnostics) from None
    cache = Cache(options.cache_dir)
    try:
        problems = spec.problems + validation_diagnostics(spec, cache=cache, jobs=options.jobs)
    finally:
        cache.close()
    if earlier or (problems and not options.skip_validation):
        raise GenerationError(earlier + (problems if not options.skip_validation else []))
    return spec, problems


def generate(options: Options) -> Result:
    config, config_errors = Config(), []
    if options.config:
        try:
            config = load_config(options.config)
        except GenerationError as exc:
            config_errors = exc.diagnostics
    spec, warnings = load_and_validate(options, earlier=config_errors)
    try:
        api = build(spec, config, package_name=options.package_name)
    except RecursionError:
        # Schemas that nest through each other without a named model in between; never a crash.
        raise GenerationError(
            [Diagnostic(spec.root.name, None, None, "", "schemas nest too deeply (or refer to themselves without a named schema in between)")]
        ) from None
    cache = Cache(options.cache_dir)
    try:
        files = format_files(render(api), cache=cache, jobs=options.jobs)
        spec_files = spec.local_files()
        inputs = None if spec_files is None else spec_files + ([options.config.resolve()] if options.config else [])
        return Result(files, warnings, inputs)
    finally:
        cache.close()
