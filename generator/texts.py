"""The spec's prose (descriptions, summaries) kept apart from the IR's structure.

While the IR is built, each description or summary the build reads comes back as a *token*, a word
that stands for the text (:func:`read`); :meth:`Texts.resolve` then puts the texts in place before
rendering. The build only copies tokens and joins them with other text, never looks inside, so an IR
built from a spec whose prose differs has the same structure with other texts. That is what lets a
run in which only prose changed re-render just the files holding a changed text (incremental.py).

A text is tokenised only when it is read from its own place in a document (a node the document
holds at that pointer): one read from a schema the build put together (a merged ``allOf``) is used
as it is, and remembered in :attr:`Texts.impure`; a later change to a text of that value is then
not treated as prose-only.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import re
import secrets
import unicodedata
from contextlib import contextmanager
from typing import Any, Iterator

from .ir import TypeRef
from .load import Located

#: The texts of the build in progress; none outside :func:`collecting` (texts are then read plainly).
_CURRENT: contextvars.ContextVar[Texts | None] = contextvars.ContextVar("oagen_texts", default=None)

Source = tuple[str, tuple[str, ...], bool]  # (document key, pointer parts of the text, stripped)


def doc_key(node: Located) -> str:
    doc = node.doc
    key = _DOC_KEYS.get(id(doc))
    if key is None or key[0] is not doc:
        key = _DOC_KEYS[id(doc)] = (doc, doc.url or str(doc.path))
    return key[1]


#: Each document's key, by identity (``str`` of a path is not free, and texts are read by the ten thousand).
_DOC_KEYS: dict[int, tuple[Any, str]] = {}


class Texts:
    """Tokens and the texts they stand for, with where each text was read."""

    def __init__(self, nonce: str | None = None) -> None:
        self.nonce = nonce or secrets.token_hex(8)
        self.prefix = f"OAGENTEXT{self.nonce}N"
        self.pattern = re.compile(re.escape(self.prefix) + r"(\d+)E")
        #: Token number -> its text, and where it was read.
        self.values: list[str] = []
        self.sources: list[Source] = []
        self._numbers: dict[Source, int] = {}
        #: Texts read from nodes no document holds at their pointer (see the module's docstring).
        self.impure: set[str] = set()
        self._memo: dict[int, tuple[Any, Any, frozenset[int]]] = {}

    def token(self, number: int) -> str:
        return f"{self.prefix}{number}E"

    def take(self, node: Located, key: str, *, strip: bool) -> str | None:
        """``node.value[key]`` (stripped if ``strip``) if it is a non-empty string, as a token when
        it can stand for it; a blank text is returned as ``""`` (never tokenised: emptiness is
        structure)."""
        raw = node.value.get(key)
        if not isinstance(raw, str):
            return None
        held = _held(node)
        text = raw.strip() if strip else raw
        if blank(text):
            return ""
        if not held:
            self.impure.add(raw)
            return text
        source = (doc_key(node), (*node.parts, key), strip)
        number = self._numbers.get(source)
        if number is None:
            number = self._numbers[source] = len(self.values)
            self.values.append(text)
            self.sources.append(source)
        else:  # read again (in a build redone over the texts of an earlier one: the text now there)
            self.values[number] = text
        return self.token(number)

    # --- tokens -> texts ----------------------------------------------------------------------------

    def resolve(self, obj: Any) -> Any:
        """``obj`` (IR objects, tuples, strings...) with every token replaced by its text; objects
        without tokens are returned as they are (shared ones stay shared)."""
        return self._walk(obj)[0]

    def tokens_of(self, obj: Any) -> frozenset[int]:
        """The token numbers ``obj`` holds (after :meth:`resolve` walked it)."""
        return self._walk(obj)[1]

    def substitute(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.values[int(m.group(1))], text)

    def _walk(self, obj: Any) -> tuple[Any, frozenset[int]]:
        kind = type(obj)
        if kind is str:
            if self.prefix not in obj:
                return obj, _NONE
            return self.substitute(obj), frozenset(int(n) for n in self.pattern.findall(obj))
        if obj is None or kind in _SCALARS:
            return obj, _NONE
        if kind is TypeRef and self.prefix not in obj.annotation:
            return obj, _NONE  # the most common object, an annotation and the imports of its names
        memo = self._memo.get(id(obj))
        if memo is not None and memo[0] is obj:
            return memo[1], memo[2]
        names = _FIELDS.get(kind)
        if names is None and dataclasses.is_dataclass(kind):
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
        found: frozenset[int] = _NONE
        out: Any = obj
        if names is not None:
            changes: dict[str, Any] = {}
            for name in names:
                value = getattr(obj, name)
                if value is None or type(value) in _SCALARS or type(value) is str and self.prefix not in value:
                    continue
                new, tokens = self._walk(value)
                if tokens:
                    found = found | tokens
                if new is not value:
                    changes[name] = new
            if changes:
                out = copy.copy(obj)
                for name, value in changes.items():
                    object.__setattr__(out, name, value)
        elif kind in (tuple, list, frozenset, set):
            items = [self._walk(item) for item in obj]
            for _, tokens in items:
                if tokens:
                    found = found | tokens
            if any(new is not old for (new, _), old in zip(items, obj)):
                out = kind(new for new, _ in items)
        elif kind is dict:
            pairs = [(self._walk(k), self._walk(v)) for k, v in obj.items()]
            for a, b in pairs:
                if a[1] or b[1]:
                    found = found | a[1] | b[1]
            if any(a[0] is not k or b[0] is not v for (a, b), (k, v) in zip(pairs, obj.items())):
                out = {a[0]: b[0] for a, b in pairs}
        else:
            return obj, _NONE
        self._memo[id(obj)] = (obj, out, found)
        return out, found


_NONE: frozenset[int] = frozenset()
_SCALARS = (bool, int, float)
#: Field names of each IR class met.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _held(node: Located) -> bool:
    """Whether ``node``'s value is the very object its document holds at its pointer."""
    value: Any = node.doc.data
    try:
        for part in node.parts:
            value = value[part] if type(value) is dict else value[int(part)] if type(value) is list and part.isdigit() else None
            if value is None:
                return False
    except (KeyError, IndexError):
        return False
    return value is node.value


@contextmanager
def collecting(texts: Texts) -> Iterator[Texts]:
    """Within this block, :func:`read` gives tokens registered in ``texts``."""
    reset = _CURRENT.set(texts)
    try:
        yield texts
    finally:
        _CURRENT.reset(reset)


def blank(text: str) -> bool:
    """Whether ``text`` says nothing: only spaces, tabs, line breaks (what a docstring drops at its
    ends; other control and separator characters are shown escaped, so they do say something)."""
    if not text.strip(_BLANK):
        return True
    return not text.isascii() and all(ch in _BLANK or unicodedata.category(ch) == "Zs" for ch in text)


_BLANK = " \t\n\r"


def read(node: Located, key: str, *, strip: bool = False) -> str | None:
    """``node.value[key]`` if it is a string (stripped with ``strip``), as a token while collecting.

    The one way the build reads prose: what it returns may only be copied or joined with other
    text, never inspected beyond being empty or not.
    """
    if not isinstance(node.value, dict):
        return None
    texts = _CURRENT.get()
    if texts is None:
        raw = node.value.get(key)
        if not isinstance(raw, str):
            return None
        text = raw.strip() if strip else raw
        return "" if blank(text) else text
    return texts.take(node, key, strip=strip)
