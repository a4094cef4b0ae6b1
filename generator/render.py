"""Render the IR through the Jinja templates into {relative path: source text}.

Every value that came from the spec reaches generated source through one of the filters below:
``lit`` (a Python literal made by ``repr`` of checked JSON data), ``ident`` (a checked identifier),
``doc`` (text made safe for a triple-quoted docstring) or ``comment`` (one safe comment line).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import unicodedata
from pathlib import Path
from typing import Any, Callable

import jinja2

from . import ir, shape
from .cache import Cache
from .imports import class_imports, relative_module
from .ir import Api
from .naming import is_identifier
from .safe import lit

TEMPLATE_SUFFIX = ".j2"
#: Templates that lay their modules out as black does (see shape.py; checked by the tests): black
#: formats their long statements only (see format.py).
BLACK_LAYOUT = frozenset(
    {"package/types/model.py.j2", "package/resources/resource.py.j2", "package/types/__init__.py.j2"}
)


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
    # Surrounding blank lines and spaces say nothing (black would strip them from a docstring anyway).
    out = out.strip().replace('"""', '\\"\\"\\"')
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


def docstring(text: Any, width: int = 0, first: bool = False) -> str:
    """A whole docstring, quotes included; a multi-line one ends with the quotes on their own line.

    ``first``: the first statement of a class or function body, which black treats as a docstring
    proper: a quote right after the opening quotes or before the closing ones gets a space between,
    and the lines after the first lose the indentation they all have beyond the docstring's own.
    """
    body = indent_doc(text, width)
    if first:
        lines = body.split("\n")
        margin = min((len(line) - len(line.lstrip(" ")) for line in lines[1:] if line), default=width)
        if margin > width:
            body = "\n".join([lines[0], *(line[:width] + line[margin:] if line else line for line in lines[1:])])
        if body.startswith('"'):
            body = " " + body
    if "\n" in body:
        return f'"""{body}\n{" " * width}"""'
    return f'"""{body} """' if first and body.endswith('"') else f'"""{body}"""'


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        lit=lit, ident=ident, doc=doc, comment=comment, toml_str=toml_str, indent_doc=indent_doc, docstring=docstring
    )
    env.globals.update(
        call=shape.call,
        mapping=shape.mapping,
        argument=shape.argument,
        statement=shape.statement,
        class_line=shape.class_line,
        class_imports=class_imports,
        relative_module=relative_module,
    )
    return env


def _module_path(package: str, module: str, is_package: bool) -> str:
    parts = [package, *module.strip(".").split(".")]
    return "/".join(parts) + ("/__init__.py" if is_package else ".py")


def render(api: Api, *, cache: Cache | None = None, laid_out: set[str] | None = None) -> dict[str, str]:
    """Every file of the generated project, by path relative to the output directory.

    A file made from one model or one resource is rendered from that IR object alone (its template
    sees nothing else: reading anything more is an error), so with ``cache`` it is reused from the
    last run that rendered it from an equal object, the same templates and code (see :class:`_Rendered`).
    ``laid_out`` receives the paths of the files made from the templates of :data:`BLACK_LAYOUT`.
    """
    env = _environment()
    root = templates_dir()
    pkg = api.package
    out: dict[str, str] = {}
    rendered = _Rendered(cache)
    error_base = ident(api.client.error_base)

    def emit(template: str, path: str, **context: Any) -> None:
        if laid_out is not None and template in BLACK_LAYOUT:
            laid_out.add(path)
        if not context:
            out[path] = env.get_template(template).render(api=api, error_base=error_base)
        elif rendered.defer(template, path, context):
            out[path] = ""  # filled in below, keeping the order of the files
        else:
            out[path] = env.get_template(template).render(**context)

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
        emit(
            "package/resources/resource.py.j2",
            _module_path(pkg, resource.module, resource.is_package),
            resource=resource,
        )
    emit("package/types/__init__.py.j2", f"{pkg}/types/__init__.py")
    for module in api.type_modules:
        emit("package/types/model.py.j2", f"{pkg}/types/{module.module}.py", module=module)

    out.update(rendered.finish(lambda template, context: env.get_template(template).render(**context)))
    return out


# --- the cache of rendered files --------------------------------------------------------------------

_KIND = "render-3"


class _Rendered:
    """Files made from one IR object each (a model, a resource), cached by what they are made from.

    The key of a file: oagen's code, templates and libraries and the Python version
    (:func:`fastpath.code_digest`), the template and output path, and the whole of each object the
    template is given (all it sees: a resource with its operations and sub-resources), by its
    ``repr`` (see :func:`_repr_is_complete`).
    """

    def __init__(self, cache: Cache | None) -> None:
        usable = cache is not None and cache.enabled and _repr_is_complete()
        self.cache = cache if usable else None
        self.pending: list[tuple[str, str, dict[str, Any], str]] = []
        self._base = ""
        if self.cache is not None:
            from .fastpath import code_digest  # standard library only: cheap

            self._base = f"{_KIND}\0{code_digest()}\0"

    def defer(self, template: str, path: str, context: dict[str, Any]) -> bool:
        """Whether the file is taken over (rendered or reused in :meth:`finish`): if it is made from IR objects."""
        if self.cache is None or not context or not all(type(v) in _IR_TYPES for v in context.values()):
            return False
        shown = "\0".join(f"{name}={value!r}" for name, value in sorted(context.items()))
        self.pending.append((template, path, context, _digest(self._base + template + "\0" + path + "\0" + shown)))
        return True

    def finish(self, render_one: Callable[[str, dict[str, Any]], str]) -> dict[str, str]:
        """Every deferred file: from the cache, else rendered by ``render_one(template, context)`` and stored."""
        if not self.pending:
            return {}
        assert self.cache is not None
        found = self.cache.get_many(_KIND, [key for *_, key in self.pending])
        out: dict[str, str] = {}
        fresh: dict[str, bytes] = {}
        for template, path, context, key in self.pending:
            raw = found.get(key)
            if raw is not None:
                out[path] = raw.decode("utf-8", "surrogatepass")
                continue
            text = out[path] = render_one(template, context)
            fresh[key] = text.encode("utf-8", "surrogatepass")
        self.cache.put_many(_KIND, fresh)
        return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_IR_TYPES = frozenset(v for v in vars(ir).values() if isinstance(v, type) and dataclasses.is_dataclass(v))


def _repr_is_complete() -> bool:
    """Whether ``repr`` of IR objects shows every field, so that it can serve as their key.

    True of the dataclass-made ``repr`` when no field opts out (``Api.all_resources`` does, and Api
    is never keyed whole), and of ``TypeRef``'s own, written for it. Anything else (a field added
    with ``repr=False``, a class with another hand-written ``repr``) turns the render cache off.
    """
    for cls in _IR_TYPES:
        if cls is Api:
            continue
        if any(not f.repr for f in dataclasses.fields(cls)):
            return False
        if cls is ir.TypeRef:  # its repr is written by hand: it must show exactly these fields
            if [f.name for f in dataclasses.fields(cls)] != ["annotation", "imports", "is_type", "outer", "args"]:
                return False
            if [f.name for f in dataclasses.fields(ir.Import)] != ["module", "name"]:
                return False
            continue
        own = cls.__dict__.get("__repr__")
        code = getattr(inspect.unwrap(own), "__code__", None) if own is not None else None
        if code is None or Path(code.co_filename).name == Path(ir.__file__).name:  # none, or written by hand
            return False
    return True
