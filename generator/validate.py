"""Validate a loaded spec with openapi-spec-validator and locate every error it reports.

openapi-spec-validator runs two passes: the JSON-Schema meta-schema of the whole document (its
errors carry their path) and keyword validators that walk schemas, parameters and responses (their
errors carry only a path relative to the schema being checked). The keyword validators are
subclassed here so that each error is tagged with the location of the node being checked.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from typing import Any, Callable, Iterator

from jsonschema.exceptions import ValidationError
from jsonschema_path.paths import SchemaPath
from referencing.exceptions import Unresolvable
from openapi_spec_validator.settings import OpenAPISpecValidatorSettings
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.validation.validators import SpecValidator

from .cache import Cache
from .diagnostics import Diagnostic, GenerationError
from .load import Spec
from .validation_units import FindingsCache, Job, validate_units

_LOCATION = "_oagen_parts"
_LIBRARY = "openapi-spec-validator " + importlib.metadata.version("openapi-spec-validator")


def _locating(cls: type[Any]) -> type[Any]:
    """A subclass of a keyword validator that tags errors with the node it was checking."""

    def __call__(self: Any, node: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        for error in super(sub, self).__call__(node, *args, **kwargs):
            if isinstance(node, SchemaPath) and not hasattr(error, _LOCATION):
                relative = tuple(str(p) for p in error.absolute_path)
                setattr(error, _LOCATION, tuple(str(p) for p in node.parts) + relative)
            yield error

    sub: type[Any] = type(cls.__name__, (cls,), {"__call__": __call__})
    return sub


def _with_locations(base: type[SpecValidator]) -> type[SpecValidator]:
    keywords = {name: _locating(cls) for name, cls in base.keyword_validators.items()}
    return type(base.__name__, (base,), {"keyword_validators": keywords})


_VALIDATORS: dict[str, type[SpecValidator]] = {
    "3.0": _with_locations(OpenAPIV30SpecValidator),
    "3.1": _with_locations(OpenAPIV31SpecValidator),
    "3.2": _with_locations(OpenAPIV32SpecValidator),
}


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
    if minor not in _VALIDATORS:
        raise top.child("openapi").error(f"OpenAPI version {version!r} is not supported (3.0, 3.1 and 3.2 are)")
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


def validation_diagnostics(
    spec: Spec,
    *,
    cache: Cache | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
) -> list[Diagnostic]:
    """Every validation error of the document, located, in document order.

    The work is split into units, cached and spread over ``jobs`` processes by validation_units;
    ``meanwhile`` is called while they work (or after the validation, without workers).
    """
    minor = check_version(spec)
    version = f"{minor} {_LIBRARY}"
    base_uri = spec.root.path.as_uri()

    def make_validator() -> SpecValidator:
        path = SchemaPath.from_dict(
            spec.root.data,
            base_uri=base_uri,
            handlers=_LoadedDocuments(spec),
            resolved_cache_maxsize=OpenAPISpecValidatorSettings().resolved_cache_maxsize,
        )
        return _VALIDATORS[minor](path, base_uri=base_uri)

    job = Job(spec.root.data, make_validator, lambda e: getattr(e, _LOCATION, None), _message, _stopped)
    findings = validate_units(
        # The library's version is part of every cache key: an upgrade may report differently.
        job,
        version=version,
        external=_external_digest(spec),
        cache=FindingsCache(cache),
        jobs=jobs,
        meanwhile=meanwhile,
    )
    found: list[Diagnostic] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for parts, message in findings:
        if (parts, message) not in seen:
            seen.add((parts, message))
            found.append(spec.root.diagnostic(parts, message))
    return found


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
    """For a unit that references another file: a digest of every file its references may reach.

    References can chain through files, so a unit reaching outside depends on all spec files under
    the spec's directory tree (hashed once, only if some unit needs it).
    """
    memo: list[bytes] = []

    def digest(_ref: str) -> bytes:
        if not memo:
            h = hashlib.sha256()
            root = spec.root.path.parent
            for path in sorted(root.rglob("*")):
                if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file():
                    h.update(str(path.relative_to(root)).encode() + b"\0")
                    try:
                        h.update(hashlib.sha256(path.read_bytes()).digest())
                    except OSError:
                        h.update(b"unreadable")
            memo.append(h.digest())
        return memo[0]

    return digest


def _message(error: ValidationError) -> str:
    text = str(error.message)
    if len(text) > 300:
        text = text[:297] + "..."
    return text
