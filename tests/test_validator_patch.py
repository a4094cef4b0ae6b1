"""oagen's fast validation reports what openapi-spec-validator itself reports.

The fast path (``generator/validation_units.py``) cuts the document into units, caches their
findings, pre-checks with fastjsonschema and patches the library's internals. Here its findings are
compared with the plain library's, on invalid real specs (``tests/specs/``, see its README) and on
real specs damaged systematically:

- The library's first pass (the meta-schema over the document) gives each error's place: those
  (JSON pointer, message) pairs must be among oagen's, exactly.
- Its second pass (keyword validators walking schemas, parameters, responses) gives messages only;
  oagen's messages must be the same set as the library's.
- The fallback (the library run as it is, for untested versions) reports the library's errors, each
  one, with its message; located by tagging the library's keyword validators (nothing else changed).
- The fast path and the fallback report the same (file, pointer, message) triples: a node the walk
  reaches through ``$ref``s is located where it is written, in both. (The library checks each node
  once; oagen reports it once. So where the library reports one message several times for the same
  node, reached by several paths, both report it once; the counts below are the library's.)
"""

from __future__ import annotations

import collections
import copy
import gzip
import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator import validate, validation_units
from generator.cache import Cache
from generator.diagnostics import Diagnostic, pointer_from_parts
from generator.load import Spec

SPECS = Path(__file__).resolve().parent / "specs"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NOTE = "is not a version oagen's fast validation was tested with; using the library as it is (slower)"


def _spec_file(name: str, directory: Path) -> Path:
    """``tests/specs/<name>``, unpacked into ``directory`` when gzipped."""
    source = SPECS / name
    if name.endswith(".gz"):
        target = directory / name[: -len(".gz")]
        target.write_bytes(gzip.decompress(source.read_bytes()))
    else:
        target = directory / name
        shutil.copyfile(source, target)
    return target


def _plain_library(spec: Spec) -> tuple[set[tuple[str, str]], list[str]]:
    """The library as it is: (pointer, message) of the meta-schema's errors, and the other messages."""
    data = spec.root.data
    cls = OpenAPIV30SpecValidator if str(data["openapi"]).startswith("3.0") else OpenAPIV31SpecValidator
    base_uri = spec.root.path.as_uri()
    validator = cls(SchemaPath.from_dict(data, base_uri=base_uri), base_uri=base_uri)
    first_pass = len(list(validator.schema_validator.iter_errors(data)))
    errors = list(validator.iter_errors())
    structural = {(pointer_from_parts(e.absolute_path), validate._message(e)) for e in errors[:first_pass]}
    return structural, [validate._message(e) for e in errors[first_pass:]]


def _triples(diagnostics: list[Diagnostic]) -> set[tuple[str, str, str]]:
    return {(d.file, d.pointer, d.message) for d in diagnostics}


