"""Build the IR from a loaded, validated spec and the user's config.

This package's modules are the only code that understands OpenAPI: schemas.py maps schemas to
types, operations.py maps operations to methods and resources; this module assembles the API (client,
security schemes, resource tree). Templates only lay out the result.
"""

from __future__ import annotations

import builtins
import dataclasses
import re

from packaging.version import InvalidVersion, Version

from . import naming
from .config import Config, OperationConfig
from .custom_code import CustomCode
from .diagnostics import Diagnostic, GenerationError
from .ir import Api, Client, Example, Resource, SecurityScheme
from .load import Located, Spec
from .operations import (
    OperationBuilder,
    default_method_name,
    ResourceNode,
    build_resource,
    default_resource_path,
    walk_resources,
)
from .pagination import page_stems
from .safe import lit
from .schemas import SchemaBuilder, description_of, by_key


def build(
    spec: Spec,
    config: Config,
    *,
    package_name: str | None = None,
    warnings: list[Diagnostic] | None = None,
    custom: CustomCode | None = None,
) -> Api:
    """The IR of ``spec``; what the user should know of it but need not fix is added to ``warnings``.
    ``custom``: the config's custom code (read), whose classes ``resources`` may name."""
    info = spec.top.value.get("info") if isinstance(spec.top.value.get("info"), dict) else {}
    title = str(info.get("title") or "API")
    short = naming.title_name(title)
    package = package_name or config.package_name or (naming.python_name(short, fallback="api") + "_client")
    if not naming.is_identifier(package):
        raise GenerationError(
            [
                Diagnostic(
                    "<options>", None, None, "/package_name", f"package name {package!r} is not a Python identifier"
                )
            ]
        )
    b = SchemaBuilder(spec, config)
    ops = OperationBuilder(b)
    # The page classes the schemes name (the config's, x-oagen-pagination): no model nor resource class takes one.
    page_classes = {
        prefix + stem
        for stem in page_stems(config, (op for op, *_ in ops.operations()))
        for prefix in ("Sync", "Async")
    }
    b.reserved |= page_classes
    b.declare_components()

    root = ResourceNode("", ())
    used_config: set[str] = set()
    for op, method, key, item, _ in ops.operations():
        config_key, cfg, resource, method_name = operation_names(config, op, method, key)
        if config_key is not None:
            used_config.add(config_key)
        node = root
        for segment in resource:
            node = node.children.setdefault(segment, ResourceNode(segment, node.path + (segment,)))
        try:
            operation = ops.build_operation(op, method, key, item, cfg, method_name)
        except GenerationError as exc:
            b.errors.extend(exc.diagnostics)
            continue
        node.operations.append(operation)
    for config_key, cfg in config.operations.items():
        if config_key not in used_config:
            b.errors.append(
                b.config_diag(
                    ("operations", config_key),
                    f"operation {config_key!r} matches no operationId nor 'METHOD /path' in the spec",
                )
            )
    for wire in config.parameters:
        if wire not in ops.used_parameters:
            b.errors.append(b.config_diag(("parameters", wire), f"no operation has a parameter {wire!r}"))

    client_name = config.client.name or naming.class_name(short, fallback="Client")
    # What every environment variable the client reads starts with: <CLIENT>_BASE_URL, <CLIENT>_API_KEY...
    prefix = naming.snake(client_name).upper()
    schemes = _security_schemes(b, prefix)
    version = _version(b, config)
    if b.errors:
        raise GenerationError(b.errors)

    client_names = {client_name, config.client.async_name or f"Async{client_name}"}
    reserved = {slot.class_name for slot in b.slots.values()} | client_names | page_classes
    custom_classes = _custom_classes(b, config, custom or CustomCode(), root)
    resources = tuple(build_resource(child, "", reserved) for _, child in by_key(root.children.items()))
    resources = _with_custom_classes(b, resources, custom_classes, reserved)
    error_base = config.client.error_base or f"{client_name}Error"
    status_errors = _status_errors(b, config, {*client_names, error_base})
    if b.errors:
        raise GenerationError(b.errors)
    client = Client(
        name=client_name,
        async_name=config.client.async_name or f"Async{client_name}",
        error_base=error_base,
        base_url=config.client.base_url or _server_url(spec),
        base_url_env=config.client.base_url_env or f"{prefix}_BASE_URL",
        default_headers=tuple(config.client.default_headers.items()),
        title=title,
        description=spec.top.child("info").text("description") if info else None,
        status_errors=status_errors,
        **(
            {"request_id_headers": (config.client.request_id_header.lower(),)}
            if config.client.request_id_header
            else {}
        ),
    )
    type_modules = b.models()
    if warnings is not None:
        warnings.extend(b.warnings)
    models = tuple(m for module in type_modules for m in module.models)
    return Api(
        package=package,
        project_name=config.project_name or package.replace("_", "-"),
        version=version,
        client=client,
        resources=resources,
        models=models,
        security_schemes=schemes,
        example=_example(resources),
        all_resources=tuple(walk_resources(resources)),
        type_modules=type_modules,
    )


