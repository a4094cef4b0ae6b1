"""Models for what OpenAPI schemas say: real JSON payloads parsed by the generated models and dumped
back to the same JSON by wire name.

The ``models_*`` fixtures (their goldens are checked by test_golden.py) are generated once into a
temporary directory and imported; one ``mypy --strict`` run covers all their ``types`` packages.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Optional

import pydantic
import pytest

from .helpers import FIXTURES, run_oagen

CASES = {
    "models_objects": "objects_client",
    "models_enums": "enums_client",
    "models_composition": "composition_client",
    "models_collections": "collections_client",
    "models_names": "names_client",
    "models_references": "references_client",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("models")
    for case, package in CASES.items():
        out = root / case
        result = run_oagen("generate", str(FIXTURES / case / "openapi.yaml"), "--output", str(out))
        assert result.returncode == 0, result.stderr
        (root / "packages").mkdir(exist_ok=True)
        (root / "packages" / package).symlink_to(out / package, target_is_directory=True)
    sys.path.insert(0, str(root / "packages"))
    try:
        yield root
    finally:
        sys.path.remove(str(root / "packages"))
        for name in [m for m in sys.modules if m.split(".")[0] in CASES.values()]:
            del sys.modules[name]


def types_of(generated: Path, case: str) -> ModuleType:
    return importlib.import_module(f"{CASES[case]}.types")


def roundtrip(model: type[Any] | Any, payload: Any) -> Any:
    """Parse ``payload`` (as JSON text, like a response), dump it by wire name; both must agree."""
    adapter = pydantic.TypeAdapter(model)
    parsed = adapter.validate_json(json.dumps(payload))
    dumped = json.loads(adapter.dump_json(parsed, by_alias=True, exclude_unset=True))
    assert dumped == payload
    return parsed


# --- objects and scalars ---------------------------------------------------------------------------


def test_required_optional_nullable_and_defaults(generated: Path) -> None:
    t = types_of(generated, "models_objects")
    payload = {"id": "0b7a3b1e-8a4e-4c4e-9b1a-0e8e2f1f5a10", "email": "a@example.com", "nickname": None}
    account = roundtrip(t.Account, payload)
    assert account.nickname is None and account.plan == "free" and account.seats == 1
    with pytest.warns(DeprecationWarning):  # a deprecated property: reading it warns (Field(deprecated=True))
        assert account.referrer is None
    assert str(account.id) == payload["id"]
    with pytest.raises(pydantic.ValidationError, match="nickname"):
        t.Account.model_validate({"id": payload["id"], "email": "a@example.com"})  # required, even if nullable


def test_read_only_and_write_only_shape_requests_and_responses(generated: Path) -> None:
    t = types_of(generated, "models_objects")
    assert "password" not in t.Account.model_fields and "id" in t.Account.model_fields
    # The request side: the body's properties are the method's arguments, nested objects TypedDicts.
    accounts = importlib.import_module("objects_client.resources.accounts")
    arguments = inspect.signature(accounts.Accounts.create_account).parameters
    assert "id" not in arguments and "password" in arguments
    assert [name for name, p in arguments.items() if p.default is inspect.Parameter.empty][1:] == [
        "email",
        "password",
        "nickname",
        "options",
    ]
    assert t.ProfileParam.__optional_keys__ == frozenset({"bio"})  # its read-only `created` is left out
    response = t.Account.model_validate(
        {"id": "0b7a3b1e-8a4e-4c4e-9b1a-0e8e2f1f5a10", "email": "a", "nickname": None, "password": "x"}
    )
    assert response.to_dict()["password"] == "x"  # not declared on responses, still kept


def test_descriptions_and_deprecation_become_docstrings(generated: Path) -> None:
    source = (generated / "models_objects" / "objects_client" / "types" / "account.py").read_text()
    assert '    """An account.\n\n    Created with a password' in source
    assert (
        '    referrer: Optional[str] = Field(default=None, deprecated=True)\n    """Deprecated. Use `invited_by` instead."""'
        in source
    )
    assert (generated / "models_objects" / "objects_client" / "types" / "profile.py").read_text().count(
        '"""Deprecated."""'
    ) == 1