def _fallback(spec: Spec, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[Diagnostic]:
    with monkeypatch.context() as patch:
        patch.setattr(validate, "untested_versions", lambda: ["openapi-spec-validator 0.0.1"])
        found = validate.validation_diagnostics(Spec(spec.root.path))
    assert f"note: openapi-spec-validator 0.0.1 {NOTE}" in capsys.readouterr().err
    return found


def compare(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> tuple[int, int]:
    """Check oagen against the library on ``path``; (the library's error count, oagen's finding count)."""
    spec = Spec(path)
    structural, semantic = _plain_library(spec)

    # The fallback: the library's errors, each one (the same messages as often), located.
    found = validate.library_findings(spec, validate.check_version(spec))
    assert collections.Counter(m for _, m, _ in found) == collections.Counter([m for _, m in structural] + semantic)
    assert {(pointer_from_parts(p), m) for p, m, walked in found if not walked} == structural
    fallback = _fallback(spec, monkeypatch, capsys)

    # The fast path: cold, without workers; cold and warm with a cache, with workers and the pre-check.
    fast = validate.validation_diagnostics(Spec(path))
    assert structural <= {(d.pointer, d.message) for d in fast}
    assert {d.message for d in fast} == {m for _, m in structural} | set(semantic)
    assert _triples(fast) == _triples(fallback) and len(fast) == len(fallback)
    with monkeypatch.context() as patch:
        patch.setattr(validation_units, "PARALLEL_THRESHOLD", 1)
        patch.setattr(validation_units, "FAST_CHECK_THRESHOLD", 1)
        for _ in range(2):
            cache = Cache(tmp_path / "cache")
            again = validate.validation_diagnostics(Spec(path), cache=cache, jobs=2)
            cache.close()
            assert again == fast
    assert "note:" not in capsys.readouterr().err
    return len(structural) + len(semantic), len(fast)


# --- invalid real specs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        # ReadMe's 3.1 example of schema keywords: `maximum: true` (a 3.0 keyword's value) on a parameter.
        ("oas-examples-schema-validation-top-level.yaml", 1),
        # Kubernetes: defaults that miss required properties (`default: {}`), 7 distinct messages.
        ("k8s-1.35-coordination-v1.json.gz", 9),
        ("k8s-1.35-apps-v1.json.gz", 94),
    ],
)
def test_invalid_real_specs(
    name: str, errors: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert compare(_spec_file(name, tmp_path), monkeypatch, capsys, tmp_path) == (errors, errors)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("real/spotify-official.yml", 1),  # not copied: the spec's content is Spotify's
        ("oas-examples/3.0/schema-validation.yaml", 6),
        ("oas-examples/3.1/schema-validation-local.yaml", 11),
        ("real/k8s-1.35-core-v1.json", 146),
    ],
)
def test_invalid_corpus_specs(
    name: str, errors: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert compare(CORPUS / name, monkeypatch, capsys, tmp_path)[0] == errors


# --- real specs, damaged -------------------------------------------------------------------------------


def _nodes(value: Any, parts: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every mapping of the document with its path, outside examples (data, not schemas)."""
    out = []
    if isinstance(value, dict):
        out.append((parts, value))
        for key, child in value.items():
            if key not in ("example", "examples", "default", "enum", "const"):
                out.extend(_nodes(child, (*parts, str(key))))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_nodes(child, (*parts, str(index))))
    return out


def _responses(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        response
        for parts, node in _nodes(doc)
        if parts[-1:] == ("responses",) and "paths" in parts[:1]
        for response in node.values()
        if isinstance(response, dict) and "$ref" not in response
    ]


def _schemas(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        node
        for _, node in _nodes(doc)
        if node.get("type") == kind or isinstance(node.get("type"), list) and kind in node["type"]
    ]


def _bogus_response_key(doc: dict[str, Any]) -> None:
    for response in _responses(doc):
        response["bogus"] = True


def _wrong_defaults(doc: dict[str, Any]) -> None:
    for schema in _schemas(doc, "string"):
        schema["default"] = 12345


def _unknown_types(doc: dict[str, Any]) -> None:
    for schema in doc["components"]["schemas"].values():
        if schema.get("type") == "object":
            schema["type"] = "objekt"


def _bad_patterns(doc: dict[str, Any]) -> None:
    for schema in _schemas(doc, "string"):
        schema["pattern"] = "([a-z"


def _required_not_defined(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name, schema in list(schemas.items()):
        if schema.get("type") == "object":
            schemas[name] = {"allOf": [schema], "required": ["not_a_property"]}


def _same_operation_ids(doc: dict[str, Any]) -> None:
    for _, node in _nodes(doc.get("paths", {})):
        if isinstance(node.get("operationId"), str):
            node["operationId"] = "same"


def _path_parameters_renamed(doc: dict[str, Any]) -> None:
    for _, node in _nodes(doc):
        if node.get("in") == "path" and isinstance(node.get("name"), str):
            node["name"] += "_renamed"


DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "bogus_response_key": _bogus_response_key,
    "wrong_defaults": _wrong_defaults,
    "unknown_types": _unknown_types,
    "bad_patterns": _bad_patterns,
    "required_not_defined": _required_not_defined,
    "same_operation_ids": _same_operation_ids,
    "path_parameters_renamed": _path_parameters_renamed,
}

#: The library's error count for each damage of a spec (STAPI's 3.0 spec has no operationId and
#: no path parameter; the Train Travel API is 3.1).
DAMAGED = {
    ("oas-examples-star-trek.yaml.gz", "bad_patterns"): 340,
    ("oas-examples-star-trek.yaml.gz", "bogus_response_key"): 200,
    ("oas-examples-star-trek.yaml.gz", "required_not_defined"): 110,
    ("oas-examples-star-trek.yaml.gz", "unknown_types"): 426,
    ("oas-examples-star-trek.yaml.gz", "wrong_defaults"): 594,
    ("oas-examples-train-travel.yaml", "bad_patterns"): 13,
    ("oas-examples-train-travel.yaml", "bogus_response_key"): 7,
    ("oas-examples-train-travel.yaml", "path_parameters_renamed"): 6,
    # None: the library meets each of these schemas inside another one first (as a property's or an
    # allOf's $ref), and reports a required name without a property only where it meets a schema
    # directly under a media type or a component first. oagen's units alone would report all 8.
    ("oas-examples-train-travel.yaml", "required_not_defined"): 0,
    ("oas-examples-train-travel.yaml", "same_operation_ids"): 6,
    ("oas-examples-train-travel.yaml", "unknown_types"): 8,
    ("oas-examples-train-travel.yaml", "wrong_defaults"): 50,
}


@pytest.mark.parametrize(("name", "damage"), sorted(DAMAGED))
def test_damaged_real_specs(
    name: str, damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _spec_file(name, tmp_path)
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    DAMAGE[damage](doc)
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    errors, _ = compare(damaged, monkeypatch, capsys, tmp_path)
    assert errors == DAMAGED[(name, damage)]


# --- where the library's order matters, one object in several places, other files -------------------

ORDER_CASES = {
    # A shared parameter whose schema fails the schema meta-schema: the library reports that once and
    # walks the schema the second time it meets it (finding the default); a component schema that
    # fails it and is met nowhere else is never walked (its default goes unreported).
    "shared_failing_schema": """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: '#/components/parameters/P'}]
      responses: {'200': {description: ok}}
  /b:
    get:
      parameters: [{$ref: '#/components/parameters/P'}]
      responses: {'200': {description: ok}}
