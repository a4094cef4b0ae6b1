"""The one way a value from the spec becomes Python source: a literal made by ``repr`` of checked data."""

from __future__ import annotations

from typing import Any


def lit(value: Any) -> str:
    """A Python literal for JSON-like data; anything else is refused."""
    if isinstance(value, str):
        text = repr(value)
        # black's quotes, so that formatting has less to change: double unless that needs more
        # escapes. In repr()'s single-quoted form every backslash is doubled and every single quote
        # escaped, so "\\'" is exactly an escaped quote.
        if text[0] == "'" and value.count('"') <= value.count("'"):
            return '"' + text[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
        return text
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return (
            repr(value) if value == value and value not in (float("inf"), float("-inf")) else f"float({str(value)!r})"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(str(k))}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a literal value: {type(value).__name__}")
