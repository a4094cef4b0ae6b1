"""OpenAPI Overlays (``--overlay``, config ``overlays:``): what they change, in which order, the
located errors of bad overlays and of bad content they add, and that they are inputs of the run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.diagnostics import GenerationError
from generator.load import Spec
from generator.pipeline import Options, generate, load_and_validate

from .helpers import run_oagen

SPEC = """openapi: 3.1.0
info:
  title: Pets
paths:
  /pets:
    get:
      operationId: list_pets
      parameters:
        - name: a
          in: query
          schema: {type: string}
        - name: dummy
          in: query
          schema: {type: string}
        - name: c
          in: query
          schema: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: string}
        tags: {type: array, items: {type: string}}
"""

HEAD = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # diagnostics name files relative to the working directory


def _write(tmp_path: Path, spec: str = SPEC, **overlays: str) -> tuple[Path, list[Path]]:
    path = tmp_path / "openapi.yaml"
    path.write_text(spec)
    paths = []
    for name, text in overlays.items():
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(text)
    return path, paths


def _load(tmp_path: Path, spec: str = SPEC, **overlays: str) -> Spec:
    path, paths = _write(tmp_path, spec, **overlays)
    return Spec(path, overlays=paths)


def _errors(tmp_path: Path, spec: str = SPEC, **overlays: str) -> list[str]:
    with pytest.raises(GenerationError) as info:
        _load(tmp_path, spec, **overlays)
    return [str(d) for d in info.value.diagnostics]


# --- what an overlay does ---------------------------------------------------------------------------


def test_update_merges_objects_appends_to_arrays_and_remove_deletes(tmp_path: Path) -> None:
    spec = _load(
        tmp_path,
        o=HEAD + """actions:
  - target: $.info
    description: the document has no version
    update: {version: "2.0", title: Pets API, x-logo: {url: a}}
  - target: $.paths['/pets'].get.parameters[?@.name == 'dummy']
    remove: true
  - target: $.paths['/pets'].get.parameters
    update: {name: d, in: query, schema: {type: integer}}
  - target: $.components.schemas.Pet
    update:
      required: [id]
      properties:
        id: {description: The id}
        name: {type: string}
  - target: $.components.schemas.Pet.properties.tags
    update: {items: {minLength: 1}}
  - target: $.paths.*.get
    update: {tags: [pets]}
  - target: $.paths.*.get.tags
    update: [animals, more]
