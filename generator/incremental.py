"""Little changed: re-render just the files a change reaches, from the last run's snapshot.

After a full run, the cache keeps a *snapshot* of it (per output directory and options): each unit
of the spec documents (see load.unit) under the hash of its data, the texts the build read
(descriptions, summaries: see texts.py) and where from, for each file made from IR objects (a model
or resource module) those objects with the tokens of their texts, and what each step of the build
read and made (see record.py, rebuild.py). The next run compares the spec with the snapshot's, unit
by unit:

- where a unit differs only in strings the build read as prose (same keys in the same order, same
  values everywhere else), the files holding a changed text are rendered again from the snapshot's
  objects with the new texts;
- where a ``components/schemas`` entry changed otherwise (same schema names in the same order), the
  steps that read it are built again (rebuild.py) and their model modules rendered again, the spec
  being validated incrementally meanwhile;
- every other file is taken from the output directory, which must be exactly as the snapshot's run
  left it; anything else (another unit changed, a text that is also read as data, a text shown in
  the client's module or README, a document with problems, a different oagen or config, a rebuild
  that could come out otherwise than a full build) takes the full path, which makes a new snapshot.

A snapshot is taken only of a run with no warnings, from local files, with the persistent cache on.
The result is byte-identical to a full run (tested); this path only saves the work.
"""

from __future__ import annotations

import builtins
import dataclasses
import gc
import io
import marshal
import os
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from .cache import Cache
from .diagnostics import GenerationError
from .fastpath import code_digest, python_digest, run_digest as _key, sha as _sha
from .texts import Texts, blank

_KIND = "snapshot-3"
_OBJECTS = "snapshot-object-1"
#: More files to render again than this: the full path (with its caches) is as quick.
MAX_FILES = 300


@dataclass
class Snapshot:
    """What the next run needs to redo only the prose of this one (see the module's docstring)."""

    code: str
    #: The Python that rendered (the filters' output depends on its Unicode database).
    python: str
    nonce: str
    values: list[str]
    sources: list[tuple[str, tuple[str, ...], bool]]
    impure: list[str]
    #: Tokens of the Api's shared fields (read by every file): a change there takes the full path.
    shared_tokens: list[int]
    #: Document key -> [path, is JSON, sha256 of the file, [(unit parts, key of its kept data)...]]
    #: (see :func:`_unit_blobs`: each unit's parsed data is kept apart, once).
    docs: dict[str, list[Any]]
    #: Output path -> [template, key of the pickled objects, token numbers].
    files: dict[str, list[Any]]
    #: Key of the pickled Api holding only its shared fields, texts in place.
    shown: str
    #: Other input files (the config) -> sha256.
    others: dict[str, str]
    #: What the structural path needs of the build (see rebuild.state_of); None if not kept.
    state: dict[str, Any] | None = None
    #: What the validation's cache keys were made of (see validate.validation_diagnostics).
    units: dict[str, Any] | None = None
    # The fields above are the full run's (its *base*), kept until the next full run; those below
    # are the state after the latest run, kept after each (a few bytes, where the base has the spec).
    #: The output directory's files (the manifest included) -> sha256.
    outputs: dict[str, str] = field(default_factory=dict)
    #: Token number -> its text, for each text that differs from the base's.
    current: dict[int, str] = field(default_factory=dict)
    #: Whether the base is to be stored (a full run made it).
    new: bool = False
    #: The digest of the stored base.
    base: str = ""
    #: Pickled objects not yet in the cache (key -> bytes); stored by :func:`save`.
    fresh: dict[str, bytes] = field(default_factory=dict, repr=False)


_STATE = ("outputs", "current", "new", "base", "fresh")
_STATE_KIND = "snapshot-state-1"




