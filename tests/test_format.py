"""Formatting across worker processes gives exactly what formatting in this process gives."""

from __future__ import annotations

import black

from generator.shape import black_mode
from generator import format as fmt
from generator.cache import Cache


def _module(i: int) -> str:
    # Modules of very different sizes, as a real API's are (a few huge resource modules).
    fields = "".join(f"    field_{n}: int = {n}\n" for n in range(1 + (i % 7) * (i % 5) * 6))
    return f"class  Model{i}( object ) :\n{fields}\n\ndef f_{i}(a,b = {{'k' :1}}) :  return [a,b]\n"


def test_parallel_formatting_equals_black_in_process(monkeypatch) -> None:
    monkeypatch.setattr(fmt, "_memory", {})
    files = {f"pkg/m{i}.py": _module(i) for i in range(120)}
    assert sum(map(len, files.values())) >= fmt.PARALLEL_THRESHOLD  # so that workers are used
    files["README.md"] = "not  python "
    out = fmt.format_files(files, cache=Cache(None), jobs=2)
    assert out["README.md"] == "not  python "
    for path, source in files.items():
        if path.endswith(".py"):
            assert out[path] == black.format_str(source, mode=black_mode()), path


def test_balanced_chunks_cover_every_index_once_heaviest_first() -> None:
    weights = [50, 1, 1, 1, 20, 20, 7, 3, 3, 90]
    chunks = fmt._balanced(weights, 4)
    assert sorted(i for c in chunks for i in c) == list(range(len(weights)))
    loads = [sum(weights[i] for i in c) for c in chunks]
    assert loads == sorted(loads, reverse=True)
    assert loads[0] == 90  # the largest module alone: no chunk waits behind it


def test_long_statements_come_out_as_black_writes_them_in_the_module() -> None:
    from generator import shape

    literal = "Literal[" + ", ".join(f'"value_{n}"' for n in range(12)) + "]"
    long_name = "a_property_name_long_enough_to_need_a_split_on_its_own_" * 2
    module = "\n".join(
        [
            "from typing import List, Literal, Optional",
            "",
            shape.statement(f"Alias = {literal}", 0),
            "",
            "",
            "class Model:",
            "    " + shape.statement(f"kind: Optional[{literal}] = None", 4),
            "    " + shape.statement(f"{long_name}: Optional[List[int]] = None", 4),
            "    " + shape.statement("short: int = 1", 4),
            "",
            "    def method(",
            "        self,",
            "        " + shape.statement(f"kind: {literal} | None = None,", 8, kind="parameter"),
            "        " + shape.statement("page: int = 1,", 8, kind="parameter"),
            "    " + shape.statement(f") -> Optional[{literal}]:", 4, kind="returns"),
            "        " + shape.statement(f"self.{long_name} = dict(first=1, second=2, third=3)", 8),
            "        " + shape.call("return self.call", ["1", f"cast({literal}, None)", "key=" + literal], 8),
            "",
        ]
    )
    assert "\x00" in module  # the long ones are placeholders until resolved
    resolved = shape.resolve({"m.py": module}, {})["m.py"]
    assert "\x00" not in resolved
    assert black.format_str(resolved, mode=black_mode()) == resolved


def test_rendered_models_and_resources_need_no_change_from_black() -> None:
    """The templates write what black would: black (which formats twice what it changes) then makes
    one pass. Guarded for every fixture's model and resource modules (the rest may still differ)."""
    from pathlib import Path

    from generator.build import build
    from generator.config import Config, load_config
    from generator.load import Spec
    from generator.render import render
    from generator import shape

    root = Path(__file__).parents[1]
    cases = [(root / "spec" / "openapi.yaml", root / "spec" / "oagen.yaml")] + [
        (case / "openapi.yaml", case / "oagen.yaml")
        for case in sorted((root / "tests" / "fixtures").iterdir())
        if (case / "openapi.yaml").is_file()
    ]
    checked = 0
    for spec, config in cases:
        api = build(Spec(spec), load_config(config) if config.is_file() else Config(), package_name=None)
        for path, text in shape.resolve(render(api), {}).items():
            if ("/types/" in path or "/resources/" in path) and not path.endswith("types/__init__.py"):
                assert black.format_str(text, mode=black_mode()) == text, path
                checked += 1
    assert checked > 50


