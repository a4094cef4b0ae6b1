"""Schemas -> types: the pydantic models and type aliases of the generated ``types/`` package.

Part of building the IR (see build.py): every naming decision and type mapping for schemas is here.

- An object schema (``properties``, or ``allOf`` of objects) becomes a class; ``allOf`` members are
  merged into one flat class (a later member may narrow a property, a contradiction is reported).
- Any other named schema (``components/schemas``, or a deep ``$ref`` worth a name) becomes a type
  alias; one that refers to itself becomes a ``TypeAliasType``.
- Enums with several values are ``Lenient[Literal[...]]``: typed as the listed values, while a value
  the API adds later is kept rather than rejected. Single values and ``const`` stay plain ``Literal``
  (they are tags).
- ``oneOf``/``anyOf`` with a ``discriminator`` select the member by the tag (pydantic ``Tag`` +
  ``Discriminator``), with or without ``mapping``, nested unions included.
- The request side (what methods take: body properties, parameters) is typed apart from the response
  side. An object schema there is a ``TypedDict`` (``<Name>Param``: plain dicts are accepted, keys
  and types checked by mypy; ``Required[...]`` per the schema's ``required``; no read-only
  properties), a named schema holding objects (a union, an array of them) a ``<Name>Param`` alias of
  the request-side types; arrays are ``Sequence[...]``, maps ``Mapping[str, ...]``, enums plain
  ``Literal`` (no ``Lenient``), unions plain ``Union`` (the caller's dict is sent as it is). The
  response class has no write-only properties.
- Modules that refer to each other in a cycle import each other under ``TYPE_CHECKING`` and are
  completed by ``model_rebuild()`` in ``types/__init__.py``.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable, TypeVar

from . import naming
from .config import Config
from .diagnostics import Diagnostic, GenerationError
from .imports import import_lines
from .ir import Import, Model, ModelField, TypeModule, TypeRef
from .load import Located, Spec, follow_local_refs
from .safe import lit

_TYPING = "typing"
_MODELS = "._models"
_TYPES = ".types."

#: Annotations a JSON default of that Python type always satisfies.
_PLAIN_DEFAULTS = {bool: ("bool",), int: ("int", "float"), float: ("float",), str: ("str",)}

_STRING_FORMATS = {
    "date-time": ("datetime", Import("datetime", "datetime")),
    "date": ("date", Import("datetime", "date")),
    "time": ("time", Import("datetime", "time")),
    "uuid": ("UUID", Import("uuid", "UUID")),
    "binary": ("bytes", None),
    "byte": ("Base64Bytes", Import("pydantic", "Base64Bytes")),
}
_REF_KIND_SUFFIX = {"responses": "Response", "requestBodies": "Request", "parameters": "Param", "headers": "Header"}
_POINTER_NOISE = {"content", "schema", "properties", "items", "additionalProperties", "allOf", "oneOf", "anyOf"}


_V = TypeVar("_V")


def by_key(entries: Iterable[tuple[str, _V]]) -> list[tuple[str, _V]]:
    """The entries of a spec mapping whose order means nothing (paths, component schemas, security
    schemes, a discriminator's mapping), sorted by key. The build visits every such mapping in
    this order, so no name it decides, and nothing it emits, depends on how the document is laid
    out; mappings whose order a reader means (properties, content types) keep the spec's order."""
    return sorted(entries, key=lambda entry: str(entry[0]))


def type_ref(annotation: str, *imports: Import) -> TypeRef:
    if not imports:
        return _plain(annotation)
    return TypeRef(annotation, frozenset(imports))


@lru_cache(maxsize=4096)
def _plain(annotation: str) -> TypeRef:
    """A TypeRef without imports (``str``, ``object``...): immutable, so one object serves every use."""
    return TypeRef(annotation, frozenset())


def combine(template: str, parts: Iterable[TypeRef], *imports: Import) -> TypeRef:
    """The generic type ``template`` (``"List[{}]"``) of ``parts``: its annotation, with every import,
    and what it is made of (see ``TypeRef.outer``)."""
    parts = tuple(parts)
    joined = ", ".join(p.annotation for p in parts)
    merged = frozenset().union(*(p.imports for p in parts)) | frozenset(imports)
    return TypeRef(template.format(joined), merged, outer=template.partition("[")[0], args=parts)


def optional(ref: TypeRef) -> TypeRef:
    if ref.outer == "Optional" or ref.annotation in ("None", "object"):
        return ref
    return combine("Optional[{}]", [ref], Import(_TYPING, "Optional"))


def _strict(ref: TypeRef) -> TypeRef:
    """``ref`` without its outer ``Lenient[...]``."""
    return ref.args[0] if ref.outer == "Lenient" else ref


def _names_a_class(alias: TypeRef) -> bool:
    """Whether mypy reads the type ``alias`` used as a value as a class (not a special form)."""
    annotation = alias.annotation
    return annotation.isidentifier() and annotation not in ("None", "object") or alias.outer in ("List", "Dict")


def _union(parts: list[TypeRef]) -> TypeRef:
    return parts[0] if len(parts) == 1 else combine("Union[{}]", parts, Import(_TYPING, "Union"))


def _plain_default(default: Any, ref: TypeRef, schema: dict[str, Any]) -> bool:
    """Whether ``= <default>`` type-checks against ``ref`` as it is (None: made Optional)."""
    if default is None:
        return True
    annotation = ref.args[0].annotation if ref.outer == "Optional" else ref.annotation
    if isinstance(schema.get("enum"), list) or "const" in schema:
        allowed = schema["enum"] if "const" not in schema else [schema["const"]]
        return any(default == v and type(default) is type(v) for v in allowed)
    return annotation in _PLAIN_DEFAULTS.get(type(default), ())


def description_of(node: Located) -> str | None:
    """The node's description (else its summary), stripped; None if there is none."""
    value = node.value
    if not isinstance(value, dict):
        return None
    return node.text("description" if value.get("description") else "summary", strip=True) or None


def _types(value: dict[str, Any]) -> set[str]:
    kind = value.get("type")
    return (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()
    )


def _attribute_names(wire_names: list[str]) -> dict[str, str]:
    """A distinct, valid attribute per property; a wire name that is already one keeps it."""
    wanted: dict[str, str] = {}
    for wire in wire_names:
        text = wire
        if text[:1] in ("+", "-") and not any(ch.isalpha() for ch in text):
            text = ("plus " if text[0] == "+" else "minus ") + text[1:]
        attr = naming.python_name(text, fallback="field")
        if attr in naming.MODEL_ATTRIBUTES:
            attr += "_"
        wanted[wire] = attr
    taken: set[str] = set()
    out: dict[str, str] = {}
    # Exact matches first, so ``context`` stays ``context`` whatever ``@context`` comes before it.
    for wire in sorted(wire_names, key=lambda w: wanted[w] != w):
        out[wire] = naming.unique(wanted[wire], taken)
    return {wire: out[wire] for wire in wire_names}


def _class_key(wire: str) -> bool:
    """Whether ``wire`` can be a key of a ``TypedDict`` in the class syntax: an identifier that no
    annotation in the class body may mean (not a builtin, nor a name the module imports, nor one
    mangled or capitalized like a class)."""
    return (
        naming.is_identifier(wire)
        and wire[0].islower()
        and wire not in vars(builtins)
        and wire not in naming.RESERVED_IN_MODULES
        and wire not in naming.MODEL_ATTRIBUTES
    )


def ref_name(parts: tuple[str, ...], fallback: str) -> str:
    """A readable name for the schema at a JSON pointer (``#/components/responses/Conflict/...``)."""
    if len(parts) == 3 and parts[:2] == ("components", "schemas"):
        return parts[2]
    if len(parts) >= 3 and parts[0] == "components":
        rest = [p for p in parts[3:] if p not in _POINTER_NOISE and "/" not in p and not p.isdigit()]
        return parts[2] + _REF_KIND_SUFFIX.get(parts[1], "") + "".join(naming.pascal(p) for p in rest)
    meaningful = [p for p in parts if p not in _POINTER_NOISE and "/" not in p and not p.isdigit()]
    return meaningful[-1] if meaningful else fallback


@dataclass
class _ModelSlot:
    class_name: str
    module: str
    node: Located
    request: bool = False
    model: Model | None = None
    #: Imports of the model's annotations, before cycles are known.
    uses: set[Import] = field(default_factory=set)
    #: For a union alias selected by a discriminator: its member classes, by the tag they answer to.
    tagged_classes: tuple[str, ...] = ()
    #: The inline object schemas written in this one, which share its module (in declaration order).
    inline: list[_ModelSlot] = field(default_factory=list)
    owned: bool = False
    key: tuple[str, tuple[str, ...], bool] = ("", (), False)


@dataclass
class SchemaBuilder:
    spec: Spec
    config: Config
    slots: dict[tuple[str, tuple[str, ...], bool], _ModelSlot] = field(default_factory=dict)
    class_names: set[str] = field(default_factory=set)
    #: Names of the generated package's own classes (besides ``naming.RESERVED_IN_MODULES``): a
    #: model named so takes a ``Model`` suffix.
    reserved: set[str] = field(default_factory=set)
    module_names: set[str] = field(default_factory=set)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    _inlining: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    #: The models being built, innermost last: an inline object schema goes into the module of the
    #: model it is written in.
    _owners: list[_ModelSlot] = field(default_factory=list)
    _differs: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict)

    # --- models ----------------------------------------------------------------------------------

    def _key(self, node: Located, request: bool = False) -> tuple[str, tuple[str, ...], bool]:
        return (str(node.doc.path), node.parts, request)

    def declare(self, node: Located, wanted: str, *, request: bool = False, inline: bool = False) -> _ModelSlot:
        """The slot of the model for ``node``; an ``inline`` one shares the module of the model it is in."""
        key = self._key(node, request)
        slot = self.slots.get(key)
        if slot is None:
            wanted_name = naming.class_name(wanted)
            if wanted_name in self.reserved:
                wanted_name += "Model"
            name = naming.unique(wanted_name, self.class_names)
            if name != wanted_name and not self._is_component(node):
                self._warn_renamed(node, name, wanted_name)
            owner = self._owners[-1] if inline and self._owners else None
            wanted_module = naming.python_name(name, fallback="model")
            if owner is not None:
                module = owner.module
            else:
                module = naming.unique(wanted_module, self.module_names, fold_case=True)
            slot = self.slots[key] = _ModelSlot(name, module, node, request, owned=owner is not None, key=key)
            if owner is not None:
                owner.inline.append(slot)
        return slot

    def _is_component(self, node: Located) -> bool:
        """Whether ``node`` is an entry of the spec's components/schemas (the config's ``schemas``)."""
        return node.doc is self.spec.root and len(node.parts) == 3 and node.parts[:2] == ("components", "schemas")

    def _warn_renamed(self, node: Located, name: str, wanted: str) -> None:
        """Warn that the model of ``node`` is ``name`` because a component schema's model is ``wanted``
        (components are declared first: a component schema always keeps its own name)."""
        holder = next((s for s in self.slots.values() if s.class_name == wanted and self._is_component(s.node)), None)
        if holder is not None:
            schema = holder.node.parts[2]
            self.warnings.append(
                node.diagnostic(
                    f"model {name} is not named {wanted}: that is the model of components/schemas/{schema}"
                    f" (config key schemas.{schema}.name renames it and leaves {wanted} to this one)"
                )
            )

    def declare_components(self) -> None:
        schemas = self.spec.top.get("components")
        schemas = schemas.get("schemas") if schemas else None
        if schemas is None:
            return
        entries = by_key(schemas.items())
        renames = dict(self.config.schemas)
        wanted = {name: naming.class_name(renames.get(name, name)) for name, _ in entries}
        names = set(wanted.values())
        # Configured request-side names are taken before any model is named (see model_for).
        claimed: dict[str, str] = {}
        for schema, param in sorted(self.config.params.items()):
            param_name = naming.class_name(param)
            other = claimed.get(param_name) or next((s for s, n in wanted.items() if n == param_name), None)
            if other is not None:
                self.errors.append(
                    self.config_diag(
                        ("schemas", schema, "param"),
                        f"{param_name} is already a name the config gives schema {other!r}",
                    )
                )
            claimed[param_name] = schema
        self.class_names.update(claimed)
        # Renamed schemas claim their names first, so a rename never gets a numeric suffix.
        for name, node in sorted(entries, key=lambda kv: kv[0] not in renames):
            renames.pop(name, None)
            self.declare(node, self._response_name(node, name, wanted[name], names))
        for name in renames:
            self.errors.append(self.config_diag(("schemas", name), f"schema {name!r} is not in components/schemas"))
        for name, node in entries:
            if name in self.config.params and not self._needs_param(node):
                self.errors.append(
                    self.config_diag(
                        ("schemas", name, "param"),
                        f"schema {name!r} holds no object: one type serves requests and responses; give it 'name' only",
                    )
                )
        for _, node in entries:
            self.model_for(node)

    def _response_name(self, node: Located, schema: str, name: str, names: set[str]) -> str:
        """The name of a component schema's model: its own, but for a schema named ``...Param``
        that has a request-side twin (``ThinkingConfigParam``, as SDKs name what a request takes)
        and no ``param`` name in the config: the twin, which adds ``Param``, takes that name, and
        the model drops it (unless another component schema's model is called so)."""
        stem = name[: -len("Param")]
        if schema in self.config.params:
            return name
        if name.endswith("Param") and stem and stem not in names and self._needs_param(node):
            return stem
        return name

    def config_diag(self, parts: tuple[str, ...], message: str) -> Diagnostic:
        assert self.config.source is not None
        return self.config.source.diagnostic(parts, message, key=True)

    def model_ref(self, slot: _ModelSlot) -> TypeRef:
        model = slot.model
        alias = model.alias if model else None
        is_type = alias is None or (not (model and model.recursive) and _names_a_class(alias))
        return TypeRef(slot.class_name, frozenset({Import(_TYPES + slot.module, slot.class_name)}), is_type)

    def model_for(self, node: Located, *, request: bool = False) -> TypeRef:
        """The named model (class or alias) for a component-like schema; built once. With
        ``request``: its request-side twin (see the module's docstring), when it needs one."""
        if request and not self._needs_param(node):
            request = False
        slot = self.slots.get(self._key(node, request))
        if slot is None:  # the request shape of a declared schema
            configured = self.config.params.get(node.parts[2]) if self._is_component(node) else None
            if configured is not None:
                wanted = naming.class_name(configured)
                self.class_names.discard(wanted)  # taken for this model alone (declare_components)
            else:
                base = self.slots.get(self._key(node))
                wanted = (base.class_name if base else ref_name(node.parts, "Model")) + "Param"
            slot = self.declare(node, wanted, request=True)
        if slot.model is None:
            # Mark as in progress so recursion refers to the name instead of rebuilding it.
            slot.model = Model(slot.class_name, slot.module, None)
            self._owners.append(slot)
            try:
                slot.model = self._build_model(node, slot)
            finally:
                self._owners.pop()
        return self.model_ref(slot)

    def _build_model(self, node: Located, slot: _ModelSlot) -> Model:
        schema = self.spec.deref(node)
        description = description_of(schema)
        deprecated = isinstance(schema.value, dict) and bool(schema.value.get("deprecated"))
        if slot.request and self.is_object(schema.value):
            fields = self._param_fields(schema, slot.class_name)
            uses = {Import("typing_extensions", "TypedDict")}
            for f in fields:
                uses |= f.type.imports
                if f.required:
                    uses.add(Import("typing_extensions", "Required"))
            slot.uses = uses
            functional = any(f.attr != f.wire_name for f in fields)
            return Model(
                slot.class_name,
                slot.module,
                description,
                tuple(fields),
                deprecated=deprecated,
                typed_dict=True,
                functional=functional,
            )
        if self.is_object(schema.value):
            fields, extra = self._fields(schema, slot.class_name, slot.request)
            uses = {Import(_MODELS, "BaseModel")}
            for f in fields:
                uses |= f.type.imports
                if f.attr != f.wire_name or f.deprecated:
                    uses.add(Import("pydantic", "Field"))
            if extra is not None:
                uses |= extra.imports | {Import(_TYPING, "Dict"), Import("pydantic", "Field")}
            slot.uses = uses
            return Model(slot.class_name, slot.module, description, tuple(fields), deprecated=deprecated, extra=extra)
        alias = self.type_of(schema, slot.class_name, top_level=True, request=slot.request)
        if alias.annotation == slot.class_name:
            alias = type_ref("object")  # a schema that is only itself (allOf: [$ref: <itself>]) says nothing
        slot.uses = set(alias.imports)
        slot.tagged_classes = tuple(sorted({i.name for i in alias.imports if i.module.startswith(_TYPES)}))
        return Model(slot.class_name, slot.module, description, (), alias, deprecated=deprecated)

    def is_object(self, value: Any) -> bool:
        """Whether the schema is a class: it has properties, or merges objects with ``allOf``."""
        if not isinstance(value, dict):
            return False
        if any(k in value for k in ("oneOf", "anyOf", "enum", "const")):
            return False
        if "properties" in value:
            return True
        members = value.get("allOf")
        if not isinstance(members, list) or not members:
            return False
        if len(members) == 1:
            return False  # a reference with siblings (3.0 style): the member's own type
        resolved = [follow_local_refs(self.spec.root.data, m) for m in members]
        return any(isinstance(m, dict) and (self.is_object(m) or m.get("type") == "object") for m in resolved)

    # --- the request side ---------------------------------------------------------------------------

    def _needs_param(self, node: Located) -> bool:
        """Whether the request-side type of ``node`` differs from its response-side one: it holds an
        object schema (a class there, a ``TypedDict`` here), itself or in its members. Memoized."""
        node = self.spec.deref(node)
        key = (str(node.doc.path), node.parts)
        if key in self._differs:
            return self._differs[key]
        self._differs[key] = False  # recursion: what refers to itself holds an object elsewhere, or nothing
        value = node.value
        result = False
        if isinstance(value, dict):
            result = self.is_object(value)
            for keyword in ("allOf", "oneOf", "anyOf", "prefixItems"):
                if not result and isinstance(value.get(keyword), list):
                    result = any(self._needs_param(m) for m in node.child(keyword).elements())
            for keyword in ("items", "additionalProperties"):
                if not result and isinstance(value.get(keyword), dict):
                    result = self._needs_param(node.child(keyword))
        self._differs[key] = result
        return result

    # --- object fields ---------------------------------------------------------------------------

    def collect_properties(
        self, schema: Located, seen: frozenset[tuple[str, tuple[str, ...]]] = frozenset()
    ) -> tuple[dict[str, Located], set[str], list[Located]]:
        """Properties, required names and ``additionalProperties`` nodes of an object schema, ``allOf`` merged."""
        key = (str(schema.doc.path), schema.parts)
        if key in seen:
            raise schema.error("allOf cycle: this schema includes itself through allOf")
        seen = seen | {key}
        props: dict[str, Located] = {}
        required: set[str] = set()
        extras: list[Located] = []
        value = schema.value if isinstance(schema.value, dict) else {}
        if isinstance(value.get("allOf"), list):
            for member in schema.child("allOf").elements():
                p, r, e = self.collect_properties(self.spec.deref(member), seen)
                for name, prop in p.items():
                    if name in props:
                        self._check_compatible(props[name], prop, name)
                    props[name] = prop
                required |= r
                extras += e
        if isinstance(value.get("properties"), dict):
            for name, prop in schema.child("properties").items():
                if name in props:
                    self._check_compatible(props[name], prop, name)
                props[name] = prop
        if isinstance(value.get("required"), list):
            required |= {r for r in value["required"] if isinstance(r, str)}
        if "additionalProperties" in value:
            extras.append(schema.child("additionalProperties"))
        return props, required, extras

    def _check_compatible(self, first: Located, second: Located, name: str) -> None:
        """A later ``allOf`` member may narrow a property; giving it another JSON type is an error."""
        a, b = self.spec.deref(first).value, self.spec.deref(second).value
        if not isinstance(a, dict) or not isinstance(b, dict):
            return
        ta, tb = _types(a) - {"null"}, _types(b) - {"null"}
        numbers = {"integer", "number"}
        if ta and tb and not (ta & tb) and not (ta | tb) <= numbers:
            raise second.error(
                f"allOf members give property {name!r} conflicting types: {'/'.join(sorted(ta))} "
                f"(at {first.pointer}) and {'/'.join(sorted(tb))}"
            )

    def _fields(self, schema: Located, owner: str, request: bool) -> tuple[list[ModelField], TypeRef | None]:
        props, required, extras = self.collect_properties(schema)
        attrs = _attribute_names(list(props))
        fields = []
        for wire, prop in props.items():
            resolved = self.spec.deref(prop)
            value = resolved.value if isinstance(resolved.value, dict) else {}
            local = prop.value if isinstance(prop.value, dict) else {}
            read_only = bool(local.get("readOnly") or value.get("readOnly"))
            write_only = bool(local.get("writeOnly") or value.get("writeOnly"))
            if (request and read_only) or (not request and write_only):
                continue
            attr = attrs[wire]
            ref = self.type_of(prop, owner + naming.pascal(wire), request=request)
            is_required = wire in required
            default: str | None = None
            # The referenced schema documents itself: only the property's own words go here.
            description = description_of(prop)
            if "default" in value and _plain_default(value["default"], ref, value):
                default = lit(value["default"])
                if value["default"] is None:
                    ref = optional(ref)
                is_required = False
            elif not is_required or "default" in value:
                # A default that is not a value of the Python type (a date, a model, a value the
                # schema does not allow) is the server's business: documented, and None here.
                if "default" in value:
                    shown = json.dumps(value["default"], ensure_ascii=False)
                    description = f"{description}\n\nDefault: `{shown}`." if description else f"Default: `{shown}`."
                ref, default, is_required = optional(ref), "None", False
            deprecated = bool(local.get("deprecated"))
            fields.append(ModelField(attr, wire, ref, is_required, default, description, deprecated))
        extra: TypeRef | None = None
        typed = [e for e in extras if isinstance(e.value, dict) and e.value]
        if typed and fields:
            extra = self.type_of(typed[-1], owner + "Value", request=request)
            if extra.annotation == "object":
                extra = None
        return fields, extra

    def _param_fields(self, schema: Located, owner: str) -> list[ModelField]:
        """The keys of a request-side ``TypedDict``: every property but the read-only ones; ``attr``
        is the wire name when the class syntax can declare it (else the functional syntax is used)."""
        props, required, _ = self.collect_properties(schema)
        hint = owner[: -len("Param")] if owner.endswith("Param") and owner != "Param" else owner
        fields = []
        for wire, prop in props.items():
            resolved = self.spec.deref(prop)
            value = resolved.value if isinstance(resolved.value, dict) else {}
            local = prop.value if isinstance(prop.value, dict) else {}
            if local.get("readOnly") or value.get("readOnly"):
                continue
            ref = self.type_of(prop, hint + naming.pascal(wire), request=True)
            description = description_of(prop)
            if "default" in value:
                shown = json.dumps(value["default"], ensure_ascii=False)
                description = f"{description}\n\nDefault: `{shown}`." if description else f"Default: `{shown}`."
            attr = wire if _class_key(wire) else naming.python_name(wire, fallback="field")
            deprecated = bool(local.get("deprecated"))
            fields.append(ModelField(attr, wire, ref, wire in required, None, description, deprecated))
        return fields

    # --- types -----------------------------------------------------------------------------------

    def type_of(self, node: Located, hint: str, *, top_level: bool = False, request: bool = False) -> TypeRef:
        """The Python type of the schema at ``node``; ``hint`` names any inline model it needs."""
        value = node.value
        if isinstance(value, bool) or value is None:
            return type_ref("object")
        if not isinstance(value, dict):
            raise node.error("a schema must be a mapping or a boolean")
        if isinstance(value.get("$ref"), str):
            target = self.spec.resolve(node.child("$ref"))
            if self._key(target) not in self.slots:
                inline_key = (str(target.doc.path), target.parts)
                if not self._worth_a_model(self.spec.deref(target).value) and inline_key not in self._inlining:
                    self._inlining.add(inline_key)
                    try:
                        ref = self.type_of(target, hint, request=request)
                    finally:
                        self._inlining.discard(inline_key)
                else:
                    self.declare(target, ref_name(target.parts, hint))
                    ref = self.model_for(target, request=request)
            else:
                ref = self.model_for(target, request=request)
            if value.get("nullable") is True or "null" in _types(value):
                ref = optional(ref)
            return ref
        if not top_level and self.is_object(value):
            if len(node.parts) > 2 and node.parts[0] == "components" and node.parts[1] != "schemas":
                hint = ref_name(node.parts, hint)  # e.g. a response's body: ConflictResponse
            # An inline schema used only in a request needs no response-shaped twin.
            self.declare(node, hint + "Param" if request else hint, request=request, inline=True)
            return self.model_for(node, request=request)
        ref = self._bare_type(node, hint, request)
        if value.get("nullable") is True:
            ref = optional(ref)
        return ref

    def _worth_a_model(self, value: Any) -> bool:
        return isinstance(value, dict) and (
            self.is_object(value) or any(k in value for k in ("enum", "oneOf", "anyOf", "allOf"))
        )

    def _bare_type(self, node: Located, hint: str, request: bool) -> TypeRef:
        value = node.value
        if "const" in value:
            return self._literal([value["const"]], value, request)
        if isinstance(value.get("enum"), list) and value["enum"]:
            return self._literal(value["enum"], value, request)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(value.get(keyword), list) and value[keyword]:
                return self._union(node, keyword, hint, request)
        if isinstance(value.get("allOf"), list) and value["allOf"]:
            members = list(node.child("allOf").elements())
            if len(members) == 1:
                return self.type_of(members[0], hint, request=request)
            return self._merged_scalar(node, members, hint, request)
        kind = value.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null" and isinstance(k, str)]
            parts = [self._bare_type(Located(node.doc, node.parts, {**value, "type": k}), hint, request) for k in kinds]
            ref = _union(parts) if parts else type_ref("None")
            return optional(ref) if "null" in kind else ref
        if kind == "array" or "items" in value or "prefixItems" in value:
            if isinstance(value.get("prefixItems"), list) and value["prefixItems"]:
                items = [
                    self.type_of(item, f"{hint}Item{i}", request=request)
                    for i, item in enumerate(node.child("prefixItems").elements())
                ]
                return combine("Tuple[{}]", items, Import(_TYPING, "Tuple"))
            item = (
                self.type_of(node.child("items"), f"{hint}Item", request=request)
                if "items" in value
                else type_ref("object")
            )
            if request:  # covariant: a list of one member of a union is accepted where the union is asked
                return combine("Sequence[{}]", [item], Import(_TYPING, "Sequence"))
            return combine("List[{}]", [item], Import(_TYPING, "List"))
        if kind == "object" or "additionalProperties" in value or "properties" in value:
            extra = value.get("additionalProperties")
            item = type_ref("object")
            if isinstance(extra, dict):
                item = self.type_of(node.child("additionalProperties"), f"{hint}Value", request=request)
            if request:
                return combine("Mapping[str, {}]", [item], Import(_TYPING, "Mapping"))
            return combine("Dict[str, {}]", [item], Import(_TYPING, "Dict"))
        if kind == "string":
            annotation, imp = _STRING_FORMATS.get(str(value.get("format")), ("str", None))
            return type_ref(annotation, imp) if imp else type_ref(annotation)
        return {
            "integer": type_ref("int"),
            "number": type_ref("float"),
            "boolean": type_ref("bool"),
            "null": type_ref("None"),
        }.get(kind if isinstance(kind, str) else "", type_ref("object"))

    def _merged_scalar(self, node: Located, members: list[Located], hint: str, request: bool) -> TypeRef:
        """An ``allOf`` of non-object schemas: their keywords merged into one schema.

        Members of contradicting JSON types (a string and an integer) admit no value at all; the
        type is then ``object``, so whatever the API sends is kept rather than rejected.
        """
        merged: dict[str, Any] = {}
        kinds: list[set[str]] = []
        for member in members:
            resolved = self.spec.deref(member)
            if not isinstance(resolved.value, dict) or "allOf" in resolved.value or "$ref" in resolved.value:
                return type_ref("object")
            if _types(resolved.value):
                kinds.append(_types(resolved.value))
            merged.update(resolved.value)
        common = set.intersection(*kinds) if kinds else set()
        if kinds and not common and not set().union(*kinds) <= {"integer", "number"}:
            return type_ref("object")
        merged.update({k: v for k, v in node.value.items() if k != "allOf"})
        if common:
            merged["type"] = sorted(common)[0] if len(common) == 1 else sorted(common)
        return self._bare_type(Located(node.doc, node.parts, merged), hint, request)

    def _literal(self, values: list[Any], schema: dict[str, Any], request: bool = False) -> TypeRef:
        """``Literal[...]`` of an enum or const; several values are ``Lenient`` (unknown ones are kept)
        on the response side."""
        nullable = None in values
        values = [v for v in values if v is not None]
        if not values:
            return type_ref("None")
        if any(isinstance(v, (float, list, dict)) and not isinstance(v, bool) for v in values):
            # Literal cannot hold these: the type of the values instead.
            kinds = {type(v) for v in values}
            base = type_ref("float") if kinds <= {int, float} else type_ref("object")
            return optional(base) if nullable else base
        unique = list(dict.fromkeys(values))
        ref = type_ref(f"Literal[{', '.join(lit(v) for v in unique)}]", Import(_TYPING, "Literal"))
        if len(unique) > 1 and "const" not in schema and not request:
            ref = combine("Lenient[{}]", [ref], Import(_MODELS, "Lenient"))
        return optional(ref) if nullable or schema.get("nullable") is True else ref

    def _union(self, node: Located, keyword: str, hint: str, request: bool) -> TypeRef:
        members = list(node.child(keyword).elements())
        parts: list[TypeRef] = []
        kept: list[Located] = []
        nullable = False
        for i, member in enumerate(members):
            ref = self.type_of(member, f"{hint}Variant{i}", request=request)
            if ref.annotation == "None":
                nullable = True
                continue
            if ref.outer == "Optional":
                nullable, ref = True, ref.args[0]
            if ref.annotation not in [p.annotation for p in parts]:
                parts.append(ref)
                kept.append(member)
        if not parts:
            return type_ref("None")
        if any(p.annotation == "object" for p in parts):
            return type_ref("object")
        if any(p.annotation == "str" for p in parts):
            # An open enum (``anyOf: [string, enum]``): str already takes any value.
            parts = [_strict(p) for p in parts]
        ref = _union(parts)
        discriminator = node.value.get("discriminator")
        if (
            not request
            and len(parts) > 1
            and isinstance(discriminator, dict)
            and isinstance(discriminator.get("propertyName"), str)
        ):
            tagged = self._tagged(node, kept, parts, discriminator)
            if tagged is not None:
                ref = tagged
        return optional(ref) if nullable else ref

    def _tagged(
        self, node: Located, members: list[Located], parts: list[TypeRef], discriminator: dict[str, Any]
    ) -> TypeRef | None:
        """A union selected by its discriminator, or None when some member cannot be told by its tag.

        Each member answers to: the ``mapping`` values naming it, else its component name (the
        implicit mapping), and the ``const``/single ``enum`` value its tag property declares.
        """
        prop = discriminator["propertyName"]
        mapping: dict[str, Any] = discriminator["mapping"] if isinstance(discriminator.get("mapping"), dict) else {}
        by_target: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for value, target in by_key(mapping.items()):
            if not isinstance(target, str):
                continue
            ref = target if "#" in target or "/" in target or "." in target else f"#/components/schemas/{target}"
            try:
                resolved = self.spec.deref(
                    self.spec.resolve(Located(node.doc, node.parts + ("discriminator", "mapping", str(value)), ref))
                )
            except Exception:  # an unresolvable mapping entry: the member cannot be told by it
                continue
            by_target.setdefault((str(resolved.doc.path), resolved.parts), []).append(str(value))
        tag_values: dict[str, str] = {}
        classes: dict[str, str] = {}
        # pydantic's own discriminator needs a plain Literal field of that name in every member.
        native = naming.is_identifier(prop) and prop not in naming.MODEL_ATTRIBUTES
        for member, part in zip(members, parts):
            if not part.annotation.isidentifier():
                return None
            target = self.spec.deref(member)
            values = list(by_target.get((str(target.doc.path), target.parts), []))
            slot = self.slots.get(self._key(target)) or self.slots.get(self._key(target, True))
            tagged_classes = slot.tagged_classes if slot else ()
            declared = self._declared_tags(target, prop)
            is_class = (
                slot is not None
                and slot.model is not None
                and slot.model.alias is None
                and self.is_object(target.value)
            )
            native = (
                native
                and is_class
                and len(declared) == 1
                and set(values) <= set(declared)
                and self._requires(target, prop)
            )
            if not values:
                values = declared
            if not values and "$ref" in member.value and len(target.parts) == 3 and target.parts[1] == "schemas":
                values = [target.parts[2]]
            if not values:
                return None
            for v in values:
                tag_values.setdefault(v, part.annotation)
            classes[part.annotation] = part.annotation
            for cls in tagged_classes:
                classes.setdefault(cls, part.annotation)
        if native:
            return combine(
                "Annotated[{}, Field(discriminator=%s)]" % lit(prop),
                [_union(parts)],
                Import(_TYPING, "Annotated"),
                Import("pydantic", "Field"),
            )
        choices = [
            combine(
                "Annotated[{}, Tag(%s)]" % lit(p.annotation),
                [p],
                Import(_TYPING, "Annotated"),
                Import("pydantic", "Tag"),
            )
            for p in parts
        ]
        union = _union(choices)
        # Class names of direct members answer to themselves: only nested ones need listing.
        nested = {k: v for k, v in sorted(classes.items()) if k != v}
        args = f"{lit(prop)}, {lit(tag_values)}" + (f", {lit(nested)}" if nested else "")
        return combine(
            "Annotated[{}, Discriminator(by_tag(%s))]" % args.replace("{", "{{").replace("}", "}}"),
            [union],
            Import(_TYPING, "Annotated"),
            Import("pydantic", "Discriminator"),
            Import(_MODELS, "by_tag"),
        )

    def _requires(self, schema: Located, prop: str) -> bool:
        """Whether the object schema lists ``prop`` as required (pydantic tags cannot be Optional)."""
        try:
            _, required, _ = self.collect_properties(schema)
        except GenerationError:
            return False
        return prop in required

    def _declared_tags(self, schema: Located, prop: str) -> list[str]:
        """The values an object (or a union of objects) declares for its tag property ``prop``."""
        value = schema.value if isinstance(schema.value, dict) else {}
        for keyword in ("oneOf", "anyOf"):
            if isinstance(value.get(keyword), list):
                out: list[str] = []
                for m in schema.child(keyword).elements():
                    out += self._declared_tags(self.spec.deref(m), prop)
                return out
        try:
            props, _, _ = self.collect_properties(schema)
        except GenerationError:
            return []
        tag = props.get(prop)
        tv = self.spec.deref(tag).value if tag else None
        if not isinstance(tv, dict):
            return []
        if "const" in tv and isinstance(tv["const"], (str, int)):
            return [str(tv["const"])]
        enum = tv.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(e, str) for e in enum):
            return list(enum)
        return []

    # --- finishing: cycles and imports -----------------------------------------------------------

    def models(self) -> tuple[TypeModule, ...]:
        """Every module of models, in module order, with its imports; cycles are marked.

        Within a module each model comes after the inline ones written in it, so each class follows
        the classes it uses.
        """
        cycles = Cycles.of(self.slots.values())
        return tuple(
            type_module(module, slots, cycles.cyclic[module], cycles.recursive)
            for module, slots in sorted(cycles.by_module.items())
        )


