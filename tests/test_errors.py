"""Bad input gets a located error (exit 2, never a traceback); hostile input is refused safely.

Most cases run the pipeline in process (fast); each class of error also runs once through the real
command line, as a user meets it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from generator.diagnostics import MAX_REPORTED, GenerationError
from generator.load import MAX_DEPTH
from generator.pipeline import Options, generate, load_and_validate

from .helpers import ROOT, run_oagen

LOCATED = re.compile(r"^error: [^:\n]+:\d+:\d+: /[^\n]*: .+", re.MULTILINE)

MINIMAL = """openapi: 3.1.0
info: {title: Tiny, version: "1"}
paths:
  /things:
    get:
      operationId: list_things
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: string}
"""


def _errors(options: Options) -> list[str]:
    with pytest.raises(GenerationError) as info:
        generate(options)
    return [str(d) for d in info.value.diagnostics]


def _user_error(result: object) -> str:
    """stderr of a CLI run that must have failed as a user error: exit 2, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    return result.stderr  # type: ignore[attr-defined,no-any-return]


# --- syntax, versions, validation ------------------------------------------------------------------


def test_json_syntax_error_is_located(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text('{\n  "openapi": "3.1.0",\n  "info": ,\n}\n')
    assert re.search(r"api\.json:3:11: /: invalid JSON: Expecting value", _errors(Options(spec))[0])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('swagger: "2.0"', r":1:\d+: /swagger: Swagger 2.0 is not supported"),
        ("openapi: 4.0.0", r":1:\d+: /openapi: OpenAPI version '4.0.0' is not supported"),
        ("openapi: 2.0.0", r":1:\d+: /openapi: OpenAPI version '2.0.0' is not supported"),
        ("asyncapi: 2.0.0", r": /: not an OpenAPI document: the 'openapi' field is missing"),
    ],
)
def test_unsupported_versions_are_refused_with_a_location(tmp_path: Path, header: str, message: str) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(header + "\ninfo: {title: x, version: '1'}\npaths: {}\n")
    errors = _errors(Options(spec))
    assert re.search(message, errors[0]), errors


def test_every_validation_error_is_reported_and_the_list_is_capped(tmp_path: Path) -> None:
    schemas = "".join(f"    S{i}:\n      type: objekt{i}\n" for i in range(30))
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n" + schemas)
    with pytest.raises(GenerationError) as info:
        generate(Options(spec))
    assert len(info.value.diagnostics) >= 30
    stderr = _user_error(run_oagen("validate", str(spec)))
    lines = LOCATED.findall(stderr)
    assert len(lines) == MAX_REPORTED, stderr
    assert any("/components/schemas/S0/type" in line for line in lines), stderr
    assert re.search(r"^error: \.\.\. and \d+ more$", stderr, re.MULTILINE), stderr


def test_skip_validation_generates_and_prints_the_errors_as_warnings(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    # Kubernetes-style flaw: a default that does not fit its schema; and duplicated `required` names.
    spec.write_text(
        MINIMAL.replace("      properties:\n", "      required: [id, id]\n      default: {}\n      properties:\n")
    )
    assert any("'id' is a required property" in e for e in _errors(Options(spec)))
    result = run_oagen("generate", str(spec), "-o", str(tmp_path / "out"), "--skip-validation")
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^warning: [^\n]*api\.yaml:\d+:\d+: /[^\n]*: 'id' is a required property", result.stderr, re.MULTILINE
    ), result.stderr
    assert (tmp_path / "out" / "tiny_client" / "types" / "thing.py").is_file()


def test_duplicate_keys_are_errors_unless_validation_is_skipped(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        MINIMAL.replace("        id: {type: string}\n", "        id: {type: string}\n        id: {type: integer}\n")
    )
    errors = _errors(Options(spec))
    assert any(
        re.search(r"api\.yaml:19:9: /components/schemas/Thing/properties/id: duplicate key 'id'", e) for e in errors
    ), errors
    result = generate(Options(spec, skip_validation=True))
    assert any("duplicate key" in str(w) for w in result.warnings)
    json_spec = tmp_path / "api.json"
    json_spec.write_text(
        '{"openapi": "3.1.0",\n "info": {"title": "x", "version": "1"},\n "paths": {},\n "paths": {}}\n'
    )
    assert any(re.search(r"api\.json:4:2: /paths: duplicate key", e) for e in _errors(Options(json_spec)))


