"""A parameter or body property may be called anything: every Python builtin, every name the
generated code uses itself. The client sends each one right (to a real server on 127.0.0.1), and
the generated package passes ``mypy --strict``.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator import naming
from generator.build import build
from generator.config import Config
from generator.pipeline import Options, generate, load_and_validate
from generator.write import write

from .helpers import run_oagen

#: Names the templates write in a method's signature or body, or that a module imports.
TEMPLATE_NAMES = sorted(
    naming.RESERVED_IN_MODULES
    | naming.METHOD_ARGUMENTS
    | naming.CLIENT_NAMES
    | naming.RESOURCE_MODULE_NAMES
    | set(
        "cast_to path_params query headers cookies body errors security accept content_type cast NoneType Type"
        " require_non_empty include_defaults Styled warn_deprecated deprecated asynchronous Item Problem Shape options"
        " request self".split()
    )
)
NAMES = sorted({n for n in dir(builtins) if naming.is_identifier(n)} | set(TEMPLATE_NAMES))
#: Path placeholders, and the names sent in headers and cookies too: samples.
PATH_NAMES = ["type", "str", "self", "id", "cast", "List"]
FEW = ["type", "str", "id", "self", "options", "cast", "List", "Item", "NOT_GIVEN", "headers", "date", "bytes"]
#: WSGI cannot tell "_" from "-" in a header name.
HEADERS = [n for n in FEW if "_" not in n]


def _spec() -> dict[str, Any]:
    string = {"type": "string"}
    props = {n: string for n in NAMES}
    query = [{"name": n, "in": "query", "schema": string} for n in NAMES]
    headers = [{"name": f"x-{n}", "in": "header", "schema": string} for n in HEADERS]
    cookies = [{"name": n, "in": "cookie", "schema": string} for n in FEW]
    path = [{"name": n, "in": "path", "required": True, "schema": string} for n in PATH_NAMES]
    styled = {"name": "object", "in": "query", "style": "deepObject", "schema": {"type": "object"}}
    errors = {
        "404": {
            "description": "no",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Names", "version": "1"},
        "paths": {
            "/get/"
            + "/".join("{" + n + "}" for n in PATH_NAMES): {
                "get": {
                    "operationId": "getAll",
                    "tags": ["calls"],
                    "parameters": [*path, *query, *headers, *cookies],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"type": "string", "format": "date"}}
                                }
                            },
                        },
                        **errors,
                    },
                }
            },
            "/styled": {
                "get": {
                    "operationId": "getStyled",
                    "tags": ["calls"],
                    "parameters": [styled, {"name": "type", "in": "query", "schema": string}],
                    "responses": {"204": {"description": "none"}},
                }
            },
            "/form": {
                "post": {
                    "operationId": "postForm",
                    "tags": ["calls"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": props}}
                        },
                    },
                    "responses": {"204": {"description": "none"}, **errors},
                }
            },
            "/json": {
                "post": {
                    "operationId": "postJson",
                    "tags": ["calls"],
                    "parameters": [{"name": n, "in": "query", "schema": string} for n in FEW],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Shape"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Item": {"type": "object", "properties": props},
                "Problem": {"type": "object", "properties": {"type": string}},
                "Shape": {"oneOf": [{"$ref": "#/components/schemas/Item"}, {"type": "string"}]},
            }
        },
    }


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("names")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(_spec()))
    out = root / "out"
    write(out, generate(Options(spec=spec, package_name="names_client")).files)
    sys.path.insert(0, str(out))
    yield out
    sys.path.remove(str(out))
    for name in [m for m in sys.modules if m == "names_client" or m.startswith("names_client.")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0) as srv:
        yield srv


def _record(server: HTTPServer, status: int = 200, body: object = None) -> list[Request]:
    seen: list[Request] = []
    server.clear_all_handlers()

    def handler(request: Request) -> Response:
        request.get_data(cache=True)
        seen.append(request)
        if body is None:
            return Response(status=204)
        return Response(json.dumps(body), status=status, content_type="application/json")

    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    return seen


def _client(server: HTTPServer) -> Any:
    module = importlib.import_module("names_client")
    return module.Names(base_url=f"http://127.0.0.1:{server.port}")


def _arguments(package: Path) -> dict[str, dict[tuple[str, str], str]]:
    """Each operation's arguments: (location, wire name) -> the argument oagen made of it."""
    options = Options(spec=package.parent / "openapi.json", package_name="names_client")
    api = build(load_and_validate(options)[0], Config())
    out: dict[str, dict[tuple[str, str], str]] = {}
    for resource in api.all_resources:
        for op in resource.operations:
            names = {(p.location, p.wire_name): p.attr for p in op.arguments}
            names.update({("body", f.wire_name): f.attr for f in op.body.fields} if op.body else {})
            out[op.method_name] = names
    return out


