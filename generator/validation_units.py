"""Validation split into units, each validated once, cached by content hash and spread over cores.

openapi-spec-validator checks a document in two passes: the JSON-Schema meta-schema over the whole
document (structural), and keyword validators that walk every schema, parameter and response
(semantic). On a large spec both are slow, the second doubly so because it revisits shared schemas.
Here the document is cut into *units*: the root (everything but paths, webhooks and components), each
path item, each webhook and each component entry. Then:

- structural: each unit is validated alone, inside a minimal document, against the same
  meta-schema. Its errors depend only on the unit's bytes, so they are cached by its content hash.
- semantic: each path item and each component schema is walked by the library's own keyword
  validators, which stop at references to other component schemas (those are units of their own):
  every schema is walked exactly once. A unit's result can depend on what it references (defaults are
  checked against referenced schemas), so it is cached by the hash of the unit *and* everything it
  references, transitively.
- Units that miss the cache are validated in up to ``jobs`` worker processes.

The result is the same set of errors the library reports, each located at the node it is about.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from jsonschema.exceptions import ValidationError

from . import workers
from .cache import Cache
from .diagnostics import parse_pointer


def _speed_up_protocol_check() -> None:
    """On Python < 3.12, ``isinstance(x, SomeProtocol)`` recomputes the protocol's members on every
    call; pathable (under openapi-spec-validator) makes that check for every node it visits, which
    was 40% of validation time on GitHub's spec (py-spy/cProfile). Replace it, for that one module,
    by the same test done directly: the object's type has each of the protocol's methods."""
    if sys.version_info >= (3, 12):
        return
    try:
        from pathable import accessors
    except ImportError:  # pragma: no cover - another version of the library
        return
    protocol = getattr(accessors, "Subscriptable", None)
    if protocol is None or not getattr(protocol, "_is_runtime_protocol", False):
        return
    members = ("__contains__", "__getitem__", "__len__")

    class _Meta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            kind = type(obj)
            return all(getattr(kind, m, None) is not None for m in members)

    accessors.Subscriptable = _Meta("Subscriptable", (), {})  # type: ignore[misc,assignment]


_speed_up_protocol_check()

#: A validation finding: JSON-pointer parts of the node it is about, and the message.
Finding = tuple[tuple[str, ...], str]

_COMPONENT_SECTIONS = "components"
_SPLIT_SECTIONS = ("paths", "webhooks")
#: Below this many units to validate, worker processes cost more than they save.
PARALLEL_THRESHOLD = 200
#: Bump when the way findings are computed changes: old cache entries are then ignored.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Unit:
    """One independently validated part of the document."""

    parts: tuple[str, ...]  # () for the root
    value: Any

    @property
    def kind(self) -> str:
        return "root" if not self.parts else self.parts[0] if self.parts[0] != _COMPONENT_SECTIONS else self.parts[1]


def split_units(document: dict[str, Any]) -> list[Unit]:
    """The root, then path items, webhooks and component entries, in document order."""
    root = {k: v for k, v in document.items() if k not in _SPLIT_SECTIONS and k != _COMPONENT_SECTIONS}
    units = [Unit((), root)]
    for section in _SPLIT_SECTIONS:
        if isinstance(document.get(section), dict):
            units.extend(Unit((section, str(key)), item) for key, item in document[section].items())
    components = document.get(_COMPONENT_SECTIONS)
    if isinstance(components, dict):
        for kind, entries in components.items():
            if isinstance(entries, dict):
                units.extend(
                    Unit((_COMPONENT_SECTIONS, str(kind), str(name)), value) for name, value in entries.items()
                )
            else:  # not a mapping: let the meta-schema say so, from a unit of its own
                units.append(Unit((_COMPONENT_SECTIONS, str(kind)), entries))
    return units


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass"
    )


def _digest(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()


#: ``"$ref":"<string>"`` in canonical JSON (see :func:`_canonical`: no spaces). A match is a "$ref" key
#: with a string value when a ``{`` or ``,`` comes right before it; otherwise its first quote is an
#: escaped one (``\"``) inside a longer key. (A literal first: the regex engine then scans fast.)
_REF_IN_JSON = re.compile(rb'"\$ref":"((?:[^"\\]|\\.)*)"')


def _local_refs(content: bytes) -> Iterator[str]:
    """Every string ``$ref`` of a unit, from its canonical JSON (as a walk over every mapping finds them)."""
    for match in _REF_IN_JSON.finditer(content):
        start = match.start()
        if start == 0 or content[start - 1] not in b"{,":
            continue
        text = match.group(1).decode("utf-8", "surrogatepass")
        yield json.loads(f'"{text}"') if "\\" in text else text


@functools.lru_cache(maxsize=65536)
def _ref_target(ref: str) -> tuple[str, ...] | None:
    """The unit a reference points into: a component entry (or path item) of this document."""
    if not ref.startswith("#/"):
        return None
    try:
        parts = tuple(parse_pointer(ref[1:]))
    except ValueError:
        return None
    if len(parts) >= 3 and parts[0] == _COMPONENT_SECTIONS:
        return parts[:3]
    if len(parts) >= 2 and parts[0] in _SPLIT_SECTIONS:
        return parts[:2]
    return None


def unit_keys(
    units: list[Unit], contents: list[bytes], version: str, external: Callable[[str], bytes]
) -> tuple[list[str], list[str]]:
    """(structural key, semantic key) per unit: own content hash, and hash with everything referenced.

    ``external(ref)`` returns the bytes of the file a non-local reference points into, so that a unit
    reaching into another file is re-validated when that file changes.
    """
    index = {u.parts: i for i, u in enumerate(units)}
    own: list[str] = []
    deps: list[set[int]] = []
    files: list[set[str]] = []
    for unit, content in zip(units, contents):
        own.append(_digest(version.encode(), repr(unit.parts).encode(), content))
        targets: set[int] = set()
        outside: set[str] = set()
        for ref in set(_local_refs(content)):
            if ref.startswith("#"):
                target = _ref_target(ref)
                if target is not None and target in index:
                    targets.add(index[target])
            else:
                outside.add(ref.partition("#")[0])
        deps.append(targets)
        files.append(outside)
    semantic = []
    for i in range(len(units)):
        seen, stack = {i}, [i]
        while stack:
            for j in deps[stack.pop()]:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        reached = sorted(set().union(*(files[j] for j in seen)))
        chunks = [own[j].encode() for j in sorted(seen)]
        chunks += [_digest(f.encode("utf-8", "surrogatepass"), external(f)).encode() for f in reached]
        semantic.append(_digest(b"semantic", *chunks))
    return own, semantic


def minimal_document(document: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """A document holding ``unit`` and just enough around it to be checked by the meta-schema."""
    if not unit.parts:
        doc = dict(unit.value)
        # The sections split off into units of their own are checked there; keep the root's shape.
        if any(section in document for section in ("paths", "webhooks", _COMPONENT_SECTIONS)):
            if "paths" in document or not str(document.get("openapi", "")).startswith("3.0"):
                doc["paths"] = {}
        return doc
    base: dict[str, Any] = {"openapi": document.get("openapi"), "info": {"title": "unit", "version": "0"}}
    if str(document.get("openapi", "")).startswith("3.0"):
        base["paths"] = {}
    if unit.parts[0] == _COMPONENT_SECTIONS:
        if len(unit.parts) == 2:
            base[_COMPONENT_SECTIONS] = {unit.parts[1]: unit.value}
        else:
            base[_COMPONENT_SECTIONS] = {unit.parts[1]: {unit.parts[2]: unit.value}}
    else:
        base[unit.parts[0]] = {unit.parts[1]: unit.value}
    if "jsonSchemaDialect" in document:
        base["jsonSchemaDialect"] = document["jsonSchemaDialect"]
    return base


# --- the work itself (runs in the main process or in workers) -------------------------------------


@dataclass
class Job:
    """What a worker needs: the document, and how to build the library's validator for it."""

    document: dict[str, Any]
    make_validator: Callable[[], Any]
    locate: Callable[[ValidationError], tuple[str, ...] | None]
    message: Callable[[ValidationError], str]
    #: The message for a unit the validator could not finish (it raised instead of reporting).
    stopped: Callable[[Exception], str]


