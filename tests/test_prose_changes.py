"""A run where only descriptions and summaries changed redoes only the files holding them.

The last full run's snapshot (incremental.py) lets the next one skip building the IR when the spec
differs only in prose the build read: the result must be byte-identical to a cold run every time,
and anything else (structure, data, prose shown everywhere) must take the full path.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import cli

from .helpers import FIXTURES, ROOT, tree

SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "spec" / "oagen.yaml"
NOTE = "only descriptions changed"


def _json_spec(source: Path, directory: Path) -> Path:
    """``source`` as a JSON document in ``directory`` (so that any text can be written into it)."""
    target = directory / "openapi.json"
    target.write_text(json.dumps(yaml.safe_load(source.read_text()), indent=1, ensure_ascii=False))
    return target


def _run(capsys: pytest.CaptureFixture[str] | None, *args: str) -> tuple[int, str]:
    code = cli.run(list(args))
    err = capsys.readouterr().err if capsys is not None else ""
    return code, err


def _generate(spec: Path, out: Path, cache: Path, config: Path | None, capsys: Any) -> str:
    args = ["generate", str(spec), "--output", str(out), "--cache-dir", str(cache), "--jobs", "1"]
    code, err = _run(capsys, *args, *(["--config", str(config)] if config else []))
    assert code == 0, err
    return err


def _cold(spec: Path, directory: Path, config: Path | None) -> dict[str, bytes]:
    out = directory / "cold"
    shutil.rmtree(out, ignore_errors=True)
    args = ["generate", str(spec), "--output", str(out), "--no-cache", "--jobs", "1"]
    assert cli.run(args + (["--config", str(config)] if config else [])) == 0
    return tree(out)


def _edit(spec: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(spec.read_text())
    change(data)
    spec.write_text(json.dumps(data, indent=1, ensure_ascii=False))


def _set(*path: str | int, to: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[path[-1]] = to

    return change


def _named_parameter(data: Any, name: str) -> dict[str, Any]:
    for item in data["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("name") == name:
                    return parameter  # type: ignore[no-any-return]
    raise AssertionError(name)


OP = ("paths", "/v1/messages/batches/{message_batch_id}?beta=true", "delete")


@pytest.mark.parametrize(
    "source, config, change",
    [
        # an operation's summary and description, a parameter's description
        (SPEC, CONFIG, _set(*OP, "summary", to="Delete one batch")),
        (SPEC, CONFIG, _set(*OP, "description", to='Quotes " and \'\'\' and """, a backslash \\ and a tab\there.\n\nSecond paragraph — ü.')),
        (SPEC, CONFIG, _set(*OP, "parameters", 0, "description", to="The batch's ID.")),
        # a model's and a property's description, a parameter's joined with its default
        (FIXTURES / "models_objects" / "openapi.yaml", None, _set("components", "schemas", "Account", "description", to="An account.\n\n  Indented.")),
        (FIXTURES / "models_objects" / "openapi.yaml", None, _set("components", "schemas", "Account", "properties", "nickname", "description", to="The nickname " + "x" * 200)),
        (FIXTURES / "operations" / "openapi.yaml", None, lambda d: _named_parameter(d, "limit").update(description="At most this many.")),
    ],
)
def test_a_prose_change_redoes_only_its_files_and_equals_a_cold_run(tmp_path: Path, capsys: Any, source: Path, config: Path | None, change: Callable[[Any], None]) -> None:
    spec, out, cache = _json_spec(source, tmp_path), tmp_path / "out", tmp_path / "cache"
    assert NOTE not in _generate(spec, out, cache, config, capsys)
    before, original = tree(out), spec.read_text()
    _edit(spec, change)
    err = _generate(spec, out, cache, config, capsys)
    assert NOTE in err, err
    after = tree(out)
    assert after == _cold(spec, tmp_path, config)
    assert after != before
    # and once more: the snapshot the incremental run left serves the next one
    _edit(spec, change)  # the same text again: nothing to do
    assert "up to date" in _generate(spec, out, cache, config, capsys)
    spec.write_text(original)  # and back: the files of the first run, again without the IR
    assert NOTE in _generate(spec, out, cache, config, capsys)
    assert tree(out) == before


def _fixture_paths(data: Any) -> list[tuple[str | int, ...]]:
    """Pointers to every description and summary string of ``data``."""
    found: list[tuple[str | int, ...]] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in ("description", "summary") and isinstance(child, str):
                    found.append((*path, key))
                walk(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*path, index))

    walk(data, ())
    return found


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda d: d["components"]["schemas"]["Account"]["properties"].update(alias={"type": "string"}), "a new property"),
        (_set("components", "schemas", "Account", "description", to="   "), "a text made empty"),
        (lambda d: d["components"]["schemas"]["Account"]["properties"]["email"].update(description="new"), "a text where there was none"),
        (_set("components", "schemas", "Scalars", "properties", "day", "default", to="2025-01-01"), "a default, which is data"),
        (_set("info", "description", to="Shown in the client and the README."), "prose every file may read"),
        (lambda d: d["components"]["schemas"].update(dict(reversed(list(d["components"]["schemas"].items())))), "the same keys in another order"),
    ],
)
def test_anything_but_prose_takes_the_full_path(tmp_path: Path, capsys: Any, change: Callable[[Any], None], why: str) -> None:
    spec, out, cache = _json_spec(FIXTURES / "models_objects" / "openapi.yaml", tmp_path), tmp_path / "out", tmp_path / "cache"
    _edit(spec, lambda d: d.setdefault("info", {}).setdefault("description", "An API."))
    _generate(spec, out, cache, None, capsys)
    _edit(spec, change)
    err = _generate(spec, out, cache, None, capsys)
    assert NOTE not in err, why
    assert tree(out) == _cold(spec, tmp_path, None), why


