"""The output directory is never damaged: atomic transactions, a manifest, foreign files untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import write as write_module
from generator.diagnostics import GenerationError
from generator.pipeline import Options, generate
from generator.write import MANIFEST, write

from .helpers import ROOT, run_oagen, tree

SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "spec" / "oagen.yaml"


@pytest.fixture(scope="module")
def versions() -> tuple[dict[str, str], dict[str, str]]:
    """Two generations that differ in new, changed and removed files."""
    first = generate(Options(SPEC, CONFIG)).files
    second = {k: v + "# changed\n" if k.endswith(".py") else v for k, v in first.items()}
    removed = sorted(k for k in second if "/types/" in k and not k.endswith("__init__.py"))[0]
    del second[removed]
    second["anthropic_client/types/zz_new_model.py"] = "X = 1\n"
    second["anthropic_client/brand_new/deep/module.py"] = "Y = 2\n"
    return first, second


def _no_temp_files(out: Path) -> bool:
    return not [p for p in out.rglob("*") if p.name.startswith(".oagen-tmp-")]


@pytest.mark.parametrize("fail_at", [0, 1, 7, -1])
def test_a_write_failing_midway_leaves_the_previous_output_byte_identical(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    first, second = versions
    out = tmp_path / "out"
    write(out, first)
    (out / "notes.txt").write_text("not ours")
    before = tree(out)
    renames = len(write_module.plan(out, write_module.with_manifest(second)).write)
    fail_at = fail_at % renames
    real_replace, calls = os.replace, [0]

    def flaky_replace(src: str, dst: str) -> None:
        if Path(src).name.startswith(".oagen-tmp-") and Path(dst).parent.exists():
            calls[0] += 1
            if calls[0] == fail_at + 1:
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(write_module.os, "replace", flaky_replace)
    with pytest.raises(GenerationError, match="nothing was changed"):
        write(out, second)
    assert tree(out) == before
    assert _no_temp_files(out)
    assert not (out / "anthropic_client" / "brand_new").exists()


def test_an_interrupt_while_staging_changes_nothing(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = versions
    out = tmp_path / "out"
    write(out, first)
    before = tree(out)
    real_stage, calls = write_module._stage, [0]

    def interrupted(target: Path, text: str) -> str:
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt
        return real_stage(target, text)

    monkeypatch.setattr(write_module, "_stage", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(out, second)
    assert tree(out) == before and _no_temp_files(out)


def test_a_directory_in_the_way_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_oagen("generate", str(SPEC), "-c", str(CONFIG), "-o", str(out)).returncode == 0
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.read_text().replace("BetaAPIError", "BetaApiFailure").replace("2023-06-01", "2024-01-01"))
    (out / "anthropic_client" / "types" / "beta_api_failure.py").mkdir()
    before = tree(out)
    result = run_oagen("generate", str(spec), "-c", str(CONFIG), "-o", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "beta_api_failure.py: /: a directory is in the way" in result.stderr
    assert tree(out) == before and _no_temp_files(out)


def test_a_killed_generation_leaves_old_or_new_output_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_oagen("generate", str(SPEC), "-c", str(CONFIG), "-o", str(out)).returncode == 0
    old = tree(out)
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.read_text().replace("BetaAPIError", "BetaApiFailure"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "generator", "generate", str(spec), "-c", str(CONFIG), "-o", str(out)]
    for delay in (0.5, 1.5):
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = {k: v for k, v in tree(out).items() if not Path(k).name.startswith(".oagen-tmp-")}
        # Unchanged, or (killed among the renames, or finished) a manifest naming every file placed;
        # either way the next run must succeed: nothing it placed is mistaken for a foreign file.
        assert now == old or set(now) - {MANIFEST} <= {
            line for line in now[MANIFEST].decode().splitlines() if line and not line.startswith("#")
        } | set(old)
        if now != old:  # make the next round start from the old output again
            assert run_oagen("generate", str(SPEC), "-c", str(CONFIG), "-o", str(out)).returncode == 0
    assert run_oagen("generate", str(spec), "-c", str(CONFIG), "-o", str(out)).returncode == 0
    assert _no_temp_files(out)


def test_stale_owned_files_are_removed_and_foreign_files_are_never_touched(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]]
) -> None:
    first, second = versions
    out = tmp_path / "out"
    write(out, first)
    (out / "notes.txt").write_text("mine")
    (out / "anthropic_client" / "types" / "my_helper.py").write_text("# mine\n")
    removed = sorted(set(first) - set(second))
    write(out, second)
    assert not any((out / p).exists() for p in removed)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "anthropic_client" / "types" / "my_helper.py").read_text() == "# mine\n"
    assert (out / MANIFEST).read_text().count("\n") == len(second) + 1


def test_a_foreign_file_where_a_new_generated_file_goes_is_refused(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]]
) -> None:
    first, second = versions
    out = tmp_path / "out"
    write(out, first)
    mine = out / "anthropic_client" / "types" / "zz_new_model.py"
    mine.write_text("# my own module, not oagen's\n")
    before = tree(out)
    with pytest.raises(GenerationError, match="exists and was not written by oagen"):
        write(out, second)
    assert tree(out) == before


def test_a_foreign_non_empty_directory_is_refused_unless_forced(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]]
) -> None:
    first, _ = versions
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("my project")
    with pytest.raises(GenerationError, match="pass --force"):
        write(out, first)
    assert [p.name for p in out.iterdir()] == ["README.md"]
    write(out, first, force=True)
    assert (out / MANIFEST).is_file()


def test_manifest_entries_and_symlinks_cannot_lead_outside_the_output(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]]
) -> None:
    first, _ = versions
    out = tmp_path / "out"
    write(out, first)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = out / MANIFEST
    manifest.write_text(manifest.read_text() + "../victim.txt\n")
    with pytest.raises(GenerationError, match="invalid entry"):
        write(out, first)
    manifest.write_text(manifest.read_text().replace("../victim.txt\n", "escape/victim.txt\n"))
    (out / "escape").symlink_to(tmp_path)
    write(out, first)  # the stale entry points outside through a symlink: not deleted
    assert victim.read_text() == "precious"
    (out / "anthropic_client" / "types").rename(tmp_path / "elsewhere")
    (out / "anthropic_client" / "types").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(GenerationError, match="a symlink leads this file out"):
        write(out, {**first, "anthropic_client/types/new.py": "X = 1\n"})


def test_generated_files_get_ordinary_permissions(
    tmp_path: Path, versions: tuple[dict[str, str], dict[str, str]]
) -> None:
    first, _ = versions
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        write(out, first)
    finally:
        os.umask(old)
    modes = {(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()}
    assert modes == {0o644}


@pytest.mark.parametrize("command", ["generate", "check"])
def test_an_output_that_is_a_file_is_refused_as_such(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.write_text("not a directory\n")
    result = run_oagen(command, str(SPEC), "-c", str(CONFIG), "-o", str(out), "--no-cache")
    assert result.returncode == 2, result.stderr
    assert "output exists and is not a directory" in result.stderr, result.stderr
    assert out.read_text() == "not a directory\n"
