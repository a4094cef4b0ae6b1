"""What changed in a generated client's public API between two versions, breaking changes first.

The two versions are two trees of generated files (``{relative path: text}``: a generated project's
directory read from disk, or a generation's output in memory). Each module is read by griffe
(``griffe.visit``: classes, functions, parameters, kinds, defaults, annotations, imports,
overloads), once per distinct text; what griffe does not model (pydantic fields and whether they
are required, ``Literal`` values, ``TypedDict`` keys, the models a method decodes in its body) is
taken from griffe's objects and, for method bodies, Python's ``ast``. Those facts of a module
depend on nothing but its path and text (and the code reading them): they are kept in the
persistent cache (:class:`Reader`), and everything that ties modules together (imports followed
across modules, aliases, directions) is worked out from them on each run.

From the modules: the **methods** (``client.<resource path>.<method>``, found from the client
classes' resource properties), the client's constructor, the **models** in ``types/`` (pydantic
models, ``TypedDict`` classes, type aliases such as ``Literal`` enums) and the **error classes**
(``_exceptions``). Each model has a direction: *request* when a method parameter's type reaches it,
*response* when a return type or a type the method decodes in its body (errors) reaches it, both
when both do (or neither: an unused model is taken as both).

Each change is classified from the caller's side (``breaking``):

- a method, parameter, model, field or error class removed: breaking; added: not, except a
  required parameter, or a required field of a request model;
- a parameter or request field made required: breaking; made optional: not. A response field made
  optional (or nullable) breaks readers; made required does not;
- a type: a request type narrowed breaks callers, widened does not; a response type widened breaks
  readers, narrowed does not; any other change breaks;
- enum (``Literal``) values: removed from a request type breaks (unless its base type, ``str``,
  still takes it); added to a request type does not. Added to a response type is *not* counted
  as breaking: the generated models keep a value they do not know (``Lenient``), so parsing never
  fails, though a reader matching the values exhaustively sees a new case. Removed from a response
  type: not breaking.

The suggested version bump: major with any breaking change, minor with any other, else patch.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    import griffe

from .cache import Cache
from .diagnostics import GenerationError, error
from .fastpath import code_digest
from .workers import without_gc

REQUEST, RESPONSE = "request", "response"


# --- the changes ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Change:
    kind: str  # e.g. "parameter-removed", "enum-value-added"
    path: str  # e.g. "client.albums.get_album", "types.Album"
    breaking: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "breaking": self.breaking, "detail": self.detail}


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Breaking first, then by path, kind and detail: the same changes always print the same."""
    return sorted(set(changes), key=lambda c: (not c.breaking, c.path, c.kind, c.detail))


def bump(changes: list[Change]) -> str:
    if any(c.breaking for c in changes):
        return "major"
    return "minor" if changes else "patch"


def render_text(changes: list[Change]) -> str:
    if not changes:
        return "API changes: none\n"
    broken = sum(c.breaking for c in changes)
    lines = [f"API changes: {broken} breaking, {len(changes) - broken} other (suggested version bump: {bump(changes)})"]
    lines += [f"{'breaking' if c.breaking else 'other'}: {c.path}: {c.detail}" for c in changes]
    return "\n".join(lines) + "\n"


def render_json(changes: list[Change]) -> str:
    return json.dumps([c.to_json() for c in changes], indent=2) + "\n"


def render_markdown(changes: list[Change]) -> str:
    if not changes:
        return "### API changes\n\nNo change to the client's public API.\n"
    broken = [c for c in changes if c.breaking]
    other = [c for c in changes if not c.breaking]
    out = [
        "### API changes",
        "",
        f"**{len(broken)} breaking**, {len(other)} other. Suggested version bump: **{bump(changes)}**.",
    ]
    for title, group in (("Breaking", broken), ("Other", other)):
        if group:
            out += ["", f"#### {title}", ""]
            out += [f"- `{c.path}`: {_markdown_escape(c.detail)}" for c in group]
    return "\n".join(out) + "\n"


def _markdown_escape(text: str) -> str:
    """``text`` as literal markdown: every ASCII punctuation character backslash-escaped, so that
    nothing in it (an enum value of the spec, say) can become a link, an image or markup."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


# --- reading a tree ---------------------------------------------------------------------------


def read_tree(directory: Path) -> dict[str, str]:
    """The Python files of the generated package(s) in ``directory`` (a generated project), by path
    relative to it. A user error if it is not one."""
    if not directory.is_dir():
        raise error(str(directory), "not a directory" if directory.exists() else "no such directory")
    packages = _packages(p.relative_to(directory).as_posix() for p in directory.glob("*/*.py"))
    if not packages:
        raise error(str(directory), "not a generated client (no package with a _client.py in it)")
    files: dict[str, str] = {}
    for package in packages:
        for path in sorted((directory / package).rglob("*.py")):
            relative = path.relative_to(directory).as_posix()
            try:
                files[relative] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise error(relative, f"cannot read: {exc}") from None
    return files


def _packages(paths: Iterable[str]) -> list[str]:
    """The top-level packages among ``paths`` that hold a client (``<package>/_client.py``)."""
    paths = set(paths)
    return sorted(
        p.split("/")[0]
        for p in paths
        if p.count("/") == 1 and p.endswith("/_client.py") and p.split("/")[0] + "/__init__.py" in paths
    )


def python_files(files: Mapping[str, str]) -> dict[str, str]:
    """The package modules among a generation's files (``{path: text}``)."""
    packages = _packages(files)
    return {p: t for p, t in files.items() if p.endswith(".py") and p.split("/")[0] in packages}