def test_a_changed_output_directory_takes_the_full_path(tmp_path: Path, capsys: Any) -> None:
    spec, out, cache = _json_spec(SPEC, tmp_path), tmp_path / "out", tmp_path / "cache"
    _generate(spec, out, cache, CONFIG, capsys)
    victim = next(p for p in sorted(out.rglob("*.py")) if "types" in p.parts)
    victim.write_text(victim.read_text() + "# edited by hand\n")
    _edit(spec, _set(*OP, "summary", to="Delete one batch"))
    assert NOTE not in _generate(spec, out, cache, CONFIG, capsys)
    assert tree(out) == _cold(spec, tmp_path, CONFIG)


def test_check_after_a_prose_change_reports_the_diff(tmp_path: Path, capsys: Any) -> None:
    spec, out, cache = _json_spec(SPEC, tmp_path), tmp_path / "out", tmp_path / "cache"
    _generate(spec, out, cache, CONFIG, capsys)
    _edit(spec, _set(*OP, "summary", to="Delete one batch"))
    code = cli.run(["check", str(spec), "--output", str(out), "--cache-dir", str(cache), "--config", str(CONFIG)])
    captured = capsys.readouterr()
    assert code == 1 and NOTE in captured.err
    assert "+        Delete one batch" in captured.out
    _generate(spec, out, cache, CONFIG, capsys)
    assert cli.run(["check", str(spec), "--output", str(out), "--cache-dir", str(cache), "--config", str(CONFIG)]) == 0


@pytest.fixture(scope="module")
def base() -> Iterator[tuple[Path, dict[str, Any], list[tuple[str | int, ...]]]]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        spec = _json_spec(FIXTURES / "operations" / "openapi.yaml", directory)
        data = json.loads(spec.read_text())
        yield directory, data, _fixture_paths(data)


taken: list[bool] = []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_prose_edit_gives_the_bytes_of_a_cold_run(base: tuple[Path, dict[str, Any], list[tuple[str | int, ...]]], data: st.DataObject) -> None:
    directory, original, paths = base
    with tempfile.TemporaryDirectory(dir=directory) as name:
        work = Path(name)
        spec, out, cache = work / "openapi.json", work / "out", work / "cache"
        spec.write_text(json.dumps(original, indent=1))
        _generate(spec, out, cache, None, None)
        edits = data.draw(st.lists(st.tuples(st.sampled_from(paths), st.text(min_size=1, max_size=120)), min_size=1, max_size=3))
        for path, text in edits:
            _edit(spec, _set(*path, to=text))
        code = cli.run(["generate", str(spec), "--output", str(out), "--cache-dir", str(cache), "--jobs", "1"])
        assert code == 0
        assert tree(out) == _cold(spec, work, None)


def test_prose_edits_of_the_random_test_took_the_incremental_path(tmp_path: Path, capsys: Any) -> None:
    """The random test above cannot see which path each example took: this one edits every text of
    the same fixture in turn (responses' descriptions, which no file shows, included)."""
    spec, out, cache = _json_spec(FIXTURES / "operations" / "openapi.yaml", tmp_path), tmp_path / "out", tmp_path / "cache"
    _generate(spec, out, cache, None, capsys)
    paths = _fixture_paths(json.loads(spec.read_text()))
    full = []
    for number, path in enumerate(paths):
        _edit(spec, _set(*path, to=f"Edited text {number}."))
        if NOTE not in _generate(spec, out, cache, None, capsys):
            full.append(path)
    assert tree(out) == _cold(spec, tmp_path, None)
    # Only the API's description (shown in the client's module and README) takes the full path.
    assert full == [("info", "description")]


class _Planted:
    """A pickle that would create a file when loaded by a plain ``pickle.loads``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def test_kept_objects_are_never_unpickled_as_anything_but_ir(tmp_path: Path, capsys: Any) -> None:
    """A cache directory may be shared (a CI cache from another branch): what it holds must not run."""
    import pickle
    import sqlite3

    spec, out, cache = _json_spec(SPEC, tmp_path), tmp_path / "out", tmp_path / "cache"
    _generate(spec, out, cache, CONFIG, capsys)
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        replaced = db.execute("UPDATE entries SET value = ? WHERE kind LIKE 'snapshot-object%'", (planted,)).rowcount
    assert replaced > 0
    _edit(spec, _set(*OP, "summary", to="Delete one batch"))
    assert NOTE not in _generate(spec, out, cache, CONFIG, capsys)
    assert not marker.exists()
    assert tree(out) == _cold(spec, tmp_path, CONFIG)


def test_a_whole_api_file_showing_a_model_text_is_remade_in_full(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No template of oagen's own does this, so the test adds one: the README lists every model's
    description. Such a file has no objects of its own to render again from: the full path."""
    from generator import render

    templates = tmp_path / "templates"
    shutil.copytree(render.templates_dir(), templates)
    readme = templates / "README.md.j2"
    readme.write_text(readme.read_text() + "{% for m in api.models %}{{ m.description or '' }}\n{% endfor %}")
    monkeypatch.setattr(render, "templates_dir", lambda: templates)
    spec, out, cache = _json_spec(FIXTURES / "models_objects" / "openapi.yaml", tmp_path), tmp_path / "out", tmp_path / "cache"
    _generate(spec, out, cache, None, capsys)
    assert "Created with a password" in (out / "README.md").read_text()
    _edit(spec, _set("components", "schemas", "Account", "description", to="Another account."))
    assert NOTE not in _generate(spec, out, cache, None, capsys)
    assert "Another account." in (out / "README.md").read_text()
    assert tree(out) == _cold(spec, tmp_path, None)
