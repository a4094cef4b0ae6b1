"""The warm path: cached rendering gives the bytes of a cold run, and only what changed is redone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from generator import fastpath, render as render_module
from generator.build import build
from generator.cache import Cache
from generator.config import Config
from generator.load import Spec
from generator.pipeline import Options, generate

from .helpers import FIXTURES, ROOT

PETSTORE = FIXTURES / "petstore" / "openapi.yaml"
SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "spec" / "oagen.yaml"


def _changed(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert text.count(old) == 1
    spec = tmp_path / source.name
    spec.write_text(text.replace(old, new))
    return spec


@pytest.mark.parametrize(
    "source, config, old, new",
    [
        (PETSTORE, None, "description: A pet, as stored.", "description: A pet, as stored (changed)."),
        (
            SPEC,
            CONFIG,
            "description: ID of the Message Batch.\n          examples",
            "description: Batch ID.\n          examples",
        ),
    ],
)
def test_warm_run_after_one_change_equals_a_cold_run(
    tmp_path: Path, source: Path, config: Path | None, old: str, new: str
) -> None:
    cache = tmp_path / "cache"
    first = generate(Options(source, config, cache_dir=cache)).files
    assert first == generate(Options(source, config)).files
    assert generate(Options(source, config, cache_dir=cache)).files == first  # every file from the cache

    changed = _changed(tmp_path, source, old, new)
    warm = generate(Options(changed, config, cache_dir=cache)).files
    cold = generate(Options(changed, config)).files
    assert warm == cold and list(warm) == list(cold)  # the same bytes, in the same order
    assert warm != first


def _api(spec: Path) -> Any:
    return build(Spec(spec), Config())


class _Counting:
    """Counts the templates rendered, by name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        original = jinja2.Template.render

        def counted(template: jinja2.Template, *args: Any, **kwargs: Any) -> str:
            self.names.append(str(template.name))
            return original(template, *args, **kwargs)

        monkeypatch.setattr(jinja2.Template, "render", counted)

    def take(self) -> list[str]:
        names, self.names = self.names, []
        return names


def test_only_the_files_of_changed_ir_objects_are_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    counting = _Counting(monkeypatch)
    api = _api(PETSTORE)
    cold = render_module.render(api)
    everything = counting.take()
    assert render_module.render(api, cache=cache) == cold
    assert sorted(counting.take()) == sorted(everything)
    assert render_module.render(api, cache=cache) == cold
    again = counting.take()
    assert "package/types/model.py.j2" not in again and "package/resources/resource.py.j2" not in again
    assert len(again) < len(everything)

    changed = _api(_changed(tmp_path, PETSTORE, "description: A pet, as stored.", "description: A pet (changed)."))
    warm = render_module.render(changed, cache=cache)
    rendered = counting.take()
    assert warm == render_module.render(changed)
    assert rendered.count("package/types/model.py.j2") == 1  # pet.py only
    assert "package/resources/resource.py.j2" not in rendered
    assert [p for p in warm if warm[p] != cold[p]] == ["petstore_client/types/pet.py"]


def test_a_change_of_code_or_templates_renders_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    api = _api(PETSTORE)
    render_module.render(api, cache=cache)
    counting = _Counting(monkeypatch)
    monkeypatch.setattr(fastpath, "code_digest", lambda: "another version of oagen")
    render_module.render(api, cache=cache)
    assert "package/types/model.py.j2" in counting.take()


@pytest.mark.parametrize("cached", [True, False])
def test_a_file_made_from_one_object_sees_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """Its cache key is that object: a template reading anything more (the model list) is an error,
    with the cache or without, never a file stored under a key that does not cover what it shows."""
    original = jinja2.Environment.get_template

    def listing(env: jinja2.Environment, name: str, *args: Any, **kwargs: Any) -> jinja2.Template:
        if name == "package/types/model.py.j2":
            return env.from_string("{{ module.module }}: {{ api.models | map(attribute='class_name') | join(',') }}\n")
        return original(env, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "get_template", listing)
    with pytest.raises(jinja2.UndefinedError, match="'api' is undefined"):
        render_module.render(_api(PETSTORE), cache=Cache(tmp_path / "cache") if cached else None)


def test_ir_repr_is_a_complete_key() -> None:
    assert render_module._repr_is_complete()
    from generator.ir import Import, TypeRef

    a = TypeRef("X", frozenset({Import("typing", "List"), Import(".types.x", "X")}))
    b = TypeRef("X", frozenset({Import(".types.x", "X"), Import("typing", "List")}))
    assert repr(a) == repr(b) and "List" in repr(a) and ".types.x" in repr(a)


def test_an_incomplete_repr_turns_the_render_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from generator import ir

    field = dataclasses.fields(ir.Model)[0]
    monkeypatch.setattr(field, "repr", False)
    assert not render_module._repr_is_complete()
    monkeypatch.undo()
    assert render_module._repr_is_complete()

    namespace: dict[str, Any] = {}
    exec(compile("def __repr__(self):\n    return 'Model'\n", ir.__file__, "exec"), namespace)  # as if written in ir.py
    monkeypatch.setattr(ir.Model, "__repr__", namespace["__repr__"])
    assert not render_module._repr_is_complete()


def test_refs_are_found_in_canonical_json_as_a_walk_finds_them() -> None:
    from generator.validation_units import _canonical, _local_refs

    def walk(value: Any) -> list[str]:
        found, stack = [], [value]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    found.append(node["$ref"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return sorted(found)

    cases = [
        {"$ref": 'a"b\\c\U0001f600é'},
        {"x": '"$ref":"fake"', "$ref": 5},
        {"k": ["$ref", {"$ref": "#/q\\"}]},
        {'a\\"$ref': "z", 'b"$ref': "y", "c,": {"$ref": "x"}},
        ['{"$ref":"no"}', ',"$ref":"no"', {"$ref": {"$ref": "#/inner"}}],
    ]
    for value in cases:
        assert sorted(_local_refs(_canonical(value))) == walk(value)