# --- one module's facts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Type:
    text: str  # the annotation as written
    names: frozenset[str]  # the names it refers to (resolved in its module)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # griffe's ParameterKind value
    type: Type | None
    default: str | None  # None: required


@dataclass(frozen=True)
class Signature:
    params: tuple[Param, ...]
    returns: Type | None


@dataclass(frozen=True)
class Function:
    signature: Signature
    overloads: tuple[Signature, ...]
    body_names: frozenset[str]  # names the body refers to (for the models it decodes)


@dataclass(frozen=True)
class Attr:
    name: str
    type: Type | None
    value: str | None
    labels: frozenset[str]


@dataclass
class ClassFacts:
    name: str
    bases: tuple[str, ...]  # resolved paths
    keywords: dict[str, str]
    attrs: dict[str, Attr]
    functions: dict[str, Function]

    @property
    def typeddict(self) -> bool:
        return any(b.rpartition(".")[2] == "TypedDict" for b in self.bases)

    @functools.cached_property
    def fields(self) -> dict[str, FieldFacts]:
        """The fields of the model this class is (computed once: a module the two trees share
        has one ``ClassFacts``)."""
        typeddict, total = self.typeddict, self.keywords.get("total") != "False"
        return {
            a.name: _field(a, typeddict, total)
            for a in self.attrs.values()
            if a.type is not None and not a.name.startswith("_") and "ClassVar" not in a.type.text
        }


@dataclass
class ModuleFacts:
    path: str  # dotted
    imports: dict[str, str]  # local name -> target path
    classes: dict[str, ClassFacts]
    aliases: dict[str, Type]  # X: TypeAlias = ...


def module_facts(relative: str, code: str) -> ModuleFacts:
    """What griffe sees in one module (``relative``: its path in the tree, such as ``pkg/types/a.py``)."""
    parts = relative.removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    import griffe  # here: a run whose output did not change never pays for importing it

    parent: griffe.Module | None = None
    for i in range(1, len(parts)):
        parent = griffe.Module(parts[i - 1], filepath=Path(*parts[:i], "__init__.py"), parent=parent)
    try:
        module = griffe.visit(parts[-1], Path(relative), code, parent=parent, extensions=_extensions())
    except Exception as exc:  # griffe reports a syntax error as its own exception types
        raise error(relative, f"cannot read as Python: {exc}") from None
    imports: dict[str, str] = {}
    classes: dict[str, ClassFacts] = {}
    aliases: dict[str, Type] = {}
    for name, member in module.members.items():
        if isinstance(member, griffe.Alias):
            imports[name] = member.target_path
    resolve = _resolver(module.path, imports)
    for name, member in module.members.items():
        if isinstance(member, griffe.Class):
            classes[name] = _class_facts(member, resolve)
        elif isinstance(member, griffe.Attribute) and str(member.annotation).endswith("TypeAlias"):
            alias = _type(member.value, resolve)
            if alias is not None:
                aliases[name] = alias
    return ModuleFacts(module.path, imports, classes, aliases)


Resolve = Callable[[str], str]


def _resolver(module: str, imports: dict[str, str]) -> Resolve:
    """The full path of a name used in ``module`` (``Name`` or ``mod.Name``)."""

    def resolve(name: str) -> str:
        head, _, rest = name.partition(".")
        target = imports.get(head, f"{module}.{head}")
        return f"{target}.{rest}" if rest else target

    return resolve


def _type(expr: object, resolve: Resolve) -> Type | None:
    import griffe

    if expr is None:
        return None
    names: set[str] = set()
    if isinstance(expr, griffe.Expr):
        for part in expr.iterate(flat=False):
            if isinstance(part, griffe.ExprName):
                names.add(resolve(part.name))
    return Type(str(expr), frozenset(names))


def _signature(function: griffe.Function, resolve: Resolve) -> Signature:
    params = tuple(
        Param(
            p.name,
            p.kind.value if p.kind is not None else "",
            _type(p.annotation, resolve),
            None if p.default is None else str(p.default),
        )
        for p in function.parameters
    )
    return Signature(params, _type(function.returns, resolve))


def _class_facts(cls: griffe.Class, resolve: Resolve) -> ClassFacts:
    import griffe

    attrs: dict[str, Attr] = {}
    functions: dict[str, Function] = {}
    for name, member in cls.members.items():
        if isinstance(member, griffe.Function):
            overloads = tuple(_signature(o, resolve) for o in (member.overloads or ()))
            body = frozenset(resolve(n) for n in member.extra["api_diff"].get("body_names", ()))
            functions[name] = Function(_signature(member, resolve), overloads, body)
        elif isinstance(member, griffe.Attribute):
            value = None if member.value is None else str(member.value)
            attrs[name] = Attr(name, _type(member.annotation, resolve), value, frozenset(member.labels))
    bases = tuple(resolve(str(b)) for b in cls.bases)
    keywords = {k: str(v) for k, v in getattr(cls, "keywords", {}).items()}
    return ClassFacts(cls.name, bases, keywords, attrs, functions)