# --- config ------------------------------------------------------------------------------------------


def test_every_config_mistake_is_reported_at_once_and_located(tmp_path: Path) -> None:
    config = tmp_path / "oagen.yaml"
    config.write_text(
        "package_name: 1x\n"
        "client:\n  nmae: X\n  name: \"os.system('x')\"\n  default_headers: [a]\n"
        "auth:\n  Key:\n    argument: a b\n    envv: X\n"
        "operations:\n  foo:\n    resource: a.b-c\n    method: 3\n    parameters:\n      p: {name: class}\n"
        "schemas: 5\nversion: 1.0\n"
    )
    stderr = _user_error(run_oagen("generate", "spec/openapi.yaml", "-c", str(config), "-o", str(tmp_path / "out")))
    expected = [
        r"oagen\.yaml:1:15: /package_name: 'package_name' must be a Python identifier, not '1x'",
        r"oagen\.yaml:3:3: /client/nmae: unknown key 'nmae'",
        r"oagen\.yaml:4:9: /client/name: 'name' must be a Python identifier",
        r"oagen\.yaml:5:20: /client/default_headers: 'default_headers' must be a mapping of strings to strings",
        r"oagen\.yaml:8:15: /auth/Key/argument: 'argument' must be a Python identifier, not 'a b'",
        r"oagen\.yaml:9:5: /auth/Key/envv: unknown key 'envv'",
        r"oagen\.yaml:12:15: /operations/foo/resource: 'resource' must be dotted Python identifiers",
        r"oagen\.yaml:13:13: /operations/foo/method: 'method' must be a string, not a number",
        r"oagen\.yaml:15:17: /operations/foo/parameters/p/name: 'name' must be a Python identifier, not 'class'",
        r"oagen\.yaml:16:10: /schemas: 'schemas' must be a mapping, not a number",
        r"oagen\.yaml:17:10: /version: 'version' must be a string, not a number",
    ]
    for pattern in expected:
        assert re.search(pattern, stderr), (pattern, stderr)
    assert not (tmp_path / "out").exists()


def test_config_and_spec_errors_are_reported_together(tmp_path: Path) -> None:
    config = tmp_path / "oagen.yaml"
    config.write_text("clinet: {}\n")
    spec = tmp_path / "api.yaml"
    spec.write_text(MINIMAL.replace("type: object", "type: objekt"))
    errors = _errors(Options(spec, config))
    assert any("/clinet: unknown key" in e for e in errors) and any("'objekt'" in e for e in errors), errors


@pytest.mark.parametrize("text", ["[1, 2]\n", "just text\n", "name: [unclosed\n"])
def test_a_config_that_is_not_a_mapping_is_an_error(tmp_path: Path, text: str) -> None:
    config = tmp_path / "oagen.yaml"
    config.write_text(text)
    assert _errors(Options(ROOT / "spec" / "openapi.yaml", config))


# --- $ref ----------------------------------------------------------------------------------------------


def test_unresolvable_and_cyclic_refs_are_located(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        MINIMAL
        + "    Loop1: {$ref: '#/components/schemas/Loop2'}\n"
        + "    Loop2: {$ref: '#/components/schemas/Loop1'}\n"
        + "    Gone: {$ref: '#/components/schemas/Nowhere'}\n"
        + "    NoFile: {$ref: 'other.yaml#/X'}\n"
    )
    errors = _errors(Options(spec))
    assert any(re.search(r"api\.yaml:\d+:\d+: /components/schemas/Loop\d: \$ref cycle", e) for e in errors), errors
    assert any(
        re.search(
            r"api\.yaml:21:\d+: /components/schemas/Gone/\$ref: unresolvable \$ref '#/components/schemas/Nowhere'", e
        )
        for e in errors
    ), errors
    assert any(
        re.search(r"/components/schemas/NoFile/\$ref: unresolvable \$ref 'other.yaml#/X': no file", e) for e in errors
    ), errors
    stderr = _user_error(run_oagen("validate", str(spec)))
    assert "$ref cycle" in stderr and "unresolvable $ref" in stderr


