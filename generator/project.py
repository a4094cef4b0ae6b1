"""Settings for the command line from ``[tool.oagen]`` in the nearest pyproject.toml.

One client::

    [tool.oagen]
    spec = "spec/openapi.yaml"
    output = "generated"

or several, each a table of the same keys::

    [[tool.oagen.clients]]
    spec = "apis/billing.yaml"
    output = "clients/billing"

Paths are relative to the pyproject.toml. Every problem is a located error pointing into that file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, GenerationError, error, pointer_from_parts
from .load import display_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The keys of one client's settings.
CLIENT_KEYS = ("spec", "output", "config", "package-name")


@dataclass(frozen=True)
class ClientSettings:
    spec: Path | None = None
    output: Path | None = None
    config: Path | None = None
    package_name: str | None = None


@dataclass(frozen=True)
class ProjectSettings:
    """The clients of the nearest pyproject.toml with a [tool.oagen] table (none: no such file)."""

    clients: tuple[ClientSettings, ...] = ()
    #: Written as ``[[tool.oagen.clients]]`` (each client's settings complete), not as one table.
    several: bool = False
    file: Path | None = None


def find_project_settings(start: Path) -> ProjectSettings:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise error(display_path(candidate), f"cannot read: {exc}") from None
        tool = data.get("tool")
        if not isinstance(tool, dict) or "oagen" not in tool:
            continue
        return _read(candidate, text, tool["oagen"])
    return ProjectSettings()


def _read(file: Path, text: str, table: Any) -> ProjectSettings:
    here = _Locator(display_path(file), text)
    errors: list[Diagnostic] = []
    if not isinstance(table, dict):
        raise GenerationError([here.at(("tool", "oagen"), "must be a table")])
    if "clients" not in table:
        client = _client(here, table, ("tool", "oagen"), errors, complete=False)
        if errors:
            raise GenerationError(errors)
        return ProjectSettings((client,), several=False, file=file)

    for key in table:
        if key != "clients":
            errors.append(
                here.at(
                    ("tool", "oagen", key),
                    f"[tool.oagen] has both {key!r} and [[tool.oagen.clients]]: "
                    "give every client's settings in its own [[tool.oagen.clients]] table",
                )
            )
    entries = table["clients"]
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        errors.append(here.at(("tool", "oagen", "clients"), "must be one or more tables ([[tool.oagen.clients]])"))
        raise GenerationError(errors)
    clients = [
        _client(here, entry, ("tool", "oagen", "clients", i), errors, complete=True) for i, entry in enumerate(entries)
    ]
    errors += _overlapping_outputs(here, clients)
    if errors:
        raise GenerationError(errors)
    return ProjectSettings(tuple(clients), several=True, file=file)


def _client(
    here: _Locator, table: dict[str, Any], where: tuple[str | int, ...], errors: list[Diagnostic], complete: bool
) -> ClientSettings:
    directory = Path(here.file).parent
    ok: dict[str, str] = {}
    for key, value in table.items():
        if key not in CLIENT_KEYS:
            known = ", ".join(sorted(CLIENT_KEYS + (() if complete else ("clients",))))
            errors.append(here.at((*where, key), f"unknown key {key!r} (known keys: {known})"))
        elif not isinstance(value, str):
            errors.append(here.at((*where, key), f"{key!r} must be a string"))
        else:
            ok[key] = value
    if complete:
        for key in ("spec", "output"):
            if key not in table:
                errors.append(here.at(where, f"a client needs {key!r}"))

    def path(key: str) -> Path | None:
        return directory / ok[key] if key in ok else None

    return ClientSettings(path("spec"), path("output"), path("config"), ok.get("package-name"))


def _overlapping_outputs(here: _Locator, clients: list[ClientSettings]) -> list[Diagnostic]:
    """Two clients writing one directory (or one inside the other's) would each delete the other's files."""
    errors = []
    seen: list[tuple[int, Path]] = []
    for i, client in enumerate(clients):
        if client.output is None:
            continue
        mine = client.output.resolve()
        for j, theirs in seen:
            if mine == theirs or mine.is_relative_to(theirs) or theirs.is_relative_to(mine):
                how = "is" if mine == theirs else "overlaps"
                errors.append(
                    here.at(
                        ("tool", "oagen", "clients", i, "output"),
                        f"output {how} the output of client {j + 1} ({here.where(('tool', 'oagen', 'clients', j, 'output'))})",
                    )
                )
                break
        seen.append((i, mine))
    return errors


# --- where a key is written -----------------------------------------------------------------------

_KEY_PART = r"""\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*"""
_HEADER = re.compile(rf"^\s*(\[\[?)((?:{_KEY_PART}\.)*{_KEY_PART})\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(rf"^(\s*)((?:{_KEY_PART}\.)*{_KEY_PART})=")
_PART = re.compile(_KEY_PART)


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for match in _PART.finditer(dotted):
        token = match.group().strip()
        if token[:1] in "\"'":
            token = tomllib.loads(f"k = {token}")["k"] if token[0] == '"' else token[1:-1]
        out.append(token)
    return tuple(out)


class _Locator:
    """Line and column of the tables and keys of a TOML document (tomllib gives none): table
    headers, ``[[array]]`` entries (by index) and ``key = value`` lines. A key written some other way
    (in an inline table) is located at the nearest enclosing place that is found."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.places: dict[tuple[str | int, ...], tuple[int, int]] = {}
        table: tuple[str | int, ...] = ()
        counts: dict[tuple[str, ...], int] = {}
        closing: str | None = None  # inside a multi-line string ending with this
        for number, line in enumerate(text.splitlines(), start=1):
            if closing is not None:
                if line.count(closing) % 2:
                    closing = None
                continue
            header = _HEADER.match(line)
            if header:
                path = _parts(header.group(2))
                if header.group(1) == "[[":
                    index = counts[path] = counts.get(path, -1) + 1
                    table = (*path, index)
                else:
                    table = path
                self.places.setdefault(table, (number, line.index("[") + 1))
                continue
            assignment = _ASSIGNMENT.match(line)
            if assignment:
                self.places.setdefault((*table, *_parts(assignment.group(2))), (number, len(assignment.group(1)) + 1))
                rest = line[assignment.end() :]
                for quotes in ('"""', "'''"):
                    if rest.count(quotes) % 2:
                        closing = quotes
                        break

    def at(self, path: tuple[str | int, ...], message: str) -> Diagnostic:
        line, column = self._place(path)
        return Diagnostic(self.file, line, column, pointer_from_parts(path), message)

    def where(self, path: tuple[str | int, ...]) -> str:
        line, column = self._place(path)
        return self.file if line is None else f"{self.file}:{line}:{column}"

    def _place(self, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        for end in range(len(path), 0, -1):
            if path[:end] in self.places:
                return self.places[path[:end]]
        return None, None