@functools.lru_cache(maxsize=1)
def _extensions() -> Any:
    """griffe's extensions with ours: the names each function's body uses (the models a method
    decodes: its return type, its errors), from the syntax tree griffe parsed."""
    import griffe

    class BodyNames(griffe.Extension):
        def on_function_instance(self, *, node: object, func: griffe.Function, **kwargs: object) -> None:
            body = getattr(node, "body", [])
            func.extra["api_diff"]["body_names"] = frozenset(
                n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)
            )

    return griffe.load_extensions(BodyNames())


#: The cache's kind for module facts; keys: :func:`facts_key`.
_KIND = "api-facts"


def facts_key(relative: str, code: str) -> str:
    """What decides a module's facts: its path in the tree, its text, and the code that reads it
    (``code_digest``: oagen's code, every installed distribution, griffe among them, and Python)."""
    head = json.dumps([code_digest(), relative]).encode()  # no newline in it: the text follows one
    return hashlib.sha256(head + b"\n" + code.encode("utf-8", "surrogatepass")).hexdigest()


class Reader:
    """Module facts by (path, text): a module the two trees share is read once, and one read
    before (by any run with the same ``cache``) is not read again."""

    def __init__(self, cache: Cache | None = None) -> None:
        self._cache = cache or Cache(None)
        self._seen: dict[tuple[str, str], ModuleFacts] = {}

    def read_many(self, modules: Iterable[tuple[str, str]]) -> None:
        """Read (or find in the cache) each ``(relative path, text)`` not read yet."""
        keys = {item: facts_key(*item) for item in modules if item not in self._seen}
        if not keys:
            return
        hits = self._cache.get_many(_KIND, keys.values())
        with without_gc():
            found = {item: decode_entry(hits[key]) for item, key in keys.items() if key in hits}
        fresh: dict[str, bytes] = {}
        for item, key in keys.items():
            facts = found.get(item)
            if facts is None:  # a miss, or an entry that is not facts (it is replaced)
                facts = module_facts(*item)
                fresh[key] = encode_entry(facts)
            self._seen[item] = facts
        self._cache.put_many(_KIND, fresh)

    def read(self, relative: str, code: str) -> ModuleFacts:
        self.read_many([(relative, code)])
        return self._seen[(relative, code)]


# --- module facts as JSON (for the cache) -----------------------------------------------------


def encode_entry(facts: ModuleFacts) -> bytes:
    """``facts`` as a cache entry: the JSON of :func:`facts_to_json`, after its own hash (so that
    an entry damaged in any byte is seen as such, and read again)."""
    payload = json.dumps(facts_to_json(facts), separators=(",", ":")).encode()
    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def decode_entry(raw: bytes) -> ModuleFacts | None:
    """The facts of an entry :func:`encode_entry` wrote; None for anything else."""
    digest, _, payload = raw.partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        return facts_from_json(json.loads(payload))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def facts_to_json(facts: ModuleFacts) -> dict[str, object]:
    """``facts`` as JSON data; each distinct type, parameter and set of labels written once, in a
    table, and named by its index (the same ones recur throughout a module). Every order is kept:
    :func:`facts_from_json` gives back facts equal to ``facts``."""
    types: dict[Type, int] = {}
    params: dict[Param, int] = {}
    labels: dict[frozenset[str], int] = {}

    def type_index(t: Type | None) -> int | None:
        return None if t is None else types.setdefault(t, len(types))

    def signature(s: Signature) -> object:
        for p in s.params:
            type_index(p.type)
        return [[params.setdefault(p, len(params)) for p in s.params], type_index(s.returns)]

    classes = {
        name: {
            "bases": list(cls.bases),
            "keywords": cls.keywords,
            "attrs": {
                n: [type_index(a.type), a.value, labels.setdefault(a.labels, len(labels))] for n, a in cls.attrs.items()
            },
            "functions": {
                n: [signature(f.signature), [signature(o) for o in f.overloads], sorted(f.body_names)]
                for n, f in cls.functions.items()
            },
        }
        for name, cls in facts.classes.items()
    }
    aliases = {name: type_index(t) for name, t in facts.aliases.items()}
    return {
        "path": facts.path,
        "imports": facts.imports,
        "types": [[t.text, sorted(t.names)] for t in types],
        "params": [[p.name, p.kind, type_index(p.type), p.default] for p in params],
        "labels": [sorted(ls) for ls in labels],
        "classes": classes,
        "aliases": aliases,
    }


def facts_from_json(data: Any) -> ModuleFacts:
    """The facts :func:`facts_to_json` made ``data`` of."""
    types = [Type(text, frozenset(names)) for text, names in data["types"]]
    params = [Param(n, k, None if t is None else types[t], d) for n, k, t, d in data["params"]]
    labels = [frozenset(ls) for ls in data["labels"]]

    def signature(s: Any) -> Signature:
        return Signature(tuple(params[i] for i in s[0]), None if s[1] is None else types[s[1]])

    classes = {
        name: ClassFacts(
            name,
            tuple(cls["bases"]),
            dict(cls["keywords"]),
            {
                n: Attr(n, None if t is None else types[t], value, labels[ls])
                for n, (t, value, ls) in cls["attrs"].items()
            },
            {
                n: Function(signature(s), tuple(signature(o) for o in overloads), frozenset(body))
                for n, (s, overloads, body) in cls["functions"].items()
            },
        )
        for name, cls in data["classes"].items()
    }
    aliases = {name: types[t] for name, t in data["aliases"].items()}
    return ModuleFacts(data["path"], dict(data["imports"]), classes, aliases)


