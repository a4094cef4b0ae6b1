"""Custom code: hand-written modules the config adds to the package (``custom_code:``, copied into
``<package>/lib/`` byte for byte) and the subclasses of generated resource classes the client hands out
instead (``resources.<path>.class`` / ``async_class``): on the wire, under mypy, in what ``check``
compares, and the mistakes, located."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

from .helpers import run_oagen

PACKAGE = "stuff_client"

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Stuff", "version": "1.0.0"},
    "servers": [{"url": "http://localhost"}],
    "paths": {
        "/things": {
            "post": {
                "operationId": "things_create",
                "tags": ["things"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        },
        "/things/{thing_id}/parts": {
            "get": {
                "operationId": "things_parts_list",
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
                },
            }
        },
    },
    "components": {
        "schemas": {"Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}
    },
}

HELPERS = '''\
"""Hand-written helpers: client.things.create_many and client.things.parts.count."""

from __future__ import annotations

from typing import List

from ..resources.things import AsyncThings as GeneratedAsyncThings
from ..resources.things import Things as GeneratedThings
from ..resources.things.parts import Parts as GeneratedParts
from ..types.thing import Thing


class Things(GeneratedThings):
    def create_many(self, names: List[str]) -> List[Thing]:
        """One create call per name."""
        return [self.create(name=name) for name in names]


class AsyncThings(GeneratedAsyncThings):
    async def create_many(self, names: List[str]) -> List[Thing]:
        return [await self.create(name=name) for name in names]


class CountedParts(GeneratedParts):
    def count(self, thing_id: str) -> int:
        return len(self.list(thing_id))


# Written as its author likes it (café): black would rewrap these, oagen copies them as they are.
NAMES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen"]
'''

CONFIG = """\
custom_code: custom
resources:
  things: {class: lib.helpers.Things, async_class: lib.helpers.AsyncThings}
  things.parts: {class: lib.helpers.CountedParts}
operations:
  things_parts_list: {resource: things.parts, method: list}
