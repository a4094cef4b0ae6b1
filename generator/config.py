"""The generator config: how a user shapes the client for their API (names, placement, defaults).

The config is a YAML (or JSON) file; every key is checked, and a mistyped or unknown key is a
located error. Settings for the command line itself come from ``[tool.oagen]`` in pyproject.toml (project.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .diagnostics import Diagnostic, GenerationError
from .load import Document, Located, parse_document
from .naming import TAKEN_PAGE_CLASS_NAMES, is_identifier


@dataclass(frozen=True)
class ParameterConfig:
    name: str | None = None
    always_include: tuple[str, ...] = ()
    #: Not an argument and never sent (but through ``extra_headers`` / ``extra_query``).
    hidden: bool = False
    #: Sent when the caller gives nothing (JSON data; ``None``: no default). Not with ``hidden``.
    default: Any = None
    #: Where the entry was written (for errors about it).
    located: Located | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ResourceConfig:
    """The custom code's subclasses of a resource's classes that the client hands out instead
    (``resources.<path>.class`` / ``async_class``): dotted paths in the package (``lib.messages.Messages``)."""

    sync: str | None = None
    async_: str | None = None
    located: Located | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StreamConfig:
    """A body flag that makes the operation answer with server-sent events (``stream: true``)."""

    #: The body property (its name on the wire), a boolean.
    flag: str = "stream"
    #: The component schema (its key under components/schemas) each event's data is; None: the
    #: schema of the operation's ``text/event-stream`` response.
    event: str | None = None
    located: Located | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PaginationConfig:
    """How an operation's pages follow one another (see ``Pagination`` in the generated
    ``_pagination.py``); property and parameter names are wire names."""

    style: str
    items: str | None = None
    param: str | None = None
    cursor: str | None = None
    cursor_item: str | None = None
    backward_param: str | None = None
    backward_cursor: str | None = None
    has_more: str | None = None
    total: str | None = None
    next: str | None = None
    first: int = 1
    #: The page classes' stem: ``Sync<page>`` / ``Async<page>``, subclasses of ``SyncPage`` /
    #: ``AsyncPage`` (``Page``: those). Not a ``Pagination`` field.
    page: str = "Page"
    located: Located | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OperationConfig:
    resource: str | None = None
    method: str | None = None
    parameters: Mapping[str, ParameterConfig] = field(default_factory=dict)
    stream: StreamConfig | None = None
    #: The operation's pagination: a scheme, or False for none (not even one recognised).
    pagination: PaginationConfig | bool | None = None
    located: Located | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AuthConfig:
    argument: str | None = None
    env: str | None = None
    username_argument: str | None = None
    password_argument: str | None = None
    username_env: str | None = None
    password_env: str | None = None


@dataclass(frozen=True)
class ClientConfig:
    name: str | None = None
    async_name: str | None = None
    error_base: str | None = None
    base_url: str | None = None
    base_url_env: str | None = None
    default_headers: Mapping[str, str] = field(default_factory=dict)
    #: An error class of its own for a status code (400-599): ``{529: "OverloadedError"}``.
    status_errors: Mapping[int, str] = field(default_factory=dict)
    #: The response header that carries the request's id (default: request-id, else x-request-id).
    request_id_header: str | None = None


@dataclass(frozen=True)
class Config:
    package_name: str | None = None
    project_name: str | None = None
    #: The generated package's version; None: from the spec's info.version (see build.py).
    version: str | None = None
    client: ClientConfig = field(default_factory=ClientConfig)
    auth: Mapping[str, AuthConfig] = field(default_factory=dict)
    schemas: Mapping[str, str] = field(default_factory=dict)
    #: The request-side names (``TypedDict``s) given by ``schemas.<Schema>.param``.
    params: Mapping[str, str] = field(default_factory=dict)
    operations: Mapping[str, OperationConfig] = field(default_factory=dict)
    #: OpenAPI Overlays to apply to the spec, in order (paths relative to the config file).
    overlays: tuple[Path, ...] = ()
    #: Parameters of every operation, by wire name (a header's in any case): ``hidden`` / ``default``.
    parameters: Mapping[str, ParameterConfig] = field(default_factory=dict)
    #: Named pagination schemes, for operations' ``pagination`` (and ``x-oagen-pagination``).
    pagination: Mapping[str, PaginationConfig] = field(default_factory=dict)
    #: Which path parameters are positional arguments: ``all`` of them, or only the ``last`` (the
    #: others keyword-only, as in ``versions.retrieve(version, skill_id=...)``).
    positional_path_parameters: str = "all"
    #: A directory of hand-written modules copied into the package as ``<package>/lib/``.
    custom_code: Path | None = None
    #: Resources by dotted path (``beta.messages``): the custom code's subclasses of their classes.
    resources: Mapping[str, ResourceConfig] = field(default_factory=dict)
    #: Where each config entry was written, to report an entry that matches nothing in the spec.
    source: Document | None = field(default=None, compare=False, repr=False)


#: The values of ``positional_path_parameters``.
POSITIONAL_PATH_PARAMETERS = ("all", "last")

# --- reading --------------------------------------------------------------------------------------

_STR = "string"
_IDENT = "identifier"
_STRLIST = "list of strings"
_STRMAP = "mapping of strings to strings"
_BOOL = "boolean"
_VALUE = "value"
_ANY = "anything"


def _check_keys(node: Located, allowed: Mapping[str, str], errors: list[Diagnostic]) -> dict[str, Any]:
    """The checked entries of the mapping at ``node``: every key known, every value of its kind.

    Problems are appended to ``errors`` (so that one run reports all of them); bad entries are left out.
    """
    if not isinstance(node.value, dict):
        errors.append(node.diagnostic(f"expected a mapping, not {_kind(node.value)}"))
        return {}
    out: dict[str, Any] = {}
    for key, child in node.items():
        kind = allowed.get(key)
        if kind is None:
            known = ", ".join(sorted(allowed))
            errors.append(child.diagnostic(f"unknown key {key!r} (known keys: {known})", key=True))
            continue
        value = child.value
        if kind in (_STR, _IDENT) and not isinstance(value, str):
            errors.append(child.diagnostic(f"{key!r} must be a string, not {_kind(value)}"))
        elif kind == _IDENT and not is_identifier(value):
            errors.append(child.diagnostic(f"{key!r} must be a Python identifier, not {value!r}"))
        elif kind == _STRLIST and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors.append(child.diagnostic(f"{key!r} must be a list of strings"))
        elif kind == _STRMAP and not (
            isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            errors.append(child.diagnostic(f"{key!r} must be a mapping of strings to strings"))
        elif kind == _BOOL and not isinstance(value, bool):
            errors.append(child.diagnostic(f"{key!r} must be true or false, not {_kind(value)}"))
        elif kind == _VALUE and not (
            _scalar(value) or isinstance(value, list) and value and all(_scalar(v) for v in value)
        ):
            errors.append(child.diagnostic(f"{key!r} must be a string, number, boolean or a list of them"))
        elif kind == "mapping" and not isinstance(value, dict):
            errors.append(child.diagnostic(f"{key!r} must be a mapping, not {_kind(value)}"))
        else:
            out[key] = child if kind == "mapping" else value
    return out


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _parameter(node: Located, keys: Mapping[str, str], errors: list[Diagnostic]) -> ParameterConfig:
    p = _check_keys(node, keys, errors)
    if p.get("hidden") and "default" in p:
        errors.append(node.child("default").diagnostic("a hidden parameter is never sent: it takes no 'default'"))
    return ParameterConfig(
        p.get("name"), tuple(p.get("always_include", ())), bool(p.get("hidden")), p.get("default"), located=node
    )


_PARAMETER_KEYS = {"name": _IDENT, "always_include": _STRLIST, "hidden": _BOOL, "default": _VALUE}


def _kind(value: Any) -> str:
    names = {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }
    return names.get(type(value), type(value).__name__)


def _status_errors(node: Located, errors: list[Diagnostic]) -> dict[int, str]:
    """``client.status_errors``: status codes 400-599 to class names, each checked."""
    out: dict[int, str] = {}
    for key, child in node.items():
        if not (key.isascii() and key.isdigit() and 400 <= int(key) <= 599):
            errors.append(child.diagnostic(f"{key!r} is not an error status code (400 to 599)", key=True))
        elif not (isinstance(child.value, str) and is_identifier(child.value)):
            errors.append(
                child.diagnostic(f"the error class for {key} must be a Python identifier, not {child.value!r}")
            )
        else:
            out[int(key)] = child.value
    return out


_AUTH_KEYS = {
    "argument": _IDENT,
    "env": _STR,
    "username_argument": _IDENT,
    "password_argument": _IDENT,
    "username_env": _STR,
    "password_env": _STR,
}


#: The keys of a pagination scheme: what each style reads, and the defaults it gives.
PAGINATION_STYLES: Mapping[str, Mapping[str, str | None]] = {
    "cursor": {
        "param": None,
        "cursor": None,
        "cursor_item": None,
        "backward_param": None,
        "backward_cursor": None,
        "has_more": None,
    },
    "offset": {"param": "offset", "has_more": None, "total": None},
    "page": {"param": "page", "has_more": None, "first": None},
    "next_url": {"next": "next"},
    "link_header": {},
}
_PAGINATION_KEYS = {
    "style": _STR,
    "items": _STR,
    "param": _STR,
    "cursor": _STR,
    "cursor_item": _STR,
    "backward_param": _STR,
    "backward_cursor": _STR,
    "has_more": _STR,
    "total": _STR,
    "next": _STR,
    "first": _VALUE,
    "page": _IDENT,
}


def parse_pagination(
    node: Located, schemes: Mapping[str, PaginationConfig], errors: list[Diagnostic]
) -> PaginationConfig | bool | None:
    """An operation's ``pagination`` (or ``x-oagen-pagination``): the name of a scheme of the
    config's ``pagination``, a scheme written in place, or ``false``. None when it is wrong
    (the problem appended to ``errors``)."""
    if node.value is False:
        return False
    if isinstance(node.value, str):
        if node.value not in schemes:
            known = ", ".join(sorted(schemes)) or "none"
            errors.append(node.diagnostic(f"no pagination scheme {node.value!r} (the config's schemes: {known})"))
            return None
        return schemes[node.value]
    if not isinstance(node.value, dict):
        errors.append(node.diagnostic(f"expected a scheme's name, a mapping or false, not {_kind(node.value)}"))
        return None
    return pagination_scheme(node, errors)


def pagination_scheme(node: Located, errors: list[Diagnostic]) -> PaginationConfig | None:
    """A pagination scheme's mapping, checked: a known ``style`` and only the keys it reads."""
    before = len(errors)
    entries = _check_keys(node, _PAGINATION_KEYS, errors)
    style = entries.pop("style", None)
    if len(errors) > before:
        return None
    if style not in PAGINATION_STYLES:
        where = node.child("style") if "style" in node.value else node
        known = ", ".join(PAGINATION_STYLES)
        errors.append(where.diagnostic(f"a pagination scheme's 'style' is one of {known}, not {style!r}"))
        return None
    reads = PAGINATION_STYLES[style]
    for key in entries:
        if key not in ("items", "page") and key not in reads:
            errors.append(node.child(key).diagnostic(f"{key!r} is not a key of style {style!r}", key=True))
    if "first" in entries and (not isinstance(entries["first"], int) or isinstance(entries["first"], bool)):
        errors.append(node.child("first").diagnostic("'first' must be an integer"))
    if style == "cursor" and "param" not in entries:
        errors.append(node.diagnostic("a 'cursor' scheme needs 'param' (the query parameter the cursor is sent as)"))
    if style == "cursor" and "cursor" in entries and "cursor_item" in entries:
        errors.append(node.child("cursor_item").diagnostic("give 'cursor' or 'cursor_item', not both", key=True))
    page = entries.get("page", "Page")
    taken = sorted({"Sync" + page, "Async" + page} & TAKEN_PAGE_CLASS_NAMES)
    if taken and page != "Page":
        message = f"'page' {page!r} names the page class {taken[0]}: a name the generated package's runtime uses"
        errors.append(node.child("page").diagnostic(message))
    if len(errors) > before:
        return None
    defaults = {k: v for k, v in reads.items() if v is not None}
    if style == "cursor" and "cursor" not in entries:
        defaults["cursor_item"] = "id"
    return PaginationConfig(style=style, located=node, **{**defaults, **entries})


