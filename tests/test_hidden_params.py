"""Parameters the client sets (its default headers, credentials) and the ones the config hides or
gives a default: not arguments, or optional ones, and on the wire as they should be."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .helpers import run_oagen

PACKAGE = "things_client"


def _header(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": schema}


_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1.0.0"},
    "servers": [{"url": "http://localhost"}],
    "security": [{"key": []}],
    "paths": {
        "/things/{thing_id}": {
            "get": {
                "operationId": "things_get",
                "tags": ["things"],
                "parameters": [
                    {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    _header("x-api-key", {"type": "string"}, required=True),
                    _header("Anthropic-Version", {"type": "string"}),
                    _header("x-beta", {"type": "array", "items": {"$ref": "#/components/schemas/Beta"}}),
                    _header("x-secret", {"type": "string"}, required=True),
                    _header("x-region", {"type": "string", "enum": ["eu", "us"]}),
                    {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}},
                ],
                "responses": _OK,
            }
        },
        "/open": {
            "get": {
                "operationId": "things_open",
                "tags": ["things"],
                "security": [],
                "parameters": [_header("x-api-key", {"type": "string"})],
                "responses": _OK,
            }
        },
    },
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "schemas": {"Beta": {"type": "string", "enum": ["a-2024", "b-2025"]}},
    },
}

CONFIG = """\
client:
  default_headers:
    anthropic-version: "2023-06-01"
parameters:            # every operation's
  X-Region:
    default: eu
operations:
  things_get:
    parameters:
      x-secret:
        hidden: true
      limit:
        default: 10
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hidden")
    (root / "openapi.json").write_text(json.dumps(SPEC))
    (root / "oagen.yaml").write_text(CONFIG)
    result = run_oagen(
        "generate",
        str(root / "openapi.json"),
        "--config",
        str(root / "oagen.yaml"),
        "--output",
        str(root / "out"),
        "--package-name",
        PACKAGE,
    )
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield root / "out"
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_what_the_client_sets_is_no_argument(generated: Path) -> None:
    things = importlib.import_module(f"{PACKAGE}.resources.things")
    resource = getattr(things, things.__all__[0])  # ThingsResource: the client is Things
    get = inspect.signature(resource.get).parameters
    assert list(get) == ["self", "thing_id", "x_beta", "x_region", "limit", "options"]
    assert get["x_region"].default == "eu" and get["limit"].default == 10
    # Where the operation needs no credential, the client sends none: the caller may.
    assert "x_api_key" in inspect.signature(resource.open).parameters


def test_on_the_wire(generated: Path, httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/things/t1").respond_with_handler(handler)
    client = importlib.import_module(PACKAGE).Things(api_key="k", base_url=httpserver.url_for("/"))
    with client:
        client.things.get("t1", x_beta=["a-2024", "b-2025"])
        client.things.get("t1", x_region="us", limit=3, extra_headers={"x-secret": "s"})
    first, second = seen
    assert first.headers["X-Api-Key"] == "k"
    assert first.headers["anthropic-version"] == "2023-06-01"
    assert first.headers["x-beta"] == "a-2024,b-2025"  # simple style: comma-joined
    assert first.headers["x-region"] == "eu" and first.args["limit"] == "10"
    assert "x-secret" not in first.headers
    assert second.headers["x-region"] == "us" and second.args["limit"] == "3" and second.headers["x-secret"] == "s"
    assert "x-beta" not in second.headers


def test_user_code_type_checks(generated: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    good = f'from {PACKAGE} import Things\n\nThings().things.get("t", x_beta=["a-2024"], x_region="us")\n'
    bad = f'from {PACKAGE} import Things\n\nThings().things.get("t", x_beta=["c-2026"])\n'
    (tmp_path / PACKAGE).symlink_to(generated / PACKAGE, target_is_directory=True)
    results = []
    for source in (good, bad):
        (tmp_path / "user.py").write_text(source)
        results.append(
            subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "user.py"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
        )
    assert results[0].returncode == 0, results[0].stdout
    assert results[1].returncode == 1 and "c-2026" in results[1].stdout, results[1].stdout


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        (
            "operations:\n  things_get:\n    parameters:\n      x-secret:\n        hidden: true\n        default: s\n",
            ":6:18: /operations/things_get/parameters/x-secret/default:",
            "a hidden parameter is never sent",
        ),
        (
            "operations:\n  things_get:\n    parameters:\n      limit:\n        default: ten\n",
            ":5:18: /operations/things_get/parameters/limit/default:",
            "'ten' is not a value of parameter 'limit' (it is not of type integer)",
        ),
        (
            "parameters:\n  x-region:\n    default: asia\n",
            ":3:14: /parameters/x-region/default:",
            "'asia' is not a value of parameter 'x-region' (not one of 'eu', 'us')",
        ),
        (
            "parameters:\n  thing_id:\n    hidden: true\n",
            ":3:5: /parameters/thing_id:",
            "a path parameter cannot be hidden nor given a default",
        ),
        (
            "parameters:\n  x-nothing:\n    hidden: true\n",
            ":2:3: /parameters/x-nothing:",
            "no operation has a parameter",
        ),
        (
            "parameters:\n  x-secret:\n    hidden: yes please\n",
            ":3:13: /parameters/x-secret/hidden:",
            "'hidden' must be true or false",
        ),
    ],
)
def test_config_mistakes_are_located(tmp_path: Path, config: str, where: str, message: str) -> None:
    (tmp_path / "openapi.json").write_text(json.dumps(SPEC))
    (tmp_path / "oagen.yaml").write_text(config)
    result = run_oagen(
        "generate", str(tmp_path / "openapi.json"), "-c", str(tmp_path / "oagen.yaml"), "-o", str(tmp_path / "out")
    )
    assert result.returncode == 2, result.stderr
    assert f"oagen.yaml{where} {message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