def capture(
    cache: Cache, spec: Any, api: Any, texts: Texts, made: list[Any], others: list[Path], record: Any = None,
    units: dict[str, Any] | None = None,
) -> Snapshot | None:
    """The snapshot of a full run: ``api`` holds the tokens of ``texts``, ``made`` is render's list of
    files made from IR objects, ``record`` what the build recorded (if it did); None if it cannot be
    kept (a remote document, data marshal refuses)."""
    from .render import shared_fields
    from .rebuild import state_of

    docs: dict[str, list[Any]] = {}
    fresh: dict[str, bytes] = {}
    for doc in spec.documents():
        if doc.url:
            return None
        try:
            raw = doc.path.read_bytes()
        except OSError:
            return None
        blobs = _unit_blobs(_units(doc.data))  # YAML may hold values marshal cannot (dates): no snapshot then
        if blobs is None:
            return None
        text = doc.text.encode("utf-8")
        if raw != text and raw != b"\xef\xbb\xbf" + text:
            return None  # the file changed while this run read it
        docs[str(doc.path)] = [str(doc.path), doc.path.suffix.lower() == ".json", _sha(raw), _keep_units(cache, blobs, fresh)]
    try:
        others_digest = {str(p): _sha(p.read_bytes()) for p in others}
    except OSError:
        return None

    def keep(obj: Any) -> str:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        key = _sha(data)
        fresh[key] = data
        return key

    shared = {name: getattr(api, name) for name in shared_fields()}
    shared_tokens = frozenset().union(*(texts.tokens_of(value) for value in shared.values()))
    shown = replace(api, resources=(), models=(), all_resources=(), type_modules=(), **{n: texts.resolve(v) for n, v in shared.items()})
    # Objects the render cache made a digest of are pickled only if no earlier run kept them.
    digested = {"r" + f.digest: f for f in made if f.digest}
    kept = cache.has_many(_OBJECTS, list(digested))
    for key, f in digested.items():
        if key not in kept:
            fresh[key] = pickle.dumps(f.context, protocol=pickle.HIGHEST_PROTOCOL)
    files = {f.path: [f.template, "r" + f.digest if f.digest else keep(f.context), sorted(f.tokens)] for f in made}
    return Snapshot(
        code=code_digest(), python=python_digest(), nonce=texts.nonce, values=list(texts.values), sources=list(texts.sources),
        impure=sorted(texts.impure), shared_tokens=sorted(shared_tokens), docs=docs, files=files,
        shown=keep(shown), others=others_digest, fresh=fresh, new=True,
        state=state_of(record, api, spec) if record is not None else None, units=units or None,
    )


def save(
    cache: Cache, run_key: Mapping[str, object], snapshot: Snapshot, outputs: Mapping[str, str], *, digests: Mapping[str, str] | None = None
) -> None:
    """Keep ``snapshot`` for the next run with ``run_key``; ``outputs``: the output directory's files
    as this run left them (the manifest included), ``digests`` their hashes if made already."""
    if not cache.enabled:
        return
    snapshot.outputs = dict(digests) if digests is not None else {name: _sha(text.encode("utf-8", "surrogatepass")) for name, text in outputs.items()}
    key = _key(run_key)
    if snapshot.new:
        cache.put_many(_OBJECTS, snapshot.fresh)
        base = {name: getattr(snapshot, name) for name in Snapshot.__dataclass_fields__ if name not in _STATE}
        try:
            blob = marshal.dumps(base)
        except ValueError:
            return
        # The base and its state are tied by the base's digest: a state is never read with another base.
        cache.put_many(_KIND, {key: blob})
        snapshot.base = _sha(blob)
        snapshot.fresh, snapshot.new = {}, False
    state = {"base": snapshot.base, "outputs": snapshot.outputs, "current": snapshot.current}
    cache.put_many(_STATE_KIND, {key: marshal.dumps(state)})


