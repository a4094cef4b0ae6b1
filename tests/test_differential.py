"""Differential tests: a warm run says and writes exactly what a cold one does, after any edit.

``oagen check`` must never call a stale client current. Everything a warm run reuses (the record of
the last run in fastpath.py, the validation units, the rendered and the formatted modules) is keyed
by a hash of its inputs; these tests hold it to that by comparing warm runs with cold ones:

- hypothesis draws sequences of edits (enums, scalar types and formats, nullability, required,
  readOnly/writeOnly, defaults, descriptions, properties, schema renames, allOf/oneOf/anyOf,
  discriminators, parameters, request bodies, responses, security schemes, servers, info, tags,
  operationIds, paths, the config file, the ``--package-name`` option) over every fixture spec, the
  bundled spec, the Redocly museum spec (tests/specs) and Spotify's (../shared/corpus, when present).
  After each edit, written to the same paths: a warm ``check`` of the output made before the edit
  exits 1 with the diff of a cold run when the cold output differs, 0 when it does not, 2 with the
  cold run's diagnostics when the spec is invalid; a warm ``generate`` writes exactly the bytes of a
  ``--no-cache`` run (the whole tree, manifest included); a second warm ``check`` then exits 0.
- regression tests for stale answers seen before (the museum's ``TicketType`` enum, a scalar's type
  and format, Spotify's ``Key``), and for what the record of the last run must notice.

The CLI runs in this process (``generator.cli.run``), each warm run as if in a new process: black's
in-memory results (format.py) start empty, so it has only the persistent cache. Every run uses a
temporary cache directory (``--cache-dir``) or none (``--no-cache``). Each sequence starts from a
copy, at the same paths, of the spec's first warm generation (output, cache and record of the run).

Examples: ``OAGEN_PROPERTY_EXAMPLES`` (default 40, as in test_properties.py) / 10 sequences of up
to 4 edits per spec (at least one; Spotify's, the slowest, halved); a full run:
``OAGEN_PROPERTY_EXAMPLES=1000`` (100 sequences per spec).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from generator import fastpath
from generator import format as format_module
from generator.cli import run
from generator.write import MANIFEST
from generator.write import diff as write_diff

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MUSEUM = ROOT / "tests" / "specs" / "redocly-museum.yaml"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
SPOTIFY = CORPUS / "spotify-fixed.yml"

EXAMPLES = int(os.environ.get("OAGEN_PROPERTY_EXAMPLES", "40"))
#: Sequences per spec: one for every 10 examples (at least one; Spotify's, the slowest, halved).
PER_SPEC = max(1, EXAMPLES // 10)
#: Edits per sequence, at most.
MAX_STEPS = 4

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# --- running oagen --------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def diagnostics(self) -> list[str]:
        """The located errors and warnings (not the line saying what was done with the output)."""
        return [line for line in self.stderr.splitlines() if line.startswith(("error:", "warning:"))]


#: black's in-memory results (format.py) of the cold runs: a function of the source text alone, so
#: cold runs share them (black is slow); warm runs never see them.
_COLD_MEMORY: dict[str, dict[str, str]] = {}


@contextlib.contextmanager
def _as_a_new_process(cold: bool) -> Iterator[None]:
    """black's in-memory results (format.py) empty for a warm run, as in a process of its own (it
    has only the persistent cache); the cold runs' own for a cold one. Restored after."""
    saved = {}
    for name in ("_memory", "_statements"):
        value = getattr(format_module, name, None)
        if isinstance(value, dict):
            saved[name] = value
            setattr(format_module, name, _COLD_MEMORY.setdefault(name, {}) if cold else {})
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(format_module, name, value)


def oagen(*args: str | Path) -> Outcome:
    """``oagen ARGS --jobs 1`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with _as_a_new_process("--no-cache" in args), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([*map(str, args), "--jobs", "1"])
    return Outcome(code, out.getvalue(), err.getvalue())


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` by relative path (empty directories do not count)."""
    if not directory.is_dir():
        return {}
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def expected_diff(output: Path, generated: dict[str, bytes]) -> str:
    """What ``check`` prints for ``output`` when a cold generate made ``generated`` (manifest included)."""
    files = {path: data.decode("utf-8") for path, data in generated.items() if path != MANIFEST}
    return write_diff(output, files)


# --- specs: a directory copied to a temporary place, its YAML documents parsed ----------------------


@dataclass(frozen=True)
class Source:
    name: str
    directory: Path
    spec: str  # the spec's file name in ``directory``
    config: str | None = None
    #: Other documents the spec refers to (relative paths), edited too.
    others: tuple[str, ...] = ()

    def present(self) -> bool:
        return (self.directory / self.spec).is_file()


def _fixture_sources() -> list[Source]:
    out = []
    for spec in sorted(FIXTURES.glob("*/openapi.yaml")):
        directory = spec.parent
        others = tuple(
            p.relative_to(directory).as_posix()
            for p in sorted(directory.rglob("*.yaml"))
            if p.name not in ("openapi.yaml", "oagen.yaml") and "expected" not in p.relative_to(directory).parts
        )
        config = "oagen.yaml" if (directory / "oagen.yaml").is_file() else None
        out.append(Source(directory.name, directory, "openapi.yaml", config, others))
    return out


SOURCES = [
    *_fixture_sources(),
    Source("bundled", ROOT / "spec", "openapi.yaml", "oagen.yaml"),
    Source("museum", MUSEUM.parent, MUSEUM.name),
    Source("spotify", CORPUS, SPOTIFY.name),
]


class Workspace:
    """One sequence of edits: the spec's documents (parsed), its config, the options, and the
    directories: ``api`` (the spec, edited in place), ``out`` (generated warm), ``truth`` (cold)."""

    def __init__(self, root: Path, source: Source, skip_validation: bool = False) -> None:
        self.root = root
        self.api = root / "api"
        self.out = root / "out"
        self.truth = root / "truth"
        self.cache = root / "cache"
        self.api.mkdir(parents=True, exist_ok=True)
        self.main = source.spec
        self.docs: dict[str, Any] = {}
        for name in (source.spec, *source.others):
            self.docs[name] = yaml.load((source.directory / name).read_text(encoding="utf-8"), Loader=_Loader)
        self.config: dict[str, Any] | None = None
        self.config_name = source.config or "oagen.yaml"
        if source.config:
            loaded = yaml.load((source.directory / source.config).read_text(encoding="utf-8"), Loader=_Loader)
            self.config = loaded if isinstance(loaded, dict) else {}
        self.package_name: str | None = None
        self.skip_validation = skip_validation

    @property
    def spec(self) -> dict[str, Any]:
        return self.docs[self.main]

    @property
    def spec_path(self) -> Path:
        return self.api / self.main

    def write(self) -> None:
        """Every document and the config, to the same paths as before."""
        for name, data in self.docs.items():
            path = self.api / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dump(data), encoding="utf-8")
        config = self.api / self.config_name
        if self.config is not None:
            config.write_text(_dump(self.config), encoding="utf-8")
        elif config.exists():
            config.unlink()

    def args(self, output: Path, *, cold: bool) -> list[str | Path]:
        args: list[str | Path] = [self.spec_path, "--output", output]
        if self.config is not None:
            args += ["--config", self.api / self.config_name]
        if self.package_name is not None:
            args += ["--package-name", self.package_name]
        if self.skip_validation:
            args.append("--skip-validation")
        return [*args, *(["--no-cache"] if cold else ["--cache-dir", self.cache])]

    def warm(self, command: str) -> Outcome:
        return oagen(command, *self.args(self.out, cold=False))

    def cold_generate(self) -> Outcome:
        shutil.rmtree(self.truth, ignore_errors=True)
        return oagen("generate", *self.args(self.truth, cold=True))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


# --- the differential step ------------------------------------------------------------------------


