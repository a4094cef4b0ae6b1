"""Cached, parallel work gives the same bytes and the same findings as a cold run in one process."""

from __future__ import annotations

import os
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


def test_a_distribution_installed_or_upgraded_makes_the_record_stale(tmp_path: Path) -> None:
    """No list of the libraries that matter is kept: any installed distribution is part of the key."""
    from .helpers import run_oagen

    args = ["--config", str(CONFIG), "--output", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    site = tmp_path / "site"
    (site / "somelib-1.0.dist-info").mkdir(parents=True)
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{site}"}
    assert run_oagen("generate", str(SPEC), *args, env=env).returncode == 0
    assert "up to date" in run_oagen("generate", str(SPEC), *args, env=env).stderr
    (site / "somelib-1.0.dist-info").rename(site / "somelib-1.1.dist-info")
    upgraded = run_oagen("generate", str(SPEC), *args, env=env)
    assert upgraded.returncode == 0 and "0 file(s) written" in upgraded.stderr  # a full run, same bytes
    assert "up to date" in run_oagen("generate", str(SPEC), *args, env=env).stderr


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


MULTI_ROOT = """openapi: 3.0.3
info: {title: Multi, version: "1"}
paths:
  /things:
    get:
      operationId: list_things
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "thing.yaml#/Thing"}
"""
THING_V1 = "Thing:\n  type: object\n  properties:\n    id: {type: string}\n"
THING_V2 = "Thing:\n  type: object\n  properties:\n    id: {type: string}\n    size: {type: integer}\n"


def test_a_referenced_file_behind_a_symlink_pointed_elsewhere_is_seen(tmp_path: Path) -> None:
    from .helpers import run_oagen

    (tmp_path / "v1.yaml").write_text(THING_V1)
    (tmp_path / "v2.yaml").write_text(THING_V2)
    (tmp_path / "thing.yaml").symlink_to("v1.yaml")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(MULTI_ROOT)
    args = [str(spec), "--output", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    assert run_oagen("generate", *args).returncode == 0
    assert run_oagen("check", *args).returncode == 0
    (tmp_path / "thing.yaml").unlink()
    (tmp_path / "thing.yaml").symlink_to("v2.yaml")
    stale = run_oagen("check", *args)
    assert stale.returncode == 1 and "size" in stale.stdout


def test_no_record_is_made_of_a_run_that_looked_for_a_missing_file(tmp_path: Path) -> None:
    """Creating the file later could change the output: a record of these inputs could not tell."""
    from generator.load import Spec

    spec = tmp_path / "openapi.yaml"
    spec.write_text(MULTI_ROOT)
    loaded = Spec(spec)
    assert loaded.problems and "unresolvable $ref" in str(loaded.problems[0])
    assert loaded.input_digests() is None
    (tmp_path / "thing.yaml").write_text(THING_V1)
    digests = Spec(spec).input_digests()
    assert digests is not None and set(digests) == {str(spec), str(tmp_path / "thing.yaml")}


def test_the_record_holds_the_bytes_a_run_read_not_those_on_disk_after_it(tmp_path: Path) -> None:
    """A spec edited while a run works must not be recorded as the input of that run's output."""
    from generator import fastpath
    from generator.cache import Cache
    from generator.write import with_manifest, write

    spec = tmp_path / "openapi.yaml"
    spec.write_text(MULTI_ROOT.replace('$ref: "thing.yaml#/Thing"', "type: string"))
    out = tmp_path / "out"
    cache = Cache(tmp_path / "cache")
    result = generate(Options(spec))
    write(out, result.files)
    spec.write_text(spec.read_text().replace("title: Multi", "title: Edited during the run"))  # after reading
    assert result.inputs is not None
    fastpath.record(cache, {"key": 1}, result.inputs, with_manifest(result.files), [])
    assert fastpath.current_output(cache, {"key": 1}, out) is None
    cache.close()
