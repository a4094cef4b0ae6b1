"""The IR builder on short specs written inline: what each schema and operation becomes, without goldens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build import build
from generator.config import load_config
from generator.diagnostics import Diagnostic, GenerationError
from generator.ir import Api, Model, Operation
from generator.load import Spec


def _build(
    tmp_path: Path, schemas: dict[str, Any] | None = None, paths: dict[str, Any] | None = None, config: str = ""
) -> Api:
    spec = {"openapi": "3.1.0", "info": {"title": "Zoo API", "version": "1"}, "paths": paths or {}}
    if schemas:
        spec["components"] = {"schemas": schemas}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    config_path = tmp_path / "oagen.yaml"
    config_path.write_text(config or "{}\n")
    return build(Spec(path), load_config(config_path))


def _model(api: Api, name: str) -> Model:
    found = [m for m in api.models if m.class_name == name]
    assert found, f"no model {name}: {[m.class_name for m in api.models]}"
    return found[0]


def _fields(model: Model) -> list[tuple[str, str, bool]]:
    return [(f.attr, f.type.annotation, f.required) for f in model.fields]


def _operation(api: Api, resource: str, method: str) -> Operation:
    for r in api.all_resources:
        if r.attr == resource:
            for op in r.operations:
                if op.method_name == method:
                    return op
    raise AssertionError(f"no {resource}.{method}")


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def test_allof_members_merge_into_one_class_in_member_order(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        {
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            "Pet": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {
                        "type": "object",
                        "required": ["age"],
                        "properties": {"name": {"type": ["string", "null"]}, "age": {"type": "integer"}},
                    },
                ]
            },
        },
    )
    assert _fields(_model(api, "Pet")) == [("id", "str", True), ("name", "Optional[str]", False), ("age", "int", True)]


def test_allof_members_giving_a_property_two_types_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(GenerationError) as info:
        _build(
            tmp_path,
            {
                "Pet": {
                    "allOf": [
                        {"type": "object", "properties": {"id": {"type": "string"}}},
                        {"type": "object", "properties": {"id": {"type": "boolean"}}},
                    ]
                }
            },
        )
    message = str(info.value.diagnostics[0])
    assert "conflicting types" in message and "/components/schemas/Pet/allOf/1/properties/id" in message


def test_read_only_properties_give_a_request_twin_without_them(tmp_path: Path) -> None:
    pet = {"type": "object", "properties": {"id": {"type": "string", "readOnly": True}, "name": {"type": "string"}}}
    api = _build(
        tmp_path,
        {"Pet": pet},
        {
            "/pets": {
                "post": {
                    "operationId": "create_pet",
                    "requestBody": {
                        "required": True,
                        **_json({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}),
                    },
                    "responses": {"201": {"description": "made", **_json({"$ref": "#/components/schemas/Pet"})}},
                }
            }
        },
    )
    assert [f.attr for f in _model(api, "Pet").fields] == ["id", "name"]
    request = _model(api, "PetParam")
    assert request.typed_dict and [f.attr for f in request.fields] == ["name"]
    op = _operation(api, "pets", "create_pet")
    assert op.body is not None and op.body.type.annotation == "Sequence[PetParam]" and op.returns.annotation == "Pet"


def test_enums_are_lenient_literals_and_single_values_plain_ones(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        {
            "Kind": {"type": "string", "enum": ["cat", "dog"]},
            "Only": {"type": "string", "enum": ["only"]},
            "Fixed": {"const": 3},
            "Maybe": {"type": ["string", "null"], "enum": ["a", "b", None]},
        },
    )
    assert _model(api, "Kind").alias.annotation == 'Lenient[Literal["cat", "dog"]]'  # type: ignore[union-attr]
    assert _model(api, "Only").alias.annotation == 'Literal["only"]'  # type: ignore[union-attr]
    assert _model(api, "Fixed").alias.annotation == "Literal[3]"  # type: ignore[union-attr]
    assert _model(api, "Maybe").alias.annotation == 'Optional[Lenient[Literal["a", "b"]]]'  # type: ignore[union-attr]


def test_a_discriminated_union_is_selected_by_its_tag(tmp_path: Path) -> None:
    def pet(tag: str) -> dict[str, Any]:
        return {"type": "object", "required": ["kind"], "properties": {"kind": {"const": tag}}}

    api = _build(
        tmp_path,
        {
            "Cat": pet("cat"),
            "Dog": pet("dog"),
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind"},
            },
        },
    )
    alias = _model(api, "Pet").alias
    assert alias is not None and alias.annotation == 'Annotated[Union[Cat, Dog], Field(discriminator="kind")]'


def test_names_that_would_shadow_get_a_suffix(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        {
            "List": {"type": "object", "properties": {"model_config": {"type": "string"}, "str": {"type": "string"}}},
        },
    )
    model = _model(api, "ListModel")
    assert [(f.attr, f.wire_name) for f in model.fields] == [("model_config_", "model_config"), ("str_", "str")]


def test_operation_names_come_from_the_tag_and_operation_id(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    api = _build(
        tmp_path,
        paths={
            "/pets/{pet_id}": {
                "get": {
                    "operationId": "pets/get-one",
                    "tags": ["pets"],
                    "parameters": [{"name": "pet-id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": ok,
                },
                "delete": {"responses": ok},
            }
        },
    )
    get = _operation(api, "pets", "get_one")
    assert [(p.attr, p.wire_name, p.location) for p in get.params] == [("pet_id", "pet_id", "path")]
    assert get.returns.annotation == "None"
    assert _operation(api, "pets", "delete_pets_pet_id").http_method == "DELETE"


def test_a_required_parameter_of_one_value_is_sent_not_asked_for(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        paths={
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "parameters": [
                        {"name": "version", "in": "header", "required": True, "schema": {"enum": ["2"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}},
                    ],
                    "responses": {
                        "200": {"description": "ok", **_json({"type": "array", "items": {"type": "string"}})}
                    },
                }
            }
        },
    )
    op = _operation(api, "things", "list_things")
    assert [p.attr for p in op.arguments] == ["limit"]
    assert [(p.wire_name, p.constant.value) for p in op.params if p.constant] == [("version", "2")]
    assert op.keyword[0].default == "20" and op.returns.annotation == "List[str]"


def test_a_response_that_may_be_empty_is_optional(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        {"Pet": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {
            "/pets": {
                "put": {
                    "operationId": "put_pet",
                    "responses": {
                        "200": {"description": "ok", **_json({"$ref": "#/components/schemas/Pet"})},
                        "204": {"description": "nothing"},
                        "404": {
                            "description": "missing",
                            **_json({"type": "object", "properties": {"error": {"type": "string"}}}),
                        },
                    },
                }
            }
        },
    )
    op = _operation(api, "pets", "put_pet")
    assert op.returns.annotation == "Optional[Pet]"
    assert [(e.status, e.type.annotation) for e in op.errors] == [("404", "PutPetError404")]


def test_config_renames_a_schema_and_an_operation(tmp_path: Path) -> None:
    api = _build(
        tmp_path,
        {"Pet": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "responses": {"200": {"description": "ok", **_json({"$ref": "#/components/schemas/Pet"})}},
                }
            }
        },
        config="schemas:\n  Pet:\n    name: Animal\noperations:\n  listPets:\n    resource: zoo.animals\n    method: list\n",
    )
    assert _model(api, "Animal").module == "animal"
    assert _operation(api, "animals", "list").returns.annotation == "Animal"


def test_a_parameter_described_in_its_schema_is_documented(tmp_path: Path) -> None:
    limit = {"type": "integer", "default": 20, "description": "The maximum number of items."}
    paths = {
        "/albums": {
            "get": {
                "operationId": "getAlbums",
                "tags": ["albums"],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": limit},
                    {"name": "offset", "in": "query", "description": "Where to start.", "schema": limit},
                    {"name": "market", "in": "query", "schema": {"$ref": "#/components/schemas/Market"}},
                ],
                "responses": {"204": {"description": "ok"}},
            }
        }
    }
    schemas = {"Market": {"type": "string", "description": "An ISO 3166-1 alpha-2 country code."}}
    op = _operation(_build(tmp_path, schemas, paths), "albums", "get_albums")
    assert dict(op.argument_docs) == {
        "limit": "The maximum number of items. (default: `20`)",
        "offset": "Where to start. (default: `20`)",
        "market": "An ISO 3166-1 alpha-2 country code.",
    }


@pytest.mark.parametrize(
    "given, version",
    [
        ("1.0.0", "1.0.0"),
        ("v1.2", "1.2"),
        ("1.0-beta", "1.0b0"),
        ("2023-08-16", "2023.8.16"),
        ("2024-01-01", "2024.1.1"),
        ("v1.2 beta", "0.1.0"),
        ("latest", "0.1.0"),
    ],
)
def test_the_package_version_is_info_version_as_pep_440_has_it(tmp_path: Path, given: str, version: str) -> None:
    spec = {"openapi": "3.1.0", "info": {"title": "Zoo", "version": given}, "paths": {}}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    warnings: list[Diagnostic] = []
    config = tmp_path / "oagen.yaml"
    config.write_text("{}\n")
    assert build(Spec(path), load_config(config), warnings=warnings).version == version
    expected = (
        []
        if version != "0.1.0"
        else [
            f"{path}:4:12: /info/version: info.version {given!r} is not a PEP 440 version: the package is version"
            " 0.1.0 (config key version sets another)"
        ]
    )
    assert [str(w) for w in warnings] == expected
    config.write_text("version: '2.0'\n")
    assert build(Spec(path), load_config(config)).version == "2.0"
    config.write_text("version: two\n")
    with pytest.raises(GenerationError) as info:
        build(Spec(path), load_config(config))
    assert [str(d) for d in info.value.diagnostics] == [f"{config}:1:1: /version: 'two' is not a PEP 440 version"]