def _custom_classes(
    b: SchemaBuilder, config: Config, custom: CustomCode, root: ResourceNode
) -> dict[tuple[str, ...], tuple[str | None, str | None]]:
    """The custom code's classes the client hands out for configured resources (``resources``),
    checked: the resource exists, the class is one the custom code defines at a module's top level."""
    out: dict[tuple[str, ...], tuple[str | None, str | None]] = {}
    for key, cfg in sorted(config.resources.items()):
        node: ResourceNode | None = root
        for segment in key.split("."):
            node = node.children.get(segment) if node is not None else None
        if node is None:
            known = sorted(".".join(n.path) for n in _walk_nodes(root) if n.path)
            b.errors.append(
                b.config_diag(("resources", key), f"no resource {key!r} (the client's: {', '.join(known)})")
            )
            continue
        for side, value in (("class", cfg.sync), ("async_class", cfg.async_)):
            module, _, name = (value or "").rpartition(".")
            if value and name not in custom.classes.get(module, ()):
                where = ("resources", key, side)
                if module not in custom.classes:
                    found = ", ".join(sorted(custom.classes)) or "none: no custom_code"
                    b.errors.append(
                        b.config_diag(where, f"no module {module!r} in the custom code (its modules: {found})")
                    )
                else:
                    b.errors.append(b.config_diag(where, f"the custom code's {module} defines no class {name!r}"))
        out[node.path] = (cfg.sync, cfg.async_)
    return out


def _walk_nodes(node: ResourceNode) -> list[ResourceNode]:
    return [node, *(n for child in node.children.values() for n in _walk_nodes(child))]


def _with_custom_classes(
    b: SchemaBuilder,
    resources: tuple[Resource, ...],
    custom: dict[tuple[str, ...], tuple[str | None, str | None]],
    reserved: set[str],
    path: tuple[str, ...] = (),
) -> tuple[Resource, ...]:
    """``resources`` with the custom code's classes the client hands out. Such a class's name is
    imported into the module that hands it out: it must be none that module uses for anything else
    (models, resource classes, what it imports), but the generated class it stands for."""
    generated = {name for r in walk_resources(resources) for name in (r.class_name, r.async_class_name)}
    taken = reserved | naming.RESERVED_IN_MODULES | naming.RESOURCE_MODULE_NAMES
    out = []
    for r in resources:
        here = (*path, r.attr)
        children = _with_custom_classes(b, r.children, custom, reserved, here)
        changes: dict[str, object] = {"children": children}
        for side, value, own in zip(
            ("class", "async_class"), custom.get(here, (None, None)), (r.class_name, r.async_class_name)
        ):
            if value is None:
                continue
            module, _, name = value.rpartition(".")
            if name != own and (name in taken or name in generated):
                b.errors.append(
                    b.config_diag(
                        ("resources", ".".join(here), side),
                        f"{name} is a name the generated package uses itself: rename the custom code's class",
                    )
                )
            changes["custom_sync" if side == "class" else "custom_async"] = ("." + module, name)
        out.append(dataclasses.replace(r, **changes))  # type: ignore[arg-type]
    return tuple(out)