@dataclass
class Update:
    """The result of :func:`update`: every file of the output, and the snapshot to keep after it."""

    files: dict[str, str]
    inputs: list[Path]
    snapshot: Snapshot
    #: The files rendered again.
    rendered: list[str]
    warnings: list[Any] = field(default_factory=list)
    #: Whether the structure changed (some models were built again), not only prose.
    structural: bool = False

    @property
    def unchanged(self) -> set[str]:
        """Files known to be on disk exactly as in :attr:`files`."""
        return set(self.files) - set(self.rendered)


def update(
    cache: Cache, run_key: Mapping[str, object], output: Path, *, max_bytes: int, options: Any = None
) -> Update | None:
    """The run's result if only prose changed since the snapshot of ``run_key``, or only component
    schemas in ways :mod:`rebuild` can redo (with ``options``, the run's); None: take the full path."""
    if not cache.enabled:
        return None
    # Two parsed specs are millions of objects, none of them garbage: the collector's passes over
    # them would cost more than anything else here.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _update(cache, run_key, output, max_bytes, options)
    finally:
        if enabled:
            gc.enable()


def _update(cache: Cache, run_key: Mapping[str, object], output: Path, max_bytes: int, options: Any) -> Update | None:
    key = _key(run_key)
    raw, state_raw = cache.get_many(_KIND, [key]).get(key), cache.get_many(_STATE_KIND, [key]).get(key)
    if raw is None or state_raw is None:
        return None
    try:
        snapshot = Snapshot(**marshal.loads(raw))
        state = marshal.loads(state_raw)
        if state["base"] != _sha(raw):
            return None
        snapshot.base, snapshot.outputs, previous = state["base"], state["outputs"], dict(state["current"])
    except (ValueError, EOFError, TypeError, KeyError):
        return None
    if snapshot.code != code_digest() or snapshot.python != python_digest():
        return None
    try:
        if any(_sha(Path(p).read_bytes()) != digest for p, digest in snapshot.others.items()):
            return None
    except OSError:
        return None
    # Texts are compared with the base's; the files to make again hold a text that differs from
    # what the latest run gave it (it may have changed since the base, or changed back).
    changes = _changes(cache, snapshot, max_bytes, structural_ok=options is not None and snapshot.state is not None)
    if changes is None:
        return None
    current, units, parsed, differing = changes
    if set(current) & set(snapshot.shared_tokens):
        return None
    if units:
        return _structural(cache, run_key, output, snapshot, previous, current, units, parsed, differing, options)
    differs = {n for n in set(current) | set(previous) if current.get(n) != previous.get(n)}
    affected = [path for path, (_, _, tokens) in snapshot.files.items() if differs.intersection(tokens)]
    if len(affected) > MAX_FILES:
        return None
    on_disk = _output_files(snapshot, output)
    if on_disk is None:
        return None
    texts = Texts(snapshot.nonce)
    texts.values = list(snapshot.values)
    for number, text in current.items():
        texts.values[number] = text
    fresh = _render_again(cache, snapshot, affected, texts, {})
    if fresh is None:
        return None
    files = {**on_disk, **_format(cache, run_key, snapshot, fresh, set(affected))}
    snapshot.current = current
    inputs = [Path(entry[0]) for entry in snapshot.docs.values()] + [Path(p) for p in snapshot.others]
    return Update(files, inputs, snapshot, affected)


def _render_again(
    cache: Cache, snapshot: Snapshot, paths: list[str], texts: Texts, contexts: dict[str, dict[str, Any]]
) -> dict[str, str] | None:
    """The files at ``paths`` rendered again with ``texts``: from ``contexts`` where given, else from
    the snapshot's objects; None if some cannot be."""
    from .render import ObjectFile, render_object_file

    keys = [snapshot.files[path][1] for path in paths if path not in contexts] + [snapshot.shown]
    objects = cache.get_many(_OBJECTS, keys)
    if any(key not in objects for key in keys):
        return None
    try:
        shown = _unpickle(objects[snapshot.shown])
        for path in paths:
            if path not in contexts:
                contexts[path] = _unpickle(objects[snapshot.files[path][1]])
    except (pickle.UnpicklingError, AttributeError, EOFError, ImportError, IndexError, TypeError, ValueError):
        return None
    fresh: dict[str, str] = {}
    for path in paths:
        template = snapshot.files[path][0] if path in snapshot.files else _MODEL_TEMPLATE
        made = render_object_file(shown, ObjectFile(template, path, contexts[path], frozenset()), texts)
        if made is None:
            return None
        fresh[path] = made
    return fresh


