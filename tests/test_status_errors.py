"""Error classes of their own for status codes (config ``client.status_errors``), on the wire: the
class raised, where it sits in the client's hierarchy, and retried as its status code says."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

from generator.diagnostics import GenerationError
from generator.pipeline import Options, generate
from generator.write import write

SPEC = """openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: "https://things.invalid"}]
paths:
  /things/{id}:
    get:
      operationId: get_thing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
"""

CONFIG = """package_name: status_errors_client
client:
  name: Things
  status_errors:
    413: RequestTooLargeError
    529: OverloadedError
    "404": ThingNotFoundError
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("status-errors")
    (root / "openapi.yaml").write_text(SPEC)
    (root / "oagen.yaml").write_text(CONFIG)
    write(root / "out", generate(Options(root / "openapi.yaml", root / "oagen.yaml")).files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("status_errors_client")
    finally:
        sys.path.remove(str(root / "out"))
        for name in [n for n in sys.modules if n.split(".")[0] == "status_errors_client"]:
            del sys.modules[name]


def _call(package: ModuleType, server: HTTPServer, asynchronous: bool) -> Any:
    if not asynchronous:
        return package.Things(base_url=server.url_for("")).things.get_thing("a")

    async def run() -> Any:
        async with package.AsyncThings(base_url=server.url_for("")) as client:
            return await client.things.get_thing("a")

    return asyncio.run(run())


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("status", "name", "base", "attempts"),
    [
        (529, "OverloadedError", "InternalServerError", 3),  # 5xx: retried (twice), then raised
        (413, "RequestTooLargeError", "APIStatusError", 1),  # 4xx: not retried
        (404, "ThingNotFoundError", "NotFoundError", 1),
    ],
)
def test_a_configured_status_raises_its_own_class_retried_as_its_status_says(
    package: ModuleType, httpserver: HTTPServer, asynchronous: bool, status: int, name: str, base: str, attempts: int
) -> None:
    httpserver.expect_request("/things/a").respond_with_json(
        {"type": "error", "error": {"type": name}}, status=status, headers={"retry-after-ms": "1"}
    )
    with pytest.raises(getattr(package, name)) as info:
        _call(package, httpserver, asynchronous)
    error = info.value
    assert type(error).__name__ == name and type(error).__mro__[1] is getattr(package, base)
    assert isinstance(error, package.APIStatusError) and isinstance(error, package.ThingsError)
    assert error.status_code == status and error.body == {"type": "error", "error": {"type": name}}
    assert len(httpserver.log) == attempts


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_statuses_not_configured_keep_their_classes(
    package: ModuleType, httpserver: HTTPServer, asynchronous: bool
) -> None:
    httpserver.expect_request("/things/a").respond_with_json({}, status=503, headers={"retry-after-ms": "1"})
    with pytest.raises(package.InternalServerError) as info:
        _call(package, httpserver, asynchronous)
    assert type(info.value) is package.InternalServerError and len(httpserver.log) == 3
    httpserver.clear()
    httpserver.expect_request("/things/a").respond_with_json({}, status=400)
    with pytest.raises(package.BadRequestError):
        _call(package, httpserver, asynchronous)


def test_the_classes_are_exported_and_typed(package: ModuleType) -> None:
    assert {"RequestTooLargeError", "OverloadedError", "ThingNotFoundError"} <= set(package.__all__)
    exceptions = importlib.import_module("status_errors_client._exceptions")
    assert exceptions.STATUS_ERRORS[529] is package.OverloadedError
    assert exceptions.STATUS_ERRORS[404] is package.ThingNotFoundError


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ('    "4xx": A\n', "oagen.yaml:3:5: /client/status_errors/4xx: '4xx' is not an error status code (400 to 599)"),
        ("    302: A\n", "oagen.yaml:3:5: /client/status_errors/302: '302' is not an error status code"),
        (
            "    413: 3Big\n",
            "oagen.yaml:3:10: /client/status_errors/413: the error class for 413 must be a Python identifier",
        ),
        (
            "    413: [A]\n",
            "oagen.yaml:3:10: /client/status_errors/413: the error class for 413 must be a Python identifier",
        ),
        (
            "    413: class\n",
            "oagen.yaml:3:10: /client/status_errors/413: the error class for 413 must be a Python identifier",
        ),
        (
            "    413: APIError\n",
            "oagen.yaml:3:5: /client/status_errors/413: 'APIError' is already a name the client package uses",
        ),
        (
            "    413: Things\n",
            "oagen.yaml:3:5: /client/status_errors/413: 'Things' is already a name the client package uses",
        ),
        ("    413: ThingsError\n", "oagen.yaml:3:5: /client/status_errors/413: 'ThingsError' is already a name"),
        ("    413: httpx\n", "oagen.yaml:3:5: /client/status_errors/413: 'httpx' is already a name"),
        (
            "    413: A\n    414: A\n",
            "oagen.yaml:4:5: /client/status_errors/414: 'A' is already the error class for 413",
        ),
    ],
)
def test_bad_entries_are_located_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "openapi.yaml").write_text(SPEC)
    (tmp_path / "oagen.yaml").write_text("client:\n  status_errors:\n" + entries)
    with pytest.raises(GenerationError) as info:
        generate(Options(Path("openapi.yaml"), Path("oagen.yaml")))
    assert str(info.value.diagnostics[0]).startswith(expected), info.value.diagnostics


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_the_request_id_header_the_config_names(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, asynchronous: bool
) -> None:
    (tmp_path / "openapi.yaml").write_text(SPEC)
    (tmp_path / "oagen.yaml").write_text(
        "package_name: request_id_client\nclient:\n  name: Things\n  request_id_header: X-GitHub-Request-Id\n"
    )
    write(tmp_path / "out", generate(Options(tmp_path / "openapi.yaml", tmp_path / "oagen.yaml")).files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    package = importlib.import_module("request_id_client")
    try:
        # The configured header, not the default ones.
        headers = {"X-GitHub-Request-Id": "gh-1", "request-id": "other"}
        httpserver.expect_request("/things/a").respond_with_json({"id": "a"}, headers=headers)
        assert _call(package, httpserver, asynchronous)._request_id == "gh-1"
        httpserver.clear()
        httpserver.expect_request("/things/a").respond_with_json(
            {}, status=404, headers={"x-github-request-id": "gh-2"}
        )
        with pytest.raises(package.NotFoundError) as info:
            _call(package, httpserver, asynchronous)
        assert info.value.request_id == "gh-2"
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "request_id_client"]:
            del sys.modules[name]


def test_a_request_id_header_that_is_no_header_name_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "openapi.yaml").write_text(SPEC)
    (tmp_path / "oagen.yaml").write_text('client:\n  request_id_header: "x id: 1"\n')
    with pytest.raises(GenerationError) as info:
        generate(Options(Path("openapi.yaml"), Path("oagen.yaml")))
    assert str(info.value.diagnostics[0]) == (
        "oagen.yaml:2:22: /client/request_id_header: 'x id: 1' is not an HTTP header name"
    ), info.value.diagnostics