# --- the API of a tree ------------------------------------------------------------------------


@dataclass
class Model:
    path: str  # "types.Name"
    kind: str  # "model", "typeddict", "alias"
    fields: dict[str, "FieldFacts"]
    bases: tuple[str, ...]
    alias: Type | None
    refs: frozenset[str]  # model paths it refers to
    directions: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FieldFacts:
    name: str
    type: Type | None
    required: bool
    default: str | None


@dataclass
class Api:
    methods: dict[str, Function]  # "client.albums.get_album" -> its facts
    models: dict[str, Model]
    errors: set[str]


def load_api(files: Mapping[str, str], reader: Reader | None = None) -> Api:
    """The public API of the generated package(s) among ``files`` (``{relative path: text}``)."""
    reader = reader or Reader()
    packages = _packages(files)
    if not packages:
        raise error("api-diff", "not a generated client (no package with a _client.py in it)")
    modules: dict[str, ModuleFacts] = {}
    paths = _modules(files, packages)
    reader.read_many((relative, files[relative]) for relative in paths)
    for relative in paths:
        facts = reader.read(relative, files[relative])
        modules[facts.path] = facts
    api = Api({}, {}, set())
    for package in packages:
        prefix = f"{package}." if len(packages) > 1 else ""
        _collect_models(api, modules, package, prefix)
        _collect_methods(api, modules, package, prefix)
        for name, cls in modules.get(f"{package}._exceptions", ModuleFacts("", {}, {}, {})).classes.items():
            if not name.startswith("_"):
                api.errors.add(f"{prefix}{name}")
    _directions(api)
    return api


def _modules(files: Mapping[str, str], packages: list[str]) -> list[str]:
    """The paths of the modules of ``packages`` among ``files``, sorted."""
    return [r for r in sorted(files) if r.endswith(".py") and r.split("/")[0] in packages]


def _lookup(modules: dict[str, ModuleFacts], target: str) -> tuple[ModuleFacts, str] | None:
    """The module defining ``target`` (``pkg.mod.Name``), following re-exports, and the name there."""
    for _ in range(10):
        module_path, _, name = target.rpartition(".")
        module = modules.get(module_path)
        if module is None:
            return None
        if name in module.imports:
            target = module.imports[name]
            continue
        return module, name
    return None


def _model_path(modules: dict[str, ModuleFacts], package: str, prefix: str, target: str) -> str | None:
    found = _lookup(modules, target)
    if found is None:
        return None
    module, name = found
    if not module.path.startswith(f"{package}.types.") or name.startswith("_"):
        return None
    if name in module.classes or name in module.aliases:
        return f"{prefix}types.{name}"
    return None


def _collect_models(api: Api, modules: dict[str, ModuleFacts], package: str, prefix: str) -> None:
    @functools.cache
    def model_path(name: str) -> str | None:  # the same names recur: each looked up once
        return _model_path(modules, package, prefix, name)

    def refs(types: Iterable[Type | None]) -> frozenset[str]:
        found = set()
        for t in types:
            for name in t.names if t else ():
                path = model_path(name)
                if path:
                    found.add(path)
        return frozenset(found)

    for module in modules.values():
        if not module.path.startswith(f"{package}.types."):
            continue

        for name, alias in module.aliases.items():
            if not name.startswith("_"):
                path = f"{prefix}types.{name}"
                api.models[path] = Model(path, "alias", {}, (), alias, refs([alias]))
        for name, cls in module.classes.items():
            if name.startswith("_"):
                continue
            path = f"{prefix}types.{name}"
            fields = cls.fields
            bases = tuple(
                model_path(b) or b.rpartition(".")[2]
                for b in cls.bases
                if b.rpartition(".")[2] not in ("BaseModel", "TypedDict")
            )
            types: list[Type | None] = [f.type for f in fields.values()]
            model_refs = refs(types + [Type(b, frozenset({b})) for b in cls.bases])
            api.models[path] = Model(path, "typeddict" if cls.typeddict else "model", fields, bases, None, model_refs)


