"""The intermediate representation: what the templates lay out. Every decision is already made.

Strings that came from the spec (descriptions, wire names, paths, enum values) are kept as plain
``str`` here; templates pass them through the ``lit`` / ``doc`` filters. Names (``*_name``,
``attr``) are checked Python identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Literal, Optional


@dataclass(frozen=True, order=True)
class Import:
    """``from <module> import <name>``; ``module`` is absolute ("typing") or package-relative (".types.x")."""

    module: str
    name: str


@dataclass(frozen=True)
class TypeRef:
    """A type as the generated code writes it (``annotation``, with the ``imports`` it needs), and
    what it is made of: a generic (``outer`` "Optional", "List", "Lenient"...) of the types ``args``,
    or a name (``outer`` ""), so that no one takes the annotation apart again."""

    annotation: str
    imports: frozenset[Import] = frozenset()
    #: For a named model: whether its name, as an expression, is something mypy reads as a class
    #: (``type[...]``): True for a model class or an alias of one; False for an alias of a union,
    #: ``Literal`` or ``Annotated`` (which needs ``cast`` to be passed where a type is expected).
    #: None when not a named model.
    is_type: Optional[bool] = None
    outer: str = ""
    args: tuple[TypeRef, ...] = ()

    def __repr__(self) -> str:
        # The imports sorted: a set's order varies between processes, and repr() of IR objects is
        # what the render cache keys on (render.py), so equal values must give equal text.
        imports = sorted(map(_IMPORT_FIELDS, self.imports))  # (module, name) pairs: compared in C
        return (
            f"TypeRef(annotation={self.annotation!r}, imports={imports!r}, is_type={self.is_type!r}, "
            f"outer={self.outer!r}, args={self.args!r})"
        )


#: Every field of an Import (render.py checks that there are no others).
_IMPORT_FIELDS = attrgetter("module", "name")


@dataclass(frozen=True)
class ModelField:
    attr: str
    wire_name: str
    type: TypeRef
    required: bool
    #: Python source of the default value (made by ``repr`` of JSON data), or None for no default.
    default: Optional[str]
    description: Optional[str]
    deprecated: bool = False


@dataclass(frozen=True)
class Model:
    """A pydantic class, a ``TypedDict`` (``typed_dict``), or a type alias when ``alias`` is set."""

    class_name: str
    module: str
    description: Optional[str]
    fields: tuple[ModelField, ...] = ()
    alias: Optional[TypeRef] = None
    deprecated: bool = False
    #: The type of properties not listed (``additionalProperties: <schema>`` beside ``properties``).
    extra: Optional[TypeRef] = None
    #: The model refers to itself, directly or through others, or its module is in an import cycle:
    #: an alias is a ``TypeAliasType``, and ``types/__init__.py`` imports it eagerly (the rest load lazily).
    recursive: bool = False
    #: ``types/__init__.py`` calls ``model_rebuild()`` on this class once every module is imported.
    rebuild: bool = False
    #: A request-side ``TypedDict`` (``fields`` are its keys, ``required`` ones ``Required[...]``),
    #: written in the functional syntax when ``functional`` (a key the class syntax cannot declare).
    typed_dict: bool = False
    functional: bool = False


@dataclass(frozen=True)
class TypeModule:
    """One module under ``types/``: a named schema's model, with the models of the object schemas
    written inline in it (defined first, so each class follows those it uses)."""

    module: str
    models: tuple[Model, ...]
    imports: tuple[str, ...] = ()
    #: Import lines of modules in an import cycle with this one (see ``Model.deferred_imports``).
    deferred_imports: tuple[str, ...] = ()

    @property
    def imports_last(self) -> bool:
        """Whether ``deferred_imports`` come after the models (an alias needs its names at once),
        not under ``TYPE_CHECKING`` before them."""
        return any(m.alias is not None for m in self.models)


@dataclass(frozen=True)
class Const:
    """A value the generated code always sends (a required parameter with one possible value)."""

    value: object


@dataclass(frozen=True)
class Param:
    attr: str
    wire_name: str
    location: Literal["path", "query", "header", "cookie"]
    type: TypeRef
    required: bool
    description: Optional[str]
    #: Values always sent besides the caller's (a list parameter extended by config).
    always_include: tuple[str, ...] = ()
    #: Python source of the spec's default (documented; the server applies it when nothing is sent).
    default: Optional[str] = None
    #: Non-empty check before sending (path parameters of type str).
    check_non_empty: bool = False
    #: OpenAPI ``style`` when it is not the location's default (the value is sent wrapped in ``Styled``).
    style: Optional[str] = None
    explode: bool = False
    #: Sent automatically, not an argument: the only value the parameter may have.
    constant: Optional[Const] = None
    #: Python source of the value sent when the caller gives none (the config's ``default``).
    value: Optional[str] = None
    #: ``deprecated: true`` in the spec: giving it warns (DeprecationWarning).
    deprecated: bool = False


@dataclass(frozen=True)
class BodyField:
    """One property of a form or multipart body, taken as its own keyword argument."""

    attr: str
    wire_name: str
    type: TypeRef
    required: bool
    description: Optional[str]
    style: Optional[str] = None
    explode: bool = False
    #: What the templates read of a ``Param``: a body field is never constant, extended nor defaulted.
    constant: Optional[Const] = None
    always_include: tuple[str, ...] = ()
    value: Optional[str] = None
    #: The property's schema says ``deprecated: true``: giving it warns (DeprecationWarning).
    deprecated: bool = False


@dataclass(frozen=True)
class Body:
    attr: str
    type: TypeRef
    required: bool
    #: The media type sent by default.
    media_type: str
    description: Optional[str]
    #: Properties of a form/multipart body, each a keyword argument (empty: one ``body`` argument).
    fields: tuple[BodyField, ...] = ()
    #: The type of the ``content_type`` argument when the caller may choose.
    content_type: Optional[TypeRef] = None

    @property
    def is_json(self) -> bool:
        return self.media_type == "application/json"


@dataclass(frozen=True)
class RuntimeType:
    """A type as the runtime is given it: ``annotation`` as an expression, wrapped as
    ``cast(Type[T], T)`` when ``cast`` (mypy does not read the annotation as a class)."""

    annotation: str
    cast: bool = False
    #: The expression, when it is not ``annotation``.
    value: Optional[str] = None

    @property
    def expr(self) -> str:
        value = self.value or self.annotation
        return f"cast(Type[{self.annotation}], {value})" if self.cast else value


@dataclass(frozen=True)
class ErrorBody:
    #: A status code ("404"), a range ("4XX") or "default".
    status: str
    type: TypeRef
    #: ``type`` for the runtime.
    runtime: RuntimeType


def _noted(argument: Param | BodyField) -> Optional[str]:
    if not argument.deprecated:
        return argument.description
    return "Deprecated." + (f" {argument.description}" if argument.description else "")


@dataclass(frozen=True)
class StreamFlag:
    """A body property that switches the response to a stream of events (``"stream": true``):
    the method gets overloads, one per value of the flag."""

    #: The flag's argument.
    attr: str
    #: ``Stream[Event]`` and ``AsyncStream[Event]``.
    returns: TypeRef
    async_returns: TypeRef
    #: The method's returns either way (its implementation's and the ``bool`` overload's).
    either: TypeRef
    async_either: TypeRef

    def runtime(self, otherwise: RuntimeType) -> RuntimeType:
        """What the runtime is handed: ``Stream[Event]`` when the flag is true, else ``otherwise``."""
        value = f"stream_if({self.attr}, {self.returns.annotation}, {otherwise.expr})"
        return RuntimeType(self.either.annotation, value=value)


@dataclass(frozen=True)
class Pages:
    """A paginated operation's pages: the keyword arguments of its ``Pagination`` (oagen's
    names, spec values) and the type of its items."""

    options: tuple[tuple[str, object], ...]
    item: TypeRef
    #: ``item`` for the runtime.
    item_runtime: RuntimeType
    #: The type of a page's body (the operation's ``cast_to``).
    body: TypeRef
    #: The page classes' stem: pages are ``Sync<page>`` / ``Async<page>`` (``Page``: the runtime's own).
    page: str = "Page"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    fixed_query: tuple[tuple[str, str], ...]
    params: tuple[Param, ...]
    body: Optional[Body]
    returns: TypeRef
    #: ``returns`` for the runtime's ``cast_to`` argument.
    cast_to: RuntimeType
    #: Security requirement alternatives: each a tuple of scheme names; () means none at all.
    security: tuple[tuple[str, ...], ...]
    summary: Optional[str]
    description: Optional[str]
    deprecated: bool = False
    #: The ``Accept`` header when it is not ``application/json``.
    accept: Optional[str] = None
    #: Typed error bodies, parsed onto the raised error's ``error``.
    errors: tuple[ErrorBody, ...] = ()
    #: The body flag that makes the response a stream of events, if any.
    stream: Optional[StreamFlag] = None
    #: How a list operation pages (``returns`` is then ``Sync<page>[item]``; ``cast_to`` the body).
    pagination: Optional[Pages] = None
    #: Whether only the last path parameter is positional (the others keyword-only).
    last_path_positional: bool = False

    @property
    def arguments(self) -> tuple[Param, ...]:
        """The parameters the caller gives (not the constant ones)."""
        return tuple(p for p in self.params if p.constant is None)

    @property
    def positional(self) -> tuple[Param, ...]:
        """The positional arguments: every path parameter, or only the last."""
        path = tuple(p for p in self.arguments if p.location == "path")
        return path[-1:] if self.last_path_positional else path

    @property
    def keyword_path(self) -> tuple[Param, ...]:
        """The path parameters that are keyword-only arguments (the first ones, when only the last is positional)."""
        path = tuple(p for p in self.arguments if p.location == "path")
        return path[:-1] if self.last_path_positional else ()

    @property
    def keyword(self) -> tuple[Param, ...]:
        return tuple(p for p in self.arguments if p.location != "path")

    @property
    def argument_docs(self) -> tuple[tuple[str, str], ...]:
        """(argument, description) for the docstring's Args section: only arguments the spec describes."""
        docs: list[tuple[str, Optional[str]]] = [(p.attr, _noted(p)) for p in self.positional + self.keyword_path]
        if self.body is not None:
            if self.body.fields:
                docs += [(f.attr, _noted(f)) for f in self.body.fields]
            else:
                docs.append((self.body.attr, self.body.description))
            if self.body.content_type is not None:
                docs.append(("content_type", "The media type to send the body as."))
        docs += [(p.attr, _noted(p)) for p in self.keyword]
        return tuple((name, text) for name, text in docs if text)

    @property
    def deprecated_arguments(self) -> tuple[str, ...]:
        """The arguments the spec marks deprecated (giving one warns at run time)."""
        fields = self.body.fields if self.body is not None else ()
        return tuple(a.attr for a in (*self.arguments, *fields) if a.deprecated)

    @property
    def deprecation(self) -> str:
        """The message of the method's ``@deprecated`` (an operation marked ``deprecated: true``)."""
        return f"{self.http_method.upper()} {self.path} is deprecated by the API"

    def located(self, location: str) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == location)


