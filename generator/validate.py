"""Validate a loaded spec with openapi-spec-validator and locate every error it reports.

openapi-spec-validator runs two passes: the JSON-Schema meta-schema of the whole document (its
errors carry their path) and keyword validators that walk schemas, parameters and responses (their
errors carry only a path relative to the schema being checked). The keyword validators are
subclassed here so that each error is tagged with the location of the node being checked; a node
reached through ``$ref``s is then located where it is defined (see :func:`_place`).

With the library versions oagen was tested with (:data:`TESTED_VERSIONS`), the work is cut into
units, cached and spread over processes by :mod:`generator.validation_units`, which patches some
of the library's internals to do so. With any other version, the library is run as it is, over the
whole document (slower), and a note says so.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from typing import Any, Callable, Iterator

import openapi_spec_validator
from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from referencing.exceptions import Unresolvable

from .cache import Cache
from .diagnostics import Diagnostic, GenerationError
from .fastpath import installed_distributions
from .load import Located, Spec

#: The versions of openapi-spec-validator, and of the libraries under it whose internals the fast
#: validation reaches into (jsonschema-path's paths, pathable's accessors, openapi-schema-validator's
#: meta-schemas), that it was tested with: ``tests/test_validator_patch.py`` checks that it reports
#: what the library reports. Any other version is used as it is, without the fast path.
TESTED_VERSIONS: dict[str, tuple[str, ...]] = {
    "openapi-spec-validator": ("0.9.0",),
    "openapi-schema-validator": ("0.9.0",),
    "jsonschema-path": ("0.5.0",),
    "pathable": ("0.6.0",),
}

_LOCATION = "_oagen_parts"
_CLASS_NAMES = {"3.0": "OpenAPIV30SpecValidator", "3.1": "OpenAPIV31SpecValidator", "3.2": "OpenAPIV32SpecValidator"}


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def untested_versions() -> list[str]:
    """``"name version"`` of each library in :data:`TESTED_VERSIONS` installed at another version."""
    out = []
    for name, versions in TESTED_VERSIONS.items():
        version = _installed(name)
        if version not in versions:
            out.append(f"{name} {version or '(not installed)'}")
    return out


def _locating(cls: type[Any], extra: tuple[str, ...]) -> type[Any]:
    """A subclass of a keyword validator that tags errors with the node it was checking (the
    innermost validator's tag stays).

    ``extra`` is where the error's own path starts below that node (``default`` for the validator
    of default values: their errors' paths are within the value). Errors are made the library's
    own kind here, as its ``iter_errors`` would (which would drop the tag otherwise).
    """
    try:
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError as wrap
    except ImportError:  # pragma: no cover - another version of the library
        wrap = None

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        # The node checked: the first path among the arguments (some validators take a name first).
        node = next((a for a in args if isinstance(a, SchemaPath)), None)
        for error in super(sub, self).__call__(*args, **kwargs):
            if node is not None and not hasattr(error, _LOCATION):
                if wrap is not None and not isinstance(error, wrap):
                    error = wrap.create_from(error)
                relative = tuple(str(p) for p in error.absolute_path)
                setattr(error, _LOCATION, tuple(str(p) for p in node.parts) + extra + relative)
            yield error

    sub: type[Any] = type(cls.__name__, (cls,), {"__call__": __call__})
    return sub


def _with_locations(base: type[Any]) -> type[Any]:
    """``base`` with its keyword validators tagging their errors; ``base`` itself when it has none
    to subclass (another version of the library: its errors are then located by their own path)."""
    keywords = getattr(base, "keyword_validators", None)
    try:
        located = {name: _locating(cls, ("default",) if name == "default" else ()) for name, cls in keywords.items()}
    except Exception:  # noqa: BLE001 - not the shape this was written for
        return base
    return type(base.__name__, (base,), {"keyword_validators": located})


_VALIDATORS: dict[str, type[Any]] = {}


def _validator_class(minor: str) -> type[Any] | None:
    if minor not in _VALIDATORS:
        base = getattr(openapi_spec_validator, _CLASS_NAMES.get(minor, ""), None)
        if base is None:
            return None
        _VALIDATORS[minor] = _with_locations(base)
    return _VALIDATORS[minor]


def check_version(spec: Spec) -> str:
    """The document's OpenAPI minor version ("3.0", "3.1", "3.2"), or a located refusal."""
    top = spec.top
    version = top.value.get("openapi")
    if version is None:
        if "swagger" in top.value:
            raise top.child("swagger").error(
                f"Swagger {top.value['swagger']} is not supported: convert the document to OpenAPI 3 "
                "(for example with swagger2openapi)"
            )
        raise top.error("not an OpenAPI document: the 'openapi' field is missing")
    minor = ".".join(str(version).split(".")[:2])
    if _validator_class(minor) is None:
        supported = [m for m in _CLASS_NAMES if _validator_class(m) is not None]
        raise top.child("openapi").error(
            f"OpenAPI version {version!r} is not supported ({', '.join(supported[:-1])} and {supported[-1]} are)"
        )
    return minor


class _LoadedDocuments(dict):  # type: ignore[type-arg]
    """Reference handlers for the validator: every URI scheme is served from the documents oagen
    loaded (under its limits and policy), so validation never reads a file or the network itself."""

    def __init__(self, spec: Spec) -> None:
        super().__init__()
        self.spec = spec

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Any:
        return self.spec.document_for_uri


def _schema_path(spec: Spec, **settings: Any) -> SchemaPath:
    return SchemaPath.from_dict(
        spec.root.data, base_uri=spec.root.path.as_uri(), handlers=_LoadedDocuments(spec), **settings
    )


#: A finding: where (JSON-pointer parts in the root document), the message, and whether the place
#: is the node a keyword validator was checking (reached maybe through references) rather than
#: a path in the document as written (the meta-schema's errors).
Finding = tuple[tuple[str, ...], str, bool]


def validation_diagnostics(
    spec: Spec,
    *,
    cache: Cache | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
) -> list[Diagnostic]:
    """Every validation error of the document, located, each once.

    With the tested library versions the work is split into units, cached and spread over ``jobs``
    processes by validation_units; ``meanwhile`` is called while they work (or after the
    validation, without workers).
    """
    minor = check_version(spec)
    untested = untested_versions()
    if untested:
        print(
            f"note: {untested[0]} is not a version oagen's fast validation was tested with; "
            "using the library as it is (slower)",
            file=sys.stderr,
        )
        findings = library_findings(spec, minor)
        if meanwhile is not None:
            meanwhile()
    else:
        findings = _unit_findings(spec, minor, cache=cache, jobs=jobs, meanwhile=meanwhile)
    found: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()
    for parts, message, walked in findings:
        diagnostic = _place(spec, parts).diagnostic(message) if walked else spec.root.diagnostic(parts, message)
        key = (diagnostic.file, diagnostic.pointer, message)
        if key not in seen:
            seen.add(key)
            found.append(diagnostic)
    return found


def library_findings(spec: Spec, minor: str) -> list[Finding]:
    """The library's own validation of the whole document, as it is (no unit, no cache, no patch)."""
    cls = _validator_class(minor)
    assert cls is not None
    out: list[Finding] = []
    try:
        try:
            path = _schema_path(spec)
        except TypeError:  # an older jsonschema-path names the handlers otherwise
            path = SchemaPath.from_dict(
                spec.root.data, base_uri=spec.root.path.as_uri(), ref_resolver_handlers=_LoadedDocuments(spec)
            )
        for error in cls(path, base_uri=spec.root.path.as_uri()).iter_errors():
            parts = getattr(error, _LOCATION, None)
            if parts is None:
                out.append((tuple(str(p) for p in error.absolute_path), _message(error), False))
            else:
                out.append((parts, _message(error), True))
    except Exception as exc:  # noqa: BLE001 - the library gave up: say so, with what it found
        out.append(((), _stopped(exc), False))
    return out


def _unit_findings(
    spec: Spec, minor: str, *, cache: Cache | None, jobs: int, meanwhile: Callable[[], None] | None
) -> list[Finding]:
    from openapi_spec_validator.settings import OpenAPISpecValidatorSettings

    from . import validation_units as units

    cls = _validator_class(minor)
    base_uri = spec.root.path.as_uri()

    def make_validator() -> Any:
        path = _schema_path(spec, resolved_cache_maxsize=OpenAPISpecValidatorSettings().resolved_cache_maxsize)
        return cls(path, base_uri=base_uri)  # type: ignore[misc]

    job = units.Job(
        spec.root.data,
        make_validator,
        lambda e: getattr(e, _LOCATION, None),
        _message,
        _stopped,
        operations=tuple(cls.keyword_validators["path"].OPERATIONS),  # type: ignore[union-attr]
        additional_operations=minor == "3.2",
    )
    dialect = spec.root.data.get("jsonSchemaDialect")
    return units.validate_units(
        job,
        # Every installed distribution's version is part of every cache key: an upgrade of the library
        # or of one under it may report differently. So is the default dialect of 3.1 schemas, which
        # the library reads from the root of the document.
        version=f"{minor} {dialect!r}\n{installed_distributions()}",
        external=_external_digest(spec),
        aliases=_may_alias(spec),
        cache=units.FindingsCache(cache),
        jobs=jobs,
        meanwhile=meanwhile,
    )


def _place(spec: Spec, parts: tuple[str, ...]) -> Located:
    """The node a keyword validator reached by the path ``parts`` (which may lead through ``$ref``s,
    in this document or another): where it is written. The same node reached by several paths is so
    reported once, wherever the walk met it first (the library checks each node once). ``parts``
    themselves in the root document if the path does not lead to a node."""
    node = spec.top
    try:
        for part in parts:
            node = spec.deref(node)
            value = node.value
            if isinstance(value, dict) and part in value:
                node = node.child(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                node = node.child(int(part))
            else:
                raise LookupError(part)
        return spec.deref(node)
    except (LookupError, GenerationError):
        return Located(spec.root, parts, None)


def _stopped(exc: Exception) -> str:
    """Why the validator could not go on with a unit (it goes on with the others)."""
    if isinstance(exc, RecursionError):
        what = "schemas nest too deeply"
    elif isinstance(exc, (Unresolvable, GenerationError)):
        # A dangling $ref: already reported by the loader, with its location.
        what = f"it cannot resolve {getattr(exc, 'ref', exc)!s}"
    else:  # openapi-spec-validator itself fails on some malformed documents
        what = f"the validator failed ({type(exc).__name__}: {exc})"
    return f"validation stopped early: {what}"


def _external_digest(spec: Spec) -> Callable[[str], bytes]:
    """For a unit that references another file: a digest of every other document the spec loaded.

    References can chain through files, and every one was resolved at load time (the validator is
    served only those documents), so the documents loaded are all that such a unit may reach.
    """
    memo: list[bytes] = []

    def digest(_ref: str) -> bytes:
        if not memo:
            h = hashlib.sha256()
            for doc in sorted(spec.documents(), key=lambda d: d.name):
                if doc is not spec.root:
                    h.update(doc.name.encode("utf-8", "surrogatepass") + b"\0")
                    h.update(
                        (doc.digest or hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()).encode()
                    )
            memo.append(h.digest())
        return memo[0]

    return digest


def _may_alias(spec: Spec) -> bool:
    """Whether a YAML alias may make one node appear in two places of the root document (a node is
    then one object, which the validator checks once): an anchor (``&name``) and an alias (``*name``)
    of the same name at the start of a token; a cheap look at the text, erring towards yes."""
    import re

    if spec.root.path.suffix.lower() == ".json":
        return False
    text = spec.root.text

    def names(marker: str) -> set[str]:
        found = set()
        for match in re.finditer(re.escape(marker) + r"([^\s\[\]{},]+)", text):
            start = match.start()
            if start == 0 or text[start - 1] in " \t\r\n[{,":
                found.add(match.group(1))
        return found

    anchors = names("&")
    return bool(anchors) and bool(anchors & names("*"))


def _message(error: ValidationError) -> str:
    text = str(error.message)
    if len(text) > 300:
        text = text[:297] + "..."
    return text