#: The status error classes every client has (templates/package/_exceptions.py.j2), by status.
_STATUS_CLASSES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
#: Every other name the error module or the package's ``__init__`` defines or imports.
_PACKAGE_NAMES = frozenset(
    {
        *_STATUS_CLASSES.values(),
        "MissingCredentialsError",
        "APIError",
        "APIResponseValidationError",
        "APIStatusError",
        "APIConnectionError",
        "APITimeoutError",
        "InternalServerError",
        "STATUS_ERRORS",
        "APIResponse",
        "AsyncAPIResponse",
        "BaseModel",
        "NOT_GIVEN",
        "NotGiven",
        "DEFAULT_MAX_RETRIES",
        "DEFAULT_TIMEOUT",
        "TYPE_CHECKING",
        "Any",
        "Dict",
        "httpx",
        "types",
        "resources",
        "annotations",
    }
)


def _status_errors(b: SchemaBuilder, config: Config, client_names: set[str]) -> tuple[tuple[int, str, str], ...]:
    """(status, class, base class) of each error class the config names for a status code: under
    the class the client has for that status, else InternalServerError (5xx) or APIStatusError."""
    out = []
    seen: dict[str, int] = {}
    for status, name in sorted(config.client.status_errors.items()):
        where = ("client", "status_errors", str(status))
        if name in _PACKAGE_NAMES or name in client_names or name.startswith("__"):
            b.errors.append(b.config_diag(where, f"{name!r} is already a name the client package uses"))
        elif name in seen:
            b.errors.append(b.config_diag(where, f"{name!r} is already the error class for {seen[name]}"))
        else:
            seen[name] = status
            base = _STATUS_CLASSES.get(status) or ("InternalServerError" if status >= 500 else "APIStatusError")
            out.append((status, name, base))
    return tuple(out)


def operation_names(
    config: Config, op: Located, method: str, key: str
) -> tuple[str | None, OperationConfig | None, tuple[str, ...], str]:
    """(the config key naming the operation, its config, its resource path, its method name)."""
    op_id = op.value.get("operationId")
    cfg, used = None, None
    for config_key in (op_id, f"{method.upper()} {key}"):
        if isinstance(config_key, str) and config_key in config.operations:
            cfg, used = config.operations[config_key], config_key
            break
    resource = tuple(cfg.resource.split(".")) if cfg and cfg.resource else default_resource_path(op, key)
    method_name = cfg.method if cfg and cfg.method else default_method_name(op, method, key, resource[-1])
    for name in (*resource, method_name):
        if not naming.is_identifier(name):
            raise (cfg.located if cfg and cfg.located else op).error(f"{name!r} is not a Python identifier")
    return used, cfg, resource, method_name


#: The version of a generated package whose spec's info.version is no PEP 440 version nor a date.
DEFAULT_VERSION = "0.1.0"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _version(b: SchemaBuilder, config: Config) -> str:
    """The package's version: the config's, else info.version; as PEP 440 normalises it (``v1.2`` is
    1.2, ``1.0-beta`` 1.0b0), a date YYYY-MM-DD as YYYY.M.D, anything else 0.1.0 (with a warning)."""
    if config.version is not None:
        try:
            return str(Version(config.version))
        except InvalidVersion:
            b.errors.append(b.config_diag(("version",), f"{config.version!r} is not a PEP 440 version"))
            return DEFAULT_VERSION
    info = b.spec.top.get("info")
    node = info.get("version") if info else None
    given = node.value if node is not None else None
    if not isinstance(given, str):  # validation requires a string; without it, there is nothing to go by
        return DEFAULT_VERSION
    date = _DATE.fullmatch(given.strip())
    if date:
        return ".".join(str(int(part)) for part in date.groups())
    try:
        return str(Version(given))
    except InvalidVersion:
        assert node is not None
        b.warnings.append(
            node.diagnostic(
                f"info.version {given!r} is not a PEP 440 version: the package is version {DEFAULT_VERSION}"
                " (config key version sets another)"
            )
        )
        return DEFAULT_VERSION


