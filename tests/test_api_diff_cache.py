"""The facts ``api_diff`` reads from each module, kept in oagen's cache: a warm report is the cold
one (after real edits of the museum spec, an edit of an aliased type's module alone among them),
only modules the cache has not seen are read, and no damaged entry, other module or other version
of oagen can change a report."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from generator import api_diff
from generator.cache import Cache

from .helpers import run_oagen

ROOT = Path(__file__).resolve().parents[1]
MUSEUM = ROOT / "tests" / "specs" / "redocly-museum.yaml"
Spec = dict[str, Any]
Tree = dict[str, str]


def _generate(spec: Path, output: Path) -> None:
    done = run_oagen("generate", str(spec), "-o", str(output))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def museum(tmp_path_factory: pytest.TempPathFactory) -> tuple[Spec, Tree]:
    output = tmp_path_factory.mktemp("museum") / "client"
    _generate(MUSEUM, output)
    return yaml.safe_load(MUSEUM.read_text(encoding="utf-8")), api_diff.read_tree(output)


def _edited(museum: tuple[Spec, Tree], edit: Callable[[Spec], None], tmp: Path) -> Tree:
    spec = copy.deepcopy(museum[0])
    edit(spec)
    path = tmp / f"{edit.__name__}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    _generate(path, tmp / edit.__name__)
    return api_diff.read_tree(tmp / edit.__name__)


def _ticket_type_loses_value(spec: Spec) -> None:
    spec["components"]["schemas"]["TicketType"]["enum"].remove("event")


def _narrow_price(spec: Spec) -> None:
    spec["components"]["schemas"]["EventPrice"].update(type="integer", format="int32")


def _add_optional_field(spec: Spec) -> None:
    spec["components"]["schemas"]["SpecialEvent"]["properties"]["capacity"] = {"type": "integer"}


def _drop_operation(spec: Spec) -> None:
    for item in spec["paths"].values():
        item.pop("delete", None)


def _descriptions(spec: Spec) -> None:
    for schema in spec["components"]["schemas"].values():
        schema["description"] = "Described otherwise."


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The modules griffe reads (the cache's misses), by path, as they are read."""
    done: list[str] = []
    real = api_diff.module_facts

    def counted(relative: str, code: str) -> api_diff.ModuleFacts:
        done.append(relative)
        return real(relative, code)

    monkeypatch.setattr(api_diff, "module_facts", counted)
    yield done


def _changed(old: Tree, new: Tree) -> set[str]:
    return {path for path, text in new.items() if old.get(path) != text}


def test_warm_report_is_the_cold_one(museum: tuple[Spec, Tree], tmp_path: Path, reads: list[str]) -> None:
    base = museum[1]
    cache = Cache(tmp_path / "cache")
    assert api_diff.diff_trees(base, base, cache) == []
    assert sorted(reads) == sorted(base)  # the first run reads every module, once
    expected = {
        _ticket_type_loses_value: {("enum-value-removed", "types.TicketType", True)},
        _narrow_price: {("model-type-narrowed", "types.EventPrice", True)},
        _add_optional_field: {  # SpecialEvent is create_special_event's body too: a new keyword argument
            ("field-added", "types.SpecialEvent", False),
            ("parameter-added", "client.events.create_special_event", False),
        },
        _drop_operation: {("method-removed", "client.events.delete_special_event", True)},
        _descriptions: set(),
    }
    for edit, changes in expected.items():
        head = _edited(museum, edit, tmp_path)
        changed = _changed(base, head)
        if edit in (_ticket_type_loses_value, _narrow_price):
            # The type alias's own module alone: whether its change breaks callers is decided by
            # the modules that use it (a request and a response type), which come from the cache.
            (only,) = changed
            assert only.endswith(("/types/ticket_type.py", "/types/event_price.py")), changed
        reads.clear()
        warm = api_diff.diff_trees(base, head, cache)
        assert sorted(reads) == sorted(changed)  # what the cache had not seen, no more
        reads.clear()
        cold = api_diff.diff_trees(base, head)
        assert len(reads) == len(set(base.items()) | set(head.items()))
        assert warm == cold
        assert {(c.kind, c.path, c.breaking) for c in warm} == changes, edit.__name__
        # the other way round: every module from the cache now
        reads.clear()
        back = api_diff.diff_trees(head, base, cache)
        assert reads == []
        assert back == api_diff.diff_trees(head, base)


