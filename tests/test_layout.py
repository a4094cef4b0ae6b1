"""The file's layout never matters: the order of a mapping whose order means nothing changes no byte.

Every fixture spec (with its ``oagen.yaml``) and the Redocly Museum spec (``tests/specs/``) is
generated once as it is, then laid out otherwise: two paths swapped, two operations of a path item,
two component schemas, two responses of an operation; ``info``'s keys reordered, the keys of
``tags`` and of its entries. Each change alone goes through the pipeline in process (the files
``generate`` would write); all of them together, and the Museum's two paths swapped, through the
command line (``--no-cache``), whose tree must equal that of the spec as written (a fixture's
golden ``expected/``). hypothesis then permutes every mapping of the document at once, except those
whose order a reader means (a schema's ``properties``, a body's or response's ``content``) and
data (``enum``, ``const``, ``default``, examples, ``x-`` extensions). Lists are never reordered
(parameters, ``allOf``/``oneOf`` members, ``tags``...). That the spec's order of properties and
parameters is kept in the output is checked too (``test_meaningful_orders_are_kept``).

``OAGEN_LAYOUT_EXAMPLES`` sets the examples per spec (default 5).
"""

from __future__ import annotations

import difflib
import functools
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator.load import parse_text
from generator.operations import HTTP_METHODS
from generator.options import Options
from generator.pipeline import generate

from .helpers import FIXTURES, ROOT, run_oagen, tree, tree_diff

EXAMPLES = int(os.environ.get("OAGEN_LAYOUT_EXAMPLES", "5"))
MUSEUM = ROOT / "tests" / "specs" / "redocly-museum.yaml"

#: (id, spec, config): every fixture, and the Museum spec.
SPECS = [
    (case.name, case / "openapi.yaml", case / "oagen.yaml" if (case / "oagen.yaml").is_file() else None)
    for case in sorted(FIXTURES.iterdir())
    if (case / "openapi.yaml").is_file()
] + [("redocly-museum", MUSEUM, None)]
SPEC_IDS = [name for name, _, _ in SPECS]

#: Mappings whose order a reader means: their keys keep their order (their values are laid out).
KEEP_ORDER = {"properties", "content"}
#: Values that are data, not layout: left exactly as they are (as are ``x-`` extensions).
DATA = {"default", "example", "examples", "enum", "const"}


def load(spec: Path) -> dict[str, Any]:
    """The document as oagen reads it (timestamps stay strings)."""
    data = parse_text(spec.read_text(encoding="utf-8"), spec.name, is_json=False).data
    assert isinstance(data, dict)
    return data


def swapped(mapping: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    """``mapping`` with the entries of keys ``first`` and ``second`` trading places."""
    keys = list(mapping)
    i, j = keys.index(first), keys.index(second)
    keys[i], keys[j] = keys[j], keys[i]
    return {k: mapping[k] for k in keys}


def reversed_keys(value: Any) -> Any:
    """Every mapping in ``value`` with its keys in reverse order."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


# --- the named layout changes: each returns the changed document, or None if it has nothing to change ---


def swap_two_paths(doc: dict[str, Any]) -> dict[str, Any] | None:
    paths = doc.get("paths") or {}
    if len(paths) < 2:
        return None
    first, second = list(paths)[:2]
    return {**doc, "paths": swapped(paths, first, second)}


def swap_two_operations(doc: dict[str, Any]) -> dict[str, Any] | None:
    for key, item in (doc.get("paths") or {}).items():
        methods = [m for m in item if m in HTTP_METHODS]
        if len(methods) >= 2:
            return {**doc, "paths": {**doc["paths"], key: swapped(item, methods[0], methods[1])}}
    return None


def swap_two_schemas(doc: dict[str, Any]) -> dict[str, Any] | None:
    schemas = (doc.get("components") or {}).get("schemas") or {}
    if len(schemas) < 2:
        return None
    first, second = list(schemas)[:2]
    return {**doc, "components": {**doc["components"], "schemas": swapped(schemas, first, second)}}


def swap_two_responses(doc: dict[str, Any]) -> dict[str, Any] | None:
    for key, item in (doc.get("paths") or {}).items():
        for method in HTTP_METHODS:
            responses = (item.get(method) or {}).get("responses") or {}
            if len(responses) >= 2:
                first, second = list(responses)[:2]
                operation = {**item[method], "responses": swapped(responses, first, second)}
                return {**doc, "paths": {**doc["paths"], key: {**item, method: operation}}}
    return None


def reorder_info(doc: dict[str, Any]) -> dict[str, Any] | None:
    info = doc.get("info")
    if not isinstance(info, dict) or len(info) < 2:
        return None
    return {**doc, "info": reversed_keys(info)}


def reorder_tags(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The keys of the ``tags`` entries reversed, and ``tags`` moved to the front of the document."""
    if not doc.get("tags"):
        return None
    return {"tags": reversed_keys(doc["tags"]), **{k: v for k, v in doc.items() if k != "tags"}}


CHANGES: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "swap-two-paths": swap_two_paths,
    "swap-two-operations": swap_two_operations,
    "swap-two-schemas": swap_two_schemas,
    "swap-two-responses": swap_two_responses,
    "reorder-info": reorder_info,
    "reorder-tags": reorder_tags,
}

