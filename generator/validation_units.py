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

The library checks each schema once, in the order its walk meets them, and what it reports then
depends on that order in two cases: a schema that fails the schema meta-schema is not walked further
the first time the walk meets it, only the next time (if any); and "Required list has not defined
properties" is reported only when the walk first meets the schema directly under a media type,
parameter or component, not inside another schema. When a unit finds either (``ordered``), its
per-unit findings may differ from the library's, so the semantic pass is run as the library runs it,
over the whole document (with only the patches that change no result: O(1) visited sets, the
compiled pre-check, the faster protocol check). Otherwise, the findings are the library's, each
node's once (``tests/test_validator_patch.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote

from jsonschema.exceptions import ValidationError

from . import workers
from .cache import Cache
from .diagnostics import parse_pointer
from .load import follow_local_refs


def _speed_up_protocol_check() -> None:
    """(Applied by :func:`validate_units`, only with the tested versions of the libraries.)

    On Python < 3.12, ``isinstance(x, SomeProtocol)`` recomputes the protocol's members on every
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


#: A validation finding: JSON-pointer parts of the node it is about, the message, and whether the
#: parts are the path by which the library's walk reached the node (maybe through references) rather
#: than a place in the document as written.
Finding = tuple[tuple[str, ...], str, bool]

_COMPONENT_SECTIONS = "components"
_SPLIT_SECTIONS = ("paths", "webhooks")
#: Below this many units to validate, worker processes cost more than they save.
PARALLEL_THRESHOLD = 200
#: Bump when the way findings are computed changes: old cache entries are then ignored.
CACHE_FORMAT = 2


@dataclass(frozen=True)
class Unit:
    """One independently validated part of the document."""

    parts: tuple[str, ...]  # () for the root
    value: Any

    @property
    def kind(self) -> str:
        return "root" if not self.parts else self.parts[0] if self.parts[0] != _COMPONENT_SECTIONS else self.parts[1]


def split_units(document: dict[str, Any]) -> list[Unit]:
    """The root, then path items, webhooks and component entries, in document order.

    A section that is not a mapping stays in the root (the meta-schema then says so from there).
    """
    split = {k for k in (*_SPLIT_SECTIONS, _COMPONENT_SECTIONS) if isinstance(document.get(k), dict)}
    root = {k: v for k, v in document.items() if k not in split}
    units = [Unit((), root)]
    for section in _SPLIT_SECTIONS:
        if section in split:
            units.extend(Unit((section, str(key)), item) for key, item in document[section].items())
    if _COMPONENT_SECTIONS in split:
        for kind, entries in document[_COMPONENT_SECTIONS].items():
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
    """Every string ``$ref`` of a unit, from its canonical JSON (as a walk over every mapping finds
    them): also those inside examples, defaults and extensions, which the validator does not follow
    (more than needed only costs a re-validation)."""
    for match in _REF_IN_JSON.finditer(content):
        start = match.start()
        if start == 0 or content[start - 1] not in b"{,":
            continue
        text = match.group(1).decode("utf-8", "surrogatepass")
        yield json.loads(f'"{text}"') if "\\" in text else text


@functools.lru_cache(maxsize=65536)
def _ref_parts(ref: str) -> tuple[str, ...] | None:
    """The pointer parts of a same-document reference (percent-decoded, as the resolver reads it)."""
    try:
        return tuple(parse_pointer(unquote(ref[1:])))
    except ValueError:
        return None


def _ref_units(ref: str, index: dict[tuple[str, ...], int], within: dict[tuple[str, ...], list[int]]) -> list[int]:
    """The units a same-document reference points into: the one holding its target, every unit under
    a whole section it names (``#/components/schemas``, ``#``), or none if it leads nowhere."""
    parts = _ref_parts(ref)
    if parts is None:
        return []
    if not parts:
        return list(index.values())
    for depth in (3, 2):
        if parts[:depth] in index:
            return [index[parts[:depth]]]
    if parts in within:
        return within[parts]
    if parts[:1] in within:
        return []  # into a section cut into units, but no unit holds it: dangling (the loader says so)
    return [index[()]]  # elsewhere: in the root


def unit_keys(
    units: list[Unit], contents: list[bytes], version: str, external: Callable[[str], bytes]
) -> tuple[list[str], list[str]]:
    """(structural key, semantic key) per unit: own content hash, and hash with everything referenced.

    ``external(ref)`` returns a digest of what a non-local reference may reach, so that a unit
    reaching into another file is re-validated when that file changes.
    """
    index = {u.parts: i for i, u in enumerate(units)}
    within: dict[tuple[str, ...], list[int]] = {}
    for i, unit in enumerate(units):
        for depth in range(1, len(unit.parts)):
            within.setdefault(unit.parts[:depth], []).append(i)
    own: list[str] = []
    deps: list[set[int]] = []
    files: list[set[str]] = []
    for unit, content in zip(units, contents):
        own.append(_digest(version.encode(), repr(unit.parts).encode(), content))
        targets: set[int] = set()
        outside: set[str] = set()
        for ref in set(_local_refs(content)):
            if ref.startswith("#"):
                targets.update(_ref_units(ref, index, within))
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


#: The ``openapi`` field of the minimal documents: a valid one of the same minor version, so that a
#: unit's findings do not depend on the root's field (whose own errors the root unit reports).
_MINIMAL_VERSIONS = {"3.0": "3.0.3", "3.1": "3.1.1", "3.2": "3.2.0"}


def minimal_document(document: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """A document holding ``unit`` and just enough around it to be checked by the meta-schema."""
    version = str(document.get("openapi", ""))
    if not unit.parts:
        doc = dict(unit.value)
        # The sections split off into units of their own are checked there; keep the root's shape.
        if any(isinstance(document.get(s), dict) for s in ("paths", "webhooks", _COMPONENT_SECTIONS)):
            if "paths" in document or not version.startswith("3.0"):
                doc.setdefault("paths", {})
        return doc
    minor = ".".join(version.split(".")[:2])
    base: dict[str, Any] = {"openapi": _MINIMAL_VERSIONS.get(minor, version), "info": {"title": "unit", "version": "0"}}
    if version.startswith("3.0"):
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
    #: The operations of a path item the library checks (besides 3.2's ``additionalOperations``).
    operations: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    additional_operations: bool = False


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
        out.append((parts, job.message(error), False))
    return out


def _finding(job: Job, error: ValidationError) -> Finding:
    parts = job.locate(error)
    if parts is None:
        return (tuple(str(p) for p in error.absolute_path), job.message(error), False)
    return (parts, job.message(error), True)


def _semantic(
    job: Job, unit: Unit, validator: Any, component_ids: dict[tuple[str, ...], int], failed: list[bool]
) -> tuple[list[Finding], bool]:
    """The unit's findings, and whether they may depend on the order of the library's walk (see the
    module's doc): ``failed`` is set when a schema fails the schema meta-schema."""
    from openapi_spec_validator.validation.exceptions import ExtraParametersError

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
    failed[0] = False
    root = validator.schema_path
    node = _children(root, unit.parts[:-1]).get(unit.parts[-1]) if unit.parts else None
    if unit.parts and unit.parts[0] == "paths" and len(unit.parts) == 2 and node is not None:
        errors: Iterable[ValidationError] = registry["path"](unit.parts[1], node)
    elif unit.kind == "schemas" and len(unit.parts) == 3 and node is not None:
        errors = schema_validator(node)
    elif not unit.parts and isinstance(job.document.get("tags"), list) and "tags" in registry.keyword_validators:
        errors = registry["tags"](root / "tags")
    else:
        return [], False
    out: list[Finding] = []
    ordered = False
    for error in errors:
        ordered = ordered or isinstance(error, ExtraParametersError)
        out.append(_finding(job, error))
    return out, ordered or failed[0]


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


Task = tuple[int, Unit, bool, bool]
#: Per task: index, structural findings (None if not asked), semantic findings and ``ordered`` (ditto).
Result = tuple[int, "list[Finding] | None", "tuple[list[Finding], bool] | None"]


def _run(tasks: list[Task]) -> list[Result]:
    """Validate ``(index, unit, structural?, semantic?)`` tasks with one validator (one walk state)."""
    job = _JOB
    assert job is not None
    validator = job.make_validator()
    component_ids = _component_schema_ids(job.document)
    _STOP_CACHE.clear()
    _CHILDREN.clear()
    fast = _fast_checks(validator) if len(tasks) >= FAST_CHECK_THRESHOLD else (None, None)
    failed = _watch_meta_check(validator, fast[1])
    results: list[Result] = []
    for index, unit, structural, semantic in tasks:
        found_structural: list[Finding] | None = None
        found_semantic: tuple[list[Finding], bool] | None = None
        if structural:
            try:
                found_structural = _structural(job, unit, validator, fast[0])
            except Exception as exc:  # noqa: BLE001 - the library gave up on this unit: say so, go on
                found_structural = [(unit.parts, job.stopped(exc), False)]
        if semantic:
            try:
                found_semantic = _semantic(job, unit, validator, component_ids, failed)
            except Exception as exc:  # noqa: BLE001 - ditto
                found_semantic = ([(unit.parts, job.stopped(exc), False)], False)
        results.append((index, found_structural, found_semantic))
    return results


def _whole_semantic(job: Job, fast: bool) -> list[Finding]:
    """The library's semantic pass over the whole document, as it runs it (one walk, in its order)."""
    validator = job.make_validator()
    registry = validator.keyword_validators_registry
    registry["schema"].visited_schema_ids = _IdSet()
    registry["schema"].meta_checked_schema_ids = _IdSet()
    _watch_meta_check(validator, _fast_checks(validator)[1] if fast else None)
    out: list[Finding] = []
    try:
        for error in validator.root_validator(validator.schema_path):
            out.append(_finding(job, error))
    except Exception as exc:  # noqa: BLE001 - the library gave up: say so, with what it found
        out.append(((), job.stopped(exc), False))
    return out


#: Below this many units, compiling the fast checkers costs more than it saves.
FAST_CHECK_THRESHOLD = 50
_FAST: dict[tuple[int, int], Callable[[Any], bool] | None] = {}


def _formats(schema: Any, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            _formats(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _formats(value, found)
    return found


def _compiled(schema: Any, format_checker: Any = None) -> Callable[[Any], bool] | None:
    """A fastjsonschema validator for a draft-04 meta-schema, as a yes/no check; None if unavailable.

    It is only a pre-check: whatever it rejects is validated again by the library, whose messages
    are the ones reported, so it must accept only what the library accepts. Formats are checked as
    the library checks them: by ``format_checker`` (jsonschema's own functions), or not at all.
    """
    key = (id(schema), id(format_checker))
    if key not in _FAST:
        _FAST[key] = None
        if isinstance(schema, dict) and "draft-04" in str(schema.get("$schema", "")):
            formats: dict[str, Callable[[Any], bool]] = {}
            if format_checker is not None:
                for name in _formats(schema, set()):
                    formats[name] = functools.partial(_conforms, format_checker, name)
            try:
                import fastjsonschema

                check = fastjsonschema.compile(
                    schema, formats=formats, use_default=False, use_formats=format_checker is not None
                )
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


def _conforms(format_checker: Any, name: str, value: Any) -> bool:
    return bool(format_checker.conforms(value, name))


def _fast_checks(validator: Any) -> tuple[Callable[[Any], bool] | None, Callable[[Any], bool] | None]:
    """Pre-checks for (the document meta-schema, the schema dialect meta-schema), where possible.

    The library checks the document without formats, and a 3.0 schema with ``check_schema``, that
    is with the formats of its meta-schema's own dialect (jsonschema's default); 3.1 schemas are
    checked against other dialects, and get no pre-check.
    """
    from jsonschema.validators import validator_for
    from openapi_spec_validator.validation.keywords import OpenAPIV30SchemaValidator

    document_schema = getattr(validator.schema_validator, "schema", None)
    schema_checker = validator.keyword_validators_registry["schema"]
    dialect = None
    if isinstance(schema_checker, OpenAPIV30SchemaValidator):
        cls = schema_checker.schema_validator_cls
        formats = validator_for(cls.META_SCHEMA, default=cls).FORMAT_CHECKER
        dialect = _compiled(cls.META_SCHEMA, formats)
    return _compiled(document_schema), dialect


def _watch_meta_check(validator: Any, fast: Callable[[Any], bool] | None) -> list[bool]:
    """Let the per-schema meta-schema check skip schemas the fast checker accepts, and note failures
    in the list returned (its one item is set to True; the caller resets it)."""
    schema_checker = validator.keyword_validators_registry["schema"]
    slow = schema_checker._validate_schema_meta
    failed = [False]

    def validate_schema_meta(schema: Any, schema_value: Any) -> Any:
        if fast is not None and fast(schema_value):
            return None
        error = slow(schema, schema_value)
        if error is not None:
            failed[0] = True
        return error

    schema_checker._validate_schema_meta = validate_schema_meta
    return failed


def duplicate_operation_ids(job: Job) -> list[Finding]:
    """The library's duplicate-operationId check, over the whole document (it is global by nature):
    the same operations in the same order (a path item's ``$ref`` followed), equal ids as ``in`` on
    its list finds them, each reported at the operation."""
    document = job.document
    hashable: set[Any] = set()
    unhashable: list[Any] = []
    out: list[Finding] = []

    def check(parts: tuple[str, ...], name: str, url: str, operation: Any) -> None:
        if not isinstance(operation, dict) or "operationId" not in operation:
            return
        op_id = operation["operationId"]
        try:
            seen = op_id in hashable
        except TypeError:
            seen = op_id in unhashable
        if op_id is not None and seen:
            out.append((parts, f"Operation ID '{op_id}' for '{name}' in '{url}' is not unique", True))
        try:
            hashable.add(op_id)
        except TypeError:
            unhashable.append(op_id)

    paths = document.get("paths")
    for url, item in paths.items() if isinstance(paths, dict) else ():
        item = follow_local_refs(document, item)
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method in job.operations:
                check(("paths", str(url), str(method)), str(method), str(url), op)
            elif method == "additionalOperations" and job.additional_operations:
                for name, extra in (
                    follow_local_refs(document, op).items() if isinstance(follow_local_refs(document, op), dict) else ()
                ):
                    check(
                        ("paths", str(url), str(method), str(name)),
                        str(name),
                        str(url),
                        follow_local_refs(document, extra),
                    )
    return out


# --- the cache ---------------------------------------------------------------------------------------


class FindingsCache:
    """Findings by key, kept in the persistent :class:`~generator.cache.Cache` (kind "validation")."""

    KIND = f"validation-{CACHE_FORMAT}"

    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache or Cache(None)
        self.entries: dict[str, tuple[list[Finding], bool]] = {}
        self.new: dict[str, bytes] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        for key, raw in self.cache.get_many(self.KIND, keys).items():
            try:
                findings, ordered = json.loads(raw)
                self.entries[key] = ([(tuple(p), m, bool(w)) for p, m, w in findings], bool(ordered))
            except (ValueError, TypeError):
                continue

    def get(self, key: str) -> tuple[list[Finding], bool] | None:
        return self.entries.get(key)

    def put(self, key: str, findings: list[Finding], ordered: bool = False) -> None:
        self.entries[key] = (findings, ordered)
        value = [[[list(p), m, w] for p, m, w in findings], ordered]
        self.new[key] = json.dumps(value, separators=(",", ":")).encode()

    def save(self) -> None:
        self.cache.put_many(self.KIND, self.new)
        self.new = {}


_PATCHED: list[bool] = []


def validate_units(
    job: Job,
    *,
    version: str,
    external: Callable[[str], bytes],
    cache: FindingsCache,
    jobs: int,
    aliases: bool = False,
    meanwhile: Callable[[], None] | None = None,
) -> list[Finding]:
    """Every finding of the document: per unit in document order, then duplicate operationIds (or,
    when a unit's findings may depend on the library's order, every unit's structural findings and
    then the library's whole semantic pass).

    ``aliases``: one object may stand in several places (YAML aliases). The library checks it once,
    where its walk meets it first, which the units cannot tell: the whole semantic pass then (not
    cached: a content hash does not show which places are one object).
    ``meanwhile`` (which must not raise) runs in this process while worker processes validate, or
    after the validation when there are none.
    """
    global _JOB
    if not _PATCHED:
        _speed_up_protocol_check()
        _PATCHED.append(True)
    units = split_units(job.document)
    contents = [_canonical(u.value) for u in units]
    structural_keys, semantic_keys = unit_keys(units, contents, version, external)
    whole_key = "w" + _digest(b"whole", *(k.encode() for k in semantic_keys))
    cache.prefetch(["s" + k for k in structural_keys] + ["k" + k for k in semantic_keys] + [whole_key])
    structural: list[list[Finding] | None] = [
        found[0] if (found := cache.get("s" + k)) is not None else None for k in structural_keys
    ]
    semantic: list[tuple[list[Finding], bool] | None] = [cache.get("k" + k) for k in semantic_keys]
    # Identical units (same key) are validated once: the first one does the work for all.
    first_structural: dict[str, int] = {}
    first_semantic: dict[str, int] = {}
    tasks: list[Task] = []
    for i, unit in enumerate(units):
        do_s = structural[i] is None and first_structural.setdefault(structural_keys[i], i) == i
        do_k = not aliases and semantic[i] is None and first_semantic.setdefault(semantic_keys[i], i) == i
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
            cache.put("k" + semantic_keys[index], *found_semantic)
    for i in range(len(units)):
        if structural[i] is None:
            structural[i] = structural[first_structural[structural_keys[i]]]
        if semantic[i] is None and not aliases:
            semantic[i] = semantic[first_semantic[semantic_keys[i]]]

    findings: list[Finding] = []
    if aliases or any(k is not None and k[1] for k in semantic):
        # The library's order matters here: its own walk, over the whole document (cached as a whole,
        # unless aliases make the objects' identities matter, which no content hash shows).
        for s in structural:
            findings.extend(s or ())
        whole = cache.get(whole_key) if not aliases else None
        if whole is None:
            _JOB = job
            try:
                whole = (_whole_semantic(job, fast=len(units) >= FAST_CHECK_THRESHOLD), True)
            finally:
                _JOB = None
            if not aliases:
                cache.put(whole_key, *whole)
        findings.extend(whole[0])
    else:
        for s, k in zip(structural, semantic):
            findings.extend(s or ())
            findings.extend(k[0] if k else ())
        findings.extend(duplicate_operation_ids(job))
    cache.save()
    return findings


def _partition(tasks: list[Task], weights: list[int], jobs: int) -> list[list[Task]]:
    """Split tasks into ``jobs`` chunks of about equal weight (serialised length, a proxy for work)."""
    chunks: list[list[Task]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for task, weight in sorted(zip(tasks, weights), key=lambda tw: -tw[1]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(task)
        loads[lightest] += weight
    return [sorted(c, key=lambda t: t[0]) for c in chunks if c]
