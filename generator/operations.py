"""Operations -> methods: parameters, bodies, responses, security and the resource tree.

Part of building the IR (see build.py); the types of parameters and bodies come from schemas.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator
from urllib.parse import parse_qsl

from . import naming
from .config import OperationConfig
from .diagnostics import Diagnostic, GenerationError
from .imports import import_lines
from .ir import Body, Import, Operation, Param, Resource, TypeRef
from .load import Located
from .schemas import SchemaBuilder, _description, _t

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TYPING = "typing"

#: Keyword arguments every generated method has; parameters are renamed around them.
_METHOD_RESERVED = {"self", "extra_headers", "extra_query", "extra_body", "timeout", "body"}


class OperationBuilder:
    def __init__(self, schemas: SchemaBuilder) -> None:
        self.schemas = schemas
        self.spec = schemas.spec
        self.type_of = schemas.type_of

    def operations(self) -> Iterator[tuple[Located, str, str, Located, Located]]:
        """(operation, http method, path key, path item, paths node) in document order."""
        paths = self.spec.top.get("paths")
        for key, item in paths.items() if paths else ():
            item = self.spec.deref(item)
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is not None:
                    yield op, method, key, item, paths  # type: ignore[misc]

    def build_operation(self, op: Located, method: str, key: str, item: Located, cfg: OperationConfig | None, method_name: str) -> Operation:
        path, _, query_string = key.partition("?")
        fixed_query = tuple(parse_qsl(query_string, keep_blank_values=True))
        raw_params: dict[tuple[str, str], Located] = {}
        for source in (item.get("parameters"), op.get("parameters")):
            for p in source.elements() if source else ():
                p = self.spec.deref(p)
                if isinstance(p.value, dict) and isinstance(p.value.get("name"), str):
                    raw_params[(p.value["name"], str(p.value.get("in")))] = p
        renames = dict(cfg.parameters) if cfg else {}
        taken = set(_METHOD_RESERVED)
        params: list[Param] = []
        path_order = re.findall(r"{([^}]+)}", path)
        ordered = sorted(raw_params.items(), key=lambda kv: (kv[0][1] != "path", path_order.index(kv[0][0]) if kv[0][0] in path_order else 0))
        for (wire, location), p in ordered:
            if location not in ("path", "query", "header", "cookie"):
                continue
            pc = renames.pop(wire, None)
            attr = pc.name if pc and pc.name else naming.python_name(wire.replace("<", " before ").replace(">", " after "), fallback="param")
            if not naming.is_identifier(attr):
                raise (cfg.located or op).error(f"parameter name {attr!r} is not a Python identifier")
            attr = naming.unique(attr, taken)
            schema = p.get("schema")
            if schema is None and p.get("content"):
                schema = next(iter(p.child("content").items()))[1].get("schema")
            ref = self.type_of(schema, naming.pascal(method_name) + naming.pascal(wire) + "Param") if schema else _t("str")
            required = location == "path" or bool(p.value.get("required"))
            params.append(
                Param(
                    attr=attr,
                    wire_name=wire,
                    location=location,  # type: ignore[arg-type]
                    type=ref,
                    required=required,
                    description=_description(p),
                    always_include=pc.always_include if pc else (),
                    check_non_empty=location == "path" and ref.annotation == "str",
                )
            )
        for wire in renames:
            assert cfg is not None and cfg.located is not None
            self.errors.append(cfg.located.child("parameters", wire).diagnostic(f"operation has no parameter {wire!r}"))
        body = self.request_body(op, method_name)
        returns = self.response_type(op, method_name)
        return Operation(
            operation_id=str(op.value.get("operationId") or f"{method.upper()} {key}"),
            method_name=method_name,
            http_method=method.upper(),
            path=path,
            fixed_query=fixed_query,
            params=tuple(params),
            body=body,
            returns=returns,
            cast_to=_cast_to(returns),
            security=self.security_of(op),
            summary=op.value.get("summary") if isinstance(op.value.get("summary"), str) else None,
            description=op.value.get("description") if isinstance(op.value.get("description"), str) else None,
            deprecated=bool(op.value.get("deprecated")),
        )

    def request_body(self, op: Located, method_name: str) -> Body | None:
        node = op.get("requestBody")
        if node is None:
            return None
        node = self.spec.deref(node)
        content = node.get("content")
        for media_type, media in content.items() if content else ():
            if media_type.split(";")[0].strip() == "application/json" or media_type.endswith("+json"):
                schema = media.get("schema")
                ref = self.type_of(schema, naming.pascal(method_name) + "Body") if schema else _t("object")
                return Body("body", ref, bool(node.value.get("required")), media_type, _description(node))
        raise op.error("request bodies other than JSON are not supported yet")

    def response_type(self, op: Located, method_name: str) -> TypeRef:
        responses = op.get("responses")
        codes = sorted(k for k, _ in responses.items()) if responses else []
        success = [c for c in codes if c.startswith("2")]
        if not success:
            return _t("None")
        response = self.spec.deref(responses.child(success[0]))  # type: ignore[union-attr]
        content = response.get("content")
        for media_type, media in content.items() if content else ():
            if media_type.split(";")[0].strip() == "application/json" or media_type.endswith("+json"):
                schema = media.get("schema")
                return self.type_of(schema, naming.pascal(method_name) + "Response") if schema else _t("object")
        return _t("None")

    def security_of(self, op: Located) -> tuple[tuple[str, ...], ...]:
        security = op.value.get("security", self.spec.top.value.get("security", []))
        if not isinstance(security, list):
            return ()
        return tuple(tuple(str(k) for k in req) for req in security if isinstance(req, dict))


def _cast_to(returns: TypeRef) -> str:
    if returns.annotation == "None":
        return "type(None)"
    if returns.annotation.isidentifier() or returns.annotation.startswith(("List[", "Dict[")):
        return returns.annotation  # a class, or a generic alias mypy already reads as a type
    return f"cast(type[{returns.annotation}], {returns.annotation})"


def _resource_path_default(op: Located, key: str) -> tuple[str, ...]:
    tags = op.value.get("tags")
    if isinstance(tags, list) and tags and isinstance(tags[0], str) and naming.snake(tags[0]):
        return (naming.python_name(tags[0], fallback="resource"),)
    for segment in key.partition("?")[0].split("/"):
        if segment and not segment.startswith("{") and naming.snake(segment):
            return (naming.python_name(segment, fallback="resource"),)
    return ("default",)


def _method_name_default(op: Located, method: str, key: str) -> str:
    op_id = op.value.get("operationId")
    if isinstance(op_id, str) and naming.snake(op_id):
        return naming.python_name(op_id, fallback="call")
    words = [method] + [s.strip("{}") for s in key.partition("?")[0].split("/") if s]
    return naming.python_name(" ".join(words), fallback="call")


@dataclass
class _Node:
    segment: str
    path: tuple[str, ...]
    operations: list[Operation] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)


def _walk(resources: Iterable[Resource]) -> Iterator[Resource]:
    for r in resources:
        yield r
        yield from _walk(r.children)


def _resource(node: _Node, parent_class: str) -> Resource:
    taken = {parent_class}
    class_name = naming.unique(naming.class_name(node.segment, fallback="Resource"), taken)
    module = ".resources." + ".".join(node.path)
    children = []
    child_classes: set[str] = {class_name}
    for child in node.children.values():
        c = _resource(child, class_name)
        if c.class_name in child_classes:
            raise GenerationError([Diagnostic("<config>", None, None, "", f"resource class name {c.class_name} is used twice under {module}")])
        child_classes.add(c.class_name)
        children.append(c)
    names: set[str] = {"with_raw_response"} | {c.attr for c in children}
    ops = []
    for op in node.operations:
        ops.append(replace(op, method_name=naming.unique(op.method_name, names)))
    is_package = bool(children)
    imports: set[Import] = {Import("functools", "cached_property")} if (children or ops) else set()
    imports.add(Import("._resource", "SyncAPIResource"))
    imports.add(Import("._resource", "AsyncAPIResource"))
    if children:
        imports.add(Import(_TYPING, "TYPE_CHECKING"))
    if ops:
        imports |= {Import("httpx", ""), Import("._types", "NOT_GIVEN"), Import("._types", "NotGiven"), Import("._types", "Body"), Import("._types", "Headers"), Import("._types", "Query")}
        imports |= {Import("._response", n) for n in ("to_raw_response_wrapper", "async_to_raw_response_wrapper")}
        for op in ops:
            for p in op.params:
                imports |= p.type.imports
                if p.always_include:
                    imports.add(Import("._utils", "include_defaults"))
            if op.body:
                imports |= op.body.type.imports
            imports |= op.returns.imports
            if op.cast_to.startswith("cast("):
                imports.add(Import(_TYPING, "cast"))
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
