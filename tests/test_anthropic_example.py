"""examples/anthropic: Anthropic's whole published OpenAPI document (1.45 MB, 106 operations, 767
schemas), made valid and given its credential by an overlay, generates a client that validates
without --skip-validation, imports, passes mypy --strict and talks to a server as the SDK does.

Marked ``slow`` (about 15 s to generate on a quiet 2-core machine, 10 s more for mypy); it runs in
the full suite, ``-m "not slow"`` leaves it out while working on something else.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer

from .helpers import ROOT, run_oagen

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "anthropic"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("anthropic") / "sdk"
    started = time.monotonic()
    result = run_oagen(
        "generate", str(EXAMPLE / "openapi.yml"), "--config", str(EXAMPLE / "oagen.yaml"), "--output", str(out)
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr  # valid as overlaid: no --skip-validation, nothing demoted
    print(f"\nexamples/anthropic generated in {seconds:.1f} s")
    yield out


@pytest.fixture(scope="module")
def sdk(generated: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(generated))
    try:
        yield importlib.import_module("anthropic_sdk")
    finally:
        sys.path.remove(str(generated))
        for name in [n for n in sys.modules if n.split(".")[0] == "anthropic_sdk"]:
            del sys.modules[name]


def test_the_client_has_the_sdks_names_for_its_34_endpoints(sdk: ModuleType) -> None:
    client = sdk.Anthropic(api_key="k")
    for path in [
        "messages.create",
        "messages.count_tokens",
        "completions.create",
        "models.list",
        "models.retrieve",
        *(f"messages.batches.{m}" for m in ("create", "list", "retrieve", "delete", "cancel", "results")),
        "beta.messages.create",
        "beta.messages.count_tokens",
        "beta.models.list",
        "beta.models.retrieve",
        *(f"beta.messages.batches.{m}" for m in ("create", "list", "retrieve", "delete", "cancel", "results")),
        *(f"beta.files.{m}" for m in ("upload", "list", "retrieve_metadata", "delete", "download")),
        *(f"beta.skills.{m}" for m in ("create", "list", "retrieve", "delete")),
        *(f"beta.skills.versions.{m}" for m in ("create", "list", "retrieve", "delete")),
    ]:
        target: object = client
        for part in path.split("."):
            target = getattr(target, part)
        assert callable(target), path
    assert issubclass(sdk.OverloadedError, sdk.InternalServerError)
    assert issubclass(sdk.RequestTooLargeError, sdk.APIStatusError)
    assert not issubclass(sdk.RequestTooLargeError, sdk.InternalServerError)


def test_a_call_on_the_wire(sdk: ModuleType, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/files/file_1", method="DELETE", query_string="beta=true").respond_with_json(
        {"id": "file_1", "type": "file_deleted"}
    )
    client = sdk.Anthropic(api_key="sk-test", base_url=httpserver.url_for(""))
    deleted = client.beta.files.delete("file_1")
    assert deleted.id == "file_1"
    (request, _), *_ = httpserver.log
    assert request.headers["x-api-key"] == "sk-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "files-api-2025-04-14" in request.headers["anthropic-beta"]

    httpserver.clear()
    httpserver.expect_request("/v1/files/file_1").respond_with_json(
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        status=529,
        headers={"retry-after-ms": "1"},
    )
    with pytest.raises(sdk.OverloadedError) as info:
        client.beta.files.delete("file_1")
    assert info.value.status_code == 529 and len(httpserver.log) == 3  # retried twice, as a 5xx


def test_the_package_is_mypy_strict_clean(generated: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "anthropic_sdk"],
        cwd=generated,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