@dataclass(frozen=True)
class Resource:
    """A node of the resource tree: a module under ``resources/`` with a sync and an async class."""

    attr: str
    class_name: str
    async_class_name: str
    #: Package-relative dotted module path (".resources.beta.messages").
    module: str
    is_package: bool
    operations: tuple[Operation, ...]
    children: tuple[Resource, ...]
    imports: tuple[str, ...] = ()
    #: "...." style prefix from this module up to the package root.
    root: str = "."
    #: The custom code's subclass the client hands out instead of ``class_name`` (``async_class_name``),
    #: as (package-relative module, class name): config ``resources``; None: the generated class.
    custom_sync: Optional[tuple[str, str]] = None
    custom_async: Optional[tuple[str, str]] = None

    @property
    def sync_class(self) -> tuple[str, str]:
        """(package-relative module, class) of what the client hands out for this resource."""
        return self.custom_sync or (self.module, self.class_name)

    @property
    def async_class(self) -> tuple[str, str]:
        return self.custom_async or (self.module, self.async_class_name)


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    kind: Literal["apiKey", "bearer", "basic"]
    location: Optional[Literal["header", "query", "cookie"]] = None
    wire_name: Optional[str] = None
    attr: Optional[str] = None
    env: Optional[str] = None
    username_attr: Optional[str] = None
    password_attr: Optional[str] = None
    username_env: Optional[str] = None
    password_env: Optional[str] = None
    description: Optional[str] = None

    @property
    def attrs(self) -> tuple[tuple[str, Optional[str]], ...]:
        """(constructor argument, environment variable) pairs this scheme reads."""
        if self.kind == "basic":
            assert self.username_attr and self.password_attr
            return ((self.username_attr, self.username_env), (self.password_attr, self.password_env))
        assert self.attr
        return ((self.attr, self.env),)


