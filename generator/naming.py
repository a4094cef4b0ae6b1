"""Turning spec names into Python names: identifiers, classes, modules; collisions resolved."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")

#: Names a generated module imports for itself; a spec name equal to one of them is renamed.
RESERVED_IN_MODULES = frozenset(
    {
        "Annotated",
        "Any",
        "BaseModel",
        "Dict",
        "Field",
        "List",
        "Literal",
        "Optional",
        "Union",
        "TypeAlias",
        "annotations",
        "httpx",
        "datetime",
        "date",
        "time",
        "UUID",
        "cached_property",
        "TYPE_CHECKING",
        "Lenient",
        "Tag",
        "Discriminator",
        "TypeAliasType",
        "Tuple",
        "Base64Bytes",
        "Mapping",
        "Callable",
    }
)


#: Letters that Unicode does not decompose into ASCII ones.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "Oe",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


@lru_cache(maxsize=65536)
def _ascii_words(text: str) -> tuple[str, ...]:
    """The words of ``text``, split at case changes and punctuation, transliterated to ASCII."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode("ascii")
    return tuple(_WORD.findall(text))


@lru_cache(maxsize=65536)
def snake(text: str) -> str:
    return "_".join(w.lower() for w in _ascii_words(text))


@lru_cache(maxsize=65536)
def pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _ascii_words(text))


def is_identifier(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and not keyword.issoftkeyword(name)


def python_name(text: str, *, fallback: str) -> str:
    """A snake_case identifier for ``text``: never a keyword, never starting with a digit."""
    name = snake(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def class_name(text: str, *, fallback: str = "Model") -> str:
    name = pascal(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}{name}"
    if name in RESERVED_IN_MODULES or keyword.iskeyword(name) or name in vars(builtins):
        name += "Model"
    return name


def unique(name: str, taken: set[str], *, fold_case: bool = False) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is free; the result is added to ``taken``."""

    def key(n: str) -> str:
        return n.lower() if fold_case else n

    candidate, n = name, 1
    sep = "_" if name[-1:].islower() or name.endswith("_") else ""
    while key(candidate) in taken:
        n += 1
        candidate = f"{name}{sep}{n}" if sep or not name[-1:].isdigit() else f"{name}_{n}"
    taken.add(key(candidate))
    return candidate
