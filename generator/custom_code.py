"""Hand-written modules the config adds to the package (``custom_code:``): each ``.py`` file of
that directory is read, checked (a module path of identifiers, UTF-8, valid Python) and becomes
``<package>/lib/<its path>`` byte for byte, so helpers that no spec describes (a stream that
accumulates a message, say) are part of the generated package and of what ``check`` compares.

What was read is reported with its digest, every file and every directory's listing, so that the
run record sees a file edited, added or removed (see fastpath.path_digest)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .diagnostics import Diagnostic, GenerationError
from .fastpath import path_digest, sha
from .naming import is_identifier

#: Where the custom code goes in the package.
PACKAGE_DIR = "lib"
#: The ``__init__.py`` oagen writes into a directory of the custom code that has none.
INIT = '"""Hand-written code, copied into the package by oagen from its config\'s custom_code."""\n'


@dataclass(frozen=True)
class CustomCode:
    #: Path under ``lib/`` ("streaming.py", "helpers/__init__.py") -> the file's text.
    files: dict[str, str] = field(default_factory=dict)
    #: Package-relative module ("lib.streaming") -> the classes it defines at its top level.
    classes: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Every file and directory read, by path -> its digest.
    digests: dict[str, str] = field(default_factory=dict)


def read_custom_code(config: Config) -> CustomCode:
    """The config's custom code (none without ``custom_code``); every problem reported at once."""
    root = config.custom_code
    if root is None:
        return CustomCode()
    if not root.is_dir() or root.is_symlink():
        assert config.source is not None
        where = config.source.diagnostic(("custom_code",), f"{root} is not a directory")
        raise GenerationError([where])
    errors: list[Diagnostic] = []
    files: dict[str, str] = {}
    classes: dict[str, frozenset[str]] = {}
    digests: dict[str, str] = {str(root.absolute()): path_digest(root)}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts:
            continue
        if path.is_symlink():
            errors.append(Diagnostic(str(path), None, None, "", "a symbolic link: custom code is plain files"))
            continue
        if path.is_dir():
            digests[str(path.absolute())] = path_digest(path)
            continue
        if path.suffix != ".py":
            continue
        parts = (*rel.parts[:-1], rel.stem)
        if not all(is_identifier(part) for part in parts):
            errors.append(
                Diagnostic(str(path), None, None, "", f"{rel.as_posix()} is not a module path of identifiers")
            )
            continue
        data = path.read_bytes()
        digests[str(path.absolute())] = sha(data)  # of the bytes used, whatever happens to the file next
        try:
            text = data.decode("utf-8")
            tree = ast.parse(text, filename=str(path))
        except UnicodeDecodeError as exc:
            errors.append(Diagnostic(str(path), None, None, "", f"not UTF-8: {exc.reason} at byte {exc.start}"))
            continue
        except SyntaxError as exc:
            errors.append(Diagnostic(str(path), exc.lineno, exc.offset, "", f"not valid Python: {exc.msg}"))
            continue
        files[rel.as_posix()] = text
        module = ".".join((PACKAGE_DIR, *(parts[:-1] if parts[-1] == "__init__" else parts)))
        classes[module] = frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef))
    if errors:
        raise GenerationError(errors)
    for directory in {"", *(str(Path(rel).parent) for rel in files if "/" in rel)}:
        init = f"{directory}/__init__.py" if directory else "__init__.py"
        if init not in files:
            files[init] = INIT
    return CustomCode(dict(sorted(files.items())), classes, digests)