@dataclass(frozen=True)
class Client:
    name: str
    async_name: str
    error_base: str
    base_url: str
    base_url_env: Optional[str]
    default_headers: tuple[tuple[str, str], ...]
    title: str
    description: Optional[str]
    #: The error classes of their own for status codes: (status, class name, base class name).
    status_errors: tuple[tuple[int, str, str], ...] = ()
    #: The response headers that carry the request's id (``_request_id``), the first one present.
    request_id_headers: tuple[str, ...] = ("request-id", "x-request-id")


@dataclass(frozen=True)
class Example:
    """A usage example for the generated README: one call with its arguments as Python source."""

    call: str
    arguments: tuple[str, ...]
    result_name: str


@dataclass(frozen=True)
class Api:
    package: str
    project_name: str
    version: str
    client: Client
    resources: tuple[Resource, ...]
    models: tuple[Model, ...]
    security_schemes: tuple[SecurityScheme, ...]
    example: Optional[Example] = None
    all_resources: tuple[Resource, ...] = field(default=(), repr=False)
    #: The modules ``models`` are written to, in module order.
    type_modules: tuple[TypeModule, ...] = ()

    @property
    def models_by_name(self) -> tuple[Model, ...]:
        """``models`` by module, then name: as ``types/__init__.py`` lists them. (``models`` keeps
        each module's define-before-use order, which its ``model_rebuild()`` calls follow.)"""
        return tuple(sorted(self.models, key=attrgetter("module", "class_name")))

    @property
    def paginated(self) -> bool:
        """Whether some operation returns pages."""
        return any(op.pagination is not None for r in self.all_resources for op in r.operations)

    @property
    def page_stems(self) -> tuple[str, ...]:
        """The stems of the page classes the pagination module defines (``Sync<stem>``,
        ``Async<stem>``), sorted: every one an operation's pages use, but ``Page``."""
        pages = {op.pagination.page for r in self.all_resources for op in r.operations if op.pagination is not None}
        return tuple(sorted(pages - {"Page"}))

    @property
    def credentials(self) -> tuple[tuple[str, Optional[str]], ...]:
        """Each distinct (constructor argument, environment variable) the security schemes read."""
        seen: dict[str, Optional[str]] = {}
        for scheme in self.security_schemes:
            for attr, env in scheme.attrs:
                seen.setdefault(attr, env)
        return tuple(seen.items())