def load_config(path: Path) -> Config:
    """The config file, every key checked; all problems are reported together, located."""
    doc = parse_document(path)
    errors: list[Diagnostic] = list(doc.problems)  # duplicate keys: in a config they are always a mistake
    top = Located(doc, (), doc.data if doc.data is not None else {})
    raw = _check_keys(
        top,
        {
            "package_name": _IDENT,
            "project_name": _STR,
            "version": _STR,
            "client": "mapping",
            "auth": "mapping",
            "schemas": "mapping",
            "operations": "mapping",
            "overlays": _STRLIST,
            "parameters": "mapping",
            "pagination": "mapping",
            "positional_path_parameters": _STR,
            "custom_code": _STR,
            "resources": "mapping",
        },
        errors,
    )
    positional = raw.get("positional_path_parameters", "all")
    if positional not in POSITIONAL_PATH_PARAMETERS:
        errors.append(
            top.child("positional_path_parameters").diagnostic(
                f"'positional_path_parameters' is one of {', '.join(POSITIONAL_PATH_PARAMETERS)}, not {positional!r}"
            )
        )
    client = ClientConfig()
    if "client" in raw:
        entries = _check_keys(
            raw["client"],
            {
                "name": _IDENT,
                "async_name": _IDENT,
                "error_base": _IDENT,
                "base_url": _STR,
                "base_url_env": _STR,
                "default_headers": _STRMAP,
                "status_errors": "mapping",
                "request_id_header": _STR,
            },
            errors,
        )
        header = entries.get("request_id_header")
        if header is not None and not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", header):
            errors.append(raw["client"].child("request_id_header").diagnostic(f"{header!r} is not an HTTP header name"))
            entries.pop("request_id_header")
        if "status_errors" in entries:
            entries["status_errors"] = _status_errors(entries["status_errors"], errors)
        client = ClientConfig(**entries)
    auth: dict[str, AuthConfig] = {}
    for scheme, node in raw["auth"].items() if "auth" in raw else ():
        auth[scheme] = AuthConfig(**_check_keys(node, _AUTH_KEYS, errors))
    schemas: dict[str, str] = {}
    params: dict[str, str] = {}
    for schema, node in raw["schemas"].items() if "schemas" in raw else ():
        entry = _check_keys(node, {"name": _STR, "param": _STR}, errors)
        schemas[schema] = entry.get("name", schema)
        if "param" in entry:
            params[schema] = entry["param"]
    pagination: dict[str, PaginationConfig] = {}
    for name, node in raw["pagination"].items() if "pagination" in raw else ():
        scheme = pagination_scheme(node, errors)
        if scheme is not None:
            pagination[name] = scheme
    operations: dict[str, OperationConfig] = {}
    for key, node in raw["operations"].items() if "operations" in raw else ():
        entry = _check_keys(
            node,
            {"resource": _STR, "method": _IDENT, "parameters": "mapping", "stream": "mapping", "pagination": _ANY},
            errors,
        )
        if "pagination" in entry:
            entry["pagination"] = parse_pagination(node.child("pagination"), pagination, errors)
        parameters: dict[str, ParameterConfig] = {}
        for wire, pnode in entry.pop("parameters").items() if "parameters" in entry else ():
            parameters[wire] = _parameter(pnode, _PARAMETER_KEYS, errors)
        if "stream" in entry:
            snode = entry.pop("stream")
            entry["stream"] = StreamConfig(**_check_keys(snode, {"flag": _STR, "event": _STR}, errors), located=snode)
        resource = entry.get("resource")
        if isinstance(resource, str) and not all(is_identifier(part) for part in resource.split(".")):
            errors.append(
                node.child("resource").diagnostic(f"'resource' must be dotted Python identifiers, not {resource!r}")
            )
            entry.pop("resource")
        operations[key] = OperationConfig(parameters=parameters, located=node, **entry)
    resources: dict[str, ResourceConfig] = {}
    for resource_path, node in raw["resources"].items() if "resources" in raw else ():
        entry = _check_keys(node, {"class": _STR, "async_class": _STR}, errors)
        for key, value in entry.items():
            if not all(is_identifier(part) for part in value.split(".")) or "." not in value:
                errors.append(
                    node.child(key).diagnostic(f"expected a class of the custom code as module.Class, not {value!r}")
                )
        resources[resource_path] = ResourceConfig(entry.get("class"), entry.get("async_class"), located=node)
    every_operation = {
        wire: _parameter(pnode, {"hidden": _BOOL, "default": _VALUE}, errors)
        for wire, pnode in (raw["parameters"].items() if "parameters" in raw else ())
    }
    if errors:
        raise GenerationError(errors)
    return Config(
        package_name=raw.get("package_name"),
        project_name=raw.get("project_name"),
        version=raw.get("version"),
        client=client,
        auth=auth,
        schemas=schemas,
        params=params,
        operations=operations,
        overlays=tuple(path.parent / entry for entry in raw.get("overlays", ())),
        custom_code=path.parent / raw["custom_code"] if "custom_code" in raw else None,
        resources=resources,
        parameters=every_operation,
        pagination=pagination,
        positional_path_parameters=positional,
        source=doc,
    )
