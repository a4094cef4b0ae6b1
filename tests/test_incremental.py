"""Cached, parallel work gives the same bytes and the same findings as a cold run in one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.diagnostics import Diagnostic, GenerationError
from generator.pipeline import Options, generate

from .helpers import ROOT

SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "spec" / "oagen.yaml"


def _errors(options: Options) -> list[str]:
    with pytest.raises(GenerationError) as info:
        generate(options)
    return [str(d) for d in info.value.diagnostics]


def test_warm_generation_after_a_schema_change_equals_a_cold_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = generate(Options(SPEC, CONFIG, cache_dir=cache, jobs=2)).files
    assert first == generate(Options(SPEC, CONFIG)).files

    changed = tmp_path / "openapi.yaml"
    changed.write_text(SPEC.read_text().replace("ID of the Message Batch.", "ID of the Message Batch (changed)."))
    warm = generate(Options(changed, CONFIG, cache_dir=cache, jobs=2)).files
    cold = generate(Options(changed, CONFIG)).files
    assert warm == cold
    assert warm != first


def test_cached_validation_reports_the_same_errors_as_a_cold_run(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    text = SPEC.read_text().replace('  version: "2023-06-01"\n', "")
    spec.write_text(
        text.replace("      type: object\n      required: [id, type]", "      type: objekt\n      required: [id, type]")
    )
    cold = _errors(Options(spec))
    assert any("'version' is a required property" in e for e in cold)
    assert any("'objekt'" in e for e in cold)
    cache = tmp_path / "cache"
    assert _errors(Options(spec, cache_dir=cache, jobs=2)) == cold
    assert _errors(Options(spec, cache_dir=cache, jobs=2)) == cold  # now every unit is a cache hit


def test_nothing_changed_is_answered_from_the_record_and_any_change_is_seen(tmp_path: Path) -> None:
    from .helpers import run_oagen

    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["--config", str(CONFIG), "--output", str(out), "--cache-dir", str(cache)]
    assert run_oagen("generate", str(SPEC), *args).returncode == 0
    again = run_oagen("generate", str(SPEC), *args)
    assert again.returncode == 0 and "up to date" in again.stderr  # the record, not a new generation
    assert run_oagen("check", str(SPEC), *args).returncode == 0

    readme = out / "README.md"
    readme.write_text(readme.read_text() + "edited by hand\n")
    stale = run_oagen("check", str(SPEC), *args)
    assert stale.returncode == 1 and "+edited by hand" not in stale.stdout and "-edited by hand" in stale.stdout

    assert run_oagen("generate", str(SPEC), *args).returncode == 0
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.read_text().replace("Delete a Message Batch.", "Delete one Message Batch."))
    changed = run_oagen("check", str(spec), *args)
    assert changed.returncode == 1 and "+        Delete one Message Batch." in changed.stdout


def test_building_while_workers_validate_gives_the_same_bytes_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With validation in worker processes, the IR is built and rendered meanwhile: the same files,
    and a spec's validation errors still come before anything its build raises."""
    from generator import pipeline, validation_units

    monkeypatch.setattr(validation_units, "PARALLEL_THRESHOLD", 1)
    calls: list[str] = []
    original = pipeline._build_and_render

    def watched(*args: object, **kwargs: object) -> object:
        calls.append("build")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_build_and_render", watched)
    assert generate(Options(SPEC, CONFIG, jobs=2)).files == generate(Options(SPEC, CONFIG, jobs=1)).files
    assert calls == ["build", "build"]

    # an invalid spec whose build fails too: the validation errors are what is reported
    broken = tmp_path / "openapi.yaml"
    text = SPEC.read_text()
    assert "          description: Successful Response\n" in text
    broken.write_text(text.replace("          description: Successful Response\n", "", 1))  # a response needs one

    def failing(*args: object, **kwargs: object) -> object:
        raise GenerationError([Diagnostic("build", None, None, "", "the build failed")])

    monkeypatch.setattr(pipeline, "_build_and_render", failing)
    for jobs in (1, 2):
        errors = _errors(Options(broken, CONFIG, jobs=jobs))
        assert errors and not any("the build failed" in e for e in errors), errors
        assert any("description" in e for e in errors), errors
    # a valid spec whose build fails: that failure is what is reported
    assert _errors(Options(SPEC, CONFIG, jobs=2)) == ["build: /: the build failed"]