def test_scalars_and_formats_round_trip_as_natural_types(generated: Path) -> None:
    t = types_of(generated, "models_objects")
    payload = {
        "text": "x",
        "count": 9007199254740993,
        "ratio": 0.25,
        "flag": False,
        "when": "2024-05-06T07:08:09Z",
        "day": "2024-02-29",
        "at": "10:11:12",
        "id": "0b7a3b1e-8a4e-4c4e-9b1a-0e8e2f1f5a10",
        "homepage": "https://example.com",
        "blob": "aGVsbG8=",
        "raw": "bytes",
        "anything": {"nested": [1, None]},
        "date": "2024-01-01",
        "int": 3,
    }
    s = roundtrip(t.Scalars, payload)
    import datetime
    import uuid

    assert isinstance(s.when, datetime.datetime) and s.when.tzinfo is not None
    assert s.day == datetime.date(2024, 2, 29) and s.at == datetime.time(10, 11, 12)
    assert isinstance(s.id, uuid.UUID) and s.blob == b"hello" and s.raw == b"bytes"
    assert s.date_ == datetime.date(2024, 1, 1) and s.int_ == 3 and s.homepage == "https://example.com"
    missing = t.Scalars.model_validate({"text": "x", "count": 1, "ratio": 1, "flag": True})
    assert missing.day is None  # a date default is the server's: documented, not converted
    assert (
        'Default: `"2024-01-31"`.'
        in (generated / "models_objects" / "objects_client" / "types" / "scalars.py").read_text()
    )


# --- enums -----------------------------------------------------------------------------------------


def test_closed_enums_keep_values_the_spec_did_not_list(generated: Path) -> None:
    t = types_of(generated, "models_enums")
    order = roundtrip(
        t.Order,
        {"kind": "order", "status": "shipped", "priority": 2, "size": "L", "tags": ["urgent"], "gift_wrap": None},
    )
    assert order.status == "shipped" and order.size == "L" and order.gift_wrap is None
    new = roundtrip(
        t.Order, {"kind": "order", "status": "returned", "priority": 7, "tags": ["recycled"], "gift_wrap": "bag"}
    )
    assert (new.status, new.priority, new.tags, new.gift_wrap, new.size) == ("returned", 7, ["recycled"], "bag", "M")
    with pytest.raises(pydantic.ValidationError):
        t.Order.model_validate({"kind": "order", "status": {"not": "a value"}})
    with pytest.raises(pydantic.ValidationError):
        t.Order.model_validate({"kind": "invoice", "status": "shipped"})  # const is a tag, not an enum


def test_enum_annotations(generated: Path) -> None:
    types = generated / "models_enums" / "enums_client" / "types"
    assert (
        'Status: TypeAlias = Lenient[Literal["pending", "shipped", "delivered"]]' in (types / "status.py").read_text()
    )
    assert 'Channel: TypeAlias = Union[str, Literal["web", "phone"]]' in (types / "channel.py").read_text()
    assert "Priority: TypeAlias = Lenient[Literal[1, 2, 3]]" in (types / "priority.py").read_text()
    order = (types / "order.py").read_text()
    assert 'kind: Literal["order"]\n' in order and "ratio: Optional[float] = None" in order
    assert 'gift_wrap: Optional[Lenient[Literal["paper", "box"]]] = None' in order


# --- composition -----------------------------------------------------------------------------------


def test_all_of_merges_and_narrows(generated: Path) -> None:
    t = types_of(generated, "models_composition")
    cat = roundtrip(t.Cat, {"pet_type": "cat", "name": "Tom", "indoor": True})
    assert cat.name == "Tom" and t.Cat.model_fields["pet_type"].annotation != str
    roundtrip(t.Lizard, {"pet_type": "lizard", "name": "Liz", "scales": 300})
    adoption = roundtrip(t.Adoption, {"pet": {"pet_type": "cat", "name": "C"}, "code": "x", "contradiction": [1]})
    assert adoption.code == "x" and adoption.contradiction == [1]
    assert t.Adoption.model_fields["code"].annotation == Optional[str]


