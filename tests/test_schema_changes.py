"""A run where only component schemas changed rebuilds only the models that read them (rebuild.py).

Whatever the change, the result must be byte-identical to a cold run; the structural path must be
taken for the plain ones (a property added, removed or retyped in a model no cycle runs through),
and anything it cannot redo exactly must take the full path (checked here by the bytes only).
"""

from __future__ import annotations

import contextlib
import copy
import io
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

from .helpers import FIXTURES, tree

NOTE = "a few schemas changed"
SPECS = sorted(p.parent.name for p in FIXTURES.glob("*/openapi.yaml"))


def _run(spec: Path, out: Path, cache: Path | None) -> tuple[int, str]:
    args = ["generate", str(spec), "--output", str(out), "--jobs", "1"]
    args += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.run(args)
    return code, err.getvalue()


def _generate(spec: Path, out: Path, cache: Path | None) -> str:
    code, err = _run(spec, out, cache)
    assert code == 0, err
    return err


def _write(spec: Path, data: Any) -> None:
    spec.write_text(json.dumps(data, indent=1, ensure_ascii=False))


def _schemas(data: Any) -> dict[str, Any]:
    return data.get("components", {}).get("schemas", {})  # type: ignore[no-any-return]


# --- the changes --------------------------------------------------------------------------------------


def _objects(data: Any) -> list[str]:
    return [name for name, s in _schemas(data).items() if isinstance(s, dict) and isinstance(s.get("properties"), dict)]


def add_scalar(data: Any, name: str, n: int) -> None:
    _schemas(data)[name]["properties"][f"added_{n}"] = {"type": ["string", "integer", "boolean", "number"][n % 4]}


def add_reference(data: Any, name: str, n: int) -> None:
    others = sorted(_schemas(data))
    _schemas(data)[name]["properties"][f"ref_{n}"] = {"$ref": f"#/components/schemas/{others[n % len(others)]}"}


def add_inline_object(data: Any, name: str, n: int) -> None:
    _schemas(data)[name]["properties"][f"inline_{n}"] = {"type": "object", "properties": {"x": {"type": "string"}}}


def remove_property(data: Any, name: str, n: int) -> None:
    props = _schemas(data)[name]["properties"]
    if props:
        del props[sorted(props)[n % len(props)]]


def retype_property(data: Any, name: str, n: int) -> None:
    props = _schemas(data)[name]["properties"]
    if props:
        props[sorted(props)[n % len(props)]] = {"type": "array", "items": {"type": "integer"}}


def require_property(data: Any, name: str, n: int) -> None:
    schema = _schemas(data)[name]
    if schema["properties"]:
        schema.setdefault("required", []).append(sorted(schema["properties"])[n % len(schema["properties"])])


def read_only_property(data: Any, name: str, n: int) -> None:
    props = _schemas(data)[name]["properties"]
    props[f"read_only_{n}"] = {"type": "string", "readOnly": True}


def self_reference(data: Any, name: str, n: int) -> None:
    _schemas(data)[name]["properties"][f"self_{n}"] = {"$ref": f"#/components/schemas/{name}"}


def described_property(data: Any, name: str, n: int) -> None:
    schema = _schemas(data)[name]
    schema["description"] = f"Changed {n}."
    schema["properties"][f"noted_{n}"] = {"type": "string", "description": f"A note {n}."}


def enum_property(data: Any, name: str, n: int) -> None:
    _schemas(data)[name]["properties"][f"kind_{n}"] = {"type": "string", "enum": ["a", "b", f"c{n}"], "default": "a"}


def read_only_schema(data: Any, name: str, n: int) -> None:
    """A keyword the schemas referring to this one read of it (see SchemaBuilder.deref_for)."""
    _schemas(data)[name]["readOnly"] = bool(n % 2)


def default_schema(data: Any, name: str, n: int) -> None:
    _schemas(data)[name]["default"] = None if n % 2 else {}


CHANGES: list[Callable[[Any, str, int], None]] = [
    add_scalar, add_reference, add_inline_object, remove_property, retype_property, require_property,
    read_only_property, self_reference, described_property, enum_property, read_only_schema, default_schema,
]


def _base(name: str, directory: Path) -> tuple[Path, Any]:
    """The fixture ``name`` copied into ``directory`` (with the documents it refers to), as JSON."""
    shutil.copytree(FIXTURES / name, directory, dirs_exist_ok=True)
    data = yaml.safe_load((FIXTURES / name / "openapi.yaml").read_text())
    spec = directory / "openapi.yaml"  # written as JSON (which is YAML): other documents refer to this name
    _write(spec, data)
    return spec, data


@pytest.fixture(scope="module")
def bases() -> Iterator[dict[str, tuple[Path, Any]]]:
    """Each fixture spec generated once with a cache, in ``<name>/work`` (then kept as ``<name>/saved``):
    (the work directory, holding spec, out and cache; the spec's data)."""
    root = Path(tempfile.mkdtemp(prefix="oagen-schema-changes-"))
    out: dict[str, tuple[Path, Any]] = {}
    for name in SPECS:
        work = root / name / "work"
        work.mkdir(parents=True)
        spec, data = _base(name, work)
        if not _objects(data):
            continue
        _generate(spec, work / "out", work / "cache")
        shutil.copytree(work, root / name / "saved")
        out[name] = (work, data)
    yield out
    shutil.rmtree(root, ignore_errors=True)