""",
    )
    data = spec.root.data
    assert data["info"] == {"title": "Pets API", "version": "2.0", "x-logo": {"url": "a"}}
    assert [p["name"] for p in data["paths"]["/pets"]["get"]["parameters"]] == ["a", "c", "d"]
    pet = data["components"]["schemas"]["Pet"]
    assert pet["required"] == ["id"]
    assert pet["properties"]["id"] == {"type": "string", "description": "The id"}
    assert pet["properties"]["tags"] == {"type": "array", "items": {"type": "string", "minLength": 1}}
    assert list(pet["properties"]) == ["id", "tags", "name"]
    assert data["paths"]["/pets"]["get"]["tags"] == ["pets", "animals", "more"]


def test_overlays_apply_in_order_the_configs_before_the_command_lines(tmp_path: Path) -> None:
    # The second overlay changes what the first one added: the other order finds nothing to change.
    first = HEAD + "actions:\n  - target: $.paths\n    update: {/owners: {get: {operationId: list_owners}}}\n"
    second = HEAD + (
        "actions:\n  - target: $.paths['/owners'].get\n"
        "    update: {responses: {'204': {description: none}}}\n"
        "  - target: $.info\n    update: {version: '1'}\n"
    )
    spec, (one, two) = _write(tmp_path, first=first, second=second)
    config = tmp_path / "oagen.yaml"
    config.write_text("overlays: [first.yaml]\n")
    files = generate(Options(spec, config, overlays=(two,))).files
    assert any("list_owners" in text for text in files.values())

    with pytest.raises(GenerationError) as info:
        generate(Options(spec, overlays=(two, one)))
    (message,) = [str(d) for d in info.value.diagnostics]
    assert message.startswith("second.yaml:4:13: /actions/0/target: target \"$.paths['/owners'].get\" selects nothing")


# --- located errors -------------------------------------------------------------------------------


def test_a_target_that_selects_nothing_is_located_at_that_target(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        o=HEAD
        + "actions:\n  - target: $.info\n    update: {version: '1'}\n  - target: $.paths['/cats']\n    remove: true\n",
    )
    assert errors == [
        "o.yaml:6:13: /actions/1/target: target \"$.paths['/cats']\" selects nothing in openapi.yaml (at this point)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openapi: 3.1.0\n", "o.yaml:1:1: /: not an OpenAPI Overlay document: no 'overlay' field"),
        ("- a\n", "o.yaml:1:1: /: not an OpenAPI Overlay document"),
        (HEAD, "o.yaml:1:1: /actions: an overlay needs 'actions': a non-empty list of actions"),
        (HEAD + "actions: []\n", "o.yaml:3:10: /actions: an overlay needs 'actions'"),
        (
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, update: {}}]\n",
            "o.yaml:1:10: /overlay: overlay version '2.0.0' is not supported",
        ),
        (
            "overlay: 1.0.0\nactions: [{target: $, update: {}}]\n",
            "o.yaml:1:1: /info: an overlay needs an 'info' object",
        ),
        (
            HEAD + "actions:\n  - target: $.paths[\n    remove: true\n",
            "o.yaml:4:13: /actions/0/target: invalid JSONPath (RFC 9535)",
        ),
        (
            HEAD + "actions:\n  - target: $.x-y\n    remove: true\n",
            "o.yaml:4:13: /actions/0/target: invalid JSONPath (RFC 9535)",
        ),
        (HEAD + "actions:\n  - update: {}\n", "o.yaml:4:5: /actions/0/target: an action needs a 'target'"),
        (HEAD + "actions:\n  - target: $.info\n", "o.yaml:4:5: /actions/0: the action does nothing"),
        (
            HEAD + "actions:\n  - target: $.info\n    remove: yes please\n",
            "o.yaml:5:13: /actions/0/remove: 'remove' must be true or false",
        ),
        (
            HEAD + "actions:\n  - target: $.info\n    updates: {}\n",
            "o.yaml:5:5: /actions/0/updates: unknown key 'updates'",
        ),
        (
            HEAD + "actions:\n  - target: $.info\n    update: [1]\n",
            "o.yaml:5:13: /actions/0/update: /info is an object: 'update' must be an object",
        ),
        (
            HEAD + "actions:\n  - target: $.info.title\n    update: X\n",
            "o.yaml:4:13: /actions/0/target: target '$.info.title' selects /info/title, a str ('Pets')",
        ),
        (
            HEAD + "actions:\n  - target: $\n    remove: true\n",
            "o.yaml:4:13: /actions/0/target: the whole document cannot be removed",
        ),
        (
            HEAD + "actions:\n  - target: $.info\n    update: {title: [a]}\n",
            "o.yaml:5:21: /actions/0/update/title: cannot merge an array into /info/title, which is a str ('Pets')",
        ),
    ],
)
def test_a_malformed_overlay_is_a_located_error(tmp_path: Path, text: str, expected: str) -> None:
    errors = _errors(tmp_path, o=text)
    assert errors[0].startswith(expected), errors


def test_every_overlays_structural_errors_are_reported_together(tmp_path: Path) -> None:
    errors = _errors(tmp_path, a="overlay: 1.0.0\n", b=HEAD + "actions:\n  - target: $[\n    remove: true\n")
    assert [e.split(":")[0] for e in errors] == ["a.yaml", "a.yaml", "b.yaml"]


def test_the_command_line_reports_overlay_errors_with_exit_2(tmp_path: Path) -> None:
    spec, (overlay,) = _write(tmp_path, o=HEAD + "actions:\n  - target: $.nope\n    remove: true\n")
    for command in (["validate", str(spec)], ["generate", str(spec), "--output", str(tmp_path / "out")]):
        result = run_oagen(*command, "--overlay", str(overlay))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert re.search(r"^error: .*o\.yaml:4:13: /actions/0/target: target '\$\.nope' selects nothing", result.stderr)
    assert not (tmp_path / "out").exists()
    missing = run_oagen("validate", str(spec), "--overlay", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 2 and "missing.yaml: /: cannot read: does not exist" in missing.stderr


def test_errors_in_overlaid_content_point_where_it_was_written(tmp_path: Path) -> None:
    """A validation error in what an overlay added is located in the overlay; one in an array
    element an overlay moved (by removing one before it) still at that element in the spec."""
    spec = SPEC.replace(
        "          schema: {type: string}\n      responses", "          schema: {type: strang}\n      responses"
    )
    actions = """actions:
  - target: $.info
    update: {version: '1'}
  - target: $.paths['/pets'].get.parameters[?@.name == 'dummy']
    remove: true
  - target: $.paths['/pets'].get.parameters
    update: {name: d, in: query, schema: {type: strung}}