components:
  parameters:
    P:
      name: p
      in: query
      schema: {type: object, additionalProperties: 5, properties: {q: {type: string, default: 5}}}
  schemas:
    Lonely: {type: object, additionalProperties: 5, properties: {a: {type: string, default: 5}}}
""",
    # YAML aliases: one object in several places (and as a component schema), checked once.
    "aliases": """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - &limit {name: limit, in: query, schema: {type: integer, default: "ten"}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: &thing {type: object, properties: {n: {type: string, default: 5}}}}}
  /b:
    get:
      parameters: [*limit]
      responses: {'200': {description: ok, content: {application/json: {schema: *thing}}}}
components:
  schemas:
    Thing: *thing
""",
    # A path item that is a $ref (its operationId then counts twice), an operationId outside an
    # operation (not counted), an `openapi` field the meta-schema refuses.
    "path_item_ref": """openapi: "3.0"
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: one
      responses: {'200': {description: ok}}
  /b:
    $ref: '#/paths/~1a'
  /c/{id}:
    get:
      operationId: two
      responses: {'200': {description: ok}}
    x-extra: {operationId: two}
""",
    # A required name without a property, met first inside another schema (not reported), and
    # directly under a media type (reported).
    "required_not_defined": """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Outer'}}}
  /b:
    get:
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Direct'}}}
components:
  schemas:
    Outer: {type: object, properties: {inner: {$ref: '#/components/schemas/Inner'}}}
    Inner: {allOf: [{type: object, properties: {a: {type: string}}}], required: [b]}
    Direct: {allOf: [{type: object, properties: {a: {type: string}}}], required: [c]}
""",
}


@pytest.mark.parametrize("case", sorted(ORDER_CASES))
def test_order_dependent_and_aliased_cases(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(ORDER_CASES[case], encoding="utf-8")
    errors, found = compare(spec, monkeypatch, capsys, tmp_path)
    assert errors > 0


def test_other_files_are_reported_where_the_node_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nodes of another file reached from several units: once each, located in that file."""
    (tmp_path / "common.yaml").write_text(
        "Limit: {name: limit, in: query, schema: {type: integer, default: ten}}\n"
        "Thing: {type: object, properties: {n: {type: string, default: 5}}}\n"
    )
    operation = (
        "    get:\n      parameters: [{$ref: 'common.yaml#/Limit'}]\n      responses:\n        '200':\n"
        "          description: ok\n"
        "          content: {application/json: {schema: {$ref: 'common.yaml#/Thing'}}}\n"
    )
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n" + operation + "  /b:\n" + operation
    )
    assert compare(spec, monkeypatch, capsys, tmp_path) == (2, 2)
    found = sorted(str(d) for d in validate.validation_diagnostics(Spec(spec)))
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in found] == ["common.yaml:1:66", "common.yaml:2:63"]


def test_sections_that_are_not_mappings_are_reported(tmp_path: Path) -> None:
    """(The library's second pass fails on these, after its first pass reported them.)"""
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: 5\ncomponents: []\n")
    found = {(d.pointer, d.message) for d in validate.validation_diagnostics(Spec(spec))}
    assert {("/paths", "5 is not of type 'object'"), ("/components", "[] is not of type 'object'")} <= found


# --- the version check and the fallback ----------------------------------------------------------------


def test_the_tested_versions_are_the_installed_ones() -> None:
    """pyproject.toml pins these (CI installs them): the fast path is what the tests exercise."""
    assert validate.untested_versions() == []
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    for name, versions in validate.TESTED_VERSIONS.items():
        assert f'"{name}=={versions[0]}"' in pyproject