_MODEL_TEMPLATE = "package/types/model.py.j2"


def _format(cache: Cache, run_key: Mapping[str, object], snapshot: Snapshot, fresh: dict[str, str], laid_out: set[str]) -> dict[str, str]:
    from .format import format_files
    from .render import BLACK_LAYOUT

    laid = [p for p in fresh if p in laid_out and (p not in snapshot.files or snapshot.files[p][0] in BLACK_LAYOUT)]
    return format_files(fresh, cache=cache, laid_out=laid, black_all=bool(run_key.get("black_all")))


def _structural(
    cache: Cache, run_key: Mapping[str, object], output: Path, snapshot: Snapshot, previous: dict[int, str],
    current: dict[int, str], units: set[tuple[str, ...]], parsed: dict[str, Any], differing: set[tuple[str, ...]],
    options: Any,
) -> Update | None:
    """Some component schemas changed: their models (and what read them) built again (rebuild.py),
    the spec validated (incrementally, through the validation cache), the files they are in made again."""
    from .config import Config, load_config
    from .load import Spec

    assert snapshot.state is not None
    if len(snapshot.docs) != 1 or len(parsed) != 1:
        return None
    (doc_key, (doc, blobs, unit_keys, old_data)), = parsed.items()
    # References: those in the changed schemas, and those (anywhere) that lead into one.
    targets = snapshot.state.get("ref_targets", {})
    strings = {ref for parts in units for ref in targets.get(parts, ())}
    # The validation's units whose content changed (the root unit holds the top-level keys).
    validation_units = {parts if parts[0] in ("paths", "webhooks", "components") else () for parts in differing}
    kept: dict[str, Any] = {}
    try:
        spec = Spec.of_document(
            doc, max_bytes=options.max_spec_bytes, allow_remote=options.allow_remote_refs, root_dir=options.ref_root,
            checked=(units, strings),
        )
        # (The OpenAPI version is the snapshot's: a change there is not to a component schema.)
        if spec.problems:
            return None  # the full path reports them
        config = load_config(options.config) if options.config else Config()
    except GenerationError:
        return None
    # Validation (of the units that changed, and of those that reach them) runs meanwhile, in a
    # child process where the platform can fork: importing the validator is most of its time.
    validated = _meanwhile(
        lambda own: _valid(spec, own or cache, snapshot.units, validation_units, kept), options.cache_dir
    )
    try:
        on_disk = _output_files(snapshot, output)
        if on_disk is None:
            return None
        return _structural_rest(
            cache, run_key, snapshot, previous, current, units, differing, doc_key, doc, blobs, unit_keys, spec, config, on_disk, validated,
            old_data,
        )
    finally:
        validated()  # the child is always waited for


