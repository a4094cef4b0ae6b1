"""load -> validate -> build IR -> render -> format: the whole generation, in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .build import build
from .cache import Cache
from .config import Config, load_config
from .diagnostics import Diagnostic, GenerationError
from .format import format_files
from .load import DEFAULT_MAX_BYTES, Spec
from .render import render
from .validate import check_version, validation_diagnostics


@dataclass(frozen=True)
class Options:
    spec: Path
    config: Path | None = None
    package_name: str | None = None
    skip_validation: bool = False
    #: Refuse any document (and all of them together) larger than this many bytes.
    max_spec_bytes: int = DEFAULT_MAX_BYTES
    #: Fetch ``$ref``s to http(s) URLs instead of refusing them.
    allow_remote_refs: bool = False
    #: Directory that file ``$ref``s may not leave (default: the spec's own directory).
    ref_root: Path | None = None
    #: Where results are cached by content hash (None: no persistent cache).
    cache_dir: Path | None = None
    #: Worker processes for validation and formatting (1: all in this process).
    jobs: int = 1


@dataclass
class Result:
    files: dict[str, str]
    warnings: list[Diagnostic] = field(default_factory=list)


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
        return Result(format_files(render(api), cache=cache, jobs=options.jobs), warnings)
    finally:
        cache.close()