"""
    path, (overlay,) = _write(tmp_path, spec, o=HEAD + actions)
    with pytest.raises(GenerationError) as info:
        load_and_validate(Options(path, overlays=(overlay,)))
    assert sorted(str(d) for d in info.value.diagnostics) == [
        "o.yaml:9:49: /paths/~1pets/get/parameters/2/schema/type: 'strung' is not valid under any of the given schemas",
        "openapi.yaml:17:26: /paths/~1pets/get/parameters/1/schema/type: 'strang' is not valid under any of the given schemas",
    ]
    dangling = "  - target: $.components.schemas.Pet\n    update: {properties: {owner: {$ref: '#/components/schemas/Owner'}}}\n"
    overlay.write_text(HEAD + actions + dangling)
    assert [str(d) for d in Spec(path, overlays=[overlay]).problems] == [
        "o.yaml:11:41: /components/schemas/Pet/properties/owner/$ref: unresolvable $ref "
        "'#/components/schemas/Owner': /components/schemas/Owner does not exist"
    ]


def test_targets_into_referenced_files_select_nothing_and_refs_an_overlay_adds_resolve_from_the_spec(
    tmp_path: Path,
) -> None:
    """The overlay applies to the root document as written: JSONPath does not follow $refs."""
    (tmp_path / "schemas.yaml").write_text("Pet: {type: object, properties: {id: {type: string}}}\n")
    spec = SPEC.replace('schema: {$ref: "#/components/schemas/Pet"}', 'schema: {$ref: "schemas.yaml#/Pet"}')
    errors = _errors(tmp_path, spec, o=HEAD + "actions:\n  - target: $.paths..schema.properties\n    remove: true\n")
    assert len(errors) == 1 and "selects nothing" in errors[0]
    loaded = _load(
        tmp_path,
        spec,
        o=HEAD + "actions:\n  - target: $.components.schemas\n    update: {Other: {$ref: 'schemas.yaml#/Pet'}}\n",
    )
    assert loaded.problems == []
    assert loaded.deref(loaded.top.child("components", "schemas", "Other")).value["type"] == "object"


# --- overlays are inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["command line", "config"])
def test_editing_an_overlay_makes_a_warm_check_stale(tmp_path: Path, via: str) -> None:
    spec, (overlay,) = _write(
        tmp_path,
        o=HEAD
        + "actions:\n  - target: $.info\n    update: {version: '1'}\n  - target: $.paths.*.get\n    update: {summary: One.}\n",
    )
    out = tmp_path / "out"
    if via == "config":
        config = tmp_path / "oagen.yaml"
        config.write_text("overlays: [o.yaml]\n")
        args = ["--config", str(config), "--output", str(out)]
    else:
        args = ["--overlay", str(overlay), "--output", str(out)]
    assert run_oagen("generate", str(spec), *args).returncode == 0
    again = run_oagen("check", str(spec), *args)
    assert again.returncode == 0 and "up to date" in again.stderr
    overlay.write_text(overlay.read_text().replace("One", "Two"))
    stale = run_oagen("check", str(spec), *args)
    assert stale.returncode == 1, stale.stderr
    assert "+        Two." in stale.stdout and "-        One." in stale.stdout
