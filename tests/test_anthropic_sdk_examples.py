"""examples/anthropic as the official SDK's users see it: the client oagen generates from Anthropic's
document has the public surface of the official Python SDK (release 0.76.0) for its 34 endpoints, and
the SDK README's examples run on it, unchanged but for the import, against a local server.

The SDK's surface is recorded in tests/fixtures/anthropic_sdk/surface-0.76.0.json by
scripts/sdk_surface.py run with the SDK's interpreter (the SDK is not a dependency); the same script
reads the generated client here. What differs is listed in KNOWN_DIFFERENCES (and in
examples/anthropic/README.md): a difference that appears or goes away fails the test.

Marked ``slow``: one generation of the example per module (about 15 s), mypy about 15 s more.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .helpers import ROOT, run_oagen

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "anthropic"
SDK_SURFACE = Path(__file__).parent / "fixtures" / "anthropic_sdk" / "surface-0.76.0.json"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("anthropic") / "sdk"
    started = time.monotonic()
    result = run_oagen(
        "generate", str(EXAMPLE / "openapi.yml"), "--config", str(EXAMPLE / "oagen.yaml"), "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    print(f"\nexamples/anthropic generated in {time.monotonic() - started:.1f} s")
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


# --- the public surface --------------------------------------------------------------------------

#: The SDK's hand-written helpers: methods of its resources that are no endpoint.
HELPERS = {"messages.stream", "beta.messages.stream", "beta.messages.parse", "beta.messages.tool_runner"}
#: Names in return annotations that say nothing about the API (typing's and builtins).
TYPING = {"None", "Union", "Optional", "List", "Dict", "Literal", "Iterator", "AsyncIterator", "str", "bytes"}

#: Where the generated client differs from the SDK 0.76.0 for the 34 endpoints (see the example's README).
KNOWN_DIFFERENCES = {
    # One page class for every pagination style; the SDK has SyncPageCursor for page / next_page.
    "beta.skills.list returns {SkillListResponse, SyncPage}, the SDK {SkillListResponse, SyncPageCursor}",
    "beta.skills.versions.list returns {SyncPage, VersionListResponse}, the SDK {SyncPageCursor, VersionListResponse}",
    # The runtime's name for a JSON Lines stream (iterated the same way).
    "beta.messages.batches.results returns {BetaMessageBatchIndividualResponse, JSONLines},"
    " the SDK {BetaMessageBatchIndividualResponse, JSONLDecoder}",
    "messages.batches.results returns {JSONLines, MessageBatchIndividualResponse},"
    " the SDK {JSONLDecoder, MessageBatchIndividualResponse}",
    # Every path parameter is positional; the SDK makes all but the last keyword-only.
    "beta.skills.versions.delete: skill_id is positional, the SDK's keyword",
    "beta.skills.versions.retrieve: skill_id is positional, the SDK's keyword",
}


def _names(annotation: str) -> set[str]:
    names = {n.id for n in ast.walk(ast.parse(annotation, mode="eval")) if isinstance(n, ast.Name)}
    return names - TYPING


def compare(expected: dict[str, Any], actual: dict[str, Any], returns: bool = True) -> tuple[set[str], set[str]]:
    """The differences that can break a user's code, and the parameters only the generated client has."""
    differences: set[str] = set()
    extras: set[str] = set()
    for path, method in expected.items():
        if path in HELPERS:
            continue
        if path not in actual:
            differences.add(f"{path} is missing")
            continue
        ours = actual[path]
        for name, param in method["params"].items():
            mine = ours["params"].get(name)
            if mine is None:
                differences.add(f"{path}: no parameter {name}")
                continue
            if mine["kind"] != param["kind"]:
                differences.add(f"{path}: {name} is {mine['kind']}, the SDK's {param['kind']}")
            if mine["required"] != param["required"]:
                differences.add(f"{path}: {name} required={mine['required']}, the SDK's {param['required']}")
        for name, mine in ours["params"].items():
            if name not in method["params"]:
                (differences if mine["required"] else extras).add(f"{path}: {name}")
        sdk_names, our_names = _names(method["returns"]), _names(ours["returns"])
        if returns and sdk_names != our_names:
            differences.add(
                f"{path} returns {{{', '.join(sorted(our_names))}}}, the SDK {{{', '.join(sorted(sdk_names))}}}"
            )
    return differences, extras


@pytest.fixture(scope="module")
def surfaces(sdk: ModuleType) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("sdk_surface", ROOT / "scripts" / "sdk_surface.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(SDK_SURFACE.read_text()), module.surface("anthropic_sdk", "Anthropic", "AsyncAnthropic")


@pytest.mark.parametrize("client", ["Anthropic", "AsyncAnthropic"])
def test_the_34_endpoints_have_the_sdks_names_parameters_and_return_types(
    surfaces: tuple[dict[str, Any], dict[str, Any]], client: str
) -> None:
    expected, actual = surfaces
    assert len(set(expected[client]) - HELPERS) == 34
    # An async method is its sync twin wrapped (the runtime's `asynchronous`): its annotation at run
    # time is the sync one, the types mypy sees are checked by the README examples below.
    differences, extras = compare(expected[client], actual[client], returns=client == "Anthropic")
    assert differences == {d for d in KNOWN_DIFFERENCES if client == "Anthropic" or " returns " not in d}
    # Optional parameters the document (2026-05) has and the SDK (2026-01) does not yet: harmless.
    print("\n".join(["only in the generated client:", *sorted(extras)]))


def test_the_sdks_errors_are_there_with_their_bases(surfaces: tuple[dict[str, Any], dict[str, Any]]) -> None:
    expected, actual = surfaces
    for name, bases in expected["errors"].items():
        assert actual["errors"].get(name) == bases, name
    # The generated client exports more: MissingCredentialsError, and the 413 and 529 classes the SDK
    # has in anthropic._exceptions only.
    assert set(actual["errors"]) - set(expected["errors"]) == {
        "MissingCredentialsError",
        "OverloadedError",
        "RequestTooLargeError",
    }


def test_the_request_options_are_the_sdks(sdk: ModuleType) -> None:
    options = importlib.import_module("anthropic_sdk._types").RequestOptions
    assert {"extra_headers", "extra_query", "extra_body", "timeout"} <= set(options.__annotations__)