def _server_url(spec: Spec) -> str:
    servers = spec.top.value.get("servers")
    if (
        isinstance(servers, list)
        and servers
        and isinstance(servers[0], dict)
        and isinstance(servers[0].get("url"), str)
    ):
        url: str = servers[0]["url"]
        for name, var in by_key((servers[0].get("variables") or {}).items()):
            if isinstance(var, dict) and "default" in var:
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        return url
    return "http://localhost"


def _credential_name(b: SchemaBuilder, scheme: str, key: str, configured: str | None, derived: str) -> str:
    """The constructor argument for a credential: as configured (checked), else ``derived`` made safe."""
    if configured:
        if configured in naming.CLIENT_NAMES:
            b.errors.append(b.config_diag(("auth", scheme, key), f"{configured!r} is already a name the client uses"))
        return configured
    return derived + "_credential" if derived in naming.CLIENT_NAMES else derived


def _security_schemes(b: SchemaBuilder, client_prefix: str) -> tuple[SecurityScheme, ...]:
    components = b.spec.top.get("components")
    node = components.get("securitySchemes") if components else None
    out = []
    used_config = set()
    items = by_key(node.items()) if node else []
    api_keys = sum(1 for _, s in items if b.spec.deref(s).value.get("type") == "apiKey")
    for name, scheme in items:
        scheme = b.spec.deref(scheme)
        value = scheme.value
        cfg = b.config.auth.get(name)
        if cfg:
            used_config.add(name)
        kind = value.get("type")
        desc = description_of(scheme)
        if kind == "apiKey":
            derived = "api_key" if api_keys == 1 else naming.python_name(name, fallback="api_key")
            attr = _credential_name(b, name, "argument", cfg.argument if cfg else None, derived)
            env = (cfg and cfg.env) or f"{client_prefix}_{attr.upper()}"
            out.append(SecurityScheme(name, "apiKey", value.get("in"), value.get("name"), attr, env, description=desc))
        elif kind == "http" and str(value.get("scheme", "")).lower() == "basic":
            ua = _credential_name(b, name, "username_argument", cfg.username_argument if cfg else None, "username")
            pa = _credential_name(b, name, "password_argument", cfg.password_argument if cfg else None, "password")
            out.append(
                SecurityScheme(
                    name,
                    "basic",
                    username_attr=ua,
                    password_attr=pa,
                    username_env=(cfg and cfg.username_env) or f"{client_prefix}_{ua.upper()}",
                    password_env=(cfg and cfg.password_env) or f"{client_prefix}_{pa.upper()}",
                    description=desc,
                )
            )
        else:  # http bearer, oauth2, openIdConnect: an access token in the Authorization header
            attr = _credential_name(
                b, name, "argument", cfg.argument if cfg else None, "bearer_token" if kind == "http" else "access_token"
            )
            env = (cfg and cfg.env) or f"{client_prefix}_{attr.upper()}"
            out.append(SecurityScheme(name, "bearer", attr=attr, env=env, description=desc))
    for name in b.config.auth:
        if name not in used_config:
            b.errors.append(
                b.config_diag(("auth", name), f"security scheme {name!r} is not in components/securitySchemes")
            )
    return tuple(out)


def _example(resources: tuple[Resource, ...]) -> Example | None:
    """A call for the README: the first method of the first resource (in name order) that has one."""
    for resource in walk_resources(resources):
        if resource.operations:
            op = resource.operations[0]
            fields = op.body.fields if op.body else ()
            args = tuple(
                f"{a.attr}={lit(a.attr)}" for a in (*op.arguments, *fields) if a.required and a.type.annotation == "str"
            )
            name = naming.python_name(op.returns.annotation, fallback="result")
            plain = op.returns.annotation.isidentifier() and name not in vars(builtins)
            call = ".".join((*resource.module.split(".")[2:], op.method_name))
            return Example(call=call, arguments=args, result_name=name if plain else "result")
    return None