def _apply(base: tuple[Path, Any], change: Callable[[Any], None]) -> tuple[tuple[int, str, dict[str, bytes]], tuple[int, str, dict[str, bytes]]]:
    """(exit code, stderr, output) of a warm run after ``change``, and of a cold one. The warm run
    is in the work directory as the base run left it (same paths: the snapshot is keyed by them)."""
    work, data = base
    shutil.rmtree(work)
    shutil.copytree(work.parent / "saved", work)
    data = copy.deepcopy(data)
    change(data)
    spec = work / "openapi.yaml"
    _write(spec, data)
    code, err = _run(spec, work / "out", work / "cache")
    cold_code, cold_err = _run(spec, work / "cold", None)
    return (code, err.replace(str(work / "out"), "OUT"), tree(work / "out")), (cold_code, cold_err.replace(str(work / "cold"), "OUT"), tree(work / "cold") if cold_code == 0 else {})


def _on(change: Callable[[Any, str, int], None], pick: int, n: int) -> Callable[[Any], None]:
    def apply(data: Any) -> None:
        objects = _objects(data)
        change(data, objects[pick % len(objects)], n)

    return apply


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    name=st.sampled_from(SPECS), change=st.sampled_from(CHANGES), pick=st.integers(0, 50), n=st.integers(0, 7),
)
def test_any_schema_change_gives_the_bytes_of_a_cold_run(bases: dict[str, tuple[Path, Any]], name: str, change: Any, pick: int, n: int) -> None:
    if name not in bases:
        return
    (code, err, warm), (cold_code, cold_err, cold) = _apply(bases[name], _on(change, pick, n))
    why = (name, change.__name__, pick, n, err)
    assert code == cold_code, why
    if code == 0:
        assert warm == cold, why
    else:  # the same errors
        assert err == cold_err, why


@pytest.mark.parametrize("change", [add_scalar, remove_property, retype_property, add_inline_object, described_property, enum_property, self_reference])
def test_a_plain_schema_change_takes_the_structural_path(tmp_path: Path, bases: dict[str, tuple[Path, Any]], change: Any) -> None:
    (code, err, warm), (_, _, cold) = _apply(bases["models_objects"], _on(change, 0, 1))
    assert code == 0 and NOTE in err, err
    assert warm == cold


def test_a_keyword_other_schemas_read_remakes_them_too(bases: dict[str, tuple[Path, Any]]) -> None:
    """A schema's default is shown where another schema's property refers to it: those models are
    redone, through the keyword reads the build noted (not the whole unit)."""
    (code, err, warm), (_, _, cold) = _apply(bases["models_objects"], _on(default_schema, 1, 0))
    assert code == 0 and NOTE in err, err
    assert int(err.split(NOTE + "; ")[1].split()[0]) > 1, err  # more files than the schema's own
    assert warm == cold


def test_a_change_back_and_forth_stays_exact(bases: dict[str, tuple[Path, Any]]) -> None:
    """The structural path keeps a snapshot the next run builds on: three changes in a row."""
    work, data = bases["models_objects"]
    shutil.rmtree(work)
    shutil.copytree(work.parent / "saved", work)
    spec = work / "openapi.yaml"
    name = _objects(data)[0]
    steps = [copy.deepcopy(data)]
    add_scalar(steps[0], name, 1)
    steps.append(copy.deepcopy(steps[0]))
    add_inline_object(steps[1], name, 2)
    steps.append(copy.deepcopy(data))  # back to the start
    for i, step in enumerate(steps):
        _write(spec, step)
        err = _generate(spec, work / "out", work / "cache")
        assert NOTE in err, (i, err)
        _generate(spec, work / f"cold{i}", None)
        assert tree(work / "out") == tree(work / f"cold{i}"), i


def test_a_schema_change_with_a_validation_error_takes_the_full_path(bases: dict[str, tuple[Path, Any]]) -> None:
    def change(data: Any) -> None:
        _schemas(data)[_objects(data)[0]]["properties"]["broken"] = {"type": "no-such-type"}

    (code, err, _), (cold_code, cold_err, _) = _apply(bases["models_objects"], change)
    assert code == cold_code == 2
    assert err == cold_err and "no-such-type" in err


def test_check_after_a_schema_change_reports_the_diff_and_generate_then_makes_it(bases: dict[str, tuple[Path, Any]]) -> None:
    work, data = bases["models_objects"]
    shutil.rmtree(work)
    shutil.copytree(work.parent / "saved", work)
    data = copy.deepcopy(data)
    add_scalar(data, _objects(data)[0], 4)
    spec = work / "openapi.yaml"
    _write(spec, data)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.run(["check", str(spec), "--output", str(work / "out"), "--cache-dir", str(work / "cache")])
    assert code == 1
    assert "+    added_4: Optional[str] = None" in out.getvalue()
    err = _generate(spec, work / "out", work / "cache")
    assert NOTE in err
    _generate(spec, work / "cold", None)
    assert tree(work / "out") == tree(work / "cold")