def _field(attr: Attr, typeddict: bool, total: bool) -> FieldFacts:
    assert attr.type is not None
    if typeddict:
        wrapper = attr.type.text.partition("[")[0].rpartition(".")[2]
        required = wrapper == "Required" or (total and wrapper != "NotRequired")
        return FieldFacts(attr.name, attr.type, required, None)
    if attr.value is None:
        return FieldFacts(attr.name, attr.type, True, None)
    if "(" not in attr.value:
        return FieldFacts(attr.name, attr.type, False, attr.value)
    try:
        value = _expression(attr.value)
    except SyntaxError:
        return FieldFacts(attr.name, attr.type, False, attr.value)
    if isinstance(value, ast.Call) and _name_of(value.func) == "Field":
        # pydantic's Field(default, ...), Field(default=...), Field(default_factory=...); else required
        given = [a for a in value.args[:1] if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
        given += [k.value for k in value.keywords if k.arg in ("default", "default_factory")]
        if not given:
            return FieldFacts(attr.name, attr.type, True, None)
        return FieldFacts(attr.name, attr.type, False, ast.unparse(given[0]))
    return FieldFacts(attr.name, attr.type, False, attr.value)


def _client_classes(modules: dict[str, ModuleFacts], package: str) -> dict[str, ClassFacts]:
    module = modules.get(f"{package}._client")
    if module is None:
        return {}
    return {
        name: cls
        for name, cls in module.classes.items()
        if any(b.rpartition(".")[2] == "SyncAPIClient" for b in cls.bases)
    }


def _collect_methods(api: Api, modules: dict[str, ModuleFacts], package: str, prefix: str) -> None:
    clients = _client_classes(modules, package)
    for name, cls in sorted(clients.items()):
        root = f"{prefix}client" if len(clients) == 1 else f"{prefix}{name}"
        if "__init__" in cls.functions:
            api.methods[f"{root}.__init__"] = cls.functions["__init__"]
        module = modules[f"{package}._client"]
        _walk(api, modules, module, cls, root, depth=0)


def _walk(
    api: Api, modules: dict[str, ModuleFacts], module: ModuleFacts, cls: ClassFacts, path: str, depth: int
) -> None:
    if depth > 20:
        return
    for attr in cls.attrs.values():
        if "property" not in attr.labels or attr.type is None or attr.name.startswith("_"):
            continue
        for name in attr.type.names:
            found = _lookup(modules, name)
            if found is None:
                continue
            target_module, target_name = found
            target = target_module.classes.get(target_name)
            if target is not None and any(b.rpartition(".")[2] == "SyncAPIResource" for b in target.bases):
                resource = f"{path}.{attr.name}"
                for method, function in target.functions.items():
                    if not method.startswith("_"):
                        api.methods[f"{resource}.{method}"] = function
                _walk(api, modules, target_module, target, resource, depth + 1)


def _directions(api: Api) -> None:
    """Mark each model request and/or response by what reaches it (see the module's docstring)."""
    by_name = {m.path.rpartition(".")[2]: m.path for m in api.models.values()}

    def model_refs(names: Iterable[str]) -> set[str]:
        return {by_name[n.rpartition(".")[2]] for n in names if n.rpartition(".")[2] in by_name and ".types." in n}

    roots: dict[str, set[str]] = {REQUEST: set(), RESPONSE: set()}
    for function in api.methods.values():
        for signature in (function.signature, *function.overloads):
            for param in signature.params:
                roots[REQUEST] |= model_refs(param.type.names if param.type else ())
            roots[RESPONSE] |= model_refs(signature.returns.names if signature.returns else ())
        roots[RESPONSE] |= model_refs(function.body_names)
    for direction, todo in roots.items():
        seen: set[str] = set()
        stack = list(todo)
        while stack:
            path = stack.pop()
            if path in seen or path not in api.models:
                continue
            seen.add(path)
            api.models[path].directions.add(direction)
            stack.extend(api.models[path].refs)
    for model in api.models.values():
        if not model.directions:
            model.directions.update((REQUEST, RESPONSE))


# --- comparing two APIs -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Aliases:
    """The type aliases of the two versions (``Name: TypeAlias = ...``, by name): a type written
    with an alias compares as the type it stands for."""

    old: dict[str, str]
    new: dict[str, str]


def _alias_texts(api: Api) -> dict[str, str]:
    return {p.rpartition(".")[2]: m.alias.text for p, m in api.models.items() if m.alias is not None}


def compare(old: Api, new: Api) -> list[Change]:
    aliases = _Aliases(_alias_texts(old), _alias_texts(new))
    changes: list[Change] = []
    changes += _compare_methods(old, new, aliases)
    for path in sorted(old.models.keys() - new.models.keys()):
        changes.append(Change("model-removed", path, True, "model removed"))
    for path in sorted(new.models.keys() - old.models.keys()):
        changes.append(Change("model-added", path, False, "model added"))
    for path in sorted(old.models.keys() & new.models.keys()):
        a, b = old.models[path], new.models[path]
        changes += _compare_models(a, b, a.directions | b.directions, aliases)
    for name in sorted(old.errors - new.errors):
        changes.append(Change("error-removed", name, True, "error class removed"))
    for name in sorted(new.errors - old.errors):
        changes.append(Change("error-added", name, False, "error class added"))
    return ordered(changes)


def _compare_methods(old: Api, new: Api, aliases: _Aliases) -> list[Change]:
    changes: list[Change] = []
    removed = sorted(old.methods.keys() - new.methods.keys())
    added = sorted(new.methods.keys() - old.methods.keys())
    # A method renamed (an operationId changed): one removed and one added on the same resource
    # with the same signature.
    renamed: dict[str, str] = {}
    for path in removed:
        resource = path.rpartition(".")[0]
        same = [
            p
            for p in added
            if p.rpartition(".")[0] == resource
            and p not in renamed.values()
            and _shape(new.methods[p].signature) == _shape(old.methods[path].signature)
        ]
        if len(same) == 1:
            renamed[path] = same[0]
    for path in removed:
        if path in renamed:
            detail = f"method renamed to {renamed[path].rpartition('.')[2]}"
            changes.append(Change("method-renamed", path, True, detail))
        else:
            changes.append(Change("method-removed", path, True, "method removed"))
    for path in added:
        if path not in renamed.values():
            changes.append(Change("method-added", path, False, "method added"))
    for path in sorted(old.methods.keys() & new.methods.keys()):
        a, b = old.methods[path], new.methods[path]
        changes += _compare_signatures(path, a.signature, b.signature, aliases)
        before = {_shape(s) for s in a.overloads}
        after = {_shape(s) for s in b.overloads}
        for shape in sorted(before - after, key=str):
            changes.append(Change("overload-removed", path, True, f"overload {_show_shape(shape)} removed"))
        for shape in sorted(after - before, key=str):
            changes.append(Change("overload-added", path, False, f"overload {_show_shape(shape)} added"))
    return changes


def _shape(signature: Signature) -> tuple[object, ...]:
    params = tuple((p.name, p.kind, p.type.text if p.type else None, p.default) for p in signature.params)
    return params, signature.returns.text if signature.returns else None


def _show_shape(shape: tuple[object, ...]) -> str:
    params, returns = shape
    assert isinstance(params, tuple)
    shown = ", ".join(f"{n}: {t}" if t else str(n) for n, _, t, _ in params if n != "self")
    return f"`({shown}) -> {returns}`"


_POSITIONAL = ("positional-only", "positional or keyword")


def _public_params(signature: Signature) -> list[Param]:
    return [p for p in signature.params if p.name not in ("self", "cls")]


def _compare_signatures(path: str, old: Signature, new: Signature, aliases: _Aliases) -> list[Change]:
    changes: list[Change] = []
    before = {p.name: p for p in _public_params(old)}
    after = {p.name: p for p in _public_params(new)}
    positional_before = [p.name for p in _public_params(old) if p.kind in _POSITIONAL]
    positional_after = [p.name for p in _public_params(new) if p.kind in _POSITIONAL]
    removed = [n for n in before if n not in after]
    added = [n for n in after if n not in before]
    renames: dict[str, str] = {}

    def same_slot(a: Param, name: str) -> bool:
        if a.kind not in _POSITIONAL:
            return True
        return name in positional_after and positional_before.index(a.name) == positional_after.index(name)

    for name in removed:
        a = before[name]
        candidates = [
            n
            for n in added
            if n not in renames.values()
            and after[n].kind == a.kind
            and (after[n].default is None) == (a.default is None)
            and _text(after[n].type) == _text(a.type)
            and same_slot(a, n)
        ]
        # A keyword parameter is taken as renamed only when it is the one removed and the one added.
        if len(candidates) == 1 and (a.kind in _POSITIONAL or len(removed) == len(added) == 1):
            renames[name] = candidates[0]
    for name in removed:
        if name in renames:
            changes.append(Change("parameter-renamed", path, True, f"parameter {name} renamed to {renames[name]}"))
        else:
            changes.append(Change("parameter-removed", path, True, f"parameter {name} removed"))
    for name in added:
        if name in renames.values():
            continue
        p = after[name]
        if p.kind in ("variadic positional", "variadic keyword"):
            changes.append(Change("parameter-added", path, False, f"parameter {name} added"))
        elif p.default is None:
            changes.append(Change("parameter-added", path, True, f"parameter {name} added (required)"))
        else:
            changes.append(Change("parameter-added", path, False, f"parameter {name} added (optional)"))
    for name in before.keys() & after.keys():
        a, b = before[name], after[name]
        if a.kind != b.kind:
            changes.append(Change("parameter-kind-changed", path, True, f"parameter {name}: {a.kind} -> {b.kind}"))
        elif a.kind in _POSITIONAL and positional_before.index(name) != positional_after.index(name):
            changes.append(Change("parameter-moved", path, True, f"parameter {name} moved"))
        made = _requiredness(a.default is None, b.default is None)
        if made == "required":
            changes.append(Change("parameter-required", path, True, f"parameter {name} made required"))
        elif made == "optional":
            changes.append(Change("parameter-optional", path, False, f"parameter {name} made optional"))
        elif a.default != b.default and a.default is not None and b.default is not None:
            detail = f"parameter {name}: default changed from `{a.default}` to `{b.default}`"
            changes.append(Change("parameter-default-changed", path, False, detail))
        changes += _compare_types(
            path, f"parameter {name}", a.type, b.type, {REQUEST}, "parameter", aliases, ignore_none=made is not None
        )
    changes += _compare_types(path, "return type", old.returns, new.returns, {RESPONSE}, "return", aliases)
    return changes


def _requiredness(required_before: bool, required_after: bool) -> str | None:
    if required_before == required_after:
        return None
    return "required" if required_after else "optional"


def _text(t: Type | None) -> str | None:
    return t.text if t else None


def _compare_models(old: Model, new: Model, directions: set[str], aliases: _Aliases) -> list[Change]:
    path = old.path
    if old.kind != new.kind:
        return [Change("model-kind-changed", path, True, f"changed from a {_kind(old.kind)} to a {_kind(new.kind)}")]
    changes: list[Change] = []
    if old.kind == "alias":
        return _compare_types(path, "type", old.alias, new.alias, directions, "model", aliases)
    for base in old.bases:
        if base not in new.bases:
            changes.append(Change("model-base-removed", path, True, f"base class {base} removed"))
    for base in new.bases:
        if base not in old.bases:
            changes.append(Change("model-base-added", path, False, f"base class {base} added"))
    request, response = REQUEST in directions, RESPONSE in directions
    for name, f in old.fields.items():
        if name not in new.fields:
            changes.append(Change("field-removed", path, True, f"field {name} removed"))
    for name, f in new.fields.items():
        if name in old.fields:
            continue
        if f.required and request:
            changes.append(Change("field-added", path, True, f"field {name} added (required)"))
        else:
            changes.append(Change("field-added", path, False, f"field {name} added ({_req(f.required)})"))
    for name in old.fields.keys() & new.fields.keys():
        a, b = old.fields[name], new.fields[name]
        made = _requiredness(a.required, b.required)
        if made == "required":
            changes.append(Change("field-required", path, request, f"field {name} made required"))
        elif made == "optional":
            changes.append(Change("field-optional", path, response, f"field {name} made optional"))
        elif a.default != b.default and not a.required and not b.required:
            detail = f"field {name}: default changed from `{a.default}` to `{b.default}`"
            changes.append(Change("field-default-changed", path, False, detail))
        changes += _compare_types(
            path, f"field {name}", a.type, b.type, directions, "field", aliases, ignore_none=made is not None
        )
    return changes


def _kind(kind: str) -> str:
    return {"model": "model", "typeddict": "TypedDict", "alias": "type alias"}[kind]


def _req(required: bool) -> str:
    return "required" if required else "optional"


# --- comparing two types ----------------------------------------------------------------------


def _compare_types(
    path: str,
    what: str,
    old: Type | None,
    new: Type | None,
    directions: set[str],
    subject: str,
    aliases: _Aliases,
    ignore_none: bool = False,
) -> list[Change]:
    a, b = _text(old), _text(new)
    if a == b:
        return []
    if a is None or b is None:
        breaking = True
        return [Change(f"{subject}-type-changed", path, breaking, f"{what}: `{a}` -> `{b}`")]
    try:
        old_node = _strip(_expand_aliases(_expression(a), aliases.old))
        new_node = _strip(_expand_aliases(_expression(b), aliases.new))
    except SyntaxError:
        return [Change(f"{subject}-type-changed", path, True, f"{what}: `{a}` -> `{b}`")]
    if ast.dump(old_node) == ast.dump(new_node):
        return []  # the same type, written with an alias on one side
    if ignore_none:
        old_node, new_node = _without_none(old_node), _without_none(new_node)
    request, response = REQUEST in directions, RESPONSE in directions
    old_shape, old_values = _literals(old_node)
    new_shape, new_values = _literals(new_node)
    if old_shape == new_shape:
        changes: list[Change] = []
        for value in sorted(old_values - new_values, key=repr):
            still_taken = _base_name(value) in {n.id for n in ast.walk(new_node) if isinstance(n, ast.Name)}
            breaking = request and not still_taken
            detail = f"{what}: enum value {value!r} removed"
            changes.append(Change("enum-value-removed", path, breaking, detail))
        for value in sorted(new_values - old_values, key=repr):
            changes.append(Change("enum-value-added", path, False, f"{what}: enum value {value!r} added"))
        if changes or ast.dump(old_node) == ast.dump(new_node):
            return changes
    wider, narrower = _le(old_node, new_node), _le(new_node, old_node)
    if wider and narrower:
        return []  # the same type written otherwise (members reordered)
    if wider:
        how, breaking = "widened", response
    elif narrower:
        how, breaking = "narrowed", request
    else:
        how, breaking = "changed", True
    return [Change(f"{subject}-type-{how}", path, breaking, f"{what}: type {how} from `{a}` to `{b}`")]


def _expand_aliases(node: ast.expr, aliases: dict[str, str], depth: int = 0) -> ast.expr:
    """``node`` with each name of a type alias replaced by the type it stands for."""
    if depth > 8:
        return node

    class Expand(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.AST:
            text = aliases.get(name.id)
            if text is None:
                return name
            try:
                return _expand_aliases(_expression(text), aliases, depth + 1)
            except SyntaxError:
                return name

    return Expand().visit(_copy(node))  # type: ignore[no-any-return]


_WRAPPERS = {"Lenient", "Annotated", "Required", "NotRequired"}


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _strip(node: ast.expr) -> ast.expr:
    """``Lenient[X]``, ``Annotated[X, ...]``, ``Required[X]``: X; ``NotGiven`` dropped from unions."""
    if isinstance(node, ast.Subscript) and _name_of(node.value) in _WRAPPERS:
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        return _strip(inner)
    members = _members(node)
    if len(members) > 1:
        kept = [m for m in members if _name_of(m) != "NotGiven"]
        if len(kept) == 1:
            return _strip(kept[0])
    return node


def _members(node: ast.expr) -> list[ast.expr]:
    """The members of a union (``Union[...]``, ``Optional[X]``, ``X | Y``); else ``[node]``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    if isinstance(node, ast.Subscript) and _name_of(node.value) in ("Union", "Optional"):
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        out = [m for e in elts for m in _members(_strip(e))]
        if _name_of(node.value) == "Optional":
            out.append(ast.Constant(None))
        return out
    if isinstance(node, ast.Subscript) and _name_of(node.value) in _WRAPPERS:
        return _members(_strip(node))
    return [node]


def _without_none(node: ast.expr) -> ast.expr:
    members = [m for m in _members(node) if not _is_none(m)]
    if len(members) == len(_members(node)) or not members:
        return node
    if len(members) == 1:
        return members[0]
    return ast.Subscript(ast.Name("Union"), ast.Tuple(members))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literals(node: ast.expr) -> tuple[str, frozenset[object]]:
    """The type with every ``Literal[...]`` emptied (its shape), and every literal value in it."""
    values: set[object] = set()

    class Empty(ast.NodeTransformer):
        def visit_Subscript(self, sub: ast.Subscript) -> ast.AST:
            if _name_of(sub.value) == "Literal":
                elts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
                values.update(e.value for e in elts if isinstance(e, ast.Constant))
                return ast.Name("Literal")
            self.generic_visit(sub)
            return sub

    tree = Empty().visit(_copy(node))
    # A Literal's position in a union does not matter: the shape sorts the union's members.
    members = sorted(ast.dump(m) for m in _members(tree))
    return "|".join(dict.fromkeys(members)), frozenset(values)


def _expression(text: str) -> ast.expr:
    """The expression ``text`` (a type or a value as written in the generated code), parsed."""
    body = ast.parse(text).body
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        raise SyntaxError(f"not an expression: {text!r}")
    return body[0].value


def _copy(node: ast.expr) -> ast.expr:
    copied = _expression(ast.unparse(node))
    return copied


def _base_name(value: object) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str", bytes: "bytes"}.get(type(value), "")


def _le(a: ast.expr, b: ast.expr) -> bool:
    """Every value of type ``a`` is one of type ``b`` (as far as the annotations tell)."""
    return all(any(_member_le(x, y) for y in _members(b)) for x in _expand(a))


def _expand(node: ast.expr) -> list[ast.expr]:
    out: list[ast.expr] = []
    for member in _members(node):
        if isinstance(member, ast.Subscript) and _name_of(member.value) == "Literal":
            elts = member.slice.elts if isinstance(member.slice, ast.Tuple) else [member.slice]
            out.extend(ast.Subscript(ast.Name("Literal"), e) for e in elts)
        else:
            out.append(member)
    return out


def _member_le(x: ast.expr, y: ast.expr) -> bool:
    if ast.dump(x) == ast.dump(y):
        return True
    y_name = _name_of(y)
    if y_name in ("Any", "object"):
        return True
    if isinstance(x, ast.Subscript) and _name_of(x.value) == "Literal":
        value = x.slice.value if isinstance(x.slice, ast.Constant) else object()
        if isinstance(y, ast.Subscript) and _name_of(y.value) == "Literal":
            elts = y.slice.elts if isinstance(y.slice, ast.Tuple) else [y.slice]
            return any(isinstance(e, ast.Constant) and e.value == value and type(e.value) is type(value) for e in elts)
        return y_name == _base_name(value) or (y_name == "float" and type(value) is int)
    if _name_of(x) == "int" and y_name == "float":
        return True
    if (
        isinstance(x, ast.Subscript)
        and isinstance(y, ast.Subscript)
        and _name_of(x.value) == y_name == _name_of(y.value)
        and y_name != "Literal"
    ):
        xs = x.slice.elts if isinstance(x.slice, ast.Tuple) else [x.slice]
        ys = y.slice.elts if isinstance(y.slice, ast.Tuple) else [y.slice]
        return len(xs) == len(ys) and all(_le(_strip(p), _strip(q)) for p, q in zip(xs, ys))
    return False


# --- entry points -----------------------------------------------------------------------------


def diff_trees(old: Mapping[str, str], new: Mapping[str, str], cache: Cache | None = None) -> list[Change]:
    """The API changes from the package modules ``old`` to ``new`` (``{relative path: text}``);
    the facts of each module looked up in ``cache`` first (see :class:`Reader`)."""
    reader = Reader(cache)
    # One look-up in the cache for the modules of both trees:
    modules = [(p, tree[p]) for tree in (old, new) for p in _modules(tree, _packages(tree))]
    reader.read_many(modules)
    with without_gc():  # every module read: no griffe (and its cyclic garbage) from here on
        return compare(load_api(old, reader), load_api(new, reader))


def diff_dirs(base: Path, head: Path, cache: Cache | None = None) -> list[Change]:
    return diff_trees(read_tree(base), read_tree(head), cache)


def summary(output: Path, files: Mapping[str, str], cache: Cache | None = None) -> str | None:
    """The text report of the API changes from the client in ``output`` to the generation
    ``files``; None when there is nothing to compare (no client there yet, or no module changed)."""
    new = python_files(files)
    if not new or not output.is_dir():
        return None
    try:
        old = read_tree(output)
        if old == new:
            return None
        return render_text(diff_trees(old, new, cache))
    except GenerationError:  # no client there yet, or one that is not Python (edited by hand)
        return None