#: Every (spec, change) whose spec has something for the change to reorder.
CASES = [
    pytest.param(name, change, id=f"{name}-{change}")
    for name, spec, _ in SPECS
    for change, make in CHANGES.items()
    if make(load(spec)) is not None
]


def all_changes(doc: dict[str, Any]) -> dict[str, Any]:
    for make in CHANGES.values():
        doc = make(doc) or doc
    return doc


# --- generating ------------------------------------------------------------------------------------


def _spec(name: str) -> tuple[Path, Path | None]:
    _, spec, config = SPECS[SPEC_IDS.index(name)]
    return spec, config


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)


def write_variant(spec: Path, doc: dict[str, Any], into: Path, *, changed: bool = True) -> Path:
    """``doc`` written in place of ``spec`` in a copy of its directory (its other files are
    ``$ref``'d from it, and refer back to it by name); the copy's spec file. ``changed``: check
    that ``doc`` is laid out otherwise than ``spec``."""
    text = dump(doc)
    assert not changed or dump(load(spec)) != text, "the change changed nothing"
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(spec.parent, into, ignore=shutil.ignore_patterns("expected"))
    (into / spec.name).write_text(text, encoding="utf-8")
    return into / spec.name


def in_process(spec: Path, config: Path | None) -> dict[str, str]:
    """The files ``generate`` writes for ``spec`` (no cache)."""
    return generate(Options(spec, config)).files


def files_diff(expected: dict[str, str], actual: dict[str, str]) -> str:
    out: list[str] = []
    for path in sorted(set(expected) | set(actual)):
        if expected.get(path) != actual.get(path):
            out += difflib.unified_diff(
                (expected.get(path) or "").splitlines(keepends=True),
                (actual.get(path) or "").splitlines(keepends=True),
                fromfile=f"as written/{path}",
                tofile=f"laid out otherwise/{path}",
            )
    return "".join(out)


def cli(spec: Path, config: Path | None, output: Path) -> Path:
    args = ["generate", str(spec), "--output", str(output), "--no-cache"]
    if config is not None:
        args += ["--config", str(config)]
    result = run_oagen(*args)
    assert result.returncode == 0, result.stderr
    return output


@functools.cache
def baseline(name: str) -> dict[str, str]:
    """The files of the spec as written, made once per spec."""
    return in_process(*_spec(name))


# --- the tests -------------------------------------------------------------------------------------


def test_every_change_is_tried_on_the_museum_spec() -> None:
    assert all(make(load(MUSEUM)) is not None for make in CHANGES.values())


@pytest.mark.parametrize("name, change", CASES)
def test_layout_change_changes_no_byte(name: str, change: str, tmp_path: Path) -> None:
    spec, config = _spec(name)
    doc = CHANGES[change](load(spec))
    assert doc is not None
    diff = files_diff(baseline(name), in_process(write_variant(spec, doc, tmp_path / "spec"), config))
    assert not diff, f"{name}: {change} changed the output:\n{diff}"


