"""Build the IR from a loaded, validated spec and the user's config.

This is the only module that understands OpenAPI. Every naming decision, every config override and
every type mapping happens here; templates only lay out the result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qsl

from . import naming
from .config import Config, OperationConfig
from .diagnostics import Diagnostic, GenerationError
from .imports import import_lines
from .ir import (
    Api,
    Body,
    Client,
    Example,
    Import,
    Model,
    ModelField,
    Operation,
    Param,
    Resource,
    SecurityScheme,
    TypeRef,
)
from .load import Located, Spec
from .safe import lit

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TYPING = "typing"

#: Keyword arguments every generated method has; parameters are renamed around them.
_METHOD_RESERVED = {"self", "extra_headers", "extra_query", "extra_body", "timeout", "body"}
#: Attribute names pydantic's BaseModel uses; a property of that name gets a trailing underscore.
_MODEL_RESERVED = {
    "model_config", "model_fields", "model_computed_fields", "model_extra", "model_fields_set", "copy",
    "dict", "json", "schema", "schema_json", "construct", "validate", "to_dict", "to_json", "parse_obj",
    "parse_raw", "parse_file", "from_orm", "update_forward_refs", "model_dump", "model_dump_json",
    "model_validate", "model_validate_json", "model_copy", "model_construct", "model_json_schema",
    "model_post_init", "model_rebuild", "model_parametrized_name", "model_validate_strings",
}


def _t(annotation: str, *imports: Import) -> TypeRef:
    return TypeRef(annotation, frozenset(imports))


def _combine(template: str, parts: Iterable[TypeRef], *imports: Import) -> TypeRef:
    parts = list(parts)
    joined = ", ".join(p.annotation for p in parts)
    merged = frozenset().union(*(p.imports for p in parts)) | frozenset(imports)
    return TypeRef(template.format(joined), merged)


def _optional(ref: TypeRef) -> TypeRef:
    if ref.annotation.startswith("Optional[") or ref.annotation in ("None", "object"):
        return ref
    return _combine("Optional[{}]", [ref], Import(_TYPING, "Optional"))


def _description(node: Located) -> str | None:
    value = node.value
    if not isinstance(value, dict):
        return None
    text = value.get("description") or value.get("summary")
    return text.strip() if isinstance(text, str) and text.strip() else None


@dataclass
class _ModelSlot:
    class_name: str
    module: str
    model: Model | None = None


@dataclass
class _Builder:
    spec: Spec
    config: Config
    package: str
    slots: dict[tuple[str, tuple[str, ...]], _ModelSlot] = field(default_factory=dict)
    class_names: set[str] = field(default_factory=set)
    module_names: set[str] = field(default_factory=set)
    errors: list[Diagnostic] = field(default_factory=list)

    # --- models ----------------------------------------------------------------------------------

    def _key(self, node: Located) -> tuple[str, tuple[str, ...]]:
        return (str(node.doc.path), node.parts)

    def declare(self, node: Located, wanted: str) -> _ModelSlot:
        key = self._key(node)
        slot = self.slots.get(key)
        if slot is None:
            name = naming.unique(naming.class_name(wanted), self.class_names)
            module = naming.unique(naming.python_name(name, fallback="model"), self.module_names, fold_case=True)
            slot = self.slots[key] = _ModelSlot(name, module)
        return slot

    def declare_components(self) -> None:
        schemas = self.spec.top.get("components")
        schemas = schemas.get("schemas") if schemas else None
        if schemas is None:
            return
        renames = dict(self.config.schemas)
        # Renamed schemas claim their names first, so a rename never gets a numeric suffix.
        ordered = sorted(schemas.items(), key=lambda kv: kv[0] not in renames)
        for name, node in ordered:
            self.declare(node, renames.pop(name, name))
        for name in renames:
            self.errors.append(self._config_diag(("schemas", name), f"schema {name!r} is not in components/schemas"))
        for _, node in schemas.items():
            self.model_for(node)

    def _config_diag(self, parts: tuple[str, ...], message: str) -> Diagnostic:
        assert self.config.source is not None
        return self.config.source.diagnostic(parts, message, key=True)

    def model_ref(self, slot: _ModelSlot) -> TypeRef:
        return _t(slot.class_name, Import(f".types.{slot.module}", slot.class_name))

    def model_for(self, node: Located) -> TypeRef:
        """The named model (class or alias) for a component-like schema; built once."""
        slot = self.slots[self._key(node)]
        if slot.model is None:
            # Mark as in progress so recursion refers to the name instead of rebuilding it.
            slot.model = Model(slot.class_name, slot.module, None)
            slot.model = self._build_model(node, slot)
        return self.model_ref(slot)

    def _build_model(self, node: Located, slot: _ModelSlot) -> Model:
        schema = self.spec.deref(node)
        description = _description(schema)
        if self._is_object(schema.value):
            fields = self._fields(schema, slot.class_name)
            imports = {Import("._models", "BaseModel")}
            for f in fields:
                imports |= f.type.imports
                if f.attr != f.wire_name:
                    imports.add(Import("pydantic", "Field"))
            module = f".types.{slot.module}"
            return Model(slot.class_name, slot.module, description, tuple(fields), None, import_lines(imports, module))
        alias = self.type_of(schema, slot.class_name, top_level=True)
        imports = set(alias.imports) | {Import("typing_extensions", "TypeAlias")}
        return Model(slot.class_name, slot.module, description, (), alias, import_lines(imports, f".types.{slot.module}"))

    @staticmethod
    def _is_object(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        if "properties" in value or "allOf" in value and not any(k in value for k in ("oneOf", "anyOf")):
            return True
        return value.get("type") == "object" and "additionalProperties" not in value and not any(
            k in value for k in ("oneOf", "anyOf", "enum", "const")
        )

    def _collect_properties(self, schema: Located) -> tuple[dict[str, Located], set[str]]:
        """Properties and required names of an object schema, ``allOf`` members merged in."""
        props: dict[str, Located] = {}
        required: set[str] = set()
        for member in schema.get("allOf").elements() if schema.get("allOf") else ():
            p, r = self._collect_properties(self.spec.deref(member))
            props.update(p)
            required |= r
        if schema.get("properties") is not None:
            props.update(dict(schema.child("properties").items()))
        if isinstance(schema.value.get("required"), list):
            required |= {r for r in schema.value["required"] if isinstance(r, str)}
        return props, required

    def _fields(self, schema: Located, owner: str) -> list[ModelField]:
        props, required = self._collect_properties(schema)
        taken: set[str] = set()
        fields = []
        for wire, prop in props.items():
            attr = naming.python_name(wire, fallback="field")
            if attr in _MODEL_RESERVED:
                attr += "_"
            attr = naming.unique(attr, taken)
            resolved = self.spec.deref(prop)
            ref = self.type_of(prop, owner + naming.pascal(wire))
            value = resolved.value if isinstance(resolved.value, dict) else {}
            is_required = wire in required
            default: str | None = None
            if "default" in value:
                default = lit(value["default"])
                if value["default"] is None:
                    ref = _optional(ref)
            elif not is_required:
                ref, default = _optional(ref), "None"
            fields.append(
                ModelField(attr, wire, ref, is_required, default, _description(resolved), bool(value.get("deprecated")))
            )
        return fields

    def type_of(self, node: Located, hint: str, *, top_level: bool = False) -> TypeRef:
        """The Python type of the schema at ``node``; ``hint`` names any inline model it needs."""
        value = node.value
        if isinstance(value, bool) or value is None:
            return _t("object")
        if not isinstance(value, dict):
            raise node.error("a schema must be a mapping or a boolean")
        if isinstance(value.get("$ref"), str):
            target = self.spec.resolve(node.child("$ref"))
            key = self._key(target)
            if key not in self.slots:
                if not self._worth_a_model(self.spec.deref(target).value):
                    return self.type_of(target, hint)
                self.declare(target, target.parts[-1] if target.parts else hint)
            return self.model_for(target)
        if not top_level and self._is_object(value):
            self.declare(node, hint)
            return self.model_for(node)
        ref = self._bare_type(node, hint)
        if value.get("nullable") is True:
            ref = _optional(ref)
        return ref

    def _worth_a_model(self, value: Any) -> bool:
        return isinstance(value, dict) and (self._is_object(value) or "enum" in value or "oneOf" in value or "anyOf" in value)

    def _bare_type(self, node: Located, hint: str) -> TypeRef:
        value = node.value
        if "const" in value:
            return self._literal([value["const"]])
        if isinstance(value.get("enum"), list):
            return self._literal(value["enum"])
        for keyword in ("oneOf", "anyOf"):
            if isinstance(value.get(keyword), list):
                return self._union(node, keyword, hint)
        if isinstance(value.get("allOf"), list):
            members = list(node.child("allOf").elements())
            if len(members) == 1:
                return self.type_of(members[0], hint)
            self.declare(node, hint)
            return self.model_for(node)
        kind = value.get("type")
        if isinstance(kind, list):
            parts = [self._bare_type(Located(node.doc, node.parts, {**value, "type": k}), hint) for k in kind if k != "null"]
            ref = parts[0] if len(parts) == 1 else _combine("Union[{}]", parts, Import(_TYPING, "Union"))
            return _optional(ref) if "null" in kind else ref
        if kind == "array" or "items" in value or "prefixItems" in value:
            if isinstance(value.get("prefixItems"), list):
                items = [self.type_of(item, f"{hint}Item{i}") for i, item in enumerate(node.child("prefixItems").elements())]
                return _combine("Tuple[{}]", items, Import(_TYPING, "Tuple"))
            item = self.type_of(node.child("items"), f"{hint}Item") if "items" in value else _t("object")
            return _combine("List[{}]", [item], Import(_TYPING, "List"))
        if kind == "object" or "additionalProperties" in value:
            extra = value.get("additionalProperties")
            item = self.type_of(node.child("additionalProperties"), f"{hint}Value") if isinstance(extra, dict) else _t("object")
            return _combine("Dict[str, {}]", [item], Import(_TYPING, "Dict"))
        if kind == "string":
            fmt = value.get("format")
            if fmt == "date-time":
                return _t("datetime", Import("datetime", "datetime"))
            if fmt == "date":
                return _t("date", Import("datetime", "date"))
            if fmt == "binary":
                return _t("bytes")
            return _t("str")
        return {"integer": _t("int"), "number": _t("float"), "boolean": _t("bool"), "null": _t("None")}.get(
            kind if isinstance(kind, str) else "", _t("object")
        )

    def _literal(self, values: list[Any]) -> TypeRef:
        usable = [v for v in values if isinstance(v, (str, int, bool)) and not isinstance(v, float)]
        if not usable:
            return _t("None") if values and all(v is None for v in values) else _t("object")
        ref = _t(f"Literal[{', '.join(lit(v) for v in usable)}]", Import(_TYPING, "Literal"))
        return _optional(ref) if None in values else ref

    def _union(self, node: Located, keyword: str, hint: str) -> TypeRef:
        members = list(node.child(keyword).elements())
        parts: list[TypeRef] = []
        nullable = False
        for i, member in enumerate(members):
            ref = self.type_of(member, f"{hint}Variant{i}")
            if ref.annotation == "None":
                nullable = True
            elif ref.annotation not in [p.annotation for p in parts]:
                parts.append(ref)
        if not parts:
            return _t("None")
        ref = parts[0] if len(parts) == 1 else _combine("Union[{}]", parts, Import(_TYPING, "Union"))
        discriminator = node.value.get("discriminator")
        if len(parts) > 1 and isinstance(discriminator, dict) and self._tagged(members, discriminator.get("propertyName")):
            prop = discriminator["propertyName"]
            ref = TypeRef(
                f"Annotated[{ref.annotation}, Field(discriminator={lit(prop)})]",
                ref.imports | {Import(_TYPING, "Annotated"), Import("pydantic", "Field")},
            )
        return _optional(ref) if nullable else ref

    def _tagged(self, members: list[Located], prop: Any) -> bool:
        """Whether every member is an object whose ``prop`` is a constant: pydantic can then select by tag."""
        if not isinstance(prop, str):
            return False
        for member in members:
            if "$ref" not in member.value:
                return False
            props, _ = self._collect_properties(self.spec.deref(member))
            tag = props.get(prop)
            tag_value = self.spec.deref(tag).value if tag else None
            if not isinstance(tag_value, dict) or not ("const" in tag_value or len(tag_value.get("enum") or ()) == 1):
                return False
        return True

    # --- operations ------------------------------------------------------------------------------

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
    if returns.annotation.isidentifier():
        return returns.annotation
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


def build(spec: Spec, config: Config, *, package_name: str | None = None) -> Api:
    info = spec.top.value.get("info") if isinstance(spec.top.value.get("info"), dict) else {}
    title = str(info.get("title") or "API")
    package = package_name or config.package_name or (naming.python_name(title, fallback="api") + "_client")
    if not naming.is_identifier(package):
        raise GenerationError([Diagnostic("<options>", None, None, "/package_name", f"package name {package!r} is not a Python identifier")])
    b = _Builder(spec, config, package)
    b.declare_components()

    root = _Node("", ())
    used_config: set[str] = set()
    all_ops: list[tuple[tuple[str, ...], Operation]] = []
    for op, method, key, item, _ in b.operations():
        op_id = op.value.get("operationId")
        cfg = None
        for config_key in (op_id, f"{method.upper()} {key}"):
            if isinstance(config_key, str) and config_key in config.operations:
                cfg, _ = config.operations[config_key], used_config.add(config_key)
                break
        resource = tuple(cfg.resource.split(".")) if cfg and cfg.resource else _resource_path_default(op, key)
        method_name = cfg.method if cfg and cfg.method else _method_name_default(op, method, key)
        for name in (*resource, method_name):
            if not naming.is_identifier(name):
                raise (cfg.located if cfg and cfg.located else op).error(f"{name!r} is not a Python identifier")
        node = root
        for segment in resource:
            node = node.children.setdefault(segment, _Node(segment, node.path + (segment,)))
        try:
            operation = b.build_operation(op, method, key, item, cfg, method_name)
        except GenerationError as exc:
            b.errors.extend(exc.diagnostics)
            continue
        node.operations.append(operation)
        all_ops.append((resource, operation))
    for config_key, cfg in config.operations.items():
        if config_key not in used_config:
            b.errors.append(b._config_diag(("operations", config_key), f"operation {config_key!r} matches no operationId nor 'METHOD /path' in the spec"))

    schemes = _security_schemes(b)
    if b.errors:
        raise GenerationError(b.errors)

    client_name = config.client.name or naming.class_name(title, fallback="Client")
    prefix = naming.snake(client_name).upper()
    resources = tuple(_resource(child, "") for child in root.children.values())
    client = Client(
        name=client_name,
        async_name=config.client.async_name or f"Async{client_name}",
        error_base=config.client.error_base or f"{client_name}Error",
        base_url=config.client.base_url or _server_url(spec),
        base_url_env=config.client.base_url_env or f"{prefix}_BASE_URL",
        default_headers=tuple(config.client.default_headers.items()),
        title=title,
        description=info.get("description") if isinstance(info.get("description"), str) else None,
    )
    models = tuple(sorted((s.model for s in b.slots.values() if s.model), key=lambda m: m.module))
    return Api(
        package=package,
        project_name=config.project_name or package.replace("_", "-"),
        version=config.version,
        client=client,
        resources=resources,
        models=models,
        security_schemes=schemes,
        example=_example(all_ops),
        all_resources=tuple(_walk(resources)),
    )


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


def _server_url(spec: Spec) -> str:
    servers = spec.top.value.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict) and isinstance(servers[0].get("url"), str):
        url: str = servers[0]["url"]
        for name, var in (servers[0].get("variables") or {}).items():
            if isinstance(var, dict) and "default" in var:
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        return url
    return "http://localhost"


def _security_schemes(b: _Builder) -> tuple[SecurityScheme, ...]:
    components = b.spec.top.get("components")
    node = components.get("securitySchemes") if components else None
    out = []
    used_config = set()
    client_prefix = naming.snake(b.config.client.name or "api").upper()
    items = list(node.items()) if node else []
    api_keys = sum(1 for _, s in items if b.spec.deref(s).value.get("type") == "apiKey")
    for name, scheme in items:
        scheme = b.spec.deref(scheme)
        value = scheme.value
        cfg = b.config.auth.get(name)
        if cfg:
            used_config.add(name)
        kind = value.get("type")
        desc = _description(scheme)
        if kind == "apiKey":
            attr = (cfg and cfg.argument) or ("api_key" if api_keys == 1 else naming.python_name(name, fallback="api_key"))
            env = (cfg and cfg.env) or f"{client_prefix}_{attr.upper()}"
            out.append(SecurityScheme(name, "apiKey", value.get("in"), value.get("name"), attr, env, description=desc))
        elif kind == "http" and str(value.get("scheme", "")).lower() == "basic":
            ua = (cfg and cfg.username_argument) or "username"
            pa = (cfg and cfg.password_argument) or "password"
            out.append(SecurityScheme(name, "basic", username_attr=ua, password_attr=pa,
                                      username_env=(cfg and cfg.username_env) or f"{client_prefix}_{ua.upper()}",
                                      password_env=(cfg and cfg.password_env) or f"{client_prefix}_{pa.upper()}", description=desc))
        else:  # http bearer, oauth2, openIdConnect: an access token in the Authorization header
            attr = (cfg and cfg.argument) or ("bearer_token" if kind == "http" else "access_token")
            env = (cfg and cfg.env) or f"{client_prefix}_{attr.upper()}"
            out.append(SecurityScheme(name, "bearer", attr=attr, env=env, description=desc))
    for name in b.config.auth:
        if name not in used_config:
            b.errors.append(b._config_diag(("auth", name), f"security scheme {name!r} is not in components/securitySchemes"))
    return tuple(out)


def _example(ops: list[tuple[tuple[str, ...], Operation]]) -> Example | None:
    if not ops:
        return None
    resource, op = ops[0]
    args = tuple(f"{p.attr}={lit(p.attr)}" for p in op.params if p.required and p.type.annotation == "str")
    return Example(call=".".join((*resource, op.method_name)), arguments=args, result_name=naming.python_name(op.returns.annotation, fallback="result") if op.returns.annotation.isidentifier() else "result")