def _structural_rest(
    cache: Cache, run_key: Mapping[str, object], snapshot: Snapshot, previous: dict[int, str], current: dict[int, str],
    units: set[tuple[str, ...]], differing: set[tuple[str, ...]], doc_key: str, doc: Any, blobs: dict[tuple[str, ...], bytes],
    unit_keys: dict[tuple[str, ...], str], spec: Any, config: Any, on_disk: dict[str, str], validated: Callable[[], Any],
    old_data: dict[tuple[str, ...], Any],
) -> Update | None:
    from .rebuild import Diverged, rebuild
    from .render import render_types_index

    assert snapshot.state is not None
    texts = Texts(snapshot.nonce)
    texts.values = list(snapshot.values)
    for number, text in current.items():
        texts.values[number] = text
    # (marshal keeps tuples: the snapshot's sources and places are as the build made them)
    texts.sources = list(snapshot.sources)
    texts._numbers = dict(zip(texts.sources, range(len(texts.sources))))
    texts.impure = set(snapshot.impure)
    shown_values = list(snapshot.values)
    for number, text in previous.items():
        shown_values[number] = text  # the texts the output holds now
    package = _package(snapshot, cache)
    if package is None:
        return None
    resources: dict[tuple[str, ...], Any] = {}

    def old_operation(at: tuple[tuple[str, ...], int]) -> Any:
        resource_path, position = tuple(at[0]), at[1]
        if resource_path not in resources:
            resources[resource_path] = _old_resource(cache, snapshot, package, resource_path)
        resource = resources[resource_path]
        return resource.operations[position] if resource is not None and position < len(resource.operations) else None

    try:
        rebuilt = rebuild(snapshot.state, spec, config, units, texts, old_operation, old_data)
    except (Diverged, GenerationError, RecursionError):
        return None  # the full path, which reports any error
    contexts = {f"{package}/types/{name}.py": {"module": module} for name, module in rebuilt.modules.items()}
    if any(path not in snapshot.files or snapshot.files[path][0] != _MODEL_TEMPLATE for path in contexts):
        return None
    differs = {n for n in range(len(texts.values)) if n >= len(shown_values) or texts.values[n] != shown_values[n]}
    affected = sorted(set(contexts) | {path for path, (_, _, tokens) in snapshot.files.items() if differs.intersection(tokens)})
    if len(affected) > MAX_FILES or set(current) & set(snapshot.shared_tokens) or differs & set(snapshot.shared_tokens):
        return None
    fresh = _render_again(cache, snapshot, affected, texts, dict(contexts))
    if fresh is None:
        return None
    laid_out = set(affected)
    if rebuilt.index_modules is not None:
        index_path = f"{package}/types/__init__.py"
        fresh[index_path] = render_types_index(rebuilt.index_modules)
        laid_out.add(index_path)
        affected.append(index_path)
    files = {**on_disk, **_format(cache, run_key, snapshot, fresh, laid_out)}
    outcome = validated()
    if outcome is None:
        return None  # invalid (the full path reports it), or the validation could not say
    kept = outcome
    # The new base: this spec, these texts, these objects.
    try:
        raw = doc.path.read_bytes()
    except OSError:
        return None
    text = doc.text.encode("utf-8")
    if raw != text and raw != b"\xef\xbb\xbf" + text:
        return None
    snapshot.docs = {doc_key: [str(doc.path), doc.path.suffix.lower() == ".json", _sha(raw), _keep_units(cache, blobs, snapshot.fresh, unit_keys, differing)]}
    snapshot.values, snapshot.sources = list(texts.values), list(texts.sources)
    snapshot.impure = sorted(texts.impure)
    for path, context in contexts.items():
        blob = pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL)
        object_key = _sha(blob)
        snapshot.fresh[object_key] = blob
        snapshot.files[path] = [_MODEL_TEMPLATE, object_key, sorted(texts.tokens_of(context))]
    snapshot.state = rebuilt.state
    snapshot.units = kept or None
    snapshot.current, snapshot.new = {}, True
    inputs = [Path(entry[0]) for entry in snapshot.docs.values()] + [Path(p) for p in snapshot.others]
    return Update(files, inputs, snapshot, affected, structural=True)


def _valid(spec: Any, cache: Cache, known: Any, changed: set[tuple[str, ...]], kept: dict[str, Any]) -> dict[str, Any] | None:
    """What the validation's keys were made of (see validation_diagnostics) if ``spec`` is valid, else None."""
    from .validate import validation_diagnostics

    try:
        errors = validation_diagnostics(spec, cache=cache, jobs=1, known=known, changed=changed.__contains__, keep=kept)
    except GenerationError:
        return None
    return None if errors else kept


