"""``deprecated: true`` in the spec reaches the user: a deprecated operation's method is marked with
``typing_extensions.deprecated`` (mypy reports a call, with ``--enable-error-code deprecated``; a call
warns at run time, sync and async), a deprecated parameter or body property warns when it is given,
and a deprecated response field warns when it is read (pydantic's ``Field(deprecated=...)``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pytest_httpserver import HTTPServer

from .helpers import run_oagen

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Dep", "version": "1.0"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "deprecated": True,
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "old", "in": "query", "deprecated": True, "schema": {"type": "string"}},
                    {"name": "fresh", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"$ref": "#/components/responses/Thing"}},
            }
        },
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "legacy": {"type": "string", "deprecated": True},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"$ref": "#/components/responses/Thing"}},
            }
        },
    },
    "components": {
        "responses": {
            "Thing": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
            }
        },
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "oldCamel": {"type": "string", "deprecated": True, "description": "Use id."},
                },
            }
        },
    },
}

USER_CODE = """\
from dep_client import Dep

client = Dep(base_url="http://127.0.0.1:1")
client.things.get_thing("x")
client.things.create_thing(name="n")
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("deprecated")
    spec = root / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    done = run_oagen("generate", str(spec), "--output", str(root / "out"))
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield root / "out"
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m == "dep_client" or m.startswith("dep_client.")]:
            del sys.modules[name]


def _serve(httpserver: HTTPServer) -> None:
    body = {"id": "x", "oldCamel": "y"}
    httpserver.expect_request("/things/x").respond_with_json(body)
    httpserver.expect_request("/things", method="POST").respond_with_json(body)


def test_a_deprecated_method_warns_sync_and_async(package: Path, httpserver: HTTPServer) -> None:
    _serve(httpserver)
    dep = importlib.import_module("dep_client")
    client = dep.Dep(base_url=httpserver.url_for("/"))
    with pytest.warns(DeprecationWarning, match=r"GET /things/\{id\} is deprecated by the API"):
        thing = client.things.get_thing("x", fresh="f")
    with pytest.warns(DeprecationWarning, match="GET /things"):
        asyncio.run(dep.AsyncDep(base_url=httpserver.url_for("/")).things.get_thing("x"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.things.create_thing(name="n").id == "x"  # nothing deprecated given: no warning
    assert thing.id == "x"
    assert [r.query_string for r, _ in httpserver.log[:1]] == [b"fresh=f"]


def test_a_deprecated_argument_warns_when_given_and_is_still_sent(package: Path, httpserver: HTTPServer) -> None:
    _serve(httpserver)
    client = importlib.import_module("dep_client").Dep(base_url=httpserver.url_for("/"))
    with pytest.warns(DeprecationWarning) as caught:
        client.things.get_thing("x", old="o")
    messages = [str(w.message) for w in caught]
    assert "the argument `old` is deprecated by the API" in messages
    assert all(w.filename == __file__ for w in caught)  # pointing at the caller's line
    with pytest.warns(DeprecationWarning, match="the argument `legacy` is deprecated"):
        client.things.create_thing(name="n", legacy="l")
    sent = [json.loads(r.data) for r, _ in httpserver.log if r.method == "POST"]
    assert sent == [{"name": "n", "legacy": "l"}]
    assert httpserver.log[0][0].args.get("old") == "o"


def test_a_deprecated_field_warns_when_read(package: Path, httpserver: HTTPServer) -> None:
    _serve(httpserver)
    client = importlib.import_module("dep_client").Dep(base_url=httpserver.url_for("/"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        thing = client.things.get_thing("x")
    with pytest.warns(DeprecationWarning):
        assert thing.old_camel == "y"


def test_mypy_reports_a_deprecated_call_and_the_package_stays_clean(package: Path) -> None:
    user = package / "user.py"
    user.write_text(USER_CODE)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--enable-error-code", "deprecated"]
    done = subprocess.run([*mypy, "dep_client", "user.py"], cwd=package, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert errors == [
        "user.py:4: error: function dep_client.resources.things.Things.get_thing is deprecated: "
        "GET /things/{id} is deprecated by the API  [deprecated]"
    ], done.stdout
    clean = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "dep_client"],
        cwd=package,
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0, clean.stdout
