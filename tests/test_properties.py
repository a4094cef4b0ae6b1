"""Property test: hostile specs give exit 0 with safe, importable code, or exit 2 with a diagnostic.

hypothesis builds OpenAPI documents whose every string is hostile (quotes, triple quotes,
backslashes, Jinja delimiters, NUL, line separators, lone surrogates, Python code, keywords,
builtins, names our templates use). For each, generation must either fail with located
diagnostics (a GenerationError: exit 2) or succeed with output that parses, imports, and calls,
imports and accesses only names that our templates put there (or that the output itself defines).

The quick default runs OAGEN_PROPERTY_EXAMPLES=40 examples; a full run: OAGEN_PROPERTY_EXAMPLES=1000.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import keyword
import os
import re
import string
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.shape import black_mode
from generator.diagnostics import GenerationError
from generator.pipeline import Options, generate

from .helpers import FIXTURES, ROOT

EXAMPLES = int(os.environ.get("OAGEN_PROPERTY_EXAMPLES", "40"))

NASTY = [
    '"""',
    "'''",
    '"',
    "'",
    "\\",
    "\\n",
    "\\x00",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x7f",
    "\x0c",
    "\u2028",
    "\u2029",
    "\ud800",
    "\ufeff",
    "{{ 7 * 7 }}",
    "{{",
    "}}",
    "{% raw %}",
    "{% endraw %}",
    "{%",
    "%}",
    "{#",
    "#}",
    "#",
    "__import__('os').system('echo pwned')",
    '"); import os; os.system("pwned") #',
    "'''); exec('pwned') #",
    '"""\nimport os\nos.system(\'pwned\')\n"""',
    "`",
    "${x}",
    "é",
    "𝔘𝔫𝔦",
    "日本",
    "ß",
    "ﬁ",
    " ",
    "-",
    ".",
    "/",
    "$",
]
NAMES = sorted(
    set(keyword.kwlist)
    | set(keyword.softkwlist)
    | {
        "print",
        "type",
        "object",
        "id",
        "list",
        "dict",
        "str",
        "int",
        "self",
        "cls",
        "timeout",
        "body",
        "extra_headers",
        "extra_query",
        "extra_body",
        "with_raw_response",
        "httpx",
        "BaseModel",
        "Field",
        "Literal",
        "Optional",
        "TYPE_CHECKING",
        "annotations",
        "model_config",
        "model_dump",
        "__init__",
        "__class__",
        "_client",
        "os",
        "cached_property",
        "NOT_GIVEN",
        "NotGiven",
        "base_url",
        "api_key",
        "1abc",
        "a-b",
        "$ref",
        "",
        "_",
        "__",
        "pwned()",
        "A",
        "a",
        "Model",
        "Resource",
        "Client",
        "Error",
        "types",
        "resources",
    }
)

text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=5).map("".join)
name = st.one_of(st.sampled_from(NAMES), text.filter(bool))
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), text
)


@st.composite
def leaf_schema(draw: Any, refs: list[str], text: st.SearchStrategy[str] = text) -> dict[str, Any]:
    kind = draw(st.sampled_from(["string", "integer", "number", "boolean", "enum", "array", "ref", "map", "nullable"]))
    schema: dict[str, Any]
    if kind == "enum":
        schema = {"type": "string", "enum": draw(st.lists(text, min_size=1, max_size=4, unique=True))}
    elif kind == "array":
        schema = {"type": "array", "items": {"type": "string"}}
    elif kind == "ref" and refs:
        return {"$ref": "#/components/schemas/" + draw(st.sampled_from(refs)).replace("~", "~0").replace("/", "~1")}
    elif kind == "map":
        schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    elif kind == "nullable":
        schema = {"type": ["string", "null"]}
    else:
        schema = {"type": kind if kind != "ref" else "string"}
    if draw(st.booleans()):
        schema["description"] = draw(text)
    if draw(st.booleans()) and kind in ("string", "integer", "number", "boolean"):
        schema["default"] = (
            draw(text)
            if kind == "string"
            else draw(st.integers(-1000, 1000)) if kind != "boolean" else draw(st.booleans())
        )
    if draw(st.booleans()):
        schema["example"] = draw(json_scalar)
    return schema


@st.composite
def object_schema(
    draw: Any, refs: list[str], text: st.SearchStrategy[str] = text, name: st.SearchStrategy[str] = name
) -> dict[str, Any]:
    props = draw(st.dictionaries(name, leaf_schema(refs, text), max_size=5))
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if props and draw(st.booleans()):
        schema["required"] = sorted(draw(st.sets(st.sampled_from(sorted(props)), max_size=len(props))))
    if draw(st.booleans()):
        schema["description"] = draw(text)
    if draw(st.booleans()):
        schema["title"] = draw(text)
    return schema