@dataclass
class Cycles:
    """The import cycles among built models: what each module's imports and flags depend on."""

    #: Module -> its models, each after the inline ones written in it.
    by_module: dict[str, list[_ModelSlot]]
    #: Module -> the modules it imports that import it back (directly or not).
    cyclic: dict[str, set[str]]
    #: Names of the models that refer to themselves, directly or through others (or whose module is cyclic).
    recursive: set[str]
    #: Model name -> the number of its strongly connected component (models referring to each other).
    component: dict[str, int]

    @classmethod
    def of(cls, slots: Iterable[_ModelSlot]) -> Cycles:
        slots = list(slots)
        built = [s for s in slots if s.model is not None]
        by_module: dict[str, list[_ModelSlot]] = {}
        for slot in slots:
            if not slot.owned:
                place(slot, by_module)
        module_of = {s.class_name: s.module for s in built}

        def used(slot: _ModelSlot) -> set[str]:
            return {i.name for i in slot.uses if i.module.startswith(_TYPES) and i.name in module_of}

        model_graph = {s.class_name: used(s) for s in built}
        model_component = _strongly_connected({name: sorted(uses) for name, uses in model_graph.items()})
        component_size: dict[int, int] = {}
        for number in model_component.values():
            component_size[number] = component_size.get(number, 0) + 1
        graph = {
            m: sorted({module_of[name] for s in slots for name in used(s)} - {m}) for m, slots in by_module.items()
        }
        component = _strongly_connected(graph)
        cyclic = {module: {m for m in graph[module] if component[m] == component[module]} for module in by_module}
        recursive = {
            s.class_name
            for module, members in by_module.items()
            for s in members
            if s.class_name in model_graph[s.class_name]
            or component_size[model_component[s.class_name]] > 1
            or bool(cyclic[module])
        }
        return cls(by_module, cyclic, recursive, model_component)