def _layout_spec() -> dict[str, object]:
    """Names long enough that every line of a resource's class needs splitting; texts that black's
    docstring handling changes when written plainly (blank, a leading quote); an alias after a class."""
    long = "a_resource_name_long_enough_that_the_lines_of_its_class_need_splitting_too"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Layout", "version": "1"},
        "paths": {
            f"/{long}/{{id}}": {
                "get": {
                    "operationId": f"{long}/get",
                    "tags": [long],
                    "summary": " \n ",
                    "description": "\n",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "  ",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pair"}}},
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Quoted": {
                    "type": "object",
                    "description": '"Quoted" at the start, and at the end: "',
                    "properties": {"a": {"type": "string", "description": "\t"}},
                },
                "Pair": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}},
            }
        },
    }


def test_models_and_resources_are_not_run_through_black_and_come_out_as_black_writes_them(
    tmp_path, monkeypatch
) -> None:
    """black runs over the whole-API modules only (and over long statements alone); the model and
    resource modules are left as rendered, which is exactly what black makes of them. ``black_all``
    runs black over everything, with the same bytes."""
    import json

    from generator.pipeline import Options, generate

    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(_layout_spec()), encoding="utf-8")
    formatted: list[str] = []
    real = fmt.format_python
    monkeypatch.setattr(fmt, "format_python", lambda source, path: formatted.append(path) or real(source, path))
    monkeypatch.setattr(fmt, "_memory", {})
    files = generate(Options(spec)).files
    laid_out = [p for p in files if "/types/" in p and not p.endswith("__init__.py") or "/resources/a_" in p]
    assert len(laid_out) >= 3 and not set(laid_out) & set(formatted), formatted
    assert any(p.endswith("_client.py") for p in formatted)
    for path, source in files.items():
        if path.endswith(".py"):
            assert black.format_str(source, mode=black_mode()) == source, path
    resource = next(files[p] for p in laid_out if "/resources/" in p)
    assert "    def with_raw_response(\n        self,\n    )" in resource  # split as black splits it
    assert '""" "Quoted" at the start' in next(files[p] for p in laid_out if p.endswith("quoted.py"))
    formatted.clear()
    assert generate(Options(spec, black_all=True)).files == files
    assert set(laid_out) <= set(formatted)


def test_statements_laid_out_without_black_are_as_black_writes_them() -> None:
    """The long statements shape writes itself (a call of one dotted name, a dict entry of two
    words, simple annotated fields) come out as black writes them, whatever the lengths of their names."""
    import random

    from generator import shape

    rng = random.Random(7)

    def word(size: int) -> str:
        return "".join(rng.choice("abcdefgh_") for _ in range(size)).strip("_") or "a"

    checked = 0
    for _ in range(400):
        indent = rng.choice([4, 8])
        head = ("self." if indent == 8 else "") + word(rng.randint(1, 100))
        text = (
            f"{head} = {rng.choice(['asynchronous', 'to_raw_response_wrapper'])}(resource.{word(rng.randint(1, 100))})"
        )
        entry = f'"{word(rng.randint(1, 90))}": "{word(rng.randint(1, 90))}",'
        name, annotation = word(rng.randint(1, 60)), "T" + word(rng.randint(1, 110))
        field = rng.choice(
            [
                f"{name}: Optional[{annotation}]",
                f"{name}: List[{annotation}] = None",
                f'{name}: {annotation} = Field(alias="{word(30)}")',
            ]
        )
        lines = [
            "class A:",
            "    def f(self) -> None:" if indent == 8 else "    pass",
            " " * indent + shape.statement(text, indent),
        ]
        lines += [
            "",
            "",
            "class B:",
            "    " + shape.statement(field, 4),
            "",
            "",
            "_M = {",
            "    " + shape.statement(entry, 4, kind="entry"),
            "}",
            "",
        ]
        module = shape.resolve({"m.py": "\n".join(lines)}, {})["m.py"]
        assert black.format_str(module, mode=black_mode()) == module, module
        checked += "\x00" not in shape.statement(text, indent) + shape.statement(field, 4)
    assert checked > 100  # most of them written by shape itself, not by black


def test_a_class_docstring_whose_lines_are_all_indented_is_dedented_as_black_does() -> None:
    """black re-indents a docstring proper: the lines after the first lose their common indentation
    (an attribute's docstring is left as it is)."""
    from generator.render import docstring

    text = "A list:\n  - one\n    - nested\n\n  - two"
    for width in (0, 4, 8):
        written = docstring(text, width, first=True)
        pad = " " * width
        assert written == f'"""A list:\n{pad}- one\n{pad}  - nested\n\n{pad}- two\n{pad}"""'
        module = f"class A:\n    {docstring(text, 4, first=True)}\n\n    x: int\n    {docstring(text, 4)}\n"
        assert black.format_str(module, mode=black_mode()) == module
