"""Render the IR through the Jinja templates into {relative path: source text}.

Every value that came from the spec reaches generated source through one of the filters below:
``lit`` (a Python literal made by ``repr`` of checked JSON data), ``ident`` (a checked identifier),
``doc`` (text made safe for a triple-quoted docstring) or ``comment`` (one safe comment line).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import jinja2

from .ir import Api
from .naming import is_identifier
from . import shape
from .safe import lit

TEMPLATE_SUFFIX = ".j2"


def templates_dir() -> Path:
    """Templates ship inside the wheel as ``generator/templates``; in a checkout they are ``templates/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("oagen's templates are missing from this installation")


def ident(name: Any) -> str:
    if not isinstance(name, str) or not is_identifier(name):
        raise ValueError(f"not a safe Python identifier: {name!r}")
    return name


def _escape_char(ch: str) -> str:
    if ch == "\n" or ch == "\t":
        return ch
    if ch == "\\":
        return "\\\\"
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return ch


def doc(text: Any) -> str:
    """Text for the inside of a ``\"\"\"`` docstring: it can neither close the string nor escape it."""
    if text is None:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    plain = "\\" not in text and text.replace("\n", "").replace("\t", "").isprintable()
    # Printable text without backslashes has nothing to escape (the common case, checked in C).
    out = text if plain else "".join(_escape_char(ch) for ch in text)
    out = out.rstrip().replace('"""', '\\"\\"\\"')
    # A quote at the very end would run into the closing """: escape it, unless it already is (an odd
    # number of backslashes before it; the text's own backslashes were all doubled above).
    if out.endswith('"') and (len(out) - 1 - len(out[:-1].rstrip("\\"))) % 2 == 0:
        out = out[:-1] + '\\"'
    lines = [line.rstrip() for line in out.split("\n")]
    return "\n".join(lines)


def comment(text: Any) -> str:
    """One line safe for a ``#`` comment."""
    return " ".join(doc(text).split())


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_str(value: Any) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped; lone surrogates
    (which neither UTF-8 nor TOML can carry) replaced by U+FFFD."""
    out = []
    for ch in str(value):
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif unicodedata.category(ch) == "Cs":
            out.append("\\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def indent_doc(text: Any, width: int) -> str:
    """A docstring body indented for a block at ``width`` spaces (first line not indented)."""
    pad = " " * width
    return "\n".join((pad + line) if line and i else line for i, line in enumerate(doc(text).split("\n")))


def docstring(text: Any, width: int = 0) -> str:
    """A whole docstring, quotes included; a multi-line one ends with the quotes on their own line."""
    body = indent_doc(text, width)
    return f'"""{body}\n{" " * width}"""' if "\n" in body else f'"""{body}"""'


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(lit=lit, ident=ident, doc=doc, comment=comment, toml_str=toml_str, indent_doc=indent_doc, docstring=docstring)
    env.globals.update(call=shape.call, mapping=shape.mapping, argument=shape.argument, statement=shape.statement, class_line=shape.class_line)
    return env


def _module_path(package: str, module: str, is_package: bool) -> str:
    parts = [package, *module.strip(".").split(".")]
    return "/".join(parts) + ("/__init__.py" if is_package else ".py")


def render(api: Api) -> dict[str, str]:
    """Every file of the generated project, by path relative to the output directory."""
    env = _environment()
    root = templates_dir()
    pkg = api.package
    out: dict[str, str] = {}

    def emit(template: str, path: str, **context: Any) -> None:
        out[path] = env.get_template(template).render(api=api, error_base=ident(api.client.error_base), **context)

    emit("pyproject.toml.j2", "pyproject.toml")
    emit("README.md.j2", "README.md")
    for path in sorted((root / "package").rglob("*")):
        rel = path.relative_to(root / "package").as_posix()
        if path.is_dir() or "/" in rel and rel.split("/")[0] in ("resources", "types"):
            continue
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue  # an installed wheel's templates get byte-compiled next to them
        if rel.endswith(TEMPLATE_SUFFIX):
            emit(f"package/{rel}", f"{pkg}/{rel[: -len(TEMPLATE_SUFFIX)]}")
        else:
            out[f"{pkg}/{rel}"] = path.read_text(encoding="utf-8")
    emit("package/resources/__init__.py.j2", f"{pkg}/resources/__init__.py")
    for resource in api.all_resources:
        emit("package/resources/resource.py.j2", _module_path(pkg, resource.module, resource.is_package), resource=resource)
    emit("package/types/__init__.py.j2", f"{pkg}/types/__init__.py")
    for module in api.type_modules:
        emit("package/types/model.py.j2", f"{pkg}/types/{module.module}.py", module=module)
    return out
