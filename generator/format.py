"""Format generated Python with black, in process, remembering results by content hash."""

from __future__ import annotations

import hashlib

import black

_MODE = black.Mode()
_cache: dict[str, str] = {}


def format_python(source: str, path: str) -> str:
    key = hashlib.sha256(source.encode("utf-8")).hexdigest()
    formatted = _cache.get(key)
    if formatted is None:
        try:
            formatted = black.format_str(source, mode=_MODE)
        except black.InvalidInput as exc:  # a template bug, never a user error
            raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc
        _cache[key] = formatted
    return formatted


def format_files(files: dict[str, str]) -> dict[str, str]:
    return {path: format_python(text, path) if path.endswith(".py") else text for path, text in files.items()}