"""


def _write(root: Path, config: str = CONFIG, helpers: str = HELPERS) -> None:
    (root / "openapi.json").write_text(json.dumps(SPEC))
    (root / "oagen.yaml").write_text(config)
    (root / "custom").mkdir(exist_ok=True)
    (root / "custom" / "helpers.py").write_text(helpers)


def _generate(root: Path, *extra: str, command: str = "generate") -> subprocess.CompletedProcess[str]:
    return run_oagen(
        command,
        str(root / "openapi.json"),
        "--config",
        str(root / "oagen.yaml"),
        "--output",
        str(root / "out"),
        "--package-name",
        PACKAGE,
        *extra,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("custom")
    _write(root)
    result = _generate(root, "--no-cache")
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield root
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_custom_code_is_copied_as_written(generated: Path, tmp_path: Path) -> None:
    lib = generated / "out" / PACKAGE / "lib"
    assert (lib / "helpers.py").read_bytes() == (generated / "custom" / "helpers.py").read_bytes()
    _write(tmp_path)
    assert _generate(tmp_path, "--no-cache", "--black-all").returncode == 0  # never formatted, even so
    assert (tmp_path / "out" / PACKAGE / "lib" / "helpers.py").read_bytes() == HELPERS.encode()
    assert "custom_code" in (lib / "__init__.py").read_text()  # oagen's, as the directory has none
    assert "lib/helpers.py" in (generated / "out" / ".oagen-manifest").read_text()


def test_the_client_hands_out_the_subclasses(generated: Path, httpserver: HTTPServer) -> None:
    seen: list[str] = []

    def handler(request: Any) -> Any:
        from werkzeug import Response

        seen.append(request.get_json()["name"])
        return Response(json.dumps({"id": f"t{len(seen)}"}), content_type="application/json")

    httpserver.expect_request("/things", method="POST").respond_with_handler(handler)
    httpserver.expect_request("/things/t1/parts").respond_with_json({"a": 1, "b": 2})
    stuff = importlib.import_module(PACKAGE)
    client = stuff.Stuff(base_url=httpserver.url_for("/"))
    assert [t.id for t in client.things.create_many(["a", "b"])] == ["t1", "t2"]
    assert client.things.parts.count("t1") == 2  # a child of a custom class: its own custom class
    assert type(client.things).__module__ == f"{PACKAGE}.lib.helpers"
    assert client.things.with_raw_response.create(name="c").parse().id == "t3"  # the generated methods stay

    async def run() -> list[str]:
        async with stuff.AsyncStuff(base_url=httpserver.url_for("/")) as aclient:
            return [t.id for t in await aclient.things.create_many(["d"])]

    assert asyncio.run(run()) == ["t4"]
    assert seen == ["a", "b", "c", "d"]


def test_the_package_and_user_code_pass_mypy_strict(generated: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    out = generated / "out"
    (out / "user.py").write_text(
        f"from {PACKAGE} import AsyncStuff, Stuff\n\n\n"
        "def use(client: Stuff) -> int:\n"
        "    return len(client.things.create_many(['a'])) + client.things.parts.count('t')\n\n\n"
        "async def ause(client: AsyncStuff) -> str:\n"
        "    return (await client.things.create_many(['a']))[0].id\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, PACKAGE, "user.py"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_sees_the_custom_code_change(tmp_path: Path) -> None:
    env_cache = ["--cache-dir", str(tmp_path / "cache")]
    _write(tmp_path)
    assert _generate(tmp_path, *env_cache).returncode == 0
    assert _generate(tmp_path, *env_cache, command="check").returncode == 0
    # An edit of a custom module: stale, and the diff says where.
    (tmp_path / "custom" / "helpers.py").write_text(HELPERS.replace("One create call per name.", "Many."))
    result = _generate(tmp_path, *env_cache, command="check")
    assert result.returncode == 1 and '+        """Many."""' in result.stdout, result.stdout + result.stderr
    assert _generate(tmp_path, *env_cache).returncode == 0
    # A module added to the directory: stale too (the record holds the directory's listing).
    (tmp_path / "custom" / "more.py").write_text("X = 1\n")
    result = _generate(tmp_path, *env_cache, command="check")
    assert result.returncode == 1 and "lib/more.py" in result.stdout, result.stdout + result.stderr
    assert _generate(tmp_path, *env_cache).returncode == 0
    (tmp_path / "custom" / "more.py").unlink()
    assert _generate(tmp_path, *env_cache, command="check").returncode == 1
    assert _generate(tmp_path, *env_cache).returncode == 0
    assert not (tmp_path / "out" / PACKAGE / "lib" / "more.py").exists()
    assert _generate(tmp_path, *env_cache, command="check").returncode == 0


@pytest.mark.parametrize(
    ("config", "helpers", "where", "message"),
    [
        (
            CONFIG.replace("custom_code: custom", "custom_code: nowhere"),
            HELPERS,
            "oagen.yaml:1:14: /custom_code:",
            "nowhere is not a directory",
        ),
        (CONFIG, HELPERS + "def broken(:\n", f"helpers.py:{len(HELPERS.splitlines()) + 1}:12: /:", "not valid Python"),
        (
            CONFIG.replace("  things.parts:", "  things.bits:"),
            HELPERS,
            "oagen.yaml:4:3: /resources/things.bits:",
            "no resource 'things.bits' (the client's: things, things.parts)",
        ),
        (
            CONFIG.replace("lib.helpers.AsyncThings", "lib.helpers.Missing"),
            HELPERS,
            "oagen.yaml:3:39: /resources/things/async_class:",
            "the custom code's lib.helpers defines no class 'Missing'",
        ),
        (
            CONFIG.replace("lib.helpers.CountedParts", "lib.other.CountedParts"),
            HELPERS,
            "oagen.yaml:4:18: /resources/things.parts/class:",
            "no module 'lib.other' in the custom code (its modules: lib.helpers)",
        ),
        (
            CONFIG.replace("lib.helpers.CountedParts", "lib.helpers.Thing"),
            HELPERS + "\n\nclass Thing:\n    pass\n",
            "oagen.yaml:4:18: /resources/things.parts/class:",
            "Thing is a name the generated package uses itself",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, config: str, helpers: str, where: str, message: str) -> None:
    _write(tmp_path, config, helpers)
    result = _generate(tmp_path, "--no-cache")
    assert result.returncode == 2, result.stderr
    assert where in result.stderr and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()