def test_facts_come_back_from_the_cache_equal(museum: tuple[Spec, Tree]) -> None:
    for relative, code in museum[1].items():
        facts = api_diff.module_facts(relative, code)
        assert api_diff.decode_entry(api_diff.encode_entry(facts)) == facts, relative
    # and on a package with what the museum's client lacks: overloads, TypedDicts, an alias of its own
    read = {relative: api_diff.module_facts(relative, code) for relative, code in SMALL.items()}
    for relative, facts in read.items():
        assert api_diff.decode_entry(api_diff.encode_entry(facts)) == facts, relative
    get = read["pkg/resources/things.py"].classes["Things"].functions["get"]
    assert len(get.overloads) == 2 and "Thing" in " ".join(get.body_names)
    assert read["pkg/types/kind.py"].aliases["Kind"].text == "Literal['a', 'b']"


def test_an_alias_module_edited_alone(tmp_path: Path, reads: list[str]) -> None:
    """``Kind`` is a request type (a parameter of an overload, in the resource module) and a
    response one (a field of ``Thing``, in another module): only its own module changes."""
    cache = Cache(tmp_path / "cache")
    assert api_diff.diff_trees(SMALL, SMALL, cache) == []
    for values, expected in (
        ('"a", "b", "c"', {("enum-value-added", "types.Kind", False)}),
        ('"a"', {("enum-value-removed", "types.Kind", True)}),
        ('"a", "b"', set()),
    ):
        head = {**SMALL, "pkg/types/kind.py": SMALL["pkg/types/kind.py"].replace('"a", "b"', values)}
        reads.clear()
        warm = api_diff.diff_trees(SMALL, head, cache)
        assert reads == ([] if head == SMALL else ["pkg/types/kind.py"])
        assert warm == api_diff.diff_trees(SMALL, head)
        assert {(c.kind, c.path, c.breaking) for c in warm} == expected


SMALL = {
    "pkg/__init__.py": "",
    "pkg/_client.py": (
        "from functools import cached_property\n"
        "from ._base_client import SyncAPIClient\n"
        "from .resources.things import Things\n\n\n"
        "class Client(SyncAPIClient):\n"
        "    @cached_property\n"
        "    def things(self) -> Things:\n        return Things()\n"
    ),
    "pkg/resources/things.py": (
        "from typing import overload\n"
        "from .._resource import SyncAPIResource\n"
        "from ..types.kind import Kind\n"
        "from ..types.thing import Thing, ThingParams\n\n\n"
        "class Things(SyncAPIResource):\n"
        "    @overload\n"
        "    def get(self, id: str) -> Thing: ...\n"
        "    @overload\n"
        "    def get(self, id: int, *, kind: Kind = 'a') -> Thing: ...\n"
        "    def get(self, id: object, **options: object) -> Thing:\n"
        "        return Thing(id=str(id))\n\n"
        "    def create(self, params: ThingParams, /, *args: int) -> Thing | None:\n"
        "        return None\n"
    ),
    "pkg/types/kind.py": 'from typing import Literal\nfrom typing_extensions import TypeAlias\n\nKind: TypeAlias = Literal["a", "b"]\n',
    "pkg/types/thing.py": (
        "from typing import ClassVar, Optional\n"
        "from typing_extensions import NotRequired, Required, TypedDict\n"
        "from .._models import BaseModel, Field\n"
        "from .kind import Kind\n\n\n"
        "class ThingParams(TypedDict, total=False):\n"
        "    name: Required[str]\n"
        "    note: NotRequired[str]\n\n\n"
        "class Thing(BaseModel):\n"
        "    tag: ClassVar[str] = 'thing'\n"
        "    id: str = Field(alias='ID')\n"
        "    kind: Optional[Kind] = None\n"
    ),
    "pkg/_exceptions.py": "class APIError(Exception):\n    pass\n",
}


def _damage(directory: Path, damage: Callable[[bytes], bytes]) -> int:
    """Every module-facts entry of the cache in ``directory`` replaced by ``damage`` of it."""
    with sqlite3.connect(directory / "cache.sqlite3") as db:
        rows = db.execute("SELECT key, value FROM entries WHERE kind = 'api-facts'").fetchall()
        db.executemany(
            "UPDATE entries SET value = ? WHERE kind = 'api-facts' AND key = ?", [(damage(v), k) for k, v in rows]
        )
    return len(rows)