def step(ws: Workspace, before: dict[str, bytes]) -> dict[str, bytes]:
    """After an edit: warm check and generate agree with a cold run. Returns the output now on disk."""
    cold = ws.cold_generate()
    assert cold.code in (0, 2), f"a cold run crashed (exit {cold.code}):\n{cold.stderr}"
    truth = tree(ws.truth) if cold.code == 0 else before
    stale = cold.code == 0 and truth != before
    event(f"cold exit {cold.code}" + (", output changed" if stale else ""))

    check = ws.warm("check")
    want = 2 if cold.code == 2 else 1 if stale else 0
    assert check.code == want, f"warm check exit {check.code}, a cold run says {want}:\n{check.stderr}"
    assert check.diagnostics == cold.diagnostics
    if cold.code == 0:
        assert check.stdout == expected_diff(ws.out, truth)
    else:
        assert check.stdout == ""
    assert bool(check.stdout) == stale
    assert tree(ws.out) == before  # check writes nothing

    generated = ws.warm("generate")
    assert generated.code == cold.code, generated.stderr
    assert generated.diagnostics == cold.diagnostics
    assert tree(ws.out) == truth  # the bytes of the cold run, the manifest too, nothing more

    again = ws.warm("check")
    assert again.code == (0 if cold.code == 0 else 2), again.stdout + again.stderr
    assert again.stdout == "" and again.diagnostics == cold.diagnostics
    return truth


# --- walking a spec -------------------------------------------------------------------------------

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ONE_SCHEMA = ("items", "additionalProperties", "not")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
SCALARS = ("string", "integer", "number", "boolean")
_COMPONENT_SCHEMAS = "#/components/schemas/"


def _walk_schema(node: Any, out: list[dict[str, Any]], seen: set[int]) -> None:
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    out.append(node)
    props = node.get("properties")
    if isinstance(props, dict):
        for value in props.values():
            _walk_schema(value, out, seen)
    for key in _ONE_SCHEMA:
        _walk_schema(node.get(key), out, seen)
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            for value in node[key]:
                _walk_schema(value, out, seen)


def _media_schemas(holder: Any) -> Iterator[Any]:
    content = holder.get("content") if isinstance(holder, dict) else None
    if isinstance(content, dict):
        for media in content.values():
            if isinstance(media, dict) and "schema" in media:
                yield media["schema"]


def _values(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list) else []


def schemas(ws: Workspace) -> list[dict[str, Any]]:
    """Every schema object of every document, in document order (each once)."""
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for name, doc in ws.docs.items():
        if not isinstance(doc, dict):
            continue
        if name != ws.main:  # another document: a mapping of schemas
            for value in doc.values():
                _walk_schema(value, out, seen)
            continue
        components = doc.get("components") if isinstance(doc.get("components"), dict) else {}
        for value in _values(components, "schemas"):
            _walk_schema(value, out, seen)
        for holder in [*_values(components, "parameters"), *_values(components, "headers")]:
            if isinstance(holder, dict):
                _walk_schema(holder.get("schema"), out, seen)
                for schema in _media_schemas(holder):
                    _walk_schema(schema, out, seen)
        for holder in [*_values(components, "requestBodies"), *_values(components, "responses")]:
            for schema in _media_schemas(holder):
                _walk_schema(schema, out, seen)
            for header in _values(holder, "headers"):
                if isinstance(header, dict):
                    _walk_schema(header.get("schema"), out, seen)
        for _, _, item in path_items(ws):
            for param in _values(item, "parameters"):
                if isinstance(param, dict):
                    _walk_schema(param.get("schema"), out, seen)
        for op in operations(ws):
            for param in _values(op.node, "parameters"):
                if isinstance(param, dict):
                    _walk_schema(param.get("schema"), out, seen)
                    for schema in _media_schemas(param):
                        _walk_schema(schema, out, seen)
            for schema in _media_schemas(op.node.get("requestBody")):
                _walk_schema(schema, out, seen)
            for response in _values(op.node, "responses"):
                for schema in _media_schemas(response):
                    _walk_schema(schema, out, seen)
                for header in _values(response, "headers"):
                    if isinstance(header, dict):
                        _walk_schema(header.get("schema"), out, seen)
    return out


def path_items(ws: Workspace) -> list[tuple[str, str, dict[str, Any]]]:
    """(section, key, path item) of ``paths`` and ``webhooks``."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for section in ("paths", "webhooks"):
        items = ws.spec.get(section)
        if isinstance(items, dict):
            out.extend((section, key, item) for key, item in items.items() if isinstance(item, dict))
    return out


@dataclass
class Op:
    section: str
    path: str
    method: str
    item: dict[str, Any]
    node: dict[str, Any]


def operations(ws: Workspace) -> list[Op]:
    return [
        Op(section, key, method, item, item[method])
        for section, key, item in path_items(ws)
        for method in METHODS
        if isinstance(item.get(method), dict)
    ]


def component_schemas(ws: Workspace) -> dict[str, Any]:
    components = ws.spec.get("components")
    found = components.get("schemas") if isinstance(components, dict) else None
    return found if isinstance(found, dict) else {}


def security_schemes(ws: Workspace) -> dict[str, Any]:
    components = ws.spec.get("components")
    found = components.get("securitySchemes") if isinstance(components, dict) else None
    return found if isinstance(found, dict) else {}


def _type_of(schema: dict[str, Any]) -> str | None:
    """The schema's non-null scalar type, for ``type: x`` and ``type: [x, "null"]``."""
    kind = schema.get("type")
    if isinstance(kind, list):
        rest = [k for k in kind if k != "null"]
        kind = rest[0] if len(rest) == 1 else None
    return kind if kind in SCALARS else None


def _is_31(ws: Workspace) -> bool:
    return not str(ws.spec.get("openapi", "")).startswith("3.0")


def _resolve(ws: Workspace, node: Any) -> Any:
    """A local ``$ref`` followed (one level); anything else as it is."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = ws.spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        return target
    return node


# --- what edits draw ------------------------------------------------------------------------------

Draw = Callable[..., Any]

NAMES = ["vip", "extra", "class", "created_at", "HTTPCode", "x-y", "_private", "2fa", "type", "model_config", "Name"]
TEXTS = [
    "Changed.",
    "A longer description, long enough that a docstring has to wrap it somewhere along this line of text.",
    'Quotes: "double", \'single\', and """triple""".',
    "Two lines.\n\nThe second one.",
    "Back\\slash and {{ braces }}",
    "Ünïcödé ✓",
]
STRING_FORMATS = [None, "uuid", "date-time", "date", "time", "email", "uri", "binary", "byte", "password"]
FORMATS = {"string": STRING_FORMATS, "integer": [None, "int32", "int64"], "number": [None, "float", "double"]}
MEDIA = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded", "text/plain"]
MEDIA += ["application/octet-stream", "application/problem+json"]
STATUSES = ["200", "201", "202", "204", "301", "400", "404", "409", "422", "500", "default", "4XX"]


def choose(draw: Draw, items: list[Any], label: str) -> Any:
    return items[draw(st.integers(0, len(items) - 1), label=label)]


def fresh(draw: Draw, taken: Any, pool: list[str], label: str) -> str:
    """A name from ``pool`` (or one made from it) not in ``taken``."""
    name = choose(draw, pool, label)
    n = 2
    base = name
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def text(draw: Draw, label: str = "text") -> str:
    return draw(st.one_of(st.sampled_from(TEXTS), st.text(st.characters(codec="utf-8"), max_size=12)), label=label)


def scalar_value(draw: Draw, schema: dict[str, Any]) -> Any:
    """A value of the schema's type (one of its enum values if it has an enum)."""
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return choose(draw, schema["enum"], "enum value")
    kind = _type_of(schema)
    if kind == "integer":
        return draw(st.integers(-5, 100), label="integer")
    if kind == "number":
        return draw(st.sampled_from([0.5, 1.0, 2, -3.25]), label="number")
    if kind == "boolean":
        return draw(st.booleans(), label="boolean")
    return draw(st.sampled_from(["", "x", "default value", "2024-01-01", "a b"]), label="string")


