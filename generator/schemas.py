"""Schemas -> types: the pydantic models and type aliases of the generated ``types/`` package.

Part of building the IR (see build.py): every naming decision and type mapping for schemas is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from . import naming
from .config import Config
from .diagnostics import Diagnostic
from .imports import import_lines
from .ir import Import, Model, ModelField, TypeRef
from .load import Located, Spec
from .safe import lit

_TYPING = "typing"

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
class SchemaBuilder:
    spec: Spec
    config: Config
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
            self.errors.append(self.config_diag(("schemas", name), f"schema {name!r} is not in components/schemas"))
        for _, node in schemas.items():
            self.model_for(node)

    def config_diag(self, parts: tuple[str, ...], message: str) -> Diagnostic:
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
