"""Operations -> methods: parameters, bodies, responses, security and the resource tree.

Part of building the IR (see build.py); the types of parameters and bodies come from schemas.py.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qsl

from . import naming
from .config import OperationConfig, ParameterConfig, StreamConfig
from .diagnostics import error
from .imports import import_lines
from .ir import (
    Body,
    BodyField,
    Const,
    ErrorBody,
    Import,
    Operation,
    Pages,
    Param,
    Resource,
    RuntimeType,
    StreamFlag,
    TypeRef,
)
from .load import Located
from .pagination import pages_of
from .safe import lit
from .schemas import SchemaBuilder, by_key, combine, description_of, optional, type_ref

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TYPING = "typing"


class OperationBuilder:
    def __init__(self, schemas: SchemaBuilder) -> None:
        self.schemas = schemas
        self.spec = schemas.spec
        self.type_of = schemas.type_of
        #: The keys of the config's ``parameters`` (every operation's) that matched a parameter.
        self.used_parameters: set[str] = set()
        components = self.spec.root.data.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
        self._schemes: dict[str, Any] = dict(schemes) if isinstance(schemes, dict) else {}

    def _client_sets(self, wire: str, location: str, security: tuple[tuple[str, ...], ...]) -> bool:
        """Whether the client sends this parameter itself: a header of its default headers, or the
        credential of a security scheme the operation uses (an API key's own header, query
        parameter or cookie; ``Authorization`` for HTTP and OAuth schemes)."""
        lower = wire.lower()
        if location == "header" and lower in {k.lower() for k in self.schemas.config.client.default_headers}:
            return True
        for name in {n for alternative in security for n in alternative}:
            scheme = self.spec.deref(
                Located(self.spec.root, ("components", "securitySchemes", name), self._schemes[name])
            )
            value = scheme.value if isinstance(scheme.value, dict) else {}
            if value.get("type") == "apiKey" and value.get("in") == location:
                named = str(value.get("name", ""))
                if (named.lower() == lower) if location == "header" else named == wire:
                    return True
            elif value.get("type") in ("http", "oauth2", "openIdConnect") and location == "header":
                if lower == "authorization":
                    return True
        return False

    def _configured(self, wire: str, location: str, pc: ParameterConfig | None) -> ParameterConfig | None:
        """What the config says of hiding the parameter or its default: the operation's entry, else
        the entry for every operation (a header's name in any case)."""
        if pc is not None and (pc.hidden or pc.default is not None):
            return pc
        for key, entry in self.schemas.config.parameters.items():
            if key == wire or location == "header" and key.lower() == wire.lower():
                self.used_parameters.add(key)
                return entry
        return None

    def operations(self) -> Iterator[tuple[Located, str, str, Located, Located]]:
        """(operation, http method, path key, path item, paths node): paths by key, each one's
        methods in ``HTTP_METHODS`` order, whatever the document's order (see ``by_key``)."""
        paths = self.spec.top.get("paths")
        for key, item in by_key(paths.items()) if paths else ():
            item = self.spec.deref(item)
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is not None:
                    yield op, method, key, item, paths  # type: ignore[misc]

    def build_operation(
        self, op: Located, method: str, key: str, item: Located, cfg: OperationConfig | None, method_name: str
    ) -> Operation:
        path, _, query_string = key.partition("?")
        fixed_query = tuple(parse_qsl(query_string, keep_blank_values=True))
        raw_params: dict[tuple[str, str], Located] = {}
        for source in (item.get("parameters"), op.get("parameters")):
            for p in source.elements() if source else ():
                p = self.spec.deref(p)
                if isinstance(p.value, dict) and isinstance(p.value.get("name"), str):
                    raw_params[(p.value["name"], str(p.value.get("in")))] = p
        renames = dict(cfg.parameters) if cfg else {}
        security = self.security_of(op)
        taken = set(naming.METHOD_ARGUMENTS)
        params: list[Param] = []
        path_order = list(dict.fromkeys(re.findall(r"{([^}]+)}", path)))
        ordered = sorted(
            raw_params.items(),
            key=lambda kv: (
                kv[0][1] != "path",
                path_order.index(kv[0][0]) if kv[0][1] == "path" and kv[0][0] in path_order else 0,
            ),
        )
        for (wire, location), p in ordered:
            if location not in ("path", "query", "header", "cookie"):
                raise p.error(f"{method.upper()} {key}: parameter {wire!r} has an unknown location {location!r}")
            if location == "path" and wire not in path_order:
                continue  # declared but not in the path (a spec error validators let through): never sent
            pc = renames.pop(wire, None)
            configured = self._configured(wire, location, pc)
            if configured is not None and location == "path":
                assert configured.located is not None
                raise configured.located.error("a path parameter cannot be hidden nor given a default")
            if configured is not None and configured.hidden:
                continue
            if configured is None and self._client_sets(wire, location, security):
                continue
            attr = (
                pc.name
                if pc and pc.name
                else naming.python_name(wire.replace("<", " before ").replace(">", " after "), fallback="param")
            )
            if not naming.is_identifier(attr):
                raise (cfg.located if cfg and cfg.located else op).error(
                    f"parameter name {attr!r} is not a Python identifier"
                )
            attr = naming.unique(attr, taken)
            schema = p.get("schema")
            style, explode = self._style(p, location)
            if schema is None and p.get("content"):
                media_type, media = next(iter(p.child("content").items()))
                schema = media.get("schema")
                style, explode = ("json", False) if _media_kind(media_type) == "json" else (None, False)
            ref = (
                self.type_of(schema, naming.pascal(method_name) + naming.pascal(wire) + "Param")
                if schema
                else type_ref("str")
            )
            required = location == "path" or bool(p.value.get("required"))
            resolved = self.spec.deref(schema).value if schema is not None else None
            resolved = resolved if isinstance(resolved, dict) else {}
            constant = None
            if required and not resolved.get("nullable"):
                if "const" in resolved:
                    constant = Const(resolved["const"])
                elif (
                    isinstance(resolved.get("enum"), list)
                    and len(resolved["enum"]) == 1
                    and resolved["enum"][0] is not None
                ):
                    constant = Const(resolved["enum"][0])
            description = description_of(p) or (description_of(self.spec.deref(schema)) if schema is not None else None)
            value = None
            if configured is not None and configured.default is not None:
                assert configured.located is not None
                problem = _unfit(configured.default, resolved)
                if problem:
                    raise configured.located.child("default").error(
                        f"{configured.default!r} is not a value of parameter {wire!r} ({problem})"
                    )
                value, required, constant = lit(configured.default), False, None
            default = None
            if "default" in resolved and not required:
                default = json.dumps(resolved["default"])
                description = f"{description or wire} (default: `{default}`)"
            params.append(
                Param(
                    attr=attr,
                    wire_name=wire,
                    location=location,  # type: ignore[arg-type]
                    type=ref,
                    required=required,
                    description=description,
                    always_include=pc.always_include if pc else (),
                    default=default,
                    check_non_empty=location == "path" and ref.annotation == "str" and constant is None,
                    style=style,
                    explode=explode,
                    constant=constant,
                    value=value,
                    deprecated=p.value.get("deprecated") is True,
                )
            )
        declared = {p.wire_name for p in params if p.location == "path"}
        for position, wire in enumerate(w for w in path_order if w not in declared):
            # A placeholder the spec forgot to declare: still a (string) argument, never a dropped operation.
            attr = naming.unique(naming.python_name(wire, fallback="param"), taken)
            params.insert(
                len(declared) + position, Param(attr, wire, "path", type_ref("str"), True, None, check_non_empty=True)
            )
        params.sort(key=lambda p: (p.location != "path", path_order.index(p.wire_name) if p.location == "path" else 0))
        for wire in renames:
            assert cfg is not None and cfg.located is not None
            self.schemas.errors.append(
                cfg.located.child("parameters", wire).diagnostic(f"operation has no parameter {wire!r}")
            )
        body = self.request_body(op, method_name, taken)
        returns, accept = self.response_type(op, method_name)
        cast_to, errors = _cast_to(returns), self.error_types(op, method_name)
        stream = self.stream_flag(op, cfg.stream if cfg else None, body, returns, method_name)
        # The names the method's code uses besides its arguments: an argument never takes one.
        runtime = [cast_to] if stream is None else [stream.runtime(cast_to)]
        code = set(naming.METHOD_HELPERS) | _names_in(*(r.expr for r in runtime), *(e.runtime.expr for e in errors))
        if stream is not None:
            code.discard(stream.attr)  # the flag itself: never renamed
        pages = self._pages(op, method, key, cfg, raw_params, method_name, returns)
        if pages is not None:
            page_class = "Sync" + pages.page
            returns = combine(page_class + "[{}]", [pages.item], Import("._pagination", page_class))
            code |= {"paginate", "Pagination", page_class} | _names_in(pages.item_runtime.expr)
        for wire, pc in sorted(cfg.parameters.items()) if cfg else ():
            if pc.name in code:
                assert cfg is not None and cfg.located is not None
                raise cfg.located.child("parameters", wire, "name").error(
                    f"parameter name {pc.name!r} is a name the method's code uses"
                )
        params = [replace(p, attr=naming.unique(p.attr + "_", taken)) if p.attr in code else p for p in params]
        if body is not None and body.fields:
            fields = tuple(
                _renamed(f, naming.unique(f.attr + "_", taken)) if f.attr in code else f for f in body.fields
            )
            body = replace(body, fields=fields)
        return Operation(
            operation_id=str(op.value.get("operationId") or f"{method.upper()} {key}"),
            method_name=method_name,
            http_method=method.upper(),
            path=path,
            fixed_query=fixed_query,
            params=tuple(params),
            body=body,
            returns=returns,
            cast_to=cast_to,
            security=security,
            summary=op.text("summary"),
            description=op.text("description"),
            deprecated=bool(op.value.get("deprecated")),
            accept=accept,
            errors=errors,
            stream=stream,
            pagination=pages,
            last_path_positional=self.schemas.config.positional_path_parameters == "last",
        )

    def _pages(
        self,
        op: Located,
        method: str,
        key: str,
        cfg: OperationConfig | None,
        raw_params: dict[tuple[str, str], Located],
        method_name: str,
        returns: TypeRef,
    ) -> Pages | None:
        """How the operation pages (see pagination.py), or None."""
        query = {wire: p for (wire, location), p in raw_params.items() if location == "query"}
        where = f"{method.upper()} {key}"
        declared = cfg.pagination if cfg else None
        found = pages_of(
            self.spec,
            op,
            where,
            declared,
            self.schemas.config.pagination,
            query,
            self.type_of,
            naming.pascal(method_name) + "Response",
        )
        if found is None:
            return None
        options, item, page = found
        return Pages(options, item, _cast_to(item), returns, page)

    @staticmethod
    def _style(node: Located, location: str, *, explicit: bool = False) -> tuple[str | None, bool]:
        """(style, explode) when they differ from the location's defaults (or, with ``explicit``,
        whenever the spec gives either), else (None, False)."""
        default_style = "simple" if location in ("path", "header") else "form"
        given = isinstance(node.value.get("style"), str) or isinstance(node.value.get("explode"), bool)
        style = node.value.get("style")
        style = style if isinstance(style, str) else default_style
        explode = node.value.get("explode")
        explode = explode if isinstance(explode, bool) else style == "form"
        if (style, explode) == (default_style, default_style == "form") and not (explicit and given):
            return None, False
        return style, explode

    def request_body(self, op: Located, method_name: str, taken: set[str]) -> Body | None:
        node = op.get("requestBody")
        if node is None:
            return None
        node = self.spec.deref(node)
        content = node.get("content")
        media = list(content.items()) if content else []
        if not media:
            return None
        kinds = [(mt, _media_kind(mt)) for mt, _ in media]
        primary = (
            next((mt for mt, k in kinds if k == "json"), None)
            or next((mt for mt, k in kinds if k in _FORM), None)
            or kinds[0][0]
        )
        kind = _media_kind(primary)
        media_node = dict(media)[primary]
        schema = media_node.get("schema")
        resolved = self.spec.deref(schema) if schema is not None else None
        is_object = resolved is not None and self.schemas.is_object(resolved.value)
        required = bool(node.value.get("required"))
        description = description_of(node)
        fields: tuple[BodyField, ...] = ()
        if kind == "json":
            choices = [mt for mt, k in kinds if k == "json" or (is_object and k in _FORM)]
            if is_object:
                assert resolved is not None
                fields = self._body_fields(resolved, media_node, False, method_name, taken, required)
                ref = type_ref("None")
            else:
                ref = (
                    self.type_of(schema, naming.pascal(method_name) + "Body", request=True)
                    if schema
                    else type_ref("object")
                )
        elif kind in _FORM:
            choices = [mt for mt, k in kinds if k in _FORM]
            if is_object:
                assert resolved is not None
                fields = self._body_fields(resolved, media_node, kind == "multipart", method_name, taken, required)
                ref = type_ref("None")
            else:
                ref = type_ref("Dict[str, object]", Import(_TYPING, "Dict"))
        elif kind == "text":
            ref, choices = type_ref("str"), [mt for mt, k in kinds if k == "text"]
        else:
            ref, choices = type_ref("FileContent", Import("._types", "FileContent")), [
                mt for mt, k in kinds if k == "binary"
            ]
        content_type = None
        if len(choices) > 1:
            content_type = type_ref(f"Literal[{', '.join(lit(c) for c in choices)}]", Import(_TYPING, "Literal"))
        return Body("body", ref, required, primary, description, fields, content_type)

    def _files(self, schema: Located) -> TypeRef | None:
        """The type of a body property that holds a file (``FileTypes``: bytes, a file, a path or a
        ``(name, content[, media type])`` tuple) or a list of files (``Sequence[FileTypes]``), also
        when the schema allows null too (``anyOf``/``oneOf`` with a null member, ``nullable``, a
        ``type`` list with ``"null"``): ``Optional`` of it. None for any other property."""
        value = schema.value if isinstance(schema.value, dict) else {}
        nullable = value.get("nullable") is True or isinstance(value.get("type"), list) and "null" in value["type"]
        for keyword in ("anyOf", "oneOf"):
            members = schema.child(keyword).elements() if isinstance(value.get(keyword), list) else []
            resolved = [self.spec.deref(m) for m in members]
            others = [m for m in resolved if not (isinstance(m.value, dict) and m.value.get("type") == "null")]
            if len(others) == 1 and len(resolved) == 2:
                inner = self._files(others[0])
                return optional(inner) if inner is not None else None
        if _is_binary(value):
            ref = type_ref("FileTypes", Import("._types", "FileTypes"))
        elif "items" in value and _is_binary(self.spec.deref(schema.child("items")).value):
            ref = combine(
                "Sequence[{}]", [type_ref("FileTypes", Import("._types", "FileTypes"))], Import(_TYPING, "Sequence")
            )
        else:
            return None
        return optional(ref) if nullable else ref

    def _body_fields(
        self, schema: Located, media: Located, multipart: bool, method_name: str, taken: set[str], body_required: bool
    ) -> tuple[BodyField, ...]:
        """The properties of an object body, each a keyword argument: required when the body is and
        the schema requires it; named as the property, or (taken by a parameter or one of the
        method's own arguments) with a suffix the docstring states."""
        props, required, _ = self.schemas.collect_properties(schema)
        # Inline objects in the properties are named after the body's schema when it has a name.
        named = len(schema.parts) == 3 and schema.parts[:2] == ("components", "schemas")
        hint = naming.pascal(schema.parts[2]) if named else naming.pascal(method_name)
        encoding = media.get("encoding")
        out = []
        for wire, prop in props.items():
            resolved = self.spec.deref(prop)
            value = resolved.value if isinstance(resolved.value, dict) else {}
            if value.get("readOnly") is True:
                continue
            ref = self._files(resolved)
            if ref is None:
                ref = self.type_of(prop, hint + naming.pascal(wire), request=True)
            enc = encoding.get(wire) if encoding else None
            # A multipart object is a JSON part unless its encoding asks for a style.
            style, explode = self._style(enc, "query", explicit=multipart) if enc is not None else (None, False)
            wanted = naming.python_name(wire, fallback="field")
            attr = naming.unique(wanted, taken)
            description = description_of(prop) or description_of(resolved)
            if "default" in value:
                shown = json.dumps(value["default"], ensure_ascii=False)
                description = f"{description or wire} (default: `{shown}`)"
            if attr != wanted:
                note = f"The body property `{wire}` (`{wanted}` is taken)."
                description = f"{note} {description}" if description else note
            out.append(
                BodyField(
                    attr,
                    wire,
                    ref,
                    body_required and wire in required,
                    description,
                    style,
                    explode,
                    # the property's own flag (as a model field's), not that of a schema it refers to
                    deprecated=isinstance(prop.value, dict) and prop.value.get("deprecated") is True,
                )
            )
        return tuple(out)

    def response_type(self, op: Located, method_name: str) -> tuple[TypeRef, str | None]:
        """The method's return type (from every 2xx response, else `default`) and its Accept header."""
        responses = op.get("responses")
        codes = sorted(k for k, _ in responses.items()) if responses else []
        success = [c for c in codes if c.startswith("2")] or [c for c in codes if c == "default"]
        types: list[TypeRef] = []
        accept: list[str] = []
        empty = False
        for i, code in enumerate(success):
            response = self.spec.deref(responses.child(code))  # type: ignore[union-attr]
            content = response.get("content")
            media = list(content.items()) if content else []
            if not media or code == "204":
                empty = True
                continue
            accept.extend(mt for mt, _ in media if mt not in accept)
            hint = naming.pascal(method_name) + "Response" + ("" if i == 0 else naming.pascal(code))
            json_media = next((m for mt, m in media if _media_kind(mt) == "json"), None)
            streamed = next(((kind, m) for mt, m in media for kind in [_stream_kind(mt)] if kind), None)
            if json_media is not None:
                schema = json_media.get("schema")
                ref = self.type_of(schema, hint) if schema else type_ref("object")
            elif streamed is not None:  # server-sent events or JSON Lines, read as they arrive
                kind, stream_media = streamed
                schema = stream_media.get("schema")
                item = self.type_of(schema, hint + ("Event" if kind == "Stream" else "Item")) if schema else None
                ref = _stream_of(kind, item or type_ref("object"))
            elif any(_media_kind(mt) == "text" for mt, _ in media):
                ref = type_ref("str")
            else:
                ref = type_ref("bytes")
            if ref.annotation not in [t.annotation for t in types]:
                types.append(ref)
        if len(types) == 1 and types[0].annotation == "bytes" and not empty:
            # A file: the runtime's response object (read(), iter_bytes(), write_to_file()).
            returns = type_ref("BinaryAPIResponse", Import("._response", "BinaryAPIResponse"))
        elif not types:
            returns = type_ref("None")
        elif any(t.annotation == "object" for t in types):
            returns = type_ref("object")
        else:
            returns = types[0] if len(types) == 1 else combine("Union[{}]", types, Import(_TYPING, "Union"))
            if empty:
                returns = optional(returns)
        header = ", ".join(accept)
        return returns, (header if header and header != "application/json" else None)

    def stream_flag(
        self,
        op: Located,
        sc: StreamConfig | None,
        body: Body | None,
        returns: TypeRef,
        method_name: str,
    ) -> StreamFlag | None:
        """The body flag that switches the response to server-sent events: the config's (its event
        schema named there, else the operation's ``text/event-stream`` response's), or without
        config a boolean ``stream`` property where the operation declares JSON and
        ``text/event-stream`` responses."""
        declared = self._declared_events(op)
        fields = body.fields if body is not None else ()
        if sc is None:
            if declared is None or returns.outer == "Stream":
                return None
            field_ = next((f for f in fields if f.wire_name == "stream" and f.type.annotation == "bool"), None)
            if field_ is None:
                return None
            event = declared
        else:
            assert sc.located is not None
            where = sc.located.child("flag") if "flag" in sc.located.value else sc.located
            field_ = next((f for f in fields if f.wire_name == sc.flag), None)
            if field_ is None:
                raise where.error(f"the operation's request body has no property {sc.flag!r} to switch streaming")
            if field_.type.annotation != "bool":
                raise where.error(f"the body property {sc.flag!r} is not a boolean (it is {field_.type.annotation})")
            if returns.outer == "Stream":
                raise sc.located.error("the operation answers with events already: it takes no 'stream' flag")
            if sc.event is not None:
                components = self.spec.top.get("components")
                schemas = components.get("schemas") if components is not None else None
                if schemas is None or schemas.get(sc.event) is None:
                    raise sc.located.child("event").error(f"there is no schema {sc.event!r} under components/schemas")
                pointer = sc.event.replace("~", "~0").replace("/", "~1").replace("%", "%25")
                event = Located(self.spec.root, ("x-oagen-stream",), {"$ref": "#/components/schemas/" + pointer})
            elif declared is not None:
                event = declared
            else:
                raise sc.located.error(
                    "name the events' schema ('event'): the operation declares no text/event-stream response"
                )
        item = self.type_of(event, naming.pascal(method_name) + "Event") if event.value is not None else None
        stream = _stream_of("Stream", item or type_ref("object"))
        async_stream = _stream_of("AsyncStream", item or type_ref("object"))
        union = Import(_TYPING, "Union")
        return StreamFlag(
            attr=field_.attr,
            returns=stream,
            async_returns=async_stream,
            either=combine("Union[{}]", [returns, stream], union),
            async_either=combine("Union[{}]", [returns, async_stream], union),
        )

    def _declared_events(self, op: Located) -> Located | None:
        """The schema of the operation's 2xx ``text/event-stream`` response (a node whose value is
        None when it declares none)."""
        responses = op.get("responses")
        for code, response in by_key(responses.items()) if responses else ():
            if not code.startswith("2"):
                continue
            content = self.spec.deref(response).get("content")
            for mt, media in content.items() if content else ():
                if _stream_kind(mt) == "Stream":
                    schema = media.get("schema")
                    return schema if schema is not None else Located(media.doc, media.parts, None)
        return None

    def error_types(self, op: Located, method_name: str) -> tuple[ErrorBody, ...]:
        """(status key, type expression) of every declared error response with a JSON schema."""
        responses = op.get("responses")
        codes = sorted(k for k, _ in responses.items()) if responses else []
        has_success = any(c.startswith("2") for c in codes)
        out = []
        for code in codes:
            if not (code[:1] in ("4", "5") or (code == "default" and has_success)):
                continue
            response = self.spec.deref(responses.child(code))  # type: ignore[union-attr]
            content = response.get("content")
            for mt, media in content.items() if content else ():
                if _media_kind(mt) == "json" and media.get("schema") is not None:
                    ref = self.type_of(
                        media.child("schema"), naming.pascal(method_name) + "Error" + naming.pascal(code)
                    )
                    if ref.annotation != "object":
                        out.append(ErrorBody(code.upper() if code != "default" else code, ref, _cast_to(ref)))
                    break
        return tuple(out)

    def security_of(self, op: Located) -> tuple[tuple[str, ...], ...]:
        """The operation's security alternatives; a scheme missing from components is left out
        (nothing could send it), so an alternative naming only missing schemes needs nothing."""
        root = self.spec.root
        security = op.value.get("security", root.data.get("security", []))
        if not isinstance(security, list):
            return ()
        components = root.data.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
        known = set(schemes) if isinstance(schemes, dict) else set()
        return tuple(
            tuple(str(k) for k, _ in by_key(req.items()) if k in known) for req in security if isinstance(req, dict)
        )


_FORM = ("form", "multipart")


def _media_kind(media_type: str) -> str:
    """json, form, multipart, text or binary: how a body of this media type is encoded (as the runtime's media_kind)."""
    mt = media_type.split(";")[0].strip().lower()
    if mt == "application/json" or mt.endswith("+json"):
        return "json"
    if mt == "application/x-www-form-urlencoded":
        return "form"
    if mt.startswith("multipart/"):
        return "multipart"
    if mt.startswith("text/") or mt.endswith(("/xml", "+xml")):
        return "text"
    return "binary"


#: JSON Lines media types (the runtime's ``JSONLDecoder``).
_JSONL = ("application/jsonl", "application/x-jsonl", "application/x-ndjson", "application/jsonlines")


def _stream_kind(media_type: str) -> str | None:
    """``Stream`` for server-sent events, ``JSONLDecoder`` for JSON Lines, else None."""
    mt = media_type.split(";")[0].strip().lower()
    if mt == "text/event-stream":
        return "Stream"
    return "JSONLDecoder" if mt in _JSONL else None


def _stream_of(kind: str, item: TypeRef) -> TypeRef:
    """``Stream[item]`` (``AsyncStream``, ``JSONLDecoder``...): the runtime's class of that name."""
    return combine(kind + "[{}]", [item], Import("._streaming", kind))


def _is_binary(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("format") == "binary":
        return True
    return "contentMediaType" in value and "contentEncoding" not in value and value.get("type") in ("string", None)


def _unfit(value: object, schema: dict[str, Any]) -> str | None:
    """Why ``value`` is not a value of ``schema`` (a parameter's), or None when it is."""
    kind = schema.get("type")
    if isinstance(value, list):
        if kind != "array":
            return "it is not a list"
        items = schema.get("items")
        problems = [_unfit(v, items if isinstance(items, dict) else {}) for v in value]
        return next((p for p in problems if p), None)
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(value == v and type(value) is type(v) for v in enum):
        return f"not one of {', '.join(map(repr, enum))}"
    allowed = {
        "string": (str,),
        "integer": (int,),
        "number": (int, float),
        "boolean": (bool,),
    }.get(kind if isinstance(kind, str) else "")
    if allowed is None:
        return f"the schema's type is {kind!r}" if kind else "the schema gives no simple type"
    if not isinstance(value, allowed) or isinstance(value, bool) and bool not in allowed:
        return f"it is not of type {kind}"
    return None


def _renamed(f: BodyField, attr: str) -> BodyField:
    """The body field ``f`` as argument ``attr``, its docstring saying which property it is."""
    if f.description and f.description.startswith(f"The body property `{f.wire_name}` "):
        description: str | None = f.description  # already says so
    else:
        note = f"The body property `{f.wire_name}` (`{f.attr}` is taken)."
        description = f"{note} {f.description}" if f.description else note
    return replace(f, attr=attr, description=description)


def _names_in(*expressions: str) -> set[str]:
    """The names the Python ``expressions`` read."""
    return {n.id for e in expressions for n in ast.walk(ast.parse(e)) if isinstance(n, ast.Name)}


def _cast_to(returns: TypeRef) -> RuntimeType:
    if returns.annotation == "None":
        return RuntimeType("NoneType")
    if returns.is_type is False:
        return RuntimeType(returns.annotation, cast=True)  # an alias of a union, Literal...
    if returns.annotation.isidentifier() or returns.outer in ("List", "Dict", "Stream", "JSONLDecoder"):
        return RuntimeType(returns.annotation)  # a class, or a generic alias mypy already reads as a type
    return RuntimeType(returns.annotation, cast=True)


def _resource_attr(text: str) -> str:
    name = naming.python_name(text, fallback="resource")
    return name + "_" if name in naming.CLIENT_NAMES else name


def default_resource_path(op: Located, key: str) -> tuple[str, ...]:
    tags = op.value.get("tags")
    if isinstance(tags, list) and tags and isinstance(tags[0], str) and naming.snake(tags[0]):
        return (_resource_attr(tags[0]),)
    for segment in key.partition("?")[0].split("/"):
        if segment and not segment.startswith("{") and naming.snake(segment):
            return (_resource_attr(segment),)
    return ("default",)


def default_method_name(op: Located, method: str, key: str, resource: str = "") -> str:
    """From the operationId, without a leading resource name (``repos/get`` under ``repos``: ``get``)."""
    op_id = op.value.get("operationId")
    if isinstance(op_id, str) and naming.snake(op_id):
        name = naming.python_name(op_id, fallback="call")
        prefix = naming.snake(resource) + "_"
        rest = name[len(prefix) :] if resource and name.startswith(prefix) else ""
        return naming.python_name(rest, fallback="call") if rest and not rest[0].isdigit() else name
    words = [method] + [s.strip("{}") for s in key.partition("?")[0].split("/") if s]
    return naming.python_name(" ".join(words), fallback="call")


@dataclass
class ResourceNode:
    segment: str
    path: tuple[str, ...]
    operations: list[Operation] = field(default_factory=list)
    children: dict[str, ResourceNode] = field(default_factory=dict)


def walk_resources(resources: Iterable[Resource]) -> Iterator[Resource]:
    for r in resources:
        yield r
        yield from walk_resources(r.children)


def resource_class_names(segment: str) -> set[str]:
    """The class names a resource ``segment`` would take (it takes others if one is reserved)."""
    name = naming.class_name(segment, fallback="Resource")
    return {
        prefix + name + suffix
        for prefix in ("", "Async")
        for suffix in ("", "WithRawResponse", "WithStreamingResponse")
    }


def build_resource(node: ResourceNode, parent_class: str, reserved: set[str]) -> Resource:
    """The resource for ``node``; its classes avoid ``reserved`` names (models, the clients) and imported ones."""
    taken = {parent_class}
    name = naming.class_name(node.segment, fallback="Resource")
    if resource_class_names(node.segment) & (reserved | naming.RESOURCE_MODULE_NAMES):
        name += "Resource"
    class_name = naming.unique(name, taken)
    module = ".resources." + ".".join(node.path)
    children = []
    child_classes: set[str] = {class_name}
    for _, child in by_key(node.children.items()):
        c = build_resource(child, class_name, reserved)
        if c.class_name in child_classes:
            raise error("<config>", f"resource class name {c.class_name} is used twice under {module}")
        child_classes.add(c.class_name)
        children.append(c)
    # "asynchronous" is what the async class's methods are made with, in its own class body.
    names: set[str] = {"with_raw_response", "with_streaming_response", "asynchronous", "paged"} | {
        c.attr for c in children
    }
    # Names are made unique in the order the operations were visited, then the methods sorted by them.
    ops = sorted(
        (replace(op, method_name=naming.unique(op.method_name, names)) for op in node.operations),
        key=attrgetter("method_name"),
    )
    is_package = bool(children)
    imports: set[Import] = {Import("functools", "cached_property")} if (children or ops) else set()
    imports.add(Import("._resource", "SyncAPIResource"))
    imports.add(Import("._resource", "AsyncAPIResource"))
    if children:
        imports.add(Import(_TYPING, "TYPE_CHECKING"))
    if ops:
        imports |= {Import("typing_extensions", "Unpack"), Import("._types", "RequestOptions")}
        if any(op.pagination is None for op in ops):
            imports.add(Import("._resource", "asynchronous"))
        optional = [not p.required and p.value is None for op in ops for p in op.keyword]
        for op in ops:
            if op.body:
                optional += [not f.required for f in op.body.fields] if op.body.fields else [not op.body.required]
        if any(optional):
            imports |= {Import("._types", "NOT_GIVEN"), Import("._types", "NotGiven")}
        imports |= {
            Import("._response", n)
            for n in (
                "to_raw_response_wrapper",
                "async_to_raw_response_wrapper",
                "to_streamed_response_wrapper",
                "async_to_streamed_response_wrapper",
            )
        }
        for op in ops:
            styled = [p.style for p in op.params]
            for p in op.arguments:
                imports |= p.type.imports
                if p.always_include:
                    imports.add(Import("._utils", "include_defaults"))
            if any(p.check_non_empty for p in op.located("path")):
                imports.add(Import("._utils", "require_non_empty"))
            if op.deprecated_arguments:
                imports.add(Import("._utils", "warn_deprecated"))
            if op.deprecated:
                imports.add(Import("typing_extensions", "deprecated"))
            if op.body:
                if op.body.fields:
                    for f in op.body.fields:
                        imports |= f.type.imports
                        styled.append(f.style)
                else:
                    imports |= op.body.type.imports
                if op.body.content_type:
                    imports |= op.body.content_type.imports
            if any(styled):
                imports.add(Import("._utils", "Styled"))
            imports |= op.returns.imports
            runtime = [op.cast_to]
            if op.pagination is not None:
                imports |= {Import("._pagination", n) for n in ("Pagination", "paginate", "paged")}
                runtime.append(op.pagination.item_runtime)
                imports |= op.pagination.body.imports
            for error_body in op.errors:
                imports |= error_body.type.imports
                runtime.append(error_body.runtime)
            if any(r.cast for r in runtime):
                imports |= {Import(_TYPING, "cast"), Import(_TYPING, "Type")}
            if op.cast_to.annotation == "NoneType":
                imports.add(Import("types", "NoneType"))
            if op.stream is not None:
                imports |= op.stream.either.imports | op.stream.async_either.imports
                imports |= {Import(_TYPING, n) for n in ("overload", "Literal", "TYPE_CHECKING")}
                imports.add(Import("._streaming", "stream_if"))
                imports |= {Import("._types", "NOT_GIVEN"), Import("._types", "NotGiven")}
    return Resource(
        attr=node.segment,
        class_name=class_name,
        async_class_name="Async" + class_name,
        module=module,
        is_package=is_package,
        operations=tuple(ops),
        children=tuple(children),
        imports=import_lines(imports, module, is_package),
    )