def new_schema(draw: Draw, ws: Workspace) -> dict[str, Any]:
    """A small schema: a scalar (with a format, an enum, nullable), an array, a map, an object, a $ref."""
    names = list(component_schemas(ws))
    kinds = ["string", "integer", "number", "boolean", "enum", "array", "map", "object", "nullable"]
    kind = draw(st.sampled_from(kinds + (["ref", "ref"] if names else [])), label="schema kind")
    if kind == "ref":
        return {"$ref": _COMPONENT_SCHEMAS + choose(draw, names, "ref target")}
    if kind == "enum":
        return {"type": "string", "enum": draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))}
    if kind == "array":
        return {"type": "array", "items": new_schema(draw, ws) if draw(st.booleans()) else {"type": "string"}}
    if kind == "map":
        return {"type": "object", "additionalProperties": {"type": "integer"}}
    if kind == "object":
        name = choose(draw, NAMES, "property")
        return {"type": "object", "required": [name], "properties": {name: {"type": "string"}}}
    if kind == "nullable":
        return {"type": ["string", "null"]} if _is_31(ws) else {"type": "string", "nullable": True}
    schema: dict[str, Any] = {"type": kind}
    format = choose(draw, FORMATS.get(kind, [None]), "format")
    if format:
        schema["format"] = format
    return schema


# --- the edits: each changes ``ws`` and says what it did, or returns None when it has no target ---


def edit_enum_add(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if isinstance(s.get("enum"), list)]
    if not targets:
        return None
    schema = choose(draw, targets, "enum")
    values = schema["enum"]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        value: Any = max(values) + draw(st.integers(1, 3))
    else:
        value = fresh(draw, values, NAMES, "enum value")
    values.insert(draw(st.integers(0, len(values)), label="position"), value)
    return f"enum {values!r}: added {value!r}"


def edit_enum_remove(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if isinstance(s.get("enum"), list) and s["enum"]]
    if not targets:
        return None
    schema = choose(draw, targets, "enum")
    if len(schema["enum"]) == 1:
        del schema["enum"]
        return "enum of one value dropped"
    value = schema["enum"].pop(draw(st.integers(0, len(schema["enum"]) - 1), label="position"))
    if schema.get("default") == value:
        del schema["default"]
    return f"enum value {value!r} removed"


def edit_enum_create(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if _type_of(s) == "string" and "enum" not in s]
    if not targets:
        return None
    schema = choose(draw, targets, "string")
    schema["enum"] = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True), label="values")
    schema.pop("default", None)
    return f"enum {schema['enum']!r} given to a string"


def edit_scalar_type(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if _type_of(s)]
    if not targets:
        return None
    schema = choose(draw, targets, "scalar")
    old = _type_of(schema)
    new = draw(st.sampled_from([k for k in SCALARS if k != old]), label="new type")
    schema["type"] = [new if k == old else k for k in schema["type"]] if isinstance(schema["type"], list) else new
    numeric = {old, new} == {"integer", "number"}
    if not numeric or draw(st.booleans(), label="drop constraints"):
        for key in ("enum", "default", "format", "pattern", "minLength", "maxLength", "minimum", "maximum"):
            if key in schema and not (numeric and key in ("minimum", "maximum")):
                del schema[key]
    return f"type {old} -> {new}"


def edit_format(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if _type_of(s) in FORMATS]
    if not targets:
        return None
    schema = choose(draw, targets, "scalar")
    old = schema.get("format")
    new = draw(st.sampled_from([f for f in FORMATS[_type_of(schema) or "string"] if f != old]), label="format")
    if new is None:
        schema.pop("format", None)
    else:
        schema["format"] = new
    return f"format {old} -> {new}"


def edit_nullable(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if "type" in s]
    if not targets:
        return None
    schema = choose(draw, targets, "typed schema")
    style = draw(st.sampled_from(["as the version says", "nullable", "type list"]), label="style")
    if style == "as the version says":
        style = "type list" if _is_31(ws) else "nullable"
    if style == "nullable":
        if schema.pop("nullable", None):
            return "nullable removed"
        schema["nullable"] = True
        return "nullable: true"
    kind = schema["type"]
    if isinstance(kind, list):
        rest = [k for k in kind if k != "null"]
        schema["type"] = (rest[0] if len(rest) == 1 else rest) if "null" in kind else [*kind, "null"]
    else:
        schema["type"] = [kind, "null"]
    return f"type {kind!r} -> {schema['type']!r}"


def _objects(ws: Workspace) -> list[dict[str, Any]]:
    return [s for s in schemas(ws) if isinstance(s.get("properties"), dict) and s["properties"]]


def edit_required(draw: Draw, ws: Workspace) -> str | None:
    targets = _objects(ws)
    if not targets:
        return None
    schema = choose(draw, targets, "object")
    name = choose(draw, list(schema["properties"]), "property")
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    if name in required:
        required.remove(name)
        if not required:
            schema.pop("required", None)
        return f"{name!r} no longer required"
    schema["required"] = [*required, name]
    return f"{name!r} required"


def edit_read_write_only(draw: Draw, ws: Workspace) -> str | None:
    targets = [(s, n) for s in _objects(ws) for n, p in s["properties"].items() if isinstance(p, dict)]
    if not targets:
        return None
    schema, name = choose(draw, targets, "property")
    prop = schema["properties"][name]
    key = draw(st.sampled_from(["readOnly", "writeOnly"]), label="which")
    if prop.pop(key, None):
        return f"{name!r}: {key} removed"
    prop[key] = True
    return f"{name!r}: {key}"


def edit_default(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if _type_of(s)]
    if not targets:
        return None
    schema = choose(draw, targets, "scalar")
    if "default" in schema and draw(st.booleans(), label="remove"):
        return f"default {schema.pop('default')!r} removed"
    schema["default"] = scalar_value(draw, schema)
    return f"default {schema['default']!r}"


def _texts(ws: Workspace) -> list[tuple[dict[str, Any], str, bool]]:
    """(node, key, may be removed) of every description, summary and title an edit may touch."""
    out: list[tuple[dict[str, Any], str, bool]] = []
    info = ws.spec.get("info")
    if isinstance(info, dict):
        out.append((info, "description", True))
    for tag in _values(ws.spec, "tags"):
        if isinstance(tag, dict):
            out.append((tag, "description", True))
    for schema in schemas(ws):
        out += [(schema, "description", True), (schema, "title", True)]
    for op in operations(ws):
        out += [(op.node, "summary", True), (op.node, "description", True)]
        for param in _values(op.node, "parameters"):
            if isinstance(param, dict) and "$ref" not in param:
                out.append((param, "description", True))
        for response in _values(op.node, "responses"):
            if isinstance(response, dict) and "$ref" not in response:
                out.append((response, "description", False))
        body = op.node.get("requestBody")
        if isinstance(body, dict) and "$ref" not in body:
            out.append((body, "description", True))
    return out


def edit_text(draw: Draw, ws: Workspace) -> str | None:
    targets = _texts(ws)
    if not targets:
        return None
    node, key, removable = choose(draw, targets, "text")
    if key in node and removable and draw(st.booleans(), label="remove"):
        del node[key]
        return f"{key} removed"
    node[key] = text(draw)
    return f"{key} = {node[key]!r}"


