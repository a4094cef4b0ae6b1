"""oagen as a build step: its version, the sdist and wheel users install, its pre-commit hooks."""

from __future__ import annotations

import sys
from pathlib import Path

from .helpers import ROOT, run_oagen

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_pyprojects() -> None:
    result = run_oagen("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"oagen {VERSION}\n"
