"""oagen's own code is formatted by black under the ``[tool.black]`` of pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from .helpers import ROOT


def test_oagen_code_is_black_formatted() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "--diff", "-q", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        "run `black .` at the repository root:\n" + result.stdout[-5000:] + result.stderr[-2000:]
    )