def edit_property_add(draw: Draw, ws: Workspace) -> str | None:
    targets = [s for s in schemas(ws) if isinstance(s.get("properties"), dict) or s.get("type") == "object"]
    if not targets:
        return None
    schema = choose(draw, targets, "object")
    props = schema.setdefault("properties", {})
    if not isinstance(props, dict):
        return None
    name = fresh(draw, props, NAMES, "property")
    props[name] = new_schema(draw, ws)
    if draw(st.booleans(), label="required"):
        schema["required"] = [*(schema.get("required") or []), name]
    return f"property {name!r} added: {props[name]!r}"


def edit_property_remove(draw: Draw, ws: Workspace) -> str | None:
    targets = _objects(ws)
    if not targets:
        return None
    schema = choose(draw, targets, "object")
    name = choose(draw, list(schema["properties"]), "property")
    del schema["properties"][name]
    if isinstance(schema.get("required"), list) and name in schema["required"]:
        schema["required"].remove(name)
        if not schema["required"]:
            del schema["required"]
    return f"property {name!r} removed"


def edit_property_retype(draw: Draw, ws: Workspace) -> str | None:
    targets = _objects(ws)
    if not targets:
        return None
    schema = choose(draw, targets, "object")
    name = choose(draw, list(schema["properties"]), "property")
    schema["properties"][name] = new_schema(draw, ws)
    return f"property {name!r} is now {schema['properties'][name]!r}"


def _refs(node: Any, change: Callable[[str], str]) -> None:
    """Every ``$ref`` and discriminator mapping value under ``node`` replaced by ``change(value)``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                node[key] = change(value)
            elif key == "mapping" and isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, str):
                        value[k] = change(v)
            else:
                _refs(value, change)
    elif isinstance(node, list):
        for value in node:
            _refs(value, change)


def edit_schema_rename(draw: Draw, ws: Workspace) -> str | None:
    names = list(component_schemas(ws))
    if not names:
        return None
    old = choose(draw, names, "schema")
    new = fresh(draw, names, [old + "Renamed", "Renamed", "Pet", "Error", "Class", old.lower()], "new name")
    schemas_ = component_schemas(ws)
    items = [(new if k == old else k, v) for k, v in schemas_.items()]
    schemas_.clear()
    schemas_.update(items)
    pointer = re.compile("(#/components/schemas/)" + re.escape(old.replace("~", "~0").replace("/", "~1")) + "(/|$)")

    def change(ref: str) -> str:
        if ref == old:  # a discriminator mapping may name the schema alone
            return new
        return pointer.sub(lambda m: m.group(1) + new.replace("~", "~0").replace("/", "~1") + m.group(2), ref)

    for doc in ws.docs.values():
        _refs(doc, change)
    entries = (ws.config or {}).get("schemas")
    if isinstance(entries, dict) and old in entries:
        entries[new] = entries.pop(old)
    return f"schema {old!r} renamed {new!r}"


def edit_composition_add(draw: Draw, ws: Workspace) -> str | None:
    targets = [(s, k) for s in schemas(ws) for k in ("allOf", "oneOf", "anyOf") if isinstance(s.get(k), list)]
    if targets and draw(st.booleans(), label="existing"):
        schema, key = choose(draw, targets, "composition")
        member = new_schema(draw, ws)
        schema[key].insert(draw(st.integers(0, len(schema[key])), label="position"), member)
        return f"{key} member added: {member!r}"
    objects = _objects(ws)
    if not objects:
        return None
    schema = choose(draw, objects, "object")
    name = choose(draw, list(schema["properties"]), "property")
    key = draw(st.sampled_from(["allOf", "oneOf", "anyOf"]), label="kind")
    schema["properties"][name] = {key: [schema["properties"][name], new_schema(draw, ws)]}
    return f"property {name!r} made a {key}"


def edit_composition_remove(draw: Draw, ws: Workspace) -> str | None:
    targets = [(s, k) for s in schemas(ws) for k in ("allOf", "oneOf", "anyOf") if isinstance(s.get(k), list)]
    targets = [(s, k) for s, k in targets if s[k]]
    if not targets:
        return None
    schema, key = choose(draw, targets, "composition")
    member = schema[key].pop(draw(st.integers(0, len(schema[key]) - 1), label="member"))
    if not schema[key]:
        del schema[key]
    return f"{key} member removed: {member!r}"


def edit_discriminator(draw: Draw, ws: Workspace) -> str | None:
    unions = [s for s in schemas(ws) if isinstance(s.get("oneOf") or s.get("anyOf"), list)]
    if not unions:
        return None
    schema = choose(draw, unions, "union")
    members = [m["$ref"] for m in schema.get("oneOf") or schema.get("anyOf") if isinstance(m, dict) and "$ref" in m]
    disc = schema.get("discriminator")
    if not isinstance(disc, dict):
        name = draw(st.sampled_from(["kind", "type", "pet_type", "mode"]), label="property")
        schema["discriminator"] = {"propertyName": name}
        return f"discriminator on {name!r} added"
    action = draw(st.sampled_from(["add mapping", "remove mapping", "property", "remove"]), label="action")
    mapping = disc.get("mapping") if isinstance(disc.get("mapping"), dict) else None
    if action == "add mapping" and members:
        value = choose(draw, members, "member")
        disc.setdefault("mapping", {})[fresh(draw, mapping or {}, NAMES, "tag")] = value
        return f"mapping to {value!r} added"
    if action == "remove mapping" and mapping:
        key = choose(draw, list(mapping), "tag")
        del mapping[key]
        if not mapping:
            del disc["mapping"]
        return f"mapping {key!r} removed"
    if action == "property":
        disc["propertyName"] = draw(st.sampled_from(["kind", "type", "pet_type", "name"]), label="property")
        return f"discriminator property {disc['propertyName']!r}"
    del schema["discriminator"]
    return "discriminator removed"


def _param_key(ws: Workspace, param: Any) -> tuple[Any, Any]:
    resolved = _resolve(ws, param)
    return (resolved.get("name"), resolved.get("in")) if isinstance(resolved, dict) else (None, None)


def edit_parameter_add(draw: Draw, ws: Workspace) -> str | None:
    ops = operations(ws)
    if not ops:
        return None
    op = choose(draw, ops, "operation")
    params = op.node.setdefault("parameters", [])
    if not isinstance(params, list):
        return None
    where = draw(st.sampled_from(["query", "header", "cookie"]), label="in")
    taken = {_param_key(ws, p)[0] for p in params}
    name = fresh(draw, taken, ["limit", "X-Extra", "filter", "class", "page_token", "q"], "name")
    param = {"name": name, "in": where, "required": draw(st.booleans(), label="required")}
    param["schema"] = new_schema(draw, ws)
    params.insert(draw(st.integers(0, len(params)), label="position"), param)
    return f"{op.method} {op.path}: parameter {param!r} added"


def _inline_params(ws: Workspace, path_ok: bool = False) -> list[tuple[Op, list[Any], int]]:
    return [
        (op, op.node["parameters"], i)
        for op in operations(ws)
        for i, p in enumerate(_values(op.node, "parameters"))
        if isinstance(op.node.get("parameters"), list) and (path_ok or _param_key(ws, p)[1] != "path")
    ]


def edit_parameter_remove(draw: Draw, ws: Workspace) -> str | None:
    targets = _inline_params(ws)
    if not targets:
        return None
    op, params, i = choose(draw, targets, "parameter")
    removed = params.pop(i)
    if not params:
        del op.node["parameters"]
    return f"{op.method} {op.path}: parameter {_param_key(ws, removed)} removed"


def _add_path_param(draw: Draw, ws: Workspace, section: str, key: str, name: str, schema: Any) -> str:
    """``/{name}`` appended to the path, the parameter declared at the path item's level."""
    items = ws.spec[section]
    new_key = key.rstrip("/") + "/{" + name + "}"
    n = 2
    while new_key in items:
        new_key, n = key.rstrip("/") + f"/x{n}" + "/{" + name + "}", n + 1
    entries = [(new_key if k == key else k, v) for k, v in items.items()]
    items.clear()
    items.update(entries)
    item = items[new_key]
    param = {"name": name, "in": "path", "required": True, "schema": schema}
    if draw(st.booleans(), label="at path level"):
        item.setdefault("parameters", []).append(param)
    else:
        for method in METHODS:
            if isinstance(item.get(method), dict):
                item[method].setdefault("parameters", []).append(dict(param))
    return new_key


