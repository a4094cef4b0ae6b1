"""Write the generated files (atomically, only what changed) or compare them with what is on disk.

A manifest in the output directory lists the files the generator owns: files it wrote before and
no longer produces are removed; files it never wrote are never touched.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, GenerationError
from .load import display_path

MANIFEST = ".oagen-manifest"
_MANIFEST_HEADER = "# Files written by oagen; it deletes or rewrites only these. Do not edit.\n"


def with_manifest(files: dict[str, str]) -> dict[str, str]:
    listing = "".join(f"{path}\n" for path in sorted(files))
    return {**files, MANIFEST: _MANIFEST_HEADER + listing}


def read_manifest(output: Path) -> set[str] | None:
    try:
        text = (output / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GenerationError([Diagnostic(display_path(output / MANIFEST), None, None, "", f"cannot read: {exc}")]) from None
    owned = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        # Refuse paths that would leave the output directory: the manifest is input too.
        if Path(line).is_absolute() or ".." in Path(line).parts:
            raise GenerationError([Diagnostic(display_path(output / MANIFEST), None, None, "", f"invalid entry {line!r}")])
        owned.add(line)
    return owned


@dataclass(frozen=True)
class Plan:
    write: dict[str, str]
    delete: list[str]


def plan(output: Path, files: dict[str, str], *, force: bool = False) -> Plan:
    owned = read_manifest(output)
    if owned is None:
        if output.exists() and not output.is_dir():
            raise GenerationError([Diagnostic(display_path(output), None, None, "", "output exists and is not a directory")])
        if output.is_dir() and any(output.iterdir()) and not force:
            raise GenerationError(
                [Diagnostic(display_path(output), None, None, "", "output directory is not empty and was not written by oagen (no "
                            f"{MANIFEST}); pass --force to generate into it anyway")]
            )
        owned = set()
    changed = {}
    for path, text in files.items():
        target = output / path
        try:
            if target.read_bytes() == text.encode("utf-8"):
                continue
        except OSError:
            pass
        changed[path] = text
    stale = sorted(p for p in owned - set(files) if (output / p).is_file())
    return Plan(changed, stale)


def write(output: Path, files: dict[str, str], *, force: bool = False) -> Plan:
    files = with_manifest(files)
    todo = plan(output, files, force=force)
    try:
        # The manifest last: if we are interrupted, the old manifest still names every file we own.
        for path in sorted(todo.write, key=lambda p: p == MANIFEST):
            _atomic_write(output / path, todo.write[path])
        for path in todo.delete:
            (output / path).unlink()
            _prune_empty_dirs(output, (output / path).parent)
    except OSError as exc:
        raise GenerationError([Diagnostic(display_path(output), None, None, "", f"cannot write output: {exc}")]) from None
    return todo


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _prune_empty_dirs(output: Path, directory: Path) -> None:
    while directory != output and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def diff(output: Path, files: dict[str, str]) -> str:
    """A unified diff from what is on disk to what would be generated; empty when current."""
    files = with_manifest(files)
    owned = read_manifest(output) or set()
    chunks: list[str] = []
    for path in sorted(set(files) | (owned - set(files))):
        target = output / path
        try:
            old = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = None
        new = files.get(path)
        if old == new:
            continue
        chunks.extend(
            difflib.unified_diff(
                [] if old is None else old.splitlines(keepends=True),
                [] if new is None else new.splitlines(keepends=True),
                fromfile="/dev/null" if old is None else f"a/{path}",
                tofile="/dev/null" if new is None else f"b/{path}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)