def _sealed(payload: bytes) -> bytes:
    """``payload`` with a hash that matches it: an entry whose content, not its bytes, is wrong."""
    import hashlib

    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _flip_case(raw: bytes, at: int) -> bytes:
    """``raw`` with the letter at ``at`` in the other case: still JSON, of the same shape."""
    assert chr(raw[at]).isalpha()
    return raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :]


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda raw: b"",
    "not JSON": lambda raw: b"\x00\xff not json",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "a letter of its module path changed": lambda raw: _flip_case(raw, raw.index(b'{"path":"') + 9),
    "no hash": lambda raw: raw.partition(b"\n")[2],
    "other JSON": lambda raw: _sealed(b'{"path": 1}'),
    "wrong shapes": lambda raw: _sealed(b'{"path": "x", "imports": [], "types": 3, "params": {}, "classes": 1}'),
}


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_a_damaged_entry_is_read_again(name: str, museum: tuple[Spec, Tree], tmp_path: Path, reads: list[str]) -> None:
    base = museum[1]
    head = _edited(museum, _ticket_type_loses_value, tmp_path)
    cold = api_diff.diff_trees(base, head)
    cache = Cache(tmp_path / "cache")
    assert api_diff.diff_trees(base, head, cache) == cold
    cache.close()
    assert _damage(tmp_path / "cache", DAMAGES[name]) == len(set(base.items()) | set(head.items()))
    cache = Cache(tmp_path / "cache")
    reads.clear()
    assert api_diff.diff_trees(base, head, cache) == cold
    assert len(reads) == len(set(base.items()) | set(head.items()))  # no damaged entry used...
    reads.clear()
    assert api_diff.diff_trees(base, head, cache) == cold
    assert reads == []  # ...and each replaced by a good one


def test_the_key_is_the_module_path_its_text_and_oagens_code(
    museum: tuple[Spec, Tree], tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    relative, code = "pkg/types/a.py", "from .b import B\n"
    keys = {
        api_diff.facts_key(relative, code),
        api_diff.facts_key("pkg/types/sub/a.py", code),
        api_diff.facts_key(relative, code + "\n"),
    }
    assert len(keys) == 3
    # The same text at two paths: facts of its own for each (a relative import resolves otherwise).
    cache = Cache(tmp_path / "cache")
    reader = api_diff.Reader(cache)
    assert reader.read(relative, code).imports == {"B": "pkg.types.b.B"}
    assert api_diff.Reader(cache).read("pkg/types/sub/a.py", code).imports == {"B": "pkg.types.sub.b.B"}
    # Another oagen (its code, a library it runs, Python: fastpath.code_digest) reads every module again.
    base = museum[1]
    head = _edited(museum, _narrow_price, tmp_path)
    cold = api_diff.diff_trees(base, head)
    assert api_diff.diff_trees(base, head, cache) == cold
    reads.clear()
    assert api_diff.diff_trees(base, head, cache) == cold and reads == []
    monkeypatch.setattr(api_diff, "code_digest", lambda: "another oagen")
    assert api_diff.diff_trees(base, head, cache) == cold
    assert len(reads) == len(set(base.items()) | set(head.items()))


def _entries(directory: Path) -> int:
    if not (directory / "cache.sqlite3").exists():
        return 0
    with sqlite3.connect(directory / "cache.sqlite3") as db:
        (count,) = db.execute("SELECT COUNT(*) FROM entries WHERE kind = 'api-facts'").fetchone()
    return int(count)


def test_commands_use_the_cache(museum: tuple[Spec, Tree], tmp_path: Path, private_cache: Path) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    _generate(MUSEUM, base)
    spec = copy.deepcopy(museum[0])
    _ticket_type_loses_value(spec)
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    _generate(edited, head)
    modules = len(set(api_diff.read_tree(base).items()) | set(api_diff.read_tree(head).items()))
    reports = set()
    for options in (("--no-cache",), ("--cache-dir", str(tmp_path / "mine")), ()):
        done = run_oagen("api-diff", str(base), str(head), *options)
        assert done.returncode == 0, done.stderr
        reports.add(done.stdout)
    assert reports == {
        "API changes: 1 breaking, 0 other (suggested version bump: major)\n"
        "breaking: types.TicketType: type: enum value 'event' removed\n"
    }
    assert _entries(tmp_path / "mine") == modules  # --cache-dir
    assert _entries(private_cache) == modules  # $OAGEN_CACHE_DIR (tests/conftest.py)
    # generate's summary too (in its own cache directory here)
    own = tmp_path / "own-cache"
    done = run_oagen("generate", str(MUSEUM), "-o", str(head), "--cache-dir", str(own))
    assert "other: types.TicketType: type: enum value 'event' added" in done.stderr
    assert _entries(own) == modules
