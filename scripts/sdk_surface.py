"""The public surface of a Stainless-style client package, as data: every resource method reachable
from the client (its dotted path, its parameters with their kind and whether they are required, its
return annotation) and the exception classes the package exports (with their bases).

    python scripts/sdk_surface.py anthropic Anthropic AsyncAnthropic > surface.json

records the official SDK's surface with the SDK's own interpreter (nothing but the standard library
and typing_extensions, which the SDK depends on, is imported here); tests/test_anthropic_sdk_surface.py
compares the client oagen generates from examples/anthropic with the recorded one.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
from typing import Any

from typing_extensions import get_overloads

#: Per-request options, not part of an endpoint's parameters (oagen takes them as **options).
REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")
#: Attributes of a resource that give the same methods differently wrapped.
WRAPPERS = ("with_raw_response", "with_streaming_response", "with_options")


def _signature(function: Any) -> dict[str, Any]:
    overloads = get_overloads(inspect.unwrap(function)) or [function]
    signatures = [inspect.signature(f) for f in overloads]
    params: dict[str, dict[str, Any]] = {}
    for signature in signatures:
        for name, param in list(signature.parameters.items())[1:]:  # after self
            if name in REQUEST_OPTIONS or param.kind is param.VAR_KEYWORD:
                continue
            kind = "positional" if param.kind is param.POSITIONAL_OR_KEYWORD else "keyword"
            required = param.default is param.empty
            entry = params.setdefault(name, {"kind": kind, "required": required, "type": str(param.annotation)})
            # Required only where every overload requires it (stream=True is not required by create).
            entry["required"] = entry["required"] and required
    for name, entry in params.items():
        if any(name not in s.parameters for s in signatures):
            entry["required"] = False
    returns = [s.return_annotation for s in signatures]
    return {"params": params, "returns": " | ".join(dict.fromkeys(str(r) for r in returns))}


def _is_resource(cls: type, package: str) -> bool:
    """A resource class: one of the package's resources, or a subclass of one (hand-written helpers)."""
    return any(c.__module__.startswith(f"{package}.resources") for c in cls.__mro__)


def _public_module(cls: type, package: str) -> bool:
    """A class of the package outside its private runtime modules (``_resource``...)."""
    module = cls.__module__
    return module.startswith(package + ".") and not any(part.startswith("_") for part in module.split(".")[1:])


def _resources(obj: Any, package: str, prefix: str, out: dict[str, Any]) -> None:
    cls = type(obj)
    for name in sorted(dir(cls)):
        if name.startswith("_") or name in WRAPPERS:
            continue
        attribute = inspect.getattr_static(cls, name)
        owner = next((c for c in cls.__mro__ if name in vars(c)), cls)
        if isinstance(attribute, (property, functools.cached_property)):
            value = getattr(obj, name)
            if _is_resource(type(value), package):
                _resources(value, package, f"{prefix}{name}.", out)
        elif prefix and inspect.isfunction(attribute) and _public_module(owner, package):
            out[f"{prefix}{name}"] = _signature(attribute)


def surface(package: str, *clients: str) -> dict[str, Any]:
    module = importlib.import_module(package)
    result: dict[str, Any] = {}
    for client in clients:
        methods: dict[str, Any] = {}
        _resources(getattr(module, client)(api_key="k", base_url="http://127.0.0.1:9"), package, "", methods)
        result[client] = methods
    result["errors"] = {
        name: [base.__name__ for base in value.__bases__]
        for name, value in sorted(vars(module).items())
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    return result


if __name__ == "__main__":
    json.dump(surface(sys.argv[1], *sys.argv[2:]), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