def edit_path_parameter_add(draw: Draw, ws: Workspace) -> str | None:
    items = [(s, k, i) for s, k, i in path_items(ws) if s == "paths" and isinstance(i.get("parameters", []), list)]
    if not items:
        return None
    section, key, item = choose(draw, items, "path")
    taken = set(re.findall(r"{([^}]*)}", key))
    name = fresh(draw, taken, ["id", "name", "version", "class"], "name")
    new_key = _add_path_param(draw, ws, section, key, name, {"type": draw(st.sampled_from(["string", "integer"]))})
    return f"path {key!r} -> {new_key!r}"


def edit_path_parameter_remove(draw: Draw, ws: Workspace) -> str | None:
    targets = [(s, k, i, n) for s, k, i in path_items(ws) for n in re.findall(r"{([^}]*)}", k) if s == "paths"]
    if not targets:
        return None
    section, key, item, name = choose(draw, targets, "path parameter")
    new_key = key.replace("{" + name + "}", name)
    items = ws.spec[section]
    if new_key in items:
        return None
    entries = [(new_key if k == key else k, v) for k, v in items.items()]
    items.clear()
    items.update(entries)
    for holder in [item, *(item[m] for m in METHODS if isinstance(item.get(m), dict))]:
        if isinstance(holder.get("parameters"), list):
            holder["parameters"] = [p for p in holder["parameters"] if _param_key(ws, p) != (name, "path")]
            if not holder["parameters"]:
                del holder["parameters"]
    return f"path {key!r} -> {new_key!r}"


def edit_parameter_move(draw: Draw, ws: Workspace) -> str | None:
    targets = [(op, ps, i) for op, ps, i in _inline_params(ws) if isinstance(ps[i], dict) and "$ref" not in ps[i]]
    if not targets:
        return None
    op, params, i = choose(draw, targets, "parameter")
    param = params[i]
    where = draw(st.sampled_from([w for w in ("query", "header", "cookie", "path") if w != param.get("in")]))
    if where != "path":
        old, param["in"] = param.get("in"), where
        if param.get("style") or param.get("explode") is not None:  # styles differ between locations
            param.pop("style", None)
            param.pop("explode", None)
        return f"{op.method} {op.path}: {param.get('name')!r} moved from {old} to {where}"
    name = param.get("name")
    if op.section != "paths" or not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", name):
        return None
    if "{" + name + "}" in op.path:
        return None
    params.pop(i)
    if not params:
        del op.node["parameters"]
    new_key = _add_path_param(draw, ws, op.section, op.path, name, param.get("schema", {"type": "string"}))
    return f"{op.method} {op.path}: {name!r} moved to the path {new_key!r}"


def edit_request_body(draw: Draw, ws: Workspace) -> str | None:
    ops = operations(ws)
    if not ops:
        return None
    op = choose(draw, ops, "operation")
    body = op.node.get("requestBody")
    action = draw(st.sampled_from(["add or replace", "remove", "media type", "required"]), label="action")
    if action == "remove" and body is not None:
        del op.node["requestBody"]
        return f"{op.method} {op.path}: request body removed"
    if action == "media type" and isinstance(body, dict) and isinstance(body.get("content"), dict) and body["content"]:
        content = body["content"]
        old = choose(draw, list(content), "media")
        new = fresh(draw, content, MEDIA, "new media")
        entries = [(new if k == old else k, v) for k, v in content.items()]
        content.clear()
        content.update(entries)
        return f"{op.method} {op.path}: body {old} -> {new}"
    if action == "required" and isinstance(body, dict) and "$ref" not in body:
        body["required"] = not body.get("required", False)
        return f"{op.method} {op.path}: body required={body['required']}"
    media = draw(st.sampled_from(MEDIA), label="media")
    schema = new_schema(draw, ws)
    if media in ("multipart/form-data", "application/x-www-form-urlencoded") and "$ref" not in schema:
        schema = {"type": "object", "properties": {"field": schema, "file": {"type": "string", "format": "binary"}}}
    op.node["requestBody"] = {"required": draw(st.booleans()), "content": {media: {"schema": schema}}}
    return f"{op.method} {op.path}: request body {op.node['requestBody']!r}"


def edit_response(draw: Draw, ws: Workspace) -> str | None:
    ops = [op for op in operations(ws) if isinstance(op.node.get("responses"), dict)]
    if not ops:
        return None
    op = choose(draw, ops, "operation")
    responses = op.node["responses"]
    action = draw(st.sampled_from(["add", "remove", "status", "schema", "media type", "no content"]), label="action")
    codes = list(responses)
    if action == "remove" and len(codes) > 1:
        code = choose(draw, codes, "status")
        del responses[code]
        return f"{op.method} {op.path}: response {code} removed"
    if action == "status" and codes:
        old = choose(draw, codes, "status")
        new = fresh(draw, [str(c) for c in codes], STATUSES, "new status")
        entries = [(new if k == old else k, v) for k, v in responses.items()]
        responses.clear()
        responses.update(entries)
        return f"{op.method} {op.path}: response {old} -> {new}"
    inline = [c for c in codes if isinstance(responses[c], dict) and "$ref" not in responses[c]]
    if action in ("schema", "media type", "no content") and inline:
        code = choose(draw, inline, "status")
        if action == "no content":
            responses[code].pop("content", None)
            return f"{op.method} {op.path}: response {code} has no content"
        content = responses[code].setdefault("content", {})
        if action == "media type" and content:
            old = choose(draw, list(content), "media")
            new = fresh(draw, content, MEDIA, "new media")
            content[new] = content.pop(old)
            return f"{op.method} {op.path}: response {code} {old} -> {new}"
        media = next(iter(content), "application/json")
        content[media] = {"schema": new_schema(draw, ws)}
        return f"{op.method} {op.path}: response {code} schema {content[media]!r}"
    code = fresh(draw, [str(c) for c in codes], STATUSES, "status")
    response: dict[str, Any] = {"description": text(draw)}
    if code != "204" and draw(st.booleans(), label="content"):
        response["content"] = {"application/json": {"schema": new_schema(draw, ws)}}
    responses[code] = response
    return f"{op.method} {op.path}: response {code} added"


def _requirements(ws: Workspace) -> list[list[Any]]:
    found = [ws.spec["security"]] if isinstance(ws.spec.get("security"), list) else []
    return found + [op.node["security"] for op in operations(ws) if isinstance(op.node.get("security"), list)]