def _meanwhile(work: Callable[[Cache | None], Any], cache_dir: Path | None) -> Callable[[], Any]:
    """Start ``work`` and return what waits for its result (a picklable value). In a forked child
    where the platform can fork (given a cache of its own: a connection is never used across a
    fork), else here when waited for. A child that fails gives None."""
    from . import workers

    if cache_dir is None or not workers.can_fork():
        return lambda: work(None)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the result, leave without cleaning up the parent's state
        code = 0
        try:
            os.close(read_end)
            own = Cache(cache_dir)
            try:
                payload = pickle.dumps(work(own), protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                own.close()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - the parent takes the full path
            code = 1
        os._exit(code)
    os.close(write_end)

    def wait() -> Any:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        try:
            return pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
            return None

    done: list[Any] = []

    def result() -> Any:
        if not done:
            done.append(wait())
        return done[0]

    return result


def _package(snapshot: Snapshot, cache: Cache) -> str | None:
    objects = cache.get_many(_OBJECTS, [snapshot.shown])
    try:
        return str(_unpickle(objects[snapshot.shown]).package)
    except (KeyError, pickle.UnpicklingError, AttributeError, EOFError, ImportError, IndexError, TypeError, ValueError):
        return None


def _old_resource(cache: Cache, snapshot: Snapshot, package: str, resource_path: tuple[str, ...]) -> Any:
    """The last run's resource at ``resource_path`` (from its module's kept objects), or None."""
    from .render import _module_path

    module = ".resources." + ".".join(resource_path)
    for path in (_module_path(package, module, False), _module_path(package, module, True)):
        entry = snapshot.files.get(path)
        if entry is None or entry[0] != "package/resources/resource.py.j2":
            continue
        try:
            return _unpickle(cache.get_many(_OBJECTS, [entry[1]])[entry[1]])["resource"]
        except (KeyError, pickle.UnpicklingError, AttributeError, EOFError, ImportError, IndexError, TypeError, ValueError):
            return None
    return None


class _IRUnpickler(pickle.Unpickler):
    """Unpickles IR objects and nothing else: a cache directory can be shared (a CI cache restored
    from another branch), and a pickle that names any other class could run code."""

    def find_class(self, module: str, name: str) -> Any:
        from . import ir

        if module == ir.__name__ and isinstance(getattr(ir, name, None), type) and dataclasses.is_dataclass(getattr(ir, name)):
            return getattr(ir, name)
        if module == "builtins" and name in ("frozenset", "set", "tuple", "list", "dict"):
            return getattr(builtins, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not an IR class")


def _unpickle(data: bytes) -> Any:
    return _IRUnpickler(io.BytesIO(data)).load()


def _output_files(snapshot: Snapshot, output: Path) -> dict[str, str] | None:
    """The output directory's files, if exactly as the snapshot's run left them (the manifest aside)."""
    from .write import MANIFEST

    files: dict[str, str] = {}
    for name, digest in snapshot.outputs.items():
        try:
            data = (output / name).read_bytes()
        except OSError:
            return None
        if _sha(data) != digest:
            return None
        if name != MANIFEST:
            files[name] = data.decode("utf-8", "surrogatepass")
    return files


def _changes(
    cache: Cache, snapshot: Snapshot, max_bytes: int, *, structural_ok: bool
) -> tuple[dict[int, str], set[tuple[str, ...]], dict[str, Any], set[tuple[str, ...]]] | None:
    """What changed since the base: each token's text that differs from the base's, and (with
    ``structural_ok``) the ``components/schemas`` entries changed otherwise, with the documents
    parsed again; None if anything else changed (the full path)."""
    from .load import SURROGATE, _json_depth_ok, _lone_surrogate, parse_document

    where: dict[tuple[str, tuple[str, ...]], list[tuple[int, bool]]] = {}
    for number, (key, parts, strip) in enumerate(snapshot.sources):
        where.setdefault((key, parts), []).append((number, strip))  # tuples: marshal keeps them
    impure = set(snapshot.impure)
    changed: dict[int, str] = {}
    units: set[tuple[str, ...]] = set()
    differing: set[tuple[str, ...]] = set()
    old_data: dict[tuple[str, ...], Any] = {}
    parsed: dict[str, Any] = {}
    total = 0
    prefix = Texts(snapshot.nonce).prefix

    def prose(key: str, leaves: list[tuple[tuple[str, ...], str, str]]) -> dict[int, str] | None:
        """The texts these changed strings are, if each is prose the build read as such."""
        found: dict[int, str] = {}
        for parts, old, new in leaves:
            readers = where.get((key, parts))
            if old in impure or prefix in new or SURROGATE.search(new) or _in_data(parts):
                return None
            if not readers:
                # Prose the build never looked at (a response's description): no file changes. The
                # build reads prose only through texts.read, which gives every text it finds there
                # that says something (``old.strip()``) a source, unless it found it somewhere the
                # document does not hold it (then ``old`` is impure, above): no source, not read.
                if parts[-1] in ("description", "summary") and old.strip() and new.strip():
                    continue
                return None
            for number, strip in readers:
                text = new.strip() if strip else new
                if blank(text):
                    return None
                if text != snapshot.values[number]:
                    found[number] = text
        return found

    for key, (path, _, digest, kept_units) in snapshot.docs.items():
        try:
            raw = Path(path).read_bytes()
        except OSError:
            return None
        total += len(raw)
        if total > max_bytes:
            return None
        sha = _sha(raw)
        if sha == digest:
            continue
        try:
            # Depth and lone surrogates were checked in the snapshot's run: only changed strings
            # can bring them, and those are checked below (changed units are checked whole).
            doc = parse_document(Path(path), max_bytes, checks=False)
        except Exception:  # any refusal is the full path's to report
            return None
        if doc.problems:
            return None
        # Unit by unit (each compared by its kept digest): prose where only prose changed, else a
        # component schema redone.
        new_units = _units(doc.data)
        blobs = _unit_blobs(new_units)
        if blobs is None or list(blobs) != [tuple(parts) for parts, _ in kept_units]:
            return None
        keys = {parts: "u" + _sha(blob) for parts, blob in blobs.items()}
        parsed[key] = (doc, blobs, keys, old_data)
        changed_units = [(tuple(parts), unit_key) for parts, unit_key in kept_units if keys[tuple(parts)] != unit_key]
        found_blobs = cache.get_many(_OBJECTS, [unit_key for _, unit_key in changed_units])
        # Each unit's bytes are kept under their own digest: anything else is not what this kept.
        if any(unit_key not in found_blobs or "u" + _sha(found_blobs[unit_key]) != unit_key for _, unit_key in changed_units):
            return None
        for parts, unit_key in changed_units:
            old, new = marshal.loads(found_blobs[unit_key]), new_units[parts]
            old_data[parts] = old
            differing.add(parts)
            leaves: list[tuple[tuple[str, ...], str, str]] = []
            if _diff(old, new, parts, leaves):
                found = prose(key, leaves)
                if found is not None:
                    changed.update(found)
                    continue
            if not structural_ok or len(parts) != 3 or parts[:2] != ("components", "schemas"):
                return None
            if not _json_depth_ok(new) or _lone_surrogate(new) is not None:
                return None
            units.add(parts)
    return changed, units, parsed, differing


def _unit_blobs(units: dict[tuple[str, ...], Any]) -> dict[tuple[str, ...], bytes] | None:
    """Each of a document's units (see :func:`_units`) as marshal's bytes, in order; None if marshal
    refuses some value (YAML's dates). Marshal's version 2 writes no back-references: equal data in
    the same order gives equal bytes, and another order other bytes."""
    try:
        return {parts: marshal.dumps(value, 2) for parts, value in units.items()}
    except ValueError:
        return None


def _keep_units(
    cache: Cache, blobs: dict[tuple[str, ...], bytes], fresh: dict[str, bytes], keys: dict[tuple[str, ...], str] | None = None,
    new: set[tuple[str, ...]] | None = None,
) -> list[tuple[tuple[str, ...], str]]:
    """[(unit parts, key of its bytes)] for a snapshot; the bytes no earlier run kept go to ``fresh``
    (with ``keys`` made already, and ``new`` the only units that may not be kept yet)."""
    if keys is None:
        keys = {parts: "u" + _sha(blob) for parts, blob in blobs.items()}
    candidates = keys if new is None else {parts: keys[parts] for parts in new}
    kept = cache.has_many(_OBJECTS, list(set(candidates.values())))
    for parts, key in candidates.items():
        if key not in kept:
            fresh[key] = blobs[parts]
    return list(keys.items())


def _units(data: Any) -> dict[tuple[str, ...], Any]:
    """A document's units (see load.unit), in order: each top-level key but paths, webhooks and
    components, each path item and webhook, each component entry, and the names in each of those
    sections; a document that does not split so (not a mapping, a name that is not a string: YAML's
    ``1`` and ``"1"`` would be one unit) is one unit, ()."""
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        return {(): data}
    out: dict[tuple[str, ...], Any] = {}
    for key, value in data.items():
        if key in ("paths", "webhooks", "components"):
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                return {(): data}
            if key == "components":
                for kind, entries in value.items():
                    if not isinstance(entries, dict) or not all(isinstance(k, str) for k in entries):
                        return {(): data}
                    out[(key, kind)] = list(entries)  # the names, in order
                    for name, entry in entries.items():
                        out[(key, kind, name)] = entry
            else:
                out[(key,)] = list(value)
                for name, entry in value.items():
                    out[(key, name)] = entry
        else:
            out[(key,)] = value
    return out


def _in_data(parts: tuple[str, ...]) -> bool:
    """Whether the pointer runs through a value that is data (an example, a default, an extension),
    which the build may read whole; prose read from there is not treated as prose only."""
    from .load import is_data

    return any(is_data(parts[:index], part) for index, part in enumerate(parts[:-1]))


def _diff(old: Any, new: Any, parts: tuple[str, ...], leaves: list[tuple[tuple[str, ...], str, str]]) -> bool:
    """Whether ``new`` differs from ``old`` only in string values of mappings (listed in ``leaves``):
    the same keys in the same order, the same values of the same types everywhere else."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        if list(old) != list(new):
            return False
        for key, a in old.items():
            b = new[key]
            if a is b:
                continue
            if type(a) is not type(b):
                return False
            if type(a) is str:
                if a != b:
                    leaves.append(((*parts, str(key)), a, b))
            elif isinstance(a, (dict, list)):
                # Equal as values, and in the same order (which == does not see for mappings); marshal's
                # version 2 writes no back-references, so equal data gives equal bytes.
                if a == b and marshal.dumps(a, 2) == marshal.dumps(b, 2):
                    continue
                if not _diff(a, b, (*parts, str(key)), leaves):
                    return False
            elif not _same(a, b):
                return False
        return True
    if isinstance(old, list):
        if len(old) != len(new):
            return False
        for index, (a, b) in enumerate(zip(old, new)):
            if type(a) is not type(b):
                return False
            if isinstance(a, (dict, list)):
                if not (a == b and marshal.dumps(a, 2) == marshal.dumps(b, 2)) and not _diff(a, b, (*parts, str(index)), leaves):
                    return False
            elif not _same(a, b):
                return False
        return True
    return _same(old, new)


def _same(a: Any, b: Any) -> bool:
    """Equal scalars of one type (``-0.0`` and ``0.0`` are not: a default shows its sign)."""
    return type(a) is type(b) and a == b and (type(a) is not float or repr(a) == repr(b))
