"""load -> validate -> build IR -> render -> format: the whole generation, in memory."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from .build import build
from .cache import Cache
from .config import Config, load_config
from .custom_code import PACKAGE_DIR, CustomCode, read_custom_code
from .diagnostics import Diagnostic, GenerationError, error
from .format import format_files
from .load import Spec
from .options import Options
from .render import render
from .validate import check_version, validation_diagnostics
from .workers import without_gc


@dataclass
class Result:
    files: dict[str, str]
    warnings: list[Diagnostic] = field(default_factory=list)
    #: The SHA-256 of the bytes read, by every file path the result was made from (spec documents,
    #: config; see Spec.input_digests); None if there is no such record (a document from the network).
    inputs: dict[str, str] | None = None


def load_spec(options: Options) -> Spec:
    return Spec(
        options.spec,
        max_bytes=options.max_spec_bytes,
        allow_remote=options.allow_remote_refs,
        root_dir=options.ref_root,
        overlays=options.overlays,
    )


def load_and_validate(
    options: Options,
    *,
    earlier: list[Diagnostic] | None = None,
    cache: Cache | None = None,
    meanwhile: Callable[[Spec], None] | None = None,
) -> tuple[Spec, list[Diagnostic]]:
    """The loaded spec, and the validation errors demoted to warnings when skipping validation.

    ``earlier`` errors (of the config) are reported together with the spec's, all at once.
    ``cache`` is used if given, else the one of ``options.cache_dir`` is opened for this call.
    ``meanwhile`` is called with the loaded spec while worker processes validate it (after the
    validation when there are none); it must not raise.
    """
    earlier = list(earlier or [])
    try:
        with without_gc():
            spec = load_spec(options)
        check_version(spec)
    except GenerationError as exc:
        raise GenerationError(earlier + exc.diagnostics) from None
    with _cache(options, cache) as opened:
        problems = spec.problems + validation_diagnostics(
            spec, cache=opened, jobs=options.jobs, meanwhile=(lambda: meanwhile(spec)) if meanwhile else None
        )
    if earlier or (problems and not options.skip_validation):
        raise GenerationError(earlier + (problems if not options.skip_validation else []))
    return spec, problems


@dataclass
class _Built:
    files: dict[str, str]  # rendered, not yet formatted
    laid_out: set[str]  # the paths of ``files`` rendered as black lays them out
    warnings: list[Diagnostic]  # building's
    verbatim: dict[str, str] = field(default_factory=dict)  # files written as they are (custom code)


def _build_and_render(spec: Spec, config: Config, custom: CustomCode, options: Options, cache: Cache) -> _Built:
    warnings: list[Diagnostic] = []
    try:
        with without_gc():
            api = build(spec, config, package_name=options.package_name, warnings=warnings, custom=custom)
    except RecursionError:
        # Schemas that nest through each other without a named model in between; never a crash.
        raise error(
            spec.root.name, "schemas nest too deeply (or refer to themselves without a named schema in between)"
        ) from None
    laid_out: set[str] = set()
    with without_gc():
        files = render(api, cache=cache, laid_out=laid_out)
    verbatim = {f"{api.package}/{PACKAGE_DIR}/{rel}": text for rel, text in custom.files.items()}
    return _Built(files, laid_out, warnings, verbatim)


@contextmanager
def _cache(options: Options, cache: Cache | None) -> Iterator[Cache]:
    """``cache`` itself, or the cache of ``options`` opened (and closed) for one step."""
    if cache is not None:
        yield cache
        return
    opened = Cache(options.cache_dir)
    try:
        yield opened
    finally:
        opened.close()


def generate(options: Options, *, cache: Cache | None = None) -> Result:
    """The whole generation in memory; ``cache`` is opened from ``options`` once if not given."""
    with _cache(options, cache) as opened:
        return _generate(options, opened)


def _generate(options: Options, cache: Cache) -> Result:
    config, config_errors, custom = Config(), [], CustomCode()
    if options.config:
        try:
            config = load_config(options.config)
            custom = read_custom_code(config)
        except GenerationError as exc:
            config_errors = exc.diagnostics
    if config.overlays:  # the config's overlays apply first, then those of the command line
        options = replace(options, overlays=config.overlays + options.overlays)
    # The IR is built and rendered while worker processes validate (the core they leave is used);
    # what validation finds still comes first: the outcome of building an invalid spec is dropped.
    outcome: list[_Built | Exception] = []

    def prepare(spec: Spec) -> None:
        try:
            outcome.append(_build_and_render(spec, config, custom, options, cache))
        except Exception as exc:  # raised below, once validation has had its say
            outcome.append(exc)

    spec, warnings = load_and_validate(options, earlier=config_errors, cache=cache, meanwhile=prepare)
    if not outcome:
        prepare(spec)
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    built = outcome[0]
    files = format_files(
        built.files, cache=cache, jobs=options.jobs, laid_out=built.laid_out, black_all=options.black_all
    )
    files.update(built.verbatim)  # the custom code, as its author wrote it (never formatted)
    inputs = spec.input_digests()
    if inputs is not None and options.config:
        assert config.source is not None
        for path in (options.config.absolute(), options.config.resolve()):
            inputs[str(path)] = config.source.digest
        inputs.update(custom.digests)
    return Result(files, warnings + built.warnings, inputs)
