"""Shared helpers for the tests: run the real CLI, compare trees, import generated packages."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_oagen(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m generator`` in a subprocess, as a user would (with this process's environment,
    so with the test's own cache: see ``conftest.py``)."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, env=_env(env), capture_output=True, text=True, timeout=300
    )


def start_oagen(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m generator`` as :func:`run_oagen` runs it, without waiting for it; its
    stdout and stderr are pipes (``communicate()`` to read them)."""
    return subprocess.Popen(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _env(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}


def tree(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
        and "__pycache__" not in p.parts
        and ".mypy_cache" not in p.parts
        and not p.name.endswith(".egg-info")
    }


def tree_diff(expected: Path, actual: Path) -> str:
    """A unified diff between two directory trees; empty when byte-identical."""
    want, got = tree(expected), tree(actual)
    out: list[str] = []
    for path in sorted(set(want) | set(got)):
        a, b = want.get(path), got.get(path)
        if a == b:
            continue
        out.extend(
            difflib.unified_diff(
                (a or b"").decode("utf-8", "replace").splitlines(keepends=True),
                (b or b"").decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=f"expected/{path}" if a is not None else "/dev/null",
                tofile=f"actual/{path}" if b is not None else "/dev/null",
            )
        )
    return "".join(out)
