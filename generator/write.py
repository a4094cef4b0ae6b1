"""Write the generated files (atomically, only what changed) or compare them with what is on disk.

A manifest in the output directory lists the files the generator owns: files it wrote before and
no longer produces are removed; files it never wrote are never touched. A lock on the output
directory (:func:`locked`) makes runs on one directory take turns.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .diagnostics import Diagnostic, GenerationError, error
from .load import display_path

MANIFEST = ".oagen-manifest"
_MANIFEST_HEADER = "# Files written by oagen; it deletes or rewrites only these. Do not edit.\n"
#: Seconds a run waits for another one holding the lock before it gives up.
LOCK_TIMEOUT = 600.0


def with_manifest(files: dict[str, str]) -> dict[str, str]:
    listing = "".join(f"{path}\n" for path in sorted(files))
    return {**files, MANIFEST: _MANIFEST_HEADER + listing}


def read_manifest(output: Path) -> set[str] | None:
    try:
        text = (output / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise error(display_path(output), "output exists and is not a directory") from None
    except OSError as exc:
        raise error(display_path(output / MANIFEST), f"cannot read: {exc}") from None
    owned = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        # Refuse paths that would leave the output directory: the manifest is input too. (Strings,
        # not Path objects: a manifest lists every file of a large client.)
        if os.path.isabs(line) or ".." in line.replace("\\", "/").split("/") or os.path.splitdrive(line)[0]:
            raise error(display_path(output / MANIFEST), f"invalid entry {line!r}")
        owned.add(line)
    return owned


@dataclass(frozen=True)
class Plan:
    write: dict[str, str]
    delete: list[str]


#: Prefix of the temporary files a generation stages next to their targets.
_TMP_PREFIX = ".oagen-tmp-"


class _Inside:
    """Whether ``output/path`` stays inside ``output`` once symlinks are followed; each directory
    is resolved once (thousands of files share a few directories)."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.root = output.resolve()
        self.dirs: dict[Path, bool] = {}

    def __call__(self, path: str) -> bool:
        target = self.output / path
        try:
            parent = self.dirs.get(target.parent)
            if parent is None:
                parent = self.dirs[target.parent] = target.parent.resolve().is_relative_to(self.root)
            if not parent:
                return False
            # The file itself: only a symlink can lead elsewhere.
            return not target.is_symlink() or target.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError):
            return False


def plan(output: Path, files: dict[str, str], *, force: bool = False) -> Plan:
    """What writing ``files`` changes in ``output``."""
    owned = read_manifest(output)
    name = display_path(output)
    if owned is None:
        if output.exists() and not output.is_dir():
            raise error(name, "output exists and is not a directory")
        visible = [p for p in output.iterdir() if not p.name.startswith(_TMP_PREFIX)] if output.is_dir() else []
        if visible and not force:
            raise error(
                name,
                "output directory is not empty and was not written by oagen (no "
                f"{MANIFEST}); pass --force to generate into it anyway",
            )
        owned = set() if not visible else None
    changed = {}
    foreign: list[Diagnostic] = []
    inside = _Inside(output)
    for path, text in files.items():
        target = output / path
        if not inside(path):
            foreign.append(
                Diagnostic(
                    display_path(target), None, None, "", "a symlink leads this file out of the output directory"
                )
            )
            continue
        try:
            if target.read_bytes() == text.encode("utf-8"):
                continue
        except FileNotFoundError:
            pass
        except OSError:
            if target.is_dir():
                foreign.append(
                    Diagnostic(display_path(target), None, None, "", "a directory is in the way of a generated file")
                )
                continue
        else:
            # An existing file oagen did not write is never overwritten (unless --force on a foreign directory).
            if owned is not None and path not in owned and path != MANIFEST:
                foreign.append(
                    Diagnostic(
                        display_path(target),
                        None,
                        None,
                        "",
                        f"exists and was not written by oagen (not in {MANIFEST}); "
                        "move it away or delete it to generate here",
                    )
                )
                continue
        changed[path] = text
    if foreign:
        raise GenerationError(foreign)
    stale = sorted(p for p in (owned or set()) - set(files) if (output / p).is_file() and inside(p))
    return Plan(changed, stale)


