"""Bracketed code laid out the way black lays it out, so that formatting has little left to change.

The templates of ``render.BLACK_LAYOUT`` (models, resources, ``types/__init__.py``) lay their modules
out with these helpers exactly as black would, so that black is not run over them (see format.py):
only their statements too long for a line that are not simple enough to write here are formatted,
by black, each alone. The tests check that black leaves such modules unchanged; a
module this layout cannot vouch for (not ASCII, tabs) still goes through black.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Union

from . import workers
from .ir import RuntimeType

#: The line length of the generated code (black's default): set here only, black is run with it.
LINE_LENGTH = 88


def black_mode() -> Any:
    """The black mode the generated code is formatted with (black is imported when first needed)."""
    import black

    return black.Mode(line_length=LINE_LENGTH)


@dataclass(frozen=True)
class Bracket:
    """``head`` + items separated by ", " + ``close``, e.g. ``query={`` ... ``}``."""

    head: str
    items: tuple[Item, ...]
    close: str
    #: A display (``{...}``, ``[...]``): black puts its items one per line whenever it splits it.
    display: bool = False

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
    if indent + len(item.head) > LINE_LENGTH:
        return [pad + flat]  # black wraps the right-hand side in parentheses first: left to black
    body = ", ".join(_flat(i) for i in item.items)
    if not item.display and indent + 4 + len(body) <= LINE_LENGTH:
        return [pad + item.head, pad + "    " + body, pad + item.close + suffix]
    lines = [pad + item.head]
    for sub in item.items:
        if isinstance(sub, str):
            lines.append(pad + "    " + statement(sub + ",", indent + 4, kind="entry" if item.display else "argument"))
        else:
            lines.extend(layout(sub, indent + 4, ","))
    lines.append(pad + item.close + suffix)
    return lines


def class_line(name: str, base: str) -> str:
    """``class name(base):`` as black writes it when too long."""
    line = f"class {name}({base}):"
    return line if len(line) <= LINE_LENGTH else f"class {name}(\n    {base}\n):"


def argument(name: str, value: str | RuntimeType, separator: str = "=") -> Item:
    """``name=value`` (or ``name: value``) as an item; a type cast for the runtime as a call black
    can split."""
    if isinstance(value, RuntimeType):
        if value.cast:
            items = (f"Type[{value.annotation}]", value.value or value.annotation)
            return Bracket(f"{name}{separator}cast(", items, ")")
        value = value.expr
    return f"{name}{separator}{value}"


def call(head: str, items: list[Item], indent: int) -> str:
    """A call ``head(items)`` whose first line starts at column ``indent`` (not indented here)."""
    return "\n".join(layout(Bracket(head + "(", tuple(items), ")"), indent))[indent:]


def mapping(head: str, entries: list[tuple[str, str | RuntimeType]]) -> Bracket:
    """``head{key: value, ...}`` as an item, e.g. ``mapping("query=", [('"a"', "a")])``."""
    return Bracket(head + "{", tuple(argument(k, v, ": ") for k, v in entries), "}", display=True)


# A line too long for black's line length is split by black in ways not worth re-implementing here.
# Such a statement is rendered as a placeholder naming it; ``resolve`` then formats every distinct
# one with black, all in a few batches, and puts the result in its place. The module as rendered is
# then already formatted, and black, which formats twice whatever it changes, makes a single pass.
# The placeholder holds the statement itself (NUL never occurs in rendered text: ``lit`` and ``doc``
# escape control characters), so rendered text can be kept and resolved later, in any process.
_PLACEHOLDER = re.compile("\x00([^\x00]*)\x00")
_MARK = "# oagen:"
#: Statements per black call: large enough that black's per-call cost does not matter.
BATCH = 400


#: Where a long line is: how it is set alone for black (the blocks around it) and found again.
#: "statement": a statement; "parameter": one parameter of a def (trailing comma included);
#: "argument": one argument of a call split one per line (trailing comma included); "entry": one
#: entry of a dict display split one per line (likewise); "returns": the closing line of a def's
#: signature, ``) -> T:``; "stub": that of an overload, ``) -> T: ...``; "def": a whole
#: ``def name(...) -> T:`` line (its body follows it).
KINDS = ("statement", "parameter", "argument", "entry", "returns", "stub", "def")
#: The kinds that stand inside brackets opened one level up.
_IN_BRACKETS = ("parameter", "argument", "entry")


# Long statements simple enough to be written here as black writes them (checked against black with
# names of every length by tests/test_format.py); anything else is left to black.
#: ``name = function(dotted.name)``: split inside the call's brackets when the first line fits.
_SIMPLE_CALL = re.compile(r"([A-Za-z_][\w.]*) = ([A-Za-z_]\w*)\(([A-Za-z_][\w.]*)\)", re.ASCII)
#: ``"key": "value",`` of plain words: black cannot split it and leaves it as it is.
_ATOM_ENTRY = re.compile(r'"\w*": "\w*",', re.ASCII)
#: ``name: Wrapper[Type]``, ``name: Wrapper[Type] = None``, ``name: Type = Field(alias="wire")``.
_SIMPLE_FIELD = re.compile(r'(\w+: \w+\[)(\w+)(\] = None|\])|(\w+: \w+ = Field\()(alias="\w+")(\))', re.ASCII)


def _simple(text: str, indent: int) -> str | None:
    """The lines black writes for one of the simple long statements above, else None."""
    pad, inner = " " * indent, " " * (indent + 4)
    call = _SIMPLE_CALL.fullmatch(text)
    if call and indent + len(call[1]) + len(call[2]) + 4 <= LINE_LENGTH:
        return f"{call[1]} = {call[2]}(\n{inner}{call[3]}\n{pad})"
    field = _SIMPLE_FIELD.fullmatch(text)
    if field:
        head, body, tail = field.groups()[:3] if field[1] else field.groups()[3:]
        if tail == "] = None" and indent + len(head + body) + len("] = (") <= LINE_LENGTH:
            return f"{head}{body}] = (\n{inner}None\n{pad})"  # the value in parentheses, when that fits
        if indent + len(head) <= LINE_LENGTH:
            return f"{head}\n{inner}{body}\n{pad}{tail}"
    return None


def statement(text: str, indent: int, *, kind: str = "statement") -> str:
    """``text`` at ``indent`` spaces; if too long, the lines black writes for it (the first not
    indented) when they are simple enough to be written here, else a placeholder ``resolve``
    replaces with them."""
    assert kind in KINDS
    if indent + len(text) <= LINE_LENGTH or indent % 4 or (kind in _IN_BRACKETS and indent < 4):
        return text
    if kind == "entry" and _ATOM_ENTRY.fullmatch(text):
        return text
    simple = _simple(text, indent) if kind == "statement" else None
    if simple is not None:
        return simple
    return "\x00" + json.dumps([text, indent, kind]) + "\x00"


def placeholders(files: dict[str, str]) -> set[str]:
    """The placeholders in ``files`` (their inner part, as ``formatted`` of ``resolve`` keys them)."""
    return {m for text in files.values() if "\x00" in text for m in _PLACEHOLDER.findall(text)}


def resolve(
    files: dict[str, str], formatted: dict[str, str], *, jobs: int = 1, found: set[str] | None = None
) -> dict[str, str]:
    """``files`` with every placeholder replaced by its statement formatted as black formats it.

    ``formatted`` maps placeholders already formatted (by an earlier call, or a cache) to their
    text; the ones formatted now are added to it. ``found``: ``placeholders(files)``, if known.
    """
    pending = sorted((placeholders(files) if found is None else found) - set(formatted))
    if pending:
        groups: dict[tuple[int, str], list[str]] = {}
        for key in pending:
            _, indent, kind = json.loads(key)
            groups.setdefault((indent, kind), []).append(key)
        batches = [keys[i : i + BATCH] for keys in groups.values() for i in range(0, len(keys), BATCH)]
        if jobs > 1 and len(batches) > 1 and workers.can_fork():
            with workers.pool(jobs, preload=("black",)) as pool:
                results = list(pool.map(_format_batch, batches))
        else:
            results = [_format_batch(batch) for batch in batches]
        for batch, texts in zip(batches, results):
            formatted.update(zip(batch, texts))

    def put(match: re.Match[str]) -> str:
        return formatted[match.group(1)]

    return {path: _PLACEHOLDER.sub(put, text) if "\x00" in text else text for path, text in files.items()}


def _format_batch(keys: list[str]) -> list[str]:
    """The lines of ``keys`` (all of one indent and kind) formatted by black in one call, each alone
    in the blocks that put it at its indent; any it cannot place come back as they were."""
    import black

    items = [json.loads(key) for key in keys]
    indent, kind = items[0][1], items[0][2]
    depth = indent // 4
    blocks = depth - 1 if kind in _IN_BRACKETS else depth
    lines = ["    " * level + "if _:" for level in range(blocks)]
    pad = "    " * blocks
    inner = pad + "    "
    # Each line alone, between the lines that make it what it is in the module; the magic trailing
    # comma keeps a def or call split one item per line, as it is there.
    opening, closing = {
        "statement": ([], []),
        "parameter": ([pad + "def _("], [pad + ") -> None: ..."]),
        "argument": ([pad + "_("], [pad + ")"]),
        "entry": ([pad + "_ = {"], [pad + "}"]),
        "returns": ([pad + "def _(", inner + "self,"], [inner + "pass"]),
        "stub": ([pad + "def _(", inner + "self,"], []),
        "def": ([], [inner + "pass"]),
    }[kind]
    for n, (text, _, _) in enumerate(items):
        lines += [
            f"{pad}{_MARK}{n}",
            *opening,
            pad + text if kind in ("statement", "returns", "stub", "def") else inner + text,
            *closing,
        ]
    try:
        out = black.format_str("\n".join(lines) + "\n", mode=black_mode()).split("\n")
    except black.InvalidInput:
        return [text for text, _, _ in items]
    found: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in out:
        if line.startswith(pad + _MARK) and line[len(pad) + len(_MARK) :].isdigit():
            current = found.setdefault(int(line[len(pad) + len(_MARK) :]), [])
        elif current is not None:
            current.append(line)
    results = []
    for n, (text, _, _) in enumerate(items):
        body = [line for line in found.get(n, []) if line]
        head, tail = len(opening), len(closing)
        if body[:head] != opening or (tail and body[len(body) - tail :] != closing) or len(body) <= head + tail:
            results.append(text)
            continue
        body = body[head : len(body) - tail]
        if not body[0].startswith(" " * indent) or body[0][indent : indent + 1] == " ":
            results.append(text)
            continue
        results.append("\n".join(body)[indent:])
    return results
