"""One diagnostic type for every user error: ``file:line:col: pointer: message``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

#: How many diagnostics one failure prints before it says how many more there were.
MAX_REPORTED = 20


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int | None
    column: int | None
    pointer: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        pointer = self.pointer or "/"
        return f"{where}: {pointer}: {self.message}"


class GenerationError(Exception):
    """A user error: bad input, unsupported construct, unwritable output. Exit code 2."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def render(self) -> str:
        shown = self.diagnostics[:MAX_REPORTED]
        lines = [f"error: {d}" for d in shown]
        hidden = len(self.diagnostics) - len(shown)
        if hidden > 0:
            lines.append(f"error: ... and {hidden} more")
        return "\n".join(lines)


def error(file: str, message: str) -> GenerationError:
    """The error of one diagnostic about ``file`` as a whole (no line, column or pointer)."""
    return GenerationError([Diagnostic(file, None, None, "", message)])


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_from_parts(parts: Iterable[object]) -> str:
    return "".join("/" + escape_pointer_token(p) for p in parts)


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer (RFC 6901) into its unescaped tokens."""
    if pointer in ("", "/"):
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