def write(output: Path, files: dict[str, str], *, force: bool = False) -> Plan:
    """Write ``files`` into ``output`` as one transaction: all of it, or (on any failure) nothing.

    Every new file is first staged as a temporary file next to its target; only when all are staged
    are they renamed into place (each rename atomic), stale files removed, and the manifest last. A
    failure or Ctrl-C at any point restores the previous bytes of every file already replaced and
    removes what was created, so the directory is left byte-identical to before.
    """
    files = with_manifest(files)
    todo = plan(output, files, force=force)
    _remove_leftovers({(output / p).parent for p in files})
    if not todo.write and not todo.delete:
        return todo
    created_dirs: list[Path] = []
    staged: dict[Path, str] = {}  # target -> temporary file
    replaced: list[tuple[Path, bytes | None, int | None]] = []  # (target, previous bytes, previous mode)
    try:
        # 1. stage: nothing visible changes yet (the manifest last: it then names every file we own)
        for path in sorted(todo.write, key=lambda p: (p == MANIFEST, p)):
            target = output / path
            _make_dirs(target.parent, created_dirs)
            staged[target] = _stage(target, todo.write[path])
        # 2. commit: first a manifest naming the old files and the new ones, so that even a SIGKILL
        # among the renames leaves every file oagen placed recorded as its own; then the renames,
        # remembering what each one replaced; the final manifest comes last.
        owned_before = read_manifest(output) or set()
        if set(files) - owned_before - {MANIFEST}:
            listing = sorted((owned_before | set(files)) - {MANIFEST})
            target = output / MANIFEST
            previous, mode = _snapshot(target)
            interim = _stage(target, _MANIFEST_HEADER + "".join(f"{p}\n" for p in listing))
            try:
                os.replace(interim, target)
            except BaseException:
                _unlink_quietly(interim)
                raise
            replaced.append((target, previous, mode))
        for target, tmp in staged.items():
            previous, mode = _snapshot(target)
            os.replace(tmp, target)
            replaced.append((target, previous, mode))
        for path in todo.delete:
            target = output / path
            previous, mode = _snapshot(target)
            target.unlink()
            replaced.append((target, previous, mode))
        for path in todo.delete:
            _prune_empty_dirs(output, (output / path).parent)
    except BaseException as exc:
        _rollback(staged, replaced, created_dirs)
        if isinstance(exc, OSError):
            raise error(display_path(output), f"cannot write output (nothing was changed): {exc}") from None
        raise
    return todo


def _make_dirs(directory: Path, created: list[Path]) -> None:
    """Make ``directory`` and its missing parents; ``created`` receives those this call made (not
    one another process made meanwhile)."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        created.append(d)


def _stage(target: Path, text: str) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode(target))
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _file_mode(target: Path) -> int:
    """The existing file's permissions, else what a plain ``open()`` would give (0666 less umask)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _snapshot(target: Path) -> tuple[bytes | None, int | None]:
    try:
        return target.read_bytes(), target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return None, None


def _rollback(
    staged: dict[Path, str], replaced: list[tuple[Path, bytes | None, int | None]], created_dirs: list[Path]
) -> None:
    for tmp in staged.values():
        _unlink_quietly(tmp)
    for target, previous, mode in reversed(replaced):
        try:
            if previous is None:
                _unlink_quietly(str(target))
            else:
                tmp = _stage(target, "")
                Path(tmp).write_bytes(previous)
                os.chmod(tmp, mode if mode is not None else 0o644)
                os.replace(tmp, target)
        except OSError:  # pragma: no cover - the disk failed twice; keep restoring the others
            pass
    for directory in reversed(created_dirs):
        try:
            directory.rmdir()
        except OSError:
            pass


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _remove_leftovers(directories: set[Path]) -> None:
    """Temporary files of a generation that was killed (SIGKILL, power loss) before it finished."""
    for directory in directories:
        for tmp in directory.glob(f"{_TMP_PREFIX}*") if directory.is_dir() else ():
            if tmp.is_file() and not tmp.is_symlink():
                _unlink_quietly(str(tmp))


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


try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: runs go on without a lock
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def locked(
    output: Path, *, shared: bool = False, timeout: float | None = None, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """Take turns on ``output``: hold a ``flock`` on the directory itself, exclusive to write, ``shared`` to read.

    A lock on the directory, not on a file in it: there is nothing to leave behind, to ignore or to
    delete. Another run holding it is waited for (``waiting`` is called once when that starts), at
    most ``timeout`` seconds (default :data:`LOCK_TIMEOUT`): then the error "another oagen is
    writing DIR". ``output`` is created if missing to hold the lock, and removed again on leaving if
    still empty. Where no lock can be taken (no ``fcntl``, as on Windows; ``output`` not a directory
    or not to be made) the run goes on without one: writing then reports its own error.
    """
    limit = LOCK_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    created: list[Path] = []
    fd: int | None = None
    try:
        while fcntl is not None:
            try:
                _make_dirs(output, created)
                fd = os.open(output, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                break
            delay = 0.02
            while not _try_lock(fd, shared):
                if time.monotonic() >= deadline:
                    raise error(
                        display_path(output),
                        f"another oagen is writing {display_path(output)} (waited {limit:g} s for it to finish; run again when it has)",
                    )
                if waiting is not None and delay == 0.02:
                    waiting()
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 2, 0.25)
            if _same_file(fd, output):
                break
            os.close(fd)  # the run before removed the directory it had made: lock the one there now
            fd = None
        yield
    finally:
        if fd is not None:
            os.close(fd)
        for directory in reversed(created):
            try:
                directory.rmdir()
            except OSError:
                break


def _try_lock(fd: int, shared: bool) -> bool:
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
