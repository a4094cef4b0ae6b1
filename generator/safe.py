"""The one way a value from the spec becomes Python source: a literal made by ``repr`` of checked data."""

from __future__ import annotations

from typing import Any


def lit(value: Any) -> str:
    """A Python literal for JSON-like data; anything else is refused."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(str(k))}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a literal value: {type(value).__name__}")