def test_relative_file_refs_inside_the_root_are_followed(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "thing.yaml").write_text("type: object\nproperties:\n  id: {type: string}\n")
    spec = tmp_path / "api.yaml"
    spec.write_text(MINIMAL.replace('{$ref: "#/components/schemas/Thing"}', "{$ref: 'schemas/thing.yaml'}"))
    assert "tiny_client/types/list_things_response.py" in generate(Options(spec)).files or generate(Options(spec)).files


def test_file_refs_leaving_the_root_directory_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "api"
    root.mkdir()
    (tmp_path / "outside.yaml").write_text("type: string\n")
    spec = root / "api.yaml"
    spec.write_text(MINIMAL + "    Out: {$ref: '../outside.yaml'}\n    Abs: {$ref: 'file:///etc/passwd'}\n")
    errors = _errors(Options(spec))
    assert any(
        re.search(
            r":19:\d+: /components/schemas/Out/\$ref: \$ref '\.\./outside\.yaml' leaves the spec's root directory", e
        )
        for e in errors
    ), errors
    assert any(
        "/components/schemas/Abs/$ref: $ref 'file:///etc/passwd' leaves the spec's root directory" in e for e in errors
    ), errors
    # a symlink inside the root that points outside is the same escape
    spec.write_text(MINIMAL + "    Link: {$ref: 'link.yaml'}\n")
    (root / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    assert any("leaves the spec's root directory" in e for e in _errors(Options(spec)))
    # a wider root, when asked for, allows it
    assert generate(Options(spec, ref_root=tmp_path)).files
    stderr = _user_error(run_oagen("validate", str(spec)))
    assert "leaves the spec's root directory" in stderr


def test_symlink_loops_are_errors_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    spec = tmp_path / "api.yaml"
    spec.write_text(MINIMAL + "    Loop: {$ref: 'a.yaml'}\n")
    assert any(
        re.search(r"/components/schemas/Loop/\$ref: \$ref 'a\.yaml': cannot resolve the path", e)
        for e in _errors(Options(spec))
    )
    stderr = _user_error(run_oagen("validate", str(tmp_path / "a.yaml")))
    assert "cannot resolve the path" in stderr


def test_remote_refs_are_refused_unless_allowed(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/schemas/thing.json").respond_with_json(
        {"type": "object", "properties": {"id": {"type": "string"}}}
    )
    url = httpserver.url_for("/schemas/thing.json")
    spec = tmp_path / "api.yaml"
    spec.write_text(MINIMAL.replace('{$ref: "#/components/schemas/Thing"}', f"{{$ref: '{url}'}}"))
    errors = _errors(Options(spec))
    assert any(
        re.search(
            r"api\.yaml:12:\d+: /paths/~1things/get/responses/200/content/application~1json/schema/\$ref: remote reference '.*' refused \(pass --allow-remote-refs",
            e,
        )
        for e in errors
    ), errors
    assert not httpserver.log, "nothing may be fetched without the flag"
    result = run_oagen("generate", str(spec), "-o", str(tmp_path / "out"), "--allow-remote-refs")
    assert result.returncode == 0, result.stderr
    assert len(httpserver.log) == 1


def test_a_remote_document_may_not_redirect_to_a_local_file(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/evil.json").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    spec = tmp_path / "api.yaml"
    spec.write_text(MINIMAL + f"    Evil: {{$ref: '{httpserver.url_for('/evil.json')}'}}\n")
    errors = _errors(Options(spec, allow_remote_refs=True))
    assert any("/components/schemas/Evil/$ref" in e and "HTTP 302" in e for e in errors), errors


# --- hostile documents -----------------------------------------------------------------------------


def _billion_laughs(levels: int = 9) -> str:
    lines = [
        "openapi: 3.1.0",
        "info: {title: x, version: '1'}",
        "paths: {}",
        "x-lol:",
        '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_alias_bombs_are_refused_within_a_second(tmp_path: Path) -> None:
    spec = tmp_path / "bomb.yaml"
    spec.write_text(_billion_laughs())  # 10**9 strings once expanded
    started = time.perf_counter()
    errors = _errors(Options(spec))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed
    assert "an alias bomb?" in errors[0] and "to 12345679033" in errors[0], errors
    # Located at the first alias of the largest node: *a8 in a9's list (line 14, column 12).
    assert errors[0].startswith(f"{spec}:14:12: /x-lol/a9/0: "), errors
    assert errors[0].endswith("this alias repeats 1111111111 nodes"), errors
    stderr = _user_error(run_oagen("validate", str(spec)))
    assert "bomb.yaml:14:12: /x-lol/a9/0: YAML aliases expand" in stderr


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but a comment\n"])
def test_an_empty_document_is_reported_at_its_start(tmp_path: Path, text: str) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text(text)
    assert _errors(Options(spec)) == [f"{spec}:1:1: /: an OpenAPI document must be a mapping at the top level"]
    assert "empty.yaml:1:1: /: an OpenAPI document must be a mapping" in _user_error(run_oagen("validate", str(spec)))


def test_ordinary_aliases_are_fine(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        MINIMAL.replace("        id: {type: string}\n", "        id: &str {type: string}\n        name: *str\n")
    )
    assert generate(Options(spec)).files


def test_recursive_aliases_are_refused(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\nx-loop: &a [*a]\n")
    assert re.search(r"api\.yaml:4:\d+: /x-loop/0: recursive YAML alias", _errors(Options(spec))[0])


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_absurd_nesting_is_refused(tmp_path: Path, suffix: str) -> None:
    spec = tmp_path / f"deep{suffix}"
    deep = "[" * 100_000 + "]" * 100_000
    spec.write_text(
        '{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}, "x-deep": ' + deep + "}\n"
    )
    error = _errors(Options(spec))[0]
    assert f"nested more than {MAX_DEPTH} levels deep" in error or "exceeded maximum nesting depth" in error, error


def test_documents_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    spec = ROOT / "spec" / "openapi.yaml"
    errors = _errors(Options(spec, max_spec_bytes=1000))
    assert re.search(r"openapi\.yaml: /: document is \d+ bytes, over the limit of 1000", errors[0]), errors
    # referenced documents count too
    (tmp_path / "big.yaml").write_text("type: string\ndescription: '" + "x" * 3000 + "'\n")
    small = tmp_path / "api.yaml"
    small.write_text(MINIMAL + "    Big: {$ref: 'big.yaml'}\n")
    assert "in total" in _errors(Options(small, max_spec_bytes=3200))[0]
    stderr = _user_error(run_oagen("validate", str(spec), "--max-spec-size", "1k"))
    assert "over the limit of 1024" in stderr


@pytest.mark.parametrize("make", ["directory", "device", "missing", "latin1", "huge-int"])
def test_unreadable_specs_are_user_errors(tmp_path: Path, make: str) -> None:
    spec = tmp_path / "api.yaml"
    if make == "directory":
        spec.mkdir()
    elif make == "device":
        spec = Path("/dev/zero")
    elif make == "latin1":
        spec.write_bytes("openapi: 3.1.0\ninfo: {title: caf\xe9}\n".encode("latin-1"))
    elif make == "huge-int":
        spec.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\nx-n: " + "9" * 5000 + "\n")
    errors = _errors(Options(spec))
    assert errors and all(": /" in e for e in errors), errors


def test_the_validator_never_reads_files_itself(tmp_path: Path) -> None:
    """openapi-spec-validator follows $refs on its own; oagen hands it only what oagen loaded."""
    spec = tmp_path / "api.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "x", "version": "1"},
                "paths": {},
                "components": {"schemas": {"A": {"$ref": "missing.json"}}},
            }
        )
    )
    errors = _errors(Options(spec))
    assert any("unresolvable $ref 'missing.json'" in e for e in errors), errors
    spec_ok, problems = load_and_validate(Options(ROOT / "spec" / "openapi.yaml"))
    assert not problems


@pytest.mark.parametrize(
    "title, lone",
    [
        ("\\ud83d\\ude00 pair", False),
        ("\\uD83D\\uDE00 pair", False),
        ("\\ud83d\\ude00 pair then \\ud83d alone", True),
        ("\\ude00 alone", True),
        ("\\ud83d\\ud83d\\ude00 high twice", True),
        ("\\\\ud83d\\ude00 an escaped backslash, then a low half alone", True),
    ],
)
def test_a_lone_surrogate_escape_in_json_is_refused_and_a_pair_is_not(tmp_path: Path, title: str, lone: bool) -> None:
    spec = tmp_path / "api.json"
    spec.write_text('{"openapi": "3.1.0", "info": {"title": "' + title + '", "version": "1"}, "paths": {}}')
    if lone:
        with pytest.raises(GenerationError, match="lone surrogate"):
            load_and_validate(Options(spec))
    else:
        load_and_validate(Options(spec))