def edit_security(draw: Draw, ws: Workspace) -> str | None:
    schemes = security_schemes(ws)
    action = draw(st.sampled_from(["add", "remove", "change", "global", "operation"]), label="action")
    if action == "remove" and schemes:
        name = choose(draw, list(schemes), "scheme")
        del schemes[name]
        for requirements in _requirements(ws):
            requirements[:] = [r for r in requirements if not (isinstance(r, dict) and name in r)]
        auth = (ws.config or {}).get("auth")
        if isinstance(auth, dict) and draw(st.booleans(), label="config too"):
            auth.pop(name, None)
        return f"security scheme {name!r} removed"
    if action == "change" and schemes:
        name = choose(draw, list(schemes), "scheme")
        if isinstance(schemes[name], dict) and schemes[name].get("type") == "apiKey":
            schemes[name]["in"] = draw(st.sampled_from(["header", "query", "cookie"]), label="in")
            schemes[name]["name"] = draw(st.sampled_from(["X-Api-Key", "api_key", "token"]), label="name")
        else:
            schemes[name] = {"type": "http", "scheme": draw(st.sampled_from(["bearer", "basic"]), label="scheme")}
        return f"security scheme {name!r} is now {schemes[name]!r}"
    if action in ("global", "operation") and schemes:
        chosen = draw(st.lists(st.sampled_from(sorted(schemes)), max_size=2, unique=True), label="schemes")
        requirement: list[dict[str, list[str]]] = [{name: []} for name in chosen]
        if action == "global":
            ws.spec["security"] = requirement
            return f"global security {requirement!r}"
        ops = operations(ws)
        if not ops:
            return None
        op = choose(draw, ops, "operation")
        op.node["security"] = requirement
        return f"{op.method} {op.path}: security {requirement!r}"
    name = fresh(draw, schemes, ["ApiKey", "bearerAuth", "basic", "Token"], "scheme")
    kind = draw(st.sampled_from(["apiKey", "bearer", "basic"]), label="kind")
    scheme: dict[str, Any] = {"type": "http", "scheme": kind}
    if kind == "apiKey":
        scheme = {"type": "apiKey", "in": draw(st.sampled_from(["header", "query", "cookie"])), "name": "X-Key"}
    ws.spec.setdefault("components", {}).setdefault("securitySchemes", {})[name] = scheme
    if draw(st.booleans(), label="required globally"):
        ws.spec.setdefault("security", []).append({name: []})
    return f"security scheme {name!r} added: {scheme!r}"


def edit_servers(draw: Draw, ws: Workspace) -> str | None:
    servers = ws.spec.get("servers")
    action = draw(st.sampled_from(["url", "add", "remove"]), label="action")
    url = draw(st.sampled_from(["https://other.example.com/v9", "http://localhost:8080", "/relative"]), label="url")
    if action == "remove" and servers:
        del ws.spec["servers"]
        return "servers removed"
    if action == "url" and isinstance(servers, list) and servers and isinstance(servers[0], dict):
        servers[0]["url"] = url
        return f"server url {url!r}"
    ws.spec["servers"] = [{"url": url}, *(servers if isinstance(servers, list) else [])]
    return f"server {url!r} added"


def edit_info(draw: Draw, ws: Workspace) -> str | None:
    info = ws.spec.setdefault("info", {})
    key = draw(st.sampled_from(["title", "version", "description"]), label="key")
    values = {
        "title": ["Other API", "x", "My API 2", "Museum", "日本 API", "class"],
        "version": ["2.0.0", "1.0.0-beta", "2024-01-01"],
        "description": TEXTS,
    }[key]
    info[key] = draw(st.sampled_from(values), label="value")
    return f"info.{key} = {info[key]!r}"


def edit_tags(draw: Draw, ws: Workspace) -> str | None:
    ops = operations(ws)
    if draw(st.booleans(), label="top level") or not ops:
        tags = ws.spec.get("tags")
        if isinstance(tags, list) and tags and draw(st.booleans(), label="remove"):
            removed = tags.pop(draw(st.integers(0, len(tags) - 1), label="tag"))
            return f"tag {removed!r} removed"
        taken = {t.get("name") for t in tags or [] if isinstance(t, dict)}
        name = fresh(draw, taken, ["things", "admin", "beta", "class"], "tag")
        ws.spec["tags"] = [*(tags if isinstance(tags, list) else []), {"name": name, "description": text(draw)}]
        return f"tag {name!r} declared"
    op = choose(draw, ops, "operation")
    tags = draw(st.lists(st.sampled_from(["things", "admin", "beta", "class", "pets"]), max_size=2, unique=True))
    if tags:
        op.node["tags"] = tags
    else:
        op.node.pop("tags", None)
    return f"{op.method} {op.path}: tags {tags!r}"


def edit_operation_id(draw: Draw, ws: Workspace) -> str | None:
    ops = operations(ws)
    if not ops:
        return None
    op = choose(draw, ops, "operation")
    old = op.node.get("operationId")
    pool = ["getThing", "list-things", "class", "do it", "items/get-item", "listPets"]
    new = draw(st.one_of(st.none(), st.sampled_from(pool)), label="operationId")
    if new is None:
        op.node.pop("operationId", None)
    else:
        op.node["operationId"] = new
    return f"{op.method} {op.path}: operationId {old!r} -> {new!r}"


def edit_path_add(draw: Draw, ws: Workspace) -> str | None:
    paths = ws.spec.setdefault("paths", {})
    if not isinstance(paths, dict):
        return None
    key = fresh(draw, paths, ["/extra", "/things/{thingId}", "/v2/items", "/class"], "path")
    method = draw(st.sampled_from(["get", "post", "delete"]), label="method")
    op: dict[str, Any] = {"responses": {"200": {"description": "OK."}}}
    if draw(st.booleans(), label="content"):
        op["responses"]["200"]["content"] = {"application/json": {"schema": new_schema(draw, ws)}}
    for name in re.findall(r"{([^}]*)}", key):
        op["parameters"] = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]
    if method == "post" and draw(st.booleans(), label="body"):
        op["requestBody"] = {"content": {"application/json": {"schema": new_schema(draw, ws)}}}
    if draw(st.booleans(), label="operationId"):
        op["operationId"] = draw(st.sampled_from(["newOp", "extraThing", "class"]))
    paths[key] = {method: op}
    return f"path {key!r} added ({method})"


def edit_path_remove(draw: Draw, ws: Workspace) -> str | None:
    items = [(s, k) for s, k, _ in path_items(ws)]
    if not items:
        return None
    section, key = choose(draw, items, "path")
    del ws.spec[section][key]
    return f"{section} {key!r} removed"


def edit_config(draw: Draw, ws: Workspace) -> str | None:
    """An edit of the config file (made when there is none), or no more config."""
    created = ws.config is None
    config = ws.config if ws.config is not None else {}
    said = _edit_config(draw, ws, config, "created, " if created else "")
    if said is not None:
        ws.config = None if said == _DROPPED else config
    return said


_DROPPED = "config dropped (no --config)"


def _edit_config(draw: Draw, ws: Workspace, config: dict[str, Any], said: str) -> str | None:
    actions = ["client name", "async name", "error base", "base url", "headers", "package name", "project"]
    actions += ["version", "schema name", "auth", "operation", "drop"]
    action = draw(st.sampled_from(actions), label="config edit")
    client = config.get("client") if isinstance(config.get("client"), dict) else None
    if action in ("client name", "async name", "error base", "base url", "headers"):
        client = config.setdefault("client", {}) if client is None else client
        key = {"client name": "name", "async name": "async_name", "error base": "error_base"}.get(action)
        if action == "base url":
            key = draw(st.sampled_from(["base_url", "base_url_env"]), label="key")
        value: Any = draw(st.sampled_from(["Alpha", "Beta", "Museum", "Other", "not an identifier", None]))
        if action == "base url":
            value = draw(st.sampled_from(["https://config.example.com", "MY_BASE_URL", None]), label="url")
        if action == "headers":
            key = "default_headers"
            value = draw(st.one_of(st.none(), st.dictionaries(st.sampled_from(["x-a", "X-Version"]), st.just("1"))))
        assert key is not None
        if value is None:
            client.pop(key, None)
        else:
            client[key] = value
        return f"config {said}client.{key} = {value!r}"
    if action in ("package name", "project", "version"):
        key = {"package name": "package_name", "project": "project_name", "version": "version"}[action]
        pool = {
            "package_name": ["pkg_one", "other_client", "1bad", None],
            "project_name": ["some-project", "other", None],
            "version": ["1.2.3", "0.0.1", None],
        }[key]
        value = draw(st.sampled_from(pool), label=key)
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
        return f"config {said}{key} = {value!r}"
    if action == "schema name":
        entries = config.setdefault("schemas", {})
        names = list(component_schemas(ws))
        if entries and draw(st.booleans(), label="remove"):
            name = choose(draw, list(entries), "entry")
            del entries[name]
            return f"config {said}schemas.{name} removed"
        name = choose(draw, names, "schema") if names else "NoSuchSchema"
        entries[name] = {"name": draw(st.sampled_from(["Renamed", "Thing", "Pet", "Other"]), label="new name")}
        return f"config {said}schemas.{name} = {entries[name]!r}"
    if action == "auth":
        schemes = list(security_schemes(ws))
        if not schemes:
            return None
        name = choose(draw, schemes, "scheme")
        auth = config.setdefault("auth", {})
        entry = draw(
            st.sampled_from([None, {"argument": "token", "env": "MY_TOKEN"}, {"env": "OTHER_KEY"}]), label="entry"
        )
        if entry is None:
            auth.pop(name, None)
        else:
            auth[name] = entry
        return f"config {said}auth.{name} = {entry!r}"
    if action == "operation":
        ops = operations(ws)
        if not ops:
            return None
        op = choose(draw, ops, "operation")
        key = op.node.get("operationId") or f"{op.method.upper()} {op.path}"
        entries = config.setdefault("operations", {})
        entry = draw(
            st.sampled_from([None, {"resource": "things.sub", "method": "do_it"}, {"method": "fetch"}]), label="entry"
        )
        if entry is None:
            entries.pop(key, None)
        else:
            entries[key] = entry
        return f"config {said}operations[{key!r}] = {entry!r}"
    return _DROPPED