_JOB: Job | None = None  # set before forking workers, inherited by them


class _IdSet(list):  # type: ignore[type-arg]
    """The validator keeps visited schema ids in lists (quadratic on big specs); same API, O(1) lookups.

    Ids in ``stop`` count as visited (other component schemas, validated as units of their own).
    """

    def __init__(self, stop: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self._ids: set[int] = set()
        self._stop = stop

    def append(self, item: int) -> None:  # type: ignore[override]
        self._ids.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids or item in self._stop


def _structural(job: Job, unit: Unit, validator: Any, fast: Callable[[Any], bool] | None) -> list[Finding]:
    document = minimal_document(job.document, unit)
    if fast is not None and fast(document):
        return []
    out: list[Finding] = []
    for error in validator.schema_validator.iter_errors(document):
        parts = tuple(str(p) for p in error.absolute_path)
        out.append((parts, job.message(error)))
    return out


def _semantic(job: Job, unit: Unit, validator: Any, component_ids: dict[tuple[str, ...], int]) -> list[Finding]:
    registry = validator.keyword_validators_registry
    schema_validator = registry["schema"]
    # Other component schemas are units of their own: they count as visited, so the walk stops there.
    own = component_ids.get(unit.parts)
    stop = _STOP_CACHE.get(own)
    if stop is None:
        stop = _STOP_CACHE[own] = frozenset(i for i in component_ids.values() if i != own)
    schema_validator.visited_schema_ids = _IdSet(stop)
    schema_validator.meta_checked_schema_ids = _IdSet()
    registry["operation"].operation_ids_registry = _NoIds()
    root = validator.schema_path
    node = _children(root, unit.parts[:-1]).get(unit.parts[-1]) if unit.parts else None
    if unit.parts and unit.parts[0] == "paths" and len(unit.parts) == 2 and node is not None:
        errors: Iterable[ValidationError] = registry["path"](unit.parts[1], node)
    elif unit.kind == "schemas" and len(unit.parts) == 3 and node is not None:
        # The library visits a component schema twice (through its references, then as a component):
        # the first visit stops at a meta-schema error, the second walks it anyway. Same here.
        errors = itertools.chain(schema_validator(node), schema_validator(node, meta_checked=True))
    elif not unit.parts and isinstance(job.document.get("tags"), list) and "tags" in registry.keyword_validators:
        errors = registry["tags"](root / "tags")
    else:
        return []
    out: list[Finding] = []
    for error in errors:
        parts = job.locate(error)
        out.append((parts if parts is not None else tuple(str(p) for p in error.absolute_path), job.message(error)))
    return out


class _NoIds(list):  # type: ignore[type-arg]
    """Duplicate operationIds are checked across the whole document by ``duplicate_operation_ids``."""

    def append(self, item: Any) -> None:  # type: ignore[override]
        pass

    def __contains__(self, item: object) -> bool:
        return False


_STOP_CACHE: dict[int | None, frozenset[int]] = {}
_CHILDREN: dict[tuple[str, ...], dict[str, Any]] = {}


def _children(root: Any, parts: tuple[str, ...]) -> dict[str, Any]:
    """The library's path objects under ``parts``, by key (keys may hold "/" or "#", so no ``/`` joins)."""
    found = _CHILDREN.get(parts)
    if found is None:
        node = _children(root, parts[:-1])[parts[-1]] if parts else root
        found = _CHILDREN[parts] = {str(k): v for k, v in node.items()}
    return found


def _component_schema_ids(document: dict[str, Any]) -> dict[tuple[str, ...], int]:
    schemas = document.get(_COMPONENT_SECTIONS, {})
    schemas = schemas.get("schemas") if isinstance(schemas, dict) else None
    if not isinstance(schemas, dict):
        return {}
    return {(_COMPONENT_SECTIONS, "schemas", str(k)): id(v) for k, v in schemas.items() if isinstance(v, dict)}


def _run(tasks: list[tuple[int, Unit, bool, bool]]) -> list[tuple[int, list[Finding] | None, list[Finding] | None]]:
    """Validate ``(index, unit, structural?, semantic?)`` tasks with one validator (one walk state)."""
    job = _JOB
    assert job is not None
    validator = job.make_validator()
    component_ids = _component_schema_ids(job.document)
    _STOP_CACHE.clear()
    _CHILDREN.clear()
    fast = _fast_checks(validator) if len(tasks) >= FAST_CHECK_THRESHOLD else None
    if fast is not None:
        _install_fast_meta_check(validator, fast[1])
    results = []
    for index, unit, structural, semantic in tasks:
        found_structural = found_semantic = None
        try:
            if structural:
                found_structural = _structural(job, unit, validator, fast[0] if fast else None)
            if semantic:
                found_semantic = _semantic(job, unit, validator, component_ids)
        except Exception as exc:  # noqa: BLE001 - the library gave up on this unit: say so, go on
            stop = [(unit.parts, job.stopped(exc))]
            found_structural = stop if structural else None
            found_semantic = stop if semantic and not structural else ([] if semantic else None)
        results.append((index, found_structural, found_semantic))
    return results


#: Below this many units, compiling the fast checkers costs more than it saves.
FAST_CHECK_THRESHOLD = 50
_FAST: dict[int, Callable[[Any], bool] | None] = {}


def _compiled(schema: Any) -> Callable[[Any], bool] | None:
    """A fastjsonschema validator for a draft-04 meta-schema, as a yes/no check; None if unavailable.

    It is only a pre-check: whatever it rejects is validated again by the library, whose messages
    are the ones reported, so a difference between the two can cost time but never change a result.
    """
    key = id(schema)
    if key not in _FAST:
        _FAST[key] = None
        if isinstance(schema, dict) and "draft-04" in str(schema.get("$schema", "")):
            try:
                import fastjsonschema

                check = fastjsonschema.compile(schema, use_default=False, use_formats=False)
            except Exception:  # noqa: BLE001 - any failure only means no fast path
                check = None
            if check is not None:

                def ok(instance: Any, check: Callable[[Any], Any] = check) -> bool:
                    try:
                        check(instance)
                    except Exception:  # noqa: BLE001 - invalid, or beyond fastjsonschema: ask the library
                        return False
                    return True

                _FAST[key] = ok
    return _FAST[key]


def _fast_checks(validator: Any) -> tuple[Callable[[Any], bool] | None, Callable[[Any], bool] | None] | None:
    """Pre-checks for (the document meta-schema, the schema dialect meta-schema), where possible."""
    document_schema = getattr(validator.schema_validator, "schema", None)
    schema_checker = validator.keyword_validators_registry["schema"]
    dialect = getattr(getattr(schema_checker, "schema_validator_cls", None), "META_SCHEMA", None)
    checks = (_compiled(document_schema), _compiled(dialect))
    return checks if any(checks) else None


def _install_fast_meta_check(validator: Any, fast: Callable[[Any], bool] | None) -> None:
    """Let the per-schema meta-schema check skip schemas the fast checker accepts."""
    if fast is None:
        return
    schema_checker = validator.keyword_validators_registry["schema"]
    slow = schema_checker._validate_schema_meta

    def validate_schema_meta(schema: Any, schema_value: Any) -> Any:
        return None if fast(schema_value) else slow(schema, schema_value)

    schema_checker._validate_schema_meta = validate_schema_meta


def duplicate_operation_ids(document: dict[str, Any]) -> list[Finding]:
    """The library's duplicate-operationId check, over the whole document (it is global by nature)."""
    seen: set[Any] = set()
    out: list[Finding] = []
    paths = document.get("paths")
    for url, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op or op["operationId"] is None:
                continue
            op_id = op["operationId"]
            key = json.dumps(op_id, sort_keys=True, default=str)
            if key in seen:
                out.append(
                    (
                        ("paths", str(url), str(method), "operationId"),
                        f"Operation ID '{op_id}' for '{method}' in '{url}' is not unique",
                    )
                )
            seen.add(key)
    return out


# --- the cache ---------------------------------------------------------------------------------------


class FindingsCache:
    """Findings by key, kept in the persistent :class:`~generator.cache.Cache` (kind "validation")."""

    KIND = f"validation-{CACHE_FORMAT}"

    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache or Cache(None)
        self.entries: dict[str, list[Finding]] = {}
        self.new: dict[str, bytes] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        for key, raw in self.cache.get_many(self.KIND, keys).items():
            try:
                self.entries[key] = [(tuple(p), m) for p, m in json.loads(raw)]
            except (ValueError, TypeError):
                continue

    def get(self, key: str) -> list[Finding] | None:
        return self.entries.get(key)

    def put(self, key: str, findings: list[Finding]) -> None:
        self.entries[key] = findings
        self.new[key] = json.dumps([[list(p), m] for p, m in findings], separators=(",", ":")).encode()

    def save(self) -> None:
        self.cache.put_many(self.KIND, self.new)
        self.new = {}


def validate_units(
    job: Job,
    *,
    version: str,
    external: Callable[[str], bytes],
    cache: FindingsCache,
    jobs: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[Finding]:
    """Every finding of the document, in document order (units in order, then duplicate operationIds).

    ``meanwhile`` (which must not raise) runs in this process while worker processes validate, or
    after the validation when there are none.
    """
    global _JOB
    units = split_units(job.document)
    contents = [_canonical(u.value) for u in units]
    structural_keys, semantic_keys = unit_keys(units, contents, version, external)
    cache.prefetch(["s" + k for k in structural_keys] + ["k" + k for k in semantic_keys])
    structural: list[list[Finding] | None] = [cache.get("s" + k) for k in structural_keys]
    semantic: list[list[Finding] | None] = [cache.get("k" + k) for k in semantic_keys]
    # Identical units (same key) are validated once: the first one does the work for all.
    first_structural: dict[str, int] = {}
    first_semantic: dict[str, int] = {}
    tasks = []
    for i, unit in enumerate(units):
        do_s = structural[i] is None and first_structural.setdefault(structural_keys[i], i) == i
        do_k = semantic[i] is None and first_semantic.setdefault(semantic_keys[i], i) == i
        if do_s or do_k:
            tasks.append((i, unit, do_s, do_k))

    _JOB = job
    try:
        parallel = jobs > 1 and len(tasks) >= PARALLEL_THRESHOLD and workers.can_fork()
        if parallel:
            _fast_checks(job.make_validator())  # compile once here; forked workers inherit it
            chunks = _partition(tasks, [len(contents[t[0]]) for t in tasks], jobs)
            with workers.pool(len(chunks)) as pool:
                pending = pool.map(_run, chunks)  # every chunk is handed out now
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
                results = [r for chunk in pending for r in chunk]
        else:
            results = _run(tasks)
    finally:
        _JOB = None
    if meanwhile is not None:
        meanwhile()
    for index, found_structural, found_semantic in results:
        if found_structural is not None:
            structural[index] = found_structural
            cache.put("s" + structural_keys[index], found_structural)
        if found_semantic is not None:
            semantic[index] = found_semantic
            cache.put("k" + semantic_keys[index], found_semantic)
    for i in range(len(units)):
        if structural[i] is None:
            structural[i] = structural[first_structural[structural_keys[i]]]
        if semantic[i] is None:
            semantic[i] = semantic[first_semantic[semantic_keys[i]]]
    cache.save()

    findings: list[Finding] = []
    for s, k in zip(structural, semantic):
        findings.extend(s or ())
        findings.extend(k or ())
    findings.extend(duplicate_operation_ids(job.document))
    return findings


def _partition(
    tasks: list[tuple[int, Unit, bool, bool]], weights: list[int], jobs: int
) -> list[list[tuple[int, Unit, bool, bool]]]:
    """Split tasks into ``jobs`` chunks of about equal weight (serialised length, a proxy for work)."""
    chunks: list[list[tuple[int, Unit, bool, bool]]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for task, weight in sorted(zip(tasks, weights), key=lambda tw: -tw[1]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(task)
        loads[lightest] += weight
    return [sorted(c, key=lambda t: t[0]) for c in chunks if c]