@pytest.fixture(scope="module")
def museum_as_written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli(MUSEUM, None, tmp_path_factory.mktemp("museum") / "out")


def as_written(name: str, museum: Path) -> Path:
    """The command line's output for the spec as written: a fixture's golden ``expected/`` (which
    test_golden.py proves it is), the Museum's generated."""
    spec, _ = _spec(name)
    return museum if spec == MUSEUM else spec.parent / "expected"


@pytest.mark.parametrize("name", SPEC_IDS)
def test_all_layout_changes_change_no_byte_from_the_command_line(
    name: str, museum_as_written: Path, tmp_path: Path
) -> None:
    spec, config = _spec(name)
    variant = write_variant(spec, all_changes(load(spec)), tmp_path / "spec")
    actual = cli(variant, config, tmp_path / "out")
    expected = as_written(name, museum_as_written)
    assert tree(expected), "nothing generated"
    diff = tree_diff(expected, actual)
    assert not diff, f"{name}: the layout changes changed the output:\n{diff}"


def test_museum_swapping_two_paths_changes_no_byte(museum_as_written: Path, tmp_path: Path) -> None:
    """The issue's case: /museum-hours and /special-events swapped used to reorder resources,
    ``TYPE_CHECKING`` imports and methods, and change the README's example."""
    doc = load(MUSEUM)
    assert list(doc["paths"])[:2] == ["/museum-hours", "/special-events"]
    variant = write_variant(MUSEUM, swap_two_paths(doc) or doc, tmp_path / "spec")
    diff = tree_diff(museum_as_written, cli(variant, None, tmp_path / "out"))
    assert not diff, diff


@st.composite
def relaid(draw: st.DrawFn, value: Any, names: bool = False) -> Any:
    """``value`` with the keys of every mapping permuted, but for those of ``KEEP_ORDER`` (the
    ``names`` of properties or media types, whose values are laid out) and data."""
    if isinstance(value, list):
        return [draw(relaid(v)) for v in value]
    if not isinstance(value, dict):
        return value
    if names:
        return {k: draw(relaid(v)) for k, v in value.items()}
    return {
        k: value[k] if k in DATA or str(k).startswith("x-") else draw(relaid(value[k], names=k in KEEP_ORDER))
        for k in draw(st.permutations(list(value)))
    }


@pytest.mark.parametrize("name", SPEC_IDS)
def test_any_layout_changes_no_byte(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    spec, config = _spec(name)
    original = load(spec)
    expected = baseline(name)
    into = tmp_path_factory.mktemp("spec") / "spec"

    # No shrinking: each step generates again, and the diff already tells what moved.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        doc = data.draw(relaid(original))
        diff = files_diff(expected, in_process(write_variant(spec, doc, into, changed=False), config))
        assert not diff, f"{name}: this layout changed the output:\n{dump(doc)}\n{diff}"

    check()


def test_meaningful_orders_are_kept(tmp_path: Path) -> None:
    """A schema's properties and an operation's parameters come out in the spec's order."""
    spec, config = _spec("operations")
    doc = load(spec)
    item = doc["paths"]["/items/{itemId}"]
    get = item["get"]
    assert len(get["parameters"]) >= 2
    changed = {**doc, "paths": {**doc["paths"], "/items/{itemId}": {**item, "get": {**get}}}}
    changed["paths"]["/items/{itemId}"]["get"]["parameters"] = list(reversed(get["parameters"]))
    assert files_diff(baseline("operations"), in_process(write_variant(spec, changed, tmp_path / "a"), config))

    spec, config = _spec("petstore")
    doc = load(spec)
    name, schema = next((k, s) for k, s in doc["components"]["schemas"].items() if len(s.get("properties", {})) >= 2)
    first, second = list(schema["properties"])[:2]
    schemas = {
        **doc["components"]["schemas"],
        name: {**schema, "properties": swapped(schema["properties"], first, second)},
    }
    changed = {**doc, "components": {**doc["components"], "schemas": schemas}}
    assert files_diff(baseline("petstore"), in_process(write_variant(spec, changed, tmp_path / "b"), config))