def place(slot: _ModelSlot, into: dict[str, list[_ModelSlot]]) -> None:
    """Add ``slot`` to its module's list after the inline models written in it (recursively)."""
    for child in slot.inline:
        place(child, into)
    if slot.model is not None:
        into.setdefault(slot.module, []).append(slot)


def type_module(module: str, slots: list[_ModelSlot], cyclic: set[str], recursive: set[str]) -> TypeModule:
    """The module of ``slots`` (built, in place order), which imports the modules of ``cyclic``
    late (they import it too) and whose models named in ``recursive`` are in a cycle."""
    here = f"{_TYPES}{module}"
    uses = {i for s in slots for i in s.uses}
    runtime = {i for i in uses if i.module[len(_TYPES) :] not in cyclic}
    deferred = {i for i in uses if i.module.startswith(_TYPES) and i.module[len(_TYPES) :] in cyclic}
    models = []
    for slot in slots:
        model = slot.model
        assert model is not None
        is_recursive = slot.class_name in recursive
        if model.alias is not None:
            runtime.add(Import("typing_extensions", "TypeAliasType" if is_recursive else "TypeAlias"))
        elif cyclic:
            runtime.add(Import(_TYPING, "TYPE_CHECKING"))
        rebuild = bool(cyclic) and model.alias is None and not model.typed_dict
        models.append(replace(model, recursive=is_recursive, rebuild=rebuild))
    imports = import_lines(runtime, here)
    if TypeModule(module, tuple(models)).imports_last:
        deferred_imports = import_lines(deferred, here, comment="  # noqa: E402")
    else:
        deferred_imports = import_lines(deferred, here, indent=4)  # under TYPE_CHECKING
    return TypeModule(module, tuple(models), imports, deferred_imports)


def _strongly_connected(graph: dict[str, list[str]]) -> dict[str, int]:
    """Tarjan's algorithm, iteratively: each node's strongly connected component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph[node]
            if i < len(edges):
                work.append((node, i + 1))
                child = edges[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component