def test_discriminated_unions_select_by_tag(generated: Path) -> None:
    t = types_of(generated, "models_composition")
    adoption = roundtrip(
        t.Adoption,
        {
            "pet": {"pet_type": "dog", "name": "Rex", "indoor": True},  # would also fit Cat, but the tag says dog
            "previous": [
                {"pet_type": "gecko", "name": "G"},
                {"pet_type": "lizard", "name": "L"},
                {"pet_type": "dog", "name": "D"},
            ],
            "inline_choice": {"mode": "safe", "margin": 0.5},
            "creature": {"kind": "animal", "pet_type": "cat", "name": "Kit"},
            "any_of": {"note": "n"},
        },
    )
    assert type(adoption.pet) is t.Dog
    assert [type(p) for p in adoption.previous] == [t.Lizard, t.Lizard, t.Dog]
    assert type(adoption.inline_choice).__name__ == "AdoptionInlineChoiceVariant1"
    assert type(adoption.creature) is t.Cat
    assert type(roundtrip(t.Creature, {"kind": "robot", "model": "R2"})) is t.Robot
    assert type(roundtrip(t.Implicit, {"pet_type": "Animal", "name": "A"})) is t.Animal
    assert type(roundtrip(t.Vehicle, {"kind": "bike", "doors": 2})) is t.Bike
    with pytest.raises(pydantic.ValidationError, match="lizard|tag"):
        pydantic.TypeAdapter(t.Reptile).validate_python({"pet_type": "snake", "name": "S"})
    # Instances given by the caller are told apart by their class, nested unions included.
    assert (
        type(t.Adoption(pet=t.Cat(pet_type="cat", name="C"), creature=t.Dog(pet_type="dog", name="D")).creature)
        is t.Dog
    )


