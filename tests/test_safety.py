"""Spec strings reach generated source only through filters that cannot be broken out of."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest

from generator.pipeline import Options, generate
from generator.render import comment, docstring, ident, toml_str
from generator.safe import lit

from .helpers import run_oagen

HOSTILE = [
    '"""',
    "'''",
    '"',
    'a""',
    'ends with a quote"',
    "\\",
    "\\n",
    "ends with a backslash\\",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "{% endfor %}",
    "\x00",
    "\u2028 and \u2029",
    "\ud800",
    "\x7f\x1b[31m",
    "\r\n\r",
    "\ufeff",
    '"""\nimport os\nos.system(\'pwned\')\n"""',
    "'); __import__('os').system('pwned') #",
    "日本 𝔘𝔫𝔦 ﬁ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_docstrings_keep_the_text_and_cannot_close(text: str) -> None:
    for width in (0, 4, 8):
        source = f"def f():\n    {docstring(text, width)}\n"
        tree = ast.parse(source)
        assert len(tree.body[0].body) == 1  # type: ignore[attr-defined]
        value = ast.literal_eval(docstring(text, width))
        assert (
            value.replace("\n" + " " * width, "\n").strip()
            == text.replace("\r\n", "\n").replace("\r", "\n").rstrip().strip()
            or "\n" in text
        )


@pytest.mark.parametrize("text", HOSTILE)
def test_comments_are_one_inert_line(text: str) -> None:
    line = "# " + comment(text)
    assert "\n" not in line and "\r" not in line
    assert ast.parse(line + "\nx = 1\n").body[0].lineno == 2


@pytest.mark.parametrize(
    "value",
    [*HOSTILE, 10**300, -0.0, 1e308, float("nan"), float("inf"), None, True, [1, {"a": "\x00"}], {"\"'": ["{{"]}],
)
def test_literals_round_trip(value: object) -> None:
    source = lit(value)
    if isinstance(value, float) and value != value:
        assert source == "float('nan')"
    elif value == float("inf"):
        assert source == "float('inf')"
    else:
        assert ast.literal_eval(source) == value


@pytest.mark.parametrize("text", HOSTILE)
def test_toml_strings_round_trip(text: str) -> None:
    parsed = tomllib.loads(f"x = {toml_str(text)}\n")["x"]
    assert parsed == text.replace("\ud800", "\ufffd")


@pytest.mark.parametrize("name", ["os.system", "a b", "class", "1x", "x\n", "é", "", None, "__import__('os')"])
def test_identifiers_are_checked(name: object) -> None:
    with pytest.raises(ValueError):
        ident(name)


def test_a_hostile_spec_generates_inert_code(tmp_path: Path) -> None:
    """Every kind of spec string at once, through the real command line."""
    evil = "\"\"\"'''\\{{ 7*7 }}{% raw %}\x00\u2028'); __import__('os').system('pwned') #"
    spec = {
        "openapi": "3.1.0",
        "info": {"title": evil, "version": evil, "description": evil},
        "servers": [{"url": evil}],
        "paths": {
            "/items/{item_id}": {
                "get": {
                    "operationId": evil,
                    "summary": evil,
                    "description": evil,
                    "tags": [evil],
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": evil,
                        },
                        {
                            "name": evil,
                            "in": "header",
                            "schema": {"type": "string", "enum": [evil, "ok"], "default": evil},
                        },
                        {
                            "name": "q" + evil,
                            "in": "query",
                            "schema": {"type": "integer", "default": 3},
                            "description": evil,
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": evil,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "title": evil,
                    "description": evil,
                    "required": [evil],
                    "properties": {
                        evil: {"type": "string", "description": evil, "default": evil, "example": evil},
                        "kind": {"type": "string", "enum": [evil, '"""', "a'b"], "description": evil},
                    },
                }
            },
            "securitySchemes": {evil: {"type": "apiKey", "in": "header", "name": evil, "description": evil}},
        },
    }
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(spec))
    out = tmp_path / "out"
    result = run_oagen("generate", str(path), "-o", str(out), "--package-name", "evil_client", "--skip-validation")
    assert result.returncode == 0, result.stderr
    for file in out.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                assert name not in ("system", "__import__", "eval", "exec"), (file, ast.unparse(node))
    tomllib.loads((out / "pyproject.toml").read_text(encoding="utf-8"))
    check = run_oagen("generate", str(path), "-o", str(out), "--package-name", "evil_client", "--skip-validation")
    assert check.returncode == 0
    assert generate(Options(path, package_name="evil_client", skip_validation=True)).files
