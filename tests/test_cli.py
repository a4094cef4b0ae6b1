"""The command line as users meet it: generate, check, validate, errors, ownership of the output."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.cache import default_cache_dir

from .helpers import ROOT, run_oagen, tree, tree_diff

LOCATED = re.compile(r"^error: [^:\n]+:\d+:\d+: /[^\n]*: .+", re.MULTILINE)


def _project(tmp_path: Path) -> Path:
    """A copy of this repository's spec/, generated/ and [tool.oagen] settings."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "spec", project / "spec")
    shutil.copytree(
        ROOT / "generated", project / "generated", ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache")
    )
    (project / "pyproject.toml").write_text(
        '[tool.oagen]\nspec = "spec/openapi.yaml"\nconfig = "spec/oagen.yaml"\noutput = "generated"\n'
    )
    return project


def test_generation_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"out-{seed}"
        result = run_oagen(
            "generate", "spec/openapi.yaml", "-c", "spec/oagen.yaml", "-o", str(out), env={"PYTHONHASHSEED": seed}
        )
        assert result.returncode == 0, result.stderr
        outputs.append(out)
    assert tree(outputs[0]) == tree(outputs[1]), tree_diff(outputs[0], outputs[1])


def test_check_fails_with_a_diff_after_a_spec_change_and_passes_after_generate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_oagen("check", cwd=project).returncode == 0

    spec = project / "spec" / "openapi.yaml"
    text = spec.read_text()
    spec.write_text(
        text.replace(
            "            - skills-2025-10-02\n", "            - skills-2025-10-02\n            - new-beta-2026-11-25\n"
        )
    )
    stale = run_oagen("check", cwd=project)
    assert stale.returncode == 1, stale.stderr
    assert '+        "new-beta-2026-11-25",' in stale.stdout
    assert stale.stdout.startswith("--- a/anthropic_client/types/anthropic_beta_param.py")

    assert run_oagen("generate", cwd=project / "spec").returncode == 0  # settings found from a subdirectory
    current = run_oagen("check", cwd=project)
    assert current.returncode == 0, current.stdout
    assert "new-beta-2026-11-25" in (project / "generated/anthropic_client/types/anthropic_beta_param.py").read_text()


def test_a_broken_spec_exits_2_with_a_located_message_and_no_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get:\n      responses: [1, 2\n"
    )
    result = run_oagen("generate", str(spec), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(r"broken\.yaml:\d+:\d+: /: invalid YAML", result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


def test_an_invalid_spec_reports_every_error_located(tmp_path: Path) -> None:
    spec = tmp_path / "invalid.yaml"
    text = (ROOT / "spec" / "openapi.yaml").read_text()
    spec.write_text(
        text.replace('  version: "2023-06-01"\n', "").replace(
            "      type: object\n      required: [id, type]", "      type: objekt\n      required: [id, type]"
        )
    )
    result = run_oagen("validate", str(spec))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = LOCATED.findall(result.stderr)
    assert any("/info: 'version' is a required property" in e for e in errors), result.stderr
    assert any("'objekt'" in e and "/type" in e for e in errors), result.stderr


def test_validate_accepts_the_bundled_spec() -> None:
    result = run_oagen("validate", "spec/openapi.yaml")
    assert result.returncode == 0, result.stderr


def test_swagger_2_is_refused_with_a_location(tmp_path: Path) -> None:
    spec = tmp_path / "old.json"
    spec.write_text('{\n  "swagger": "2.0",\n  "info": {"title": "x", "version": "1"},\n  "paths": {}\n}\n')
    result = run_oagen("validate", str(spec))
    assert result.returncode == 2
    assert re.search(r"old\.json:2:\d+: /swagger: Swagger 2.0 is not supported", result.stderr), result.stderr


def test_unknown_config_key_is_a_located_error(tmp_path: Path) -> None:
    config = tmp_path / "oagen.yaml"
    config.write_text("package_name: x_client\nclient:\n  nmae: X\n")
    result = run_oagen("generate", "spec/openapi.yaml", "-c", str(config), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert re.search(r"oagen\.yaml:3:3: /client/nmae: unknown key 'nmae'", result.stderr), result.stderr


def test_config_naming_a_missing_operation_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "oagen.yaml"
    config.write_text("operations:\n  no_such_op:\n    method: x\n")
    result = run_oagen("generate", "spec/openapi.yaml", "-c", str(config), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "/operations/no_such_op: operation 'no_such_op' matches no operationId" in result.stderr


def test_output_ownership_stale_files_removed_foreign_files_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    refused = run_oagen("generate", "spec/openapi.yaml", "-c", "spec/oagen.yaml", "-o", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    assert (
        run_oagen("generate", "spec/openapi.yaml", "-c", "spec/oagen.yaml", "-o", str(out), "--force").returncode == 0
    )
    stale = out / "anthropic_client" / "types" / "beta_api_error.py"
    assert stale.is_file()
    config = tmp_path / "oagen.yaml"
    config.write_text((ROOT / "spec" / "oagen.yaml").read_text())
    spec = tmp_path / "openapi.yaml"
    spec.write_text((ROOT / "spec" / "openapi.yaml").read_text().replace("BetaAPIError", "BetaApiFailure"))
    assert run_oagen("generate", str(spec), "-c", str(config), "-o", str(out)).returncode == 0
    assert not stale.exists()
    assert (out / "anthropic_client" / "types" / "beta_api_failure.py").is_file()
    assert (out / "notes.txt").read_text() == "mine"


def test_spec_alone_generates_with_defaults(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_oagen(
        "generate", "tests/fixtures/petstore/openapi.yaml", "--output", str(out), "--package-name", "pets"
    )
    assert result.returncode == 0, result.stderr
    assert (out / "pets" / "_client.py").is_file()
    assert "class Petstore(SyncAPIClient)" in (out / "pets" / "_client.py").read_text()


def test_missing_spec_and_output_are_clear_errors(tmp_path: Path) -> None:
    result = run_oagen("generate", cwd=tmp_path)
    assert result.returncode == 2
    assert "no SPEC given" in result.stderr


def test_tests_use_their_own_cache_never_the_users(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    """conftest.py points each test's oagen cache at a temporary directory: the CLI run by the tests
    (which inherits the environment) writes there, and nothing under the user's home."""
    assert default_cache_dir() == private_cache
    assert private_cache.is_relative_to(tmp_path_factory.getbasetemp())
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME")
    args = ("generate", "spec/openapi.yaml", "-c", "spec/oagen.yaml")
    assert run_oagen(*args, "-o", str(tmp_path / "out")).returncode == 0
    assert list(home.iterdir()) == []
    assert (private_cache / "cache.sqlite3").is_file()
    # Without the fixture's variable, the same run would have written under HOME.
    monkeypatch.delenv("OAGEN_CACHE_DIR")
    assert run_oagen(*args, "-o", str(tmp_path / "out-2")).returncode == 0
    assert (home / ".cache" / "oagen" / "cache.sqlite3").is_file()