@st.composite
def hostile_spec(draw: Any, text: st.SearchStrategy[str] = text, name: st.SearchStrategy[str] = name) -> dict[str, Any]:
    schema_names = draw(st.lists(name.filter(bool), max_size=4, unique=True))
    schemas = {}
    for n in schema_names:
        schemas[n] = draw(st.one_of(object_schema(schema_names, text, name), leaf_schema(schema_names, text)))
    paths: dict[str, Any] = {}
    for path in draw(
        st.lists(text.map(lambda t: "/" + t.replace("{", "(").replace("}", ")")), max_size=3, unique=True)
    ):
        ops = {}
        for method in draw(st.sets(st.sampled_from(["get", "post", "put", "delete", "patch"]), min_size=1, max_size=2)):
            op: dict[str, Any] = {"responses": {"200": {"description": draw(text)}}}
            if draw(st.booleans()):
                op["responses"]["200"]["content"] = {
                    "application/json": {"schema": draw(leaf_schema(schema_names, text))}
                }
            for key in ("operationId", "summary", "description"):
                if draw(st.booleans()):
                    op[key] = draw(name if key == "operationId" else text)
            if draw(st.booleans()):
                op["tags"] = [draw(name)]
            params = draw(
                st.lists(st.tuples(name, st.sampled_from(["query", "header", "cookie"])), max_size=3, unique=True)
            )
            if params:
                op["parameters"] = [
                    {
                        "name": n,
                        "in": where,
                        "required": draw(st.booleans()),
                        "description": draw(text),
                        "schema": draw(leaf_schema(schema_names, text)),
                    }
                    for n, where in params
                ]
            if method != "get" and draw(st.booleans()):
                op["requestBody"] = {
                    "description": draw(text),
                    "content": {"application/json": {"schema": draw(object_schema(schema_names, text, name))}},
                }
            ops[method] = op
        paths[path] = ops
    spec: dict[str, Any] = {
        "openapi": draw(st.sampled_from(["3.0.3", "3.1.0"])),
        "info": {"title": draw(text), "version": draw(text), "description": draw(text)},
        "servers": [{"url": draw(text)}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if draw(st.booleans()):
        spec["components"]["securitySchemes"] = {
            draw(name.filter(bool)): {
                "type": "apiKey",
                "in": draw(st.sampled_from(["header", "query", "cookie"])),
                "name": draw(text),
            }
        }
    return spec


# --- what our templates may put in the code -------------------------------------------------------


def _used_names(tree: ast.AST) -> set[str]:
    """Every name called, imported or accessed as an attribute."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            used.add(
                func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "<expr>"
            )
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Import):
            used.update(part for a in node.names for part in a.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            used.update([*(node.module or "").split("."), *(a.name for a in node.names)])
    return used


def _defined_names(trees: dict[str, ast.AST], package: str) -> set[str]:
    """Names the generated code defines itself: its modules, classes, functions, arguments, fields."""
    defined = {package}
    for path in trees:
        defined.update(Path(path).with_suffix("").parts)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                defined.add(node.target.id)
            elif isinstance(node, ast.Assign):  # X = TypedDict("X", {...}): the functional syntax
                defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return defined


def _parse_all(files: dict[str, str]) -> dict[str, ast.AST]:
    return {path: ast.parse(text, filename=path) for path, text in files.items() if path.endswith(".py")}


@pytest.fixture(scope="module")
def template_names() -> set[str]:
    """The allow-list: names in the output for benign specs, plus identifiers in our templates and IR code."""
    allowed: set[str] = set()
    for spec, config in (
        (ROOT / "spec" / "openapi.yaml", ROOT / "spec" / "oagen.yaml"),
        *((p, None) for p in sorted(FIXTURES.glob("*/openapi.yaml"))),
    ):
        allowed |= set().union(*map(_used_names, _parse_all(generate(Options(spec, config)).files).values()))
    for source in (ROOT / "templates").rglob("*"):
        if source.is_file() and source.name.endswith((".py", ".py.j2")):
            allowed |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source.read_text(encoding="utf-8")))
    # the IR builds annotations and expressions as strings ("Optional[{}]", "cast(type[...]"): their words too
    for source in (ROOT / "generator").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                allowed |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", node.value))
    dangerous = allowed & {"system", "eval", "exec", "__import__", "pwned", "popen", "subprocess", "compile"}
    assert not dangerous, dangerous
    return allowed


_counter = [0]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(spec=hostile_spec(), skip_validation=st.booleans())
def test_hostile_specs_give_safe_code_or_a_diagnostic(
    tmp_path_factory: pytest.TempPathFactory, template_names: set[str], spec: dict[str, Any], skip_validation: bool
) -> None:
    _counter[0] += 1
    work = tmp_path_factory.mktemp("hostile")
    spec_file = work / "openapi.json"
    spec_file.write_text(json.dumps(spec, ensure_ascii=True), encoding="utf-8")
    try:
        result = generate(Options(spec_file, skip_validation=skip_validation))
    except GenerationError as exc:  # exit 2: every diagnostic names the file it is about
        assert exc.diagnostics and all(d.file and d.message for d in exc.diagnostics)
        assert "Traceback" not in exc.render()
        event("exit 2: diagnostics")
        return
    event("exit 0: generated, checked and imported")
    files = result.files
    trees = _parse_all(files)
    package = next(p.split("/")[0] for p in files if p.endswith("/__init__.py") and p.count("/") == 1)
    allowed = (
        template_names
        | _defined_names(trees, package)
        | set(vars(builtins)) - {"eval", "exec", "__import__", "open", "compile", "input", "breakpoint"}
    )
    for path, tree in trees.items():
        strange = _used_names(tree) - allowed
        assert not strange, f"{path} uses names our templates do not: {sorted(strange)}\n{files[path]}"
    tomllib.loads(files["pyproject.toml"])
    _assert_as_black_writes_it(files)
    # import every module of the package
    out = work / "out"
    for path, content in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(content, encoding="utf-8")
    sys.path.insert(0, str(out))
    try:
        importlib.invalidate_caches()
        for path in sorted(trees):
            module = path[: -len(".py")].replace("/", ".").removesuffix(".__init__")
            importlib.import_module(module)
    finally:
        sys.path.remove(str(out))
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]


def test_the_property_test_ran(template_names: set[str]) -> None:
    assert _counter[0] in (0, EXAMPLES) or _counter[0] >= EXAMPLES // 2
    assert _layout_counter[0] in (0, EXAMPLES) or _layout_counter[0] >= EXAMPLES // 2


def _assert_as_black_writes_it(files: dict[str, str]) -> None:
    """black leaves every generated module as it is (most are not run through black: see format.py)."""
    import difflib

    import black

    for path, source in files.items():
        if path.endswith(".py"):
            formatted = black.format_str(source, mode=black_mode())
            diff = "".join(difflib.unified_diff(source.splitlines(True), formatted.splitlines(True), path, "black"))
            assert formatted == source, f"{path} is not as black writes it:\n{diff}"


# Text that stresses the layout: long words and names, quotes of both kinds, backslashes, enough of
# them to need splitting; characters black measures or strips otherwise (wide, combining, spaces
# that are not ASCII), which send a module through black (see format.py), beside ones that do not.
_LAYOUT_PIECES = [n for n in NASTY if n.isascii() and "\t" not in n] + [
    "x" * 70,
    "a_long_property_name_" * 3,
    "Very long words " * 6,
    'It\'s "quoted"',
    "'single'",
    '"double"',
    "\\",
    " - ",
    "1e5",
    "\n  indented",
    "\n    - item",
    "é",
    "ß",
    "\xa0",
    "\n\xa0indented",
    "日本",
    "e\u0301",
    "\u3000",
]
layout_text = st.lists(
    st.one_of(st.sampled_from(_LAYOUT_PIECES), st.text(alphabet=string.printable.replace("\t", ""), max_size=12)),
    max_size=6,
).map("".join)
layout_name = st.one_of(st.sampled_from(NAMES), layout_text.filter(bool))
_layout_counter = [0]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(spec=hostile_spec(layout_text, layout_name))
def test_generated_modules_are_as_black_writes_them(
    tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    _layout_counter[0] += 1
    spec_file = tmp_path_factory.mktemp("layout") / "openapi.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    try:
        result = generate(Options(spec_file, skip_validation=True))
    except GenerationError:
        event("exit 2")
        return
    event("generated")
    _assert_as_black_writes_it(result.files)


@given(st.text(alphabet=st.characters(codec=None, categories=None, blacklist_categories=()), max_size=40))
def test_lone_surrogate_escapes_are_told_from_pairs_in_json_text(text: str) -> None:
    """The scan that decides whether a JSON document's strings are walked for lone surrogates: never
    misses one, and lets pairs (emoji), escaped backslashes and plain text through."""
    from generator.load import SURROGATE, _lone_surrogate_escape

    document = json.dumps({"key": text, "list": [text, "\\" + text]})  # \\uXXXX escapes, pairs for astral characters
    assert _lone_surrogate_escape(document) == bool(SURROGATE.search(text))