def edit_package_name_option(draw: Draw, ws: Workspace) -> str | None:
    ws.package_name = draw(st.sampled_from([None, "pkg_one", "other_client"]), label="--package-name")
    return f"--package-name {ws.package_name}"


def edit_other_document(draw: Draw, ws: Workspace) -> str | None:
    """An edit in a document the spec refers to (when there is one)."""
    others = [name for name in ws.docs if name != ws.main]
    if not others:
        return None
    name = choose(draw, others, "document")
    found: list[dict[str, Any]] = []
    for value in ws.docs[name].values() if isinstance(ws.docs[name], dict) else ():
        _walk_schema(value, found, set())
    if not found:
        return None
    schema = choose(draw, found, "schema")
    if isinstance(schema.get("properties"), dict) and draw(st.booleans(), label="property"):
        prop = fresh(draw, schema["properties"], NAMES, "property")
        schema["properties"][prop] = new_schema(draw, ws)
        return f"{name}: property {prop!r} added"
    schema["description"] = text(draw)
    return f"{name}: description {schema['description']!r}"


EDITS: list[Callable[[Draw, Workspace], str | None]] = [
    edit_enum_add,
    edit_enum_remove,
    edit_enum_create,
    edit_scalar_type,
    edit_format,
    edit_nullable,
    edit_required,
    edit_read_write_only,
    edit_default,
    edit_text,
    edit_property_add,
    edit_property_remove,
    edit_property_retype,
    edit_schema_rename,
    edit_composition_add,
    edit_composition_remove,
    edit_discriminator,
    edit_parameter_add,
    edit_parameter_remove,
    edit_parameter_move,
    edit_path_parameter_add,
    edit_path_parameter_remove,
    edit_request_body,
    edit_response,
    edit_security,
    edit_servers,
    edit_info,
    edit_tags,
    edit_operation_id,
    edit_path_add,
    edit_path_remove,
    edit_config,
    edit_package_name_option,
    edit_other_document,
]


def apply_edit(data: st.DataObject, ws: Workspace) -> str:
    """One edit of a kind drawn among those that find a target."""
    for _ in range(10):
        edit = data.draw(st.sampled_from(EDITS), label="edit")
        said = edit(data.draw, ws)
        if said is not None:
            event(edit.__name__)
            return f"{edit.__name__}: {said}"
    return "nothing edited"


# --- the property ---------------------------------------------------------------------------------


def _examples(source: Source) -> int:
    return max(1, PER_SPEC // 2) if source.name == "spotify" else PER_SPEC


@pytest.fixture(scope="session")
def started(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Source, bool], Workspace]:
    """A workspace whose output was generated warm from the unedited spec (with its cache and its
    record of the run), checked against a cold run: made once per spec and option, then restored
    for each sequence from a copy, at the same paths (the record of the last run names them)."""
    base = tmp_path_factory.mktemp("differential")
    templates: dict[tuple[str, bool], Path] = {}

    def start(source: Source, skip_validation: bool) -> Workspace:
        home = base / f"{source.name}-{'skip' if skip_validation else 'validate'}"
        work, template = home / "work", home / "template"
        shutil.rmtree(work, ignore_errors=True)
        if (source.name, skip_validation) in templates:
            shutil.copytree(template, work)
            return Workspace(work, source, skip_validation)
        ws = Workspace(work, source, skip_validation)
        ws.write()
        first = ws.warm("generate")
        cold = ws.cold_generate()
        assert first.code == cold.code == 0, first.stderr + cold.stderr
        assert tree(ws.out) == tree(ws.truth)
        shutil.copytree(work, template, ignore=lambda directory, names: ["truth"] if Path(directory) == work else [])
        templates[source.name, skip_validation] = template
        return ws

    return start


def _sequence(ws: Workspace, data: st.DataObject) -> None:
    before = tree(ws.out)
    for number in range(data.draw(st.integers(1, MAX_STEPS), label="steps")):
        note(f"edit {number + 1}: {apply_edit(data, ws)}")
        ws.write()
        before = step(ws, before)


def _test_for(source: Source) -> Callable[..., None]:
    @pytest.mark.skipif(not source.present(), reason=f"{source.directory / source.spec} is absent")
    @settings(
        max_examples=_examples(source),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        report_multiple_bugs=False,
    )
    @given(data=st.data())
    def test(started: Callable[[Source, bool], Workspace], data: st.DataObject) -> None:
        _sequence(started(source, data.draw(st.booleans(), label="--skip-validation")), data)

    test.__name__ = f"test_warm_runs_equal_cold_runs_after_edits_of_{source.name}"
    test.__doc__ = f"Edit sequences of the {source.name} spec: warm check and generate agree with cold runs."
    return test


for _source in SOURCES:
    _test = _test_for(_source)
    globals()[_test.__name__] = _test
del _source, _test


# --- regressions: stale "up to date" answers seen before ------------------------------------------


def _spotify() -> Path:
    if not SPOTIFY.is_file():
        pytest.skip(f"{SPOTIFY} is absent (../shared/corpus)")
    return SPOTIFY


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


REGRESSIONS = {
    "museum TicketType gains vip": (
        lambda: MUSEUM,
        "      enum:\n        - event\n        - general\n",
        "      enum:\n        - event\n        - general\n        - vip\n",
    ),
    "museum TicketType loses general": (
        lambda: MUSEUM,
        "      enum:\n        - event\n        - general\n",
        "      enum:\n        - event\n",
    ),
    "museum EventPrice number -> integer": (
        lambda: MUSEUM,
        "      description: Price of a ticket for the special event.\n      type: number\n",
        "      description: Price of a ticket for the special event.\n      type: integer\n",
    ),
    "museum TicketId drops format uuid": (
        lambda: MUSEUM,
        "Generated when purchased.\n      type: string\n      format: uuid\n",
        "Generated when purchased.\n      type: string\n",
    ),
    "museum EventName type [string, null]": (
        lambda: MUSEUM,
        "    EventName:\n      type: string\n",
        '    EventName:\n      type: [string, "null"]\n',
    ),
    "spotify Key integer -> number": (_spotify, "    Key:\n      type: integer\n", "    Key:\n      type: number\n"),
}


