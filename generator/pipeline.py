"""load -> validate -> build IR -> render -> format: the whole generation, in memory."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .build import build
from .cache import Cache
from .config import Config, load_config
from .diagnostics import Diagnostic, GenerationError
from .format import format_files
from .ir import Api
from .load import Spec
from .options import Options
from .record import Record
from . import incremental
from .render import ObjectFile, render
from .texts import Texts, collecting
from .validate import check_version, validation_diagnostics


@dataclass
class Result:
    files: dict[str, str]
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Every file the result was made from (spec documents, config); None if some came from the network.
    inputs: list[Path] | None = None
    #: What lets the next run redo only the prose (see incremental.py); None if not kept.
    snapshot: incremental.Snapshot | None = None


def load_spec(options: Options) -> Spec:
    return Spec(
        options.spec,
        max_bytes=options.max_spec_bytes,
        allow_remote=options.allow_remote_refs,
        root_dir=options.ref_root,
    )


def load_and_validate(
    options: Options,
    *,
    earlier: list[Diagnostic] | None = None,
    cache: Cache | None = None,
    meanwhile: Callable[[Spec], None] | None = None,
    keep: dict[str, object] | None = None,
) -> tuple[Spec, list[Diagnostic]]:
    """The loaded spec, and the validation errors demoted to warnings when skipping validation.

    ``earlier`` errors (of the config) are reported together with the spec's, all at once.
    ``cache`` is used if given, else the one of ``options.cache_dir`` is opened for this call.
    ``meanwhile`` is called with the loaded spec while worker processes validate it (after the
    validation when there are none); it must not raise. ``keep`` receives what the validation's
    cache keys were made of (see validation_diagnostics).
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
            spec, cache=opened, jobs=options.jobs, meanwhile=(lambda: meanwhile(spec)) if meanwhile else None, keep=keep,
        )
    if earlier or (problems and not options.skip_validation):
        raise GenerationError(earlier + (problems if not options.skip_validation else []))
    return spec, problems


def _nonce(spec: Spec, cache: Cache) -> str | None:
    """The nonce of the text tokens (see texts.py): the one this cache used before, so that objects
    kept for incremental runs keep their keys; a new one if a document holds it (or there is none)."""
    found = cache.get_many(_NONCE, ["nonce"]).get("nonce")
    nonce = found.decode("ascii", "replace") if found else None
    if nonce is None or any(Texts(nonce).prefix in doc.text for doc in spec.documents()):
        nonce = Texts().nonce
        if not any(Texts(nonce).prefix in doc.text for doc in spec.documents()):
            cache.put_many(_NONCE, {"nonce": nonce.encode("ascii")})
    return nonce


_NONCE = "text-nonce"


@dataclass
class _Built:
    api: Api  # with the tokens of ``texts``
    texts: Texts
    made: list[ObjectFile]
    files: dict[str, str]  # rendered, not yet formatted
    laid_out: set[str]  # the paths of ``files`` rendered as black lays them out
    record: Record | None  # what the build read and made (see record.py)


def _build_and_render(spec: Spec, config: Config, options: Options, cache: Cache) -> _Built:
    texts = Texts(_nonce(spec, cache))
    record = Record() if cache.enabled else None
    try:
        with collecting(texts), without_gc():
            api = build(spec, config, package_name=options.package_name, record=record)
    except RecursionError:
        # Schemas that nest through each other without a named model in between; never a crash.
        raise GenerationError(
            [Diagnostic(spec.root.name, None, None, "", "schemas nest too deeply (or refer to themselves without a named schema in between)")]
        ) from None
    made: list[ObjectFile] = []
    laid_out: set[str] = set()
    with without_gc():
        files = render(api, cache=cache, texts=texts, made=made, laid_out=laid_out)
    return _Built(api, texts, made, files, laid_out, record)


@contextmanager
def without_gc() -> Iterator[None]:
    """No cyclic garbage collection in this block: parsing the spec, building the IR and rendering
    make millions of objects that live on, and the collector's passes over them cost more than the
    little garbage they find (the worker processes of validation and formatting keep it on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    config, config_errors = Config(), []
    if options.config:
        try:
            config = load_config(options.config)
        except GenerationError as exc:
            config_errors = exc.diagnostics
    # The IR is built and rendered while worker processes validate (the core they leave is used);
    # what validation finds still comes first: the outcome of building an invalid spec is dropped.
    outcome: list[_Built | Exception] = []

    def prepare(spec: Spec) -> None:
        try:
            outcome.append(_build_and_render(spec, config, options, cache))
        except Exception as exc:  # raised below, once validation has had its say
            outcome.append(exc)

    kept: dict[str, object] = {}
    spec, warnings = load_and_validate(options, earlier=config_errors, cache=cache, meanwhile=prepare, keep=kept)
    if not outcome:
        prepare(spec)
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    built = outcome[0]
    tokened, texts, made = built.api, built.texts, built.made
    files = format_files(built.files, cache=cache, jobs=options.jobs, laid_out=built.laid_out, black_all=options.black_all)
    spec_files = spec.local_files()
    others = [options.config.resolve()] if options.config else []
    inputs = None if spec_files is None else spec_files + others
    snapshot = None
    if cache.enabled and inputs is not None and not warnings:
        snapshot = incremental.capture(cache, spec, tokened, texts, made, others, built.record, kept)
    return Result(files, warnings, inputs, snapshot)
