"""Golden tests: regenerate each fixture (and spec/ itself) and compare byte for byte.

Refresh after an intended change: ``UPDATE_GOLDENS=1 pytest tests/test_golden.py`` (rewrites every
``tests/fixtures/*/expected/``) and ``oagen generate`` (rewrites ``generated/``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .helpers import FIXTURES, ROOT, run_oagen, tree_diff

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "openapi.yaml").is_file() or (p / "openapi.json").is_file())


def _spec(case: Path) -> Path:
    return case / "openapi.yaml" if (case / "openapi.yaml").is_file() else case / "openapi.json"


def _args(case: Path, output: Path) -> list[str]:
    args = ["generate", str(_spec(case)), "--output", str(output)]
    if (case / "oagen.yaml").is_file():
        args += ["--config", str(case / "oagen.yaml")]
    return args


def test_bundled_spec_regenerates_generated_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_oagen("generate", "spec/openapi.yaml", "--config", "spec/oagen.yaml", "--output", str(out))
    assert result.returncode == 0, result.stderr
    diff = tree_diff(ROOT / "generated", out)
    assert not diff, "generated/ is stale; run `oagen generate` at the repo root:\n" + diff


@pytest.mark.parametrize("case", CASES)
def test_fixture_matches_expected_output(case: str, tmp_path: Path) -> None:
    fixture = FIXTURES / case
    out = tmp_path / "out"
    result = run_oagen(*_args(fixture, out))
    assert result.returncode == 0, result.stderr
    expected = fixture / "expected"
    if os.environ.get("UPDATE_GOLDENS"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected)
    diff = tree_diff(expected, out)
    assert not diff, f"{case}: output differs from {expected.relative_to(ROOT)}:\n" + diff