@pytest.mark.parametrize("case", list(REGRESSIONS))
def test_a_changed_schema_is_never_called_up_to_date(tmp_path: Path, case: str) -> None:
    source, old, new = REGRESSIONS[case]
    original = source()
    spec, out, cache = tmp_path / original.name, tmp_path / "out", tmp_path / "cache"
    text = original.read_text(encoding="utf-8")
    spec.write_text(text, encoding="utf-8")
    warm: list[str | Path] = ["--output", out, "--cache-dir", cache]
    assert oagen("generate", spec, *warm).code == 0
    before = tree(out)

    spec.write_text(_replace_once(text, old, new), encoding="utf-8")
    cold = oagen("generate", spec, "--output", tmp_path / "cold", "--no-cache")
    assert cold.code == 0, cold.stderr
    truth = tree(tmp_path / "cold")
    assert truth != before

    check = oagen("check", spec, *warm)
    assert check.code == 1, check.stderr
    assert "up to date" not in check.stderr
    assert check.stdout and check.stdout == expected_diff(out, truth)
    assert oagen("generate", spec, *warm).code == 0
    assert tree(out) == truth
    again = oagen("check", spec, *warm)
    assert again.code == 0 and again.stdout == "" and "up to date" in again.stderr


def test_the_museum_enum_value_is_seen_by_the_command_itself(tmp_path: Path) -> None:
    """The first bug, reproduced as it was reported: ``oagen`` in processes of its own."""
    spec, out, cache = tmp_path / "museum.yaml", tmp_path / "out", tmp_path / "cache"
    text = MUSEUM.read_text(encoding="utf-8")
    spec.write_text(text, encoding="utf-8")

    def oagen_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OAGEN_CACHE_DIR": str(cache)}
        command = [sys.executable, "-m", "generator", *map(str, args), "--cache-dir", str(cache), "--jobs", "1"]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    assert oagen_process("generate", spec, "-o", out).returncode == 0
    spec.write_text(_replace_once(text, "        - general\n", "        - general\n        - vip\n"), encoding="utf-8")
    stale = oagen_process("check", spec, "-o", out)
    assert stale.returncode == 1, stale.stderr
    assert "up to date" not in stale.stderr and '"vip"' in stale.stdout
    assert oagen_process("generate", spec, "-o", out).returncode == 0
    assert oagen("generate", spec, "-o", tmp_path / "cold", "--no-cache").code == 0
    assert tree(out) == tree(tmp_path / "cold")
    assert oagen_process("check", spec, "-o", out).returncode == 0


# --- the record of the last run notices every change ----------------------------------------------

REFERENCES = FIXTURES / "models_references"
PETSTORE = FIXTURES / "petstore"
#: A config for the petstore fixture (which has none).
PETSTORE_CONFIG = "package_name: petstore_client\nclient:\n  name: Petstore\n"


class _Generations:
    """Counts the generations (runs not answered from the record of the last run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from generator import pipeline

        self.count = 0
        original = pipeline.generate

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(pipeline, "generate", counted)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def _copy_fixture(source: Path, target: Path) -> Path:
    """The fixture's documents copied to ``target``, with a config (``oagen.yaml``) if it has none."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("expected"))
    if not (target / "oagen.yaml").exists():
        (target / "oagen.yaml").write_text(PETSTORE_CONFIG if source == PETSTORE else "{}\n", encoding="utf-8")
    return target


def test_touching_a_spec_is_answered_from_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = _copy_fixture(PETSTORE, tmp_path / "api")
    out = tmp_path / "out"
    args: list[str | Path] = [api / "openapi.yaml", "--config", api / "oagen.yaml", "--output", out]
    args += ["--cache-dir", tmp_path / "cache"]
    generations = _Generations(monkeypatch)
    assert oagen("generate", *args).code == 0
    assert generations.take() == 1
    made = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    later = (api / "openapi.yaml").stat().st_mtime + 100
    for path in (api / "openapi.yaml", api / "oagen.yaml"):
        os.utime(path, (later, later))
        path.write_bytes(path.read_bytes())  # the same bytes, written again
    check = oagen("check", *args)
    assert check.code == 0 and check.stdout == "" and "up to date" in check.stderr
    again = oagen("generate", *args)
    assert again.code == 0 and "up to date" in again.stderr
    assert generations.take() == 0  # both answered from the record
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == made  # nothing written


@pytest.mark.parametrize(
    "change",
    [
        "config client name",
        "config package name",
        "config comment",
        "--package-name",
        "--skip-validation",
        "generated file edited",
        "generated file removed",
        "manifest edited",
        "file added beside",
        "referenced document",
        "oagen's code",
    ],
)
def test_the_record_of_the_last_run_notices_every_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    api = _copy_fixture(REFERENCES if change == "referenced document" else PETSTORE, tmp_path / "api")
    config = api / "oagen.yaml"
    out, cache = tmp_path / "out", tmp_path / "cache"
    spec_args: list[str | Path] = [api / "openapi.yaml", "--config", config]
    warm: list[str | Path] = [*spec_args, "--output", out, "--cache-dir", cache]
    assert oagen("generate", *warm).code == 0
    before = tree(out)
    generations = _Generations(monkeypatch)
    package = next(p.split("/")[0] for p in before if p.endswith("/__init__.py") and p.count("/") == 1)
    # what changes: a new option, or a file (the spec, the config or the output)
    option: list[str] = []
    if change == "config client name":
        config.write_text(_replace_once(config.read_text(), "name: Petstore\n", "name: Pets\n"), encoding="utf-8")
    elif change == "config package name":
        config.write_text(_replace_once(config.read_text(), "package_name: petstore_client\n", "package_name: pets\n"))
    elif change == "config comment":
        config.write_text(config.read_text() + "# a comment changes no output\n", encoding="utf-8")
    elif change == "--package-name":
        option = ["--package-name", "renamed_client"]
    elif change == "--skip-validation":
        option = ["--skip-validation"]
    elif change == "generated file edited":
        client = out / package / "_client.py"
        client.write_text(client.read_text() + "# edited by hand\n", encoding="utf-8")
    elif change == "generated file removed":
        (out / "README.md").unlink()
    elif change == "manifest edited":
        manifest = out / MANIFEST
        manifest.write_text("\n".join(manifest.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
    elif change == "file added beside":
        (out / package / "mine.py").write_text("# not oagen's\n", encoding="utf-8")
    elif change == "referenced document":
        gadget = api / "shared" / "gadget.yaml"
        gadget.write_text(_replace_once(gadget.read_text(), "    label:\n", "    title:\n"), encoding="utf-8")
    elif change == "oagen's code":
        monkeypatch.setattr(fastpath, "code_digest", lambda: "another version of oagen")
    else:  # pragma: no cover
        raise AssertionError(change)

    now = tree(out)
    assert oagen("generate", *spec_args, *option, "--output", tmp_path / "cold", "--no-cache").code == 0
    truth = tree(tmp_path / "cold")
    extra = {p: data for p, data in now.items() if p not in before}  # files oagen does not own stay
    stale = {**truth, **extra} != now
    assert stale == (change not in ("config comment", "--skip-validation", "file added beside", "oagen's code"))

    generations.take()
    check = oagen("check", *warm, *option)
    assert check.code == (1 if stale else 0), check.stdout + check.stderr
    if stale:
        assert generations.take() == 1 and "up to date" not in check.stderr
    if change in ("config comment", "--skip-validation", "oagen's code"):  # inputs changed: a new generation
        assert generations.take() == 1
    assert check.stdout == expected_diff(out, truth)
    assert oagen("generate", *warm, *option).code == 0
    assert tree(out) == {**truth, **extra}
    generations.take()
    again = oagen("check", *warm, *option)
    assert again.code == 0 and again.stdout == "" and "up to date" in again.stderr
    assert generations.take() == 0  # now answered from the record