def test_another_version_takes_the_library_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec_file("k8s-1.35-coordination-v1.json.gz", tmp_path)
    fast = validate.validation_diagnostics(Spec(spec))
    installed = validate._installed
    monkeypatch.setattr(
        validate, "_installed", lambda name: "0.8.5" if name == "openapi-spec-validator" else installed(name)
    )
    units_used: list[bool] = []
    monkeypatch.setattr(validation_units, "validate_units", lambda *a, **k: units_used.append(True))
    called: list[bool] = []
    slow = validate.validation_diagnostics(Spec(spec), meanwhile=lambda: called.append(True))
    err = capsys.readouterr().err
    assert err == f"note: openapi-spec-validator 0.8.5 {NOTE}\n"
    assert slow == fast and len(fast) == 9 and called == [True] and not units_used


# --- the findings cache: a unit's key covers all it references ----------------------------------------


def _keys(doc: dict[str, Any], files: bytes = b"") -> dict[tuple[str, ...], str]:
    units = validation_units.split_units(doc)
    contents = [validation_units._canonical(u.value) for u in units]
    _, semantic = validation_units.unit_keys(units, contents, "v", lambda ref: files)
    return {u.parts: k for u, k in zip(units, semantic)}


def test_semantic_keys_cover_every_reference() -> None:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "x-shared": {"Limit": {"type": "integer"}},
        "paths": {
            "/a": {"get": {"parameters": [{"name": "l", "in": "query", "schema": {"$ref": "#/x-shared/Limit"}}]}},
            "/b": {"$ref": "#/paths/~1a"},
            "/c": {"get": {"x-schema": {"$ref": "#/components/schemas/Foo%20Bar"}}},
            "/d": {"get": {"x-all": {"$ref": "#/components/schemas"}}},
            "/e": {"get": {"x-file": {"$ref": "other.yaml#/X"}}},
        },
        "components": {"schemas": {"Foo Bar": {"type": "string"}, "Other": {"$ref": "#/components/schemas/Foo%20Bar"}}},
    }
    before = _keys(doc)
    changes: list[tuple[Callable[[dict[str, Any]], None], set[str]]] = [
        # in the root unit: every unit referring to the root
        (lambda d: d["x-shared"]["Limit"].update(default=1), {"root", "/a", "/b"}),
        # a percent-encoded name; and whole sections
        (lambda d: d["components"]["schemas"]["Foo Bar"].update(default=1), {"/c", "/d", "Foo Bar", "Other"}),
        (lambda d: d["components"]["schemas"]["Other"].update(description="x"), {"/d", "Other"}),
        # a path item that is a reference to another
        (lambda d: d["paths"]["/a"]["get"].update(description="x"), {"/a", "/b"}),
    ]
    for change, expected in changes:
        changed = copy.deepcopy(doc)
        change(changed)
        after = _keys(changed)
        assert {p[-1] if p else "root" for p in before if before[p] != after[p]} == expected
    assert {p[-1] for p, k in _keys(doc, files=b"other").items() if k != before[p]} == {"/e"}


def test_a_warm_run_finds_what_a_cold_one_finds(tmp_path: Path) -> None:
    """Changes that leave a unit's own text as it was but change what it references (in the same
    file, a percent-encoded name, another file), or only the document's `openapi` field."""
    (tmp_path / "other.yaml").write_text("Count: {type: integer}\n")
    spec = tmp_path / "api.yaml"
    text = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: a, in: query, schema: {$ref: '#/components/schemas/Foo%20Bar'}}
        - {name: b, in: query, schema: {$ref: 'other.yaml#/Count'}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Foo Bar: {type: string}
    Wrapper: {type: object, properties: {c: {allOf: [{$ref: '#/components/schemas/Foo%20Bar'}], default: 5}}}
"""
    edits = [
        lambda t: t.replace("openapi: 3.0.3", "openapi: '3.0'"),
        lambda t: t,
        lambda t: t.replace("Foo Bar: {type: string}", "Foo Bar: {type: string, default: 5}"),
        lambda t: t.replace("Foo Bar: {type: string}", "Foo Bar: {type: integer}"),
        lambda t: t,
    ]
    seen = set()
    for edit in edits:
        spec.write_text(edit(text))
        for other in ("Count: {type: integer}\n", "Count: {type: integer, default: x}\n"):
            (tmp_path / "other.yaml").write_text(other)
            cache = Cache(tmp_path / "cache")
            warm = validate.validation_diagnostics(Spec(spec), cache=cache)
            cache.close()
            cold = validate.validation_diagnostics(Spec(spec))
            assert warm == cold
            seen.add(len(cold))
    assert len(seen) >= 3  # the edits did change the findings