def test_arguments_keep_their_names_unless_the_method_needs_them(package: Path) -> None:
    arguments = _arguments(package)
    fields = arguments["post_form"]
    for name in ("type", "id", "format", "input", "list", "dict", "bytes", "str", "date", "cast", "query", "cast_to"):
        assert name in fields.values()
    for name in ("self", "options", "body", "content_type", "extra_headers", "timeout", "require_non_empty"):
        assert name not in fields.values()
    assert arguments["get_styled"][("query", "type")] == "type"
    assert arguments["get_all"][("query", "date")] == "date_"  # the method's result is a List[date]


def test_every_name_is_sent_right(package: Path, server: HTTPServer) -> None:
    client = _client(server)
    arguments = _arguments(package)
    names = arguments["get_all"]
    path_args = [f"p-{n}" for n in PATH_NAMES]
    kwargs = {names[("query", n)]: f"q-{n}" for n in NAMES}
    kwargs.update({names[("header", f"x-{n}")]: f"h-{n}" for n in HEADERS})
    kwargs.update({names[("cookie", n)]: f"c-{n}" for n in FEW})
    seen = _record(server, body=["2024-01-02"])
    result = client.calls.get_all(*path_args, **kwargs)
    assert result == [date(2024, 1, 2)]
    request = seen[-1]
    assert request.path == "/get/" + "/".join(path_args)
    assert parse_qsl(request.query_string.decode(), keep_blank_values=True) == [(n, f"q-{n}") for n in NAMES]
    for n in HEADERS:
        assert request.headers[f"x-{n}"] == f"h-{n}"
    assert dict(request.cookies) == {n: f"c-{n}" for n in FEW}

    seen = _record(server)
    assert client.calls.get_styled(object={"a": "b"}, type="t") is None
    assert parse_qsl(seen[-1].query_string.decode()) == [("object[a]", "b"), ("type", "t")]

    fields = arguments["post_form"]
    seen = _record(server)
    assert client.calls.post_form(**{fields[("body", n)]: f"f-{n}" for n in NAMES}) is None
    assert sorted(seen[-1].form.items(multi=True)) == sorted((n, f"f-{n}") for n in NAMES)


def test_a_model_takes_every_name_and_a_json_body_is_sent_right(package: Path, server: HTTPServer) -> None:
    client = _client(server)
    item_type = importlib.import_module("names_client.types").Item
    wire = {n: f"v-{n}" for n in NAMES}
    seen = _record(server, status=200, body=wire)
    names = _arguments(package)["post_json"]
    assert names[("query", "cast")] == "cast_"  # the method's code casts its result: cast is taken
    query = {names[("query", n)]: f"q-{n}" for n in FEW}
    body = {names[("body", n)]: f"v-{n}" for n in NAMES}  # the body's properties are arguments too
    result = client.calls.post_json(**body, **query)
    assert json.loads(seen[-1].get_data()) == wire
    assert parse_qsl(seen[-1].query_string.decode()) == [(n, f"q-{n}") for n in FEW]
    assert isinstance(result, item_type) and result.model_dump(by_alias=True, exclude_unset=True) == wire


def test_the_package_is_mypy_strict_clean(package: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    snippet = package / "use_names.py"
    snippet.write_text(
        "from names_client import Names\n\n"
        "client = Names(base_url='http://127.0.0.1')\n"
        "def use() -> None:\n"
        "    client.calls.get_styled(type='t')\n"
        f"    client.calls.post_json({', '.join(f'{a}={a!r}' for a in _arguments(package)['post_json'].values())})\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "names_client", "use_names.py"],
        cwd=package,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_configured_argument_name_the_method_uses_is_an_error(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(_spec()))
    config = tmp_path / "oagen.yaml"
    config.write_text("operations:\n  getStyled:\n    parameters:\n      type:\n        name: NoneType\n")
    result = run_oagen("generate", str(spec), "--config", str(config), "-o", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert (
        "oagen.yaml:5:15: /operations/getStyled/parameters/type/name: parameter name 'NoneType' is a name the method's code uses"
        in (result.stderr)
    )
    assert not (tmp_path / "out").exists()


#: Resource names the client's own methods have.
NAMED = ["get", "post", "put", "patch", "delete", "request", "close"]


def test_resources_named_like_the_clients_own_methods_get_a_trailing_underscore(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    paths = {f"/{tag}": {"get": {"operationId": f"{tag}_list", "tags": [tag], "responses": ok}} for tag in NAMED}
    spec = {"openapi": "3.0.3", "info": {"title": "Verbs", "version": "1"}, "paths": paths}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    result = run_oagen("generate", str(tmp_path / "openapi.json"), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    client = (tmp_path / "out" / "verbs_client" / "_client.py").read_text()
    for tag in NAMED:
        assert f"def {tag}_(self)" in client
    check = subprocess.run(
        [sys.executable, "-c", "import verbs_client, httpx; c = verbs_client.Verbs(); print(c.get.__func__.__name__)"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "get", check.stderr  # the client's own method, not a resource