def test_all_of_conflicts_are_reported_by_location(tmp_path: Path) -> None:
    spec = tmp_path / "conflict.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: c, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A:\n      type: object\n      properties:\n        n: {type: integer}\n"
        "    B:\n      allOf:\n        - $ref: '#/components/schemas/A'\n"
        "        - type: object\n          properties:\n            n: {type: string}\n"
    )
    result = run_oagen("generate", str(spec), "--output", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "conflict.yaml:15:16: " in result.stderr and "/components/schemas/B/allOf/1/properties/n" in result.stderr
    assert "conflicting types: integer" in result.stderr and "Traceback" not in result.stderr


# --- collections and recursion ---------------------------------------------------------------------


def test_arrays_tuples_maps_and_unknown_fields(generated: Path) -> None:
    t = types_of(generated, "models_collections")
    bag = roundtrip(
        t.Bag,
        {
            "list": [1, 2],
            "point": [1.5, 2.5, "m"],
            "scores": {"a": 1.5},
            "labels": {"x": {"color": "red", "shade": 3}},
            "free": {"any": ["thing"]},
            "closed": {"only": "o"},
            "counted": {"total": 2, "apples": 1, "pears": 1},
            "unknown": {"kept": True},
        },
    )
    assert (
        bag.point == (1.5, 2.5, "m")
        and bag.labels["x"].color == "red"
        and bag.model_extra == {"unknown": {"kept": True}}
    )
    assert bag.counted.model_extra == {"apples": 1, "pears": 1}
    with pytest.raises(pydantic.ValidationError):
        t.Counted.model_validate({"apples": "many"})  # additionalProperties: integer
    assert pydantic.TypeAdapter(t.Metadata).validate_python({"k": 1}) == {"k": 1}


def test_recursive_schemas(generated: Path) -> None:
    t = types_of(generated, "models_collections")
    tree = roundtrip(
        t.TreeNode,
        {"value": "root", "children": [{"value": "a", "children": [{"value": "b"}]}], "parent": {"value": "p"}},
    )
    assert tree.children[0].children[0].value == "b"
    person = roundtrip(
        t.Person, {"name": "Ann", "employer": {"staff": [{"name": "Bob"}], "parent": {"subsidiaries": [{"staff": []}]}}}
    )
    assert type(person.employer.parent) is t.Holding and person.employer.staff[0].name == "Bob"
    assert roundtrip(t.Json, {"a": [1.5, "x", True, {"b": []}]}) == {"a": [1.5, "x", True, {"b": []}]}
    expr = roundtrip(t.Expr, {"op": "sum", "terms": [{"op": "lit", "value": 1.0}, {"op": "sum", "terms": []}]})
    assert [type(e).__name__ for e in expr.terms] == ["LiteralModel", "Sum"]


# --- names and references --------------------------------------------------------------------------


def test_awkward_property_names_round_trip(generated: Path) -> None:
    t = types_of(generated, "models_names")
    payload = {
        "class": "c",
        "@context": "ctx",
        "context": "plain",
        "+1": 1,
        "-1": -1,
        "": "empty",
        "x-trace": "t1",
        "x_trace": "t2",
        "labelNames/blue": "b",
        "größe": 1.5,
        "名前": "n",
        "type": "t",
        "id": "i",
        "model_config": "m",
        "str": "s",
        "validate": True,
        "'''\"\"\"": "q",
    }
    thing = roundtrip(t.Thing, payload)
    assert (thing.class_, thing.context, thing.context_2, thing.plus_1, thing.minus_1, thing.field) == (
        "c",
        "plain",
        "ctx",
        1,
        -1,
        "empty",
    )
    assert (thing.grosse, thing.label_names_blue, thing.model_config_, thing.str_, thing.validate_) == (
        1.5,
        "b",
        "m",
        "s",
        True,
    )
    assert len(set(t.Thing.model_fields)) == len(payload)
    # Schema names colliding after sanitising, case-insensitively, or with the package's own names.
    assert [t.Thing.__name__, t.Thing_2.__name__, t.Thing_3.__name__] == ["Thing", "Thing_2", "Thing_3"]
    assert t.BaseModelModel.__name__ == "BaseModelModel" and t.Model2fa.model_validate({"code": "1"}).code == "1"
    assert roundtrip(t.Accents, "{{ x }}") == "{{ x }}"
    modules = sorted(p.name for p in (generated / "models_names" / "names_client" / "types").glob("*.py"))
    assert len({m.lower() for m in modules}) == len(modules)


def test_references_of_every_kind(generated: Path) -> None:
    t = types_of(generated, "models_references")
    conflict = roundtrip(
        t.ConflictResponse, {"reason": "taken", "existing": {"name": "w", "size": 3, "parent": {"name": "p"}}}
    )
    assert conflict.existing.parent.name == "p"
    assert roundtrip(t.Gadget, {"label": "g", "widget": {"name": "w"}}).widget.name == "w"
    source = (generated / "models_references" / "references_client" / "types" / "widget.py").read_text()
    assert '    size: Optional[Size] = None\n    """The sibling description wins (3.1)."""' in source


def test_generated_types_pass_mypy_strict(generated: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--cache-dir",
        str(generated / ".mypy_cache"),
    ]
    for package in CASES.values():
        args += ["-p", f"{package}.types"]
    result = subprocess.run(
        args,
        cwd=generated / "packages",
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(generated / "packages"), "PATH": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_model_is_made_with_python_or_wire_names(generated: Path) -> None:
    t = types_of(generated, "models_names")
    by_python = t.Thing(class_="x", plus_1=1, type="t")
    by_wire = t.Thing(**{"class": "x", "+1": 1, "type": "t"})
    assert by_python == by_wire == t.Thing.model_validate({"class": "x", "+1": 1, "type": "t"})
    assert by_python.to_dict() == {"class": "x", "+1": 1, "type": "t"}


def _mypy(generated: Path, code: str, plugin: bool) -> str:
    use = generated / "packages" / f"use_{'plugin' if plugin else 'plain'}.py"
    use.write_text("from names_client.types import Thing\n\n" + code)
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--cache-dir",
        str(generated / ".mypy_cache"),
    ]
    if plugin:
        config = generated / "mypy_plugin.ini"
        config.write_text("[mypy]\nplugins = pydantic.mypy\n\n[pydantic-mypy]\ninit_typed = True\n")
        args += ["--config-file", str(config)]
    result = subprocess.run(
        [*args, use.name], cwd=use.parent, capture_output=True, text=True, env={"PATH": "", "MYPYPATH": str(use.parent)}
    )
    return result.stdout + result.stderr


def test_what_mypy_sees_of_a_model_constructor(generated: Path) -> None:
    """As the README says: without the pydantic plugin, the keywords are the wire names (a renamed
    field's Python name is an error); with it, the Python names; model_validate takes wire names."""
    validate = 'Thing.model_validate({"class": "x", "+1": 1})\n'
    assert _mypy(generated, validate + 'Thing(type="t", id="i")\n', plugin=False) == ""
    assert 'Unexpected keyword argument "plus_1"' in _mypy(generated, "Thing(plus_1=1)\n", plugin=False)
    assert _mypy(generated, validate + 'Thing(class_="x", plus_1=1, type="t")\n', plugin=True) == ""
    assert "incompatible type" in _mypy(generated, 'Thing(plus_1="one")\n', plugin=True)
