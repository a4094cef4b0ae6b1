"""Bracketed code laid out the way black lays it out, so that formatting has little left to change.

black still formats every generated file; this only spares it work (a line black must split costs it
several times more than one it keeps). Where this layout and black's differ, black's wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

#: black's default line length, which the generated code is formatted with.
LINE_LENGTH = 88


@dataclass(frozen=True)
class Bracket:
    """``head`` + items separated by ", " + ``close``, e.g. ``query={`` ... ``}``."""

    head: str
    items: tuple[Item, ...]
    close: str

    def flat(self) -> str:
        return self.head + ", ".join(_flat(i) for i in self.items) + self.close


Item = Union[str, Bracket]


def _flat(item: Item) -> str:
    return item if isinstance(item, str) else item.flat()


def layout(item: Item, indent: int, suffix: str = "") -> list[str]:
    """Lines for ``item`` + ``suffix`` at ``indent`` spaces: joined if it fits; else the items on one
    line between the brackets if they fit; else one item per line with a trailing comma."""
    pad = " " * indent
    flat = _flat(item) + suffix
    if isinstance(item, str) or not item.items or indent + len(flat) <= LINE_LENGTH:
        return [pad + flat]
    body = ", ".join(_flat(i) for i in item.items)
    if indent + 4 + len(body) <= LINE_LENGTH:
        return [pad + item.head, pad + "    " + body, pad + item.close + suffix]
    lines = [pad + item.head]
    for sub in item.items:
        lines.extend(layout(sub, indent + 4, ","))
    lines.append(pad + item.close + suffix)
    return lines


def call(head: str, items: list[Item], indent: int) -> str:
    """A call ``head(items)`` whose first line starts at column ``indent`` (not indented here)."""
    return "\n".join(layout(Bracket(head + "(", tuple(items), ")"), indent))[indent:]


def mapping(head: str, entries: list[tuple[str, str]]) -> Bracket:
    """``head{key: value, ...}`` as an item, e.g. ``mapping("query=", [('"a"', "a")])``."""
    return Bracket(head + "{", tuple(f"{k}: {v}" for k, v in entries), "}")
