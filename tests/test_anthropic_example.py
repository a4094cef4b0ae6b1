"""examples/anthropic: Anthropic's whole published OpenAPI document (1.45 MB, 106 operations, 767
schemas), made valid and given its credential by an overlay, generates a client that validates
without --skip-validation, imports, passes mypy --strict and talks to a server as the SDK does.

Marked ``slow`` (about 15 s to generate on a quiet 2-core machine, 10 s more for mypy); it runs in
the full suite, ``-m "not slow"`` leaves it out while working on something else.
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
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer

from .event_server import EventServer
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


# --- streaming: the official SDK's README examples, run unchanged but for the import ----------------

#: An answer of messages.create(..., stream=True), as the API sends it (with a ping it sends too).
MESSAGE_EVENTS = [
    b'event: message_start\ndata: {"type": "message_start", "message": {"id": "msg_1", "type": "message",'
    b' "role": "assistant", "content": [], "model": "claude-sonnet-4-5-20250929", "stop_reason": null,'
    b' "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}\n\n',
    b'event: content_block_start\ndata: {"type": "content_block_start", "index": 0,'
    b' "content_block": {"type": "text", "text": ""}}\n\n',
    b'event: ping\ndata: {"type": "ping"}\n\n',
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0,'
    b' "delta": {"type": "text_delta", "text": "Hello!"}}\n\n',
    b'event: content_block_stop\ndata: {"type": "content_block_stop", "index": 0}\n\n',
    b'event: message_delta\ndata: {"type": "message_delta", "delta": {"stop_reason": "end_turn",'
    b' "stop_sequence": null}, "usage": {"output_tokens": 15}}\n\n',
    b'event: message_stop\ndata: {"type": "message_stop"}\n\n',
]
EVENT_TYPES = [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
]
BATCH_RESULTS = [
    b'{"custom_id": "first", "result": {"type": "succeeded", "message": {"id": "msg_2", "type": "message",'
    b' "role": "assistant", "content": [{"type": "text", "text": "Hi"}], "model": "claude-sonnet-4-5-20250929",'
    b' "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": 1, "output_tokens": 1}}}}\n',
    b'{"custom_id": "second", "result": {"type": "errored", "error": {"type": "error",'
    b' "error": {"type": "overloaded_error", "message": "Overloaded"}}}}\n',
]

#: The SDK README's examples (its "Streaming responses" section and the batch results of
#: "Message Batches"), as written there but for `anthropic` -> `anthropic_sdk`; `batch_id` given.
README_SYNC = """
from anthropic_sdk import Anthropic

client = Anthropic()

stream = client.messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
    stream=True,
)
for event in stream:
    print(event.type)

batch_id = "msgbatch_1"
for entry in client.messages.batches.results(batch_id):
    if entry.result.type == "succeeded":
        print(entry.result.message.content)
"""
README_ASYNC = """
from anthropic_sdk import AsyncAnthropic

client = AsyncAnthropic()

stream = await client.messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
    stream=True,
)
async for event in stream:
    print(event.type)

batch_id = "msgbatch_1"
result_stream = await client.messages.batches.results(batch_id)
async for entry in result_stream:
    if entry.result.type == "succeeded":
        print(entry.result.message.content)
"""


@pytest.fixture(scope="module")
def event_server() -> Iterator[EventServer]:
    server = EventServer()
    server.respond(200, "text/event-stream", MESSAGE_EVENTS, path="/v1/messages")
    server.respond(200, "application/x-jsonl", BATCH_RESULTS, path="/v1/messages/batches/")
    yield server
    server.close()


@pytest.mark.parametrize("example", [README_SYNC, README_ASYNC], ids=["sync", "async"])
def test_the_sdks_readme_streaming_examples_run(
    sdk: ModuleType,
    generated: Path,
    event_server: EventServer,
    example: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", event_server.url)
    # Top-level await, as in an asyncio REPL or a notebook, for the async example.
    code = compile(example, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = types.FunctionType(code, {"__name__": "readme"})()
    if inspect.iscoroutine(result):
        asyncio.run(result)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [*EVENT_TYPES, "[ResponseTextBlock(citations=None, text='Hi', type='text')]"]
    heads = [head for head, _ in event_server.requests[-2:]]
    assert heads[0].startswith(b"POST /v1/messages ") and heads[1].startswith(b"GET /v1/messages/batches/msgbatch_1/")
    assert json.loads(event_server.requests[-2][1])["stream"] is True


def test_the_first_event_is_seen_before_the_last_is_sent(sdk: ModuleType, event_server: EventServer) -> None:
    client = sdk.Anthropic(api_key="sk-test", base_url=event_server.url)
    event_server.respond(200, "text/event-stream", MESSAGE_EVENTS, path="/v1/messages", hold=True)
    with client.messages.create(
        max_tokens=1024, messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
    ) as stream:
        first = next(stream)
        assert type(first).__name__ == "MessageStartEvent" and first.message.id == "msg_1"
        assert not event_server.finished.is_set()
        event_server.go.set()
        assert [e.type for e in stream] == EVENT_TYPES[1:]
    assert event_server.finished.is_set()
    message = client.beta.messages.create(
        max_tokens=1024, messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
    )
    assert type(next(message)).__name__ == "BetaMessageStartEvent"
    message.close()


def test_the_readme_examples_are_mypy_strict_clean(generated: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    # mypy checks top-level await only inside a coroutine: the async example as a function's body.
    body = "\n".join(("    " + line if line else line) for line in README_ASYNC.split("\n"))
    (tmp_path / "readme_sync.py").write_text(README_SYNC)
    (tmp_path / "readme_async.py").write_text(f"async def main() -> None:{body}")
    (tmp_path / "kinds.py").write_text(
        "from anthropic_sdk import Anthropic, Stream\n"
        "from anthropic_sdk.types import Message, RawMessageStreamEvent\n"
        "def use(client: Anthropic) -> None:\n"
        "    stream: Stream[RawMessageStreamEvent] = client.messages.create(\n"
        '        max_tokens=1, messages=[], model="m", stream=True\n'
        "    )\n"
        '    message: Message = client.messages.create(max_tokens=1, messages=[], model="m")\n'
        '    wrong: Message = client.messages.create(max_tokens=1, messages=[], model="m", stream=True)\n'
        "    print(stream, message, wrong)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "readme_sync.py", "readme_async.py"],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(generated)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "kinds.py"],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(generated)},
        capture_output=True,
        text=True,
    )
    assert (
        result.stdout.count("error:") == 1 and "kinds.py:8: error: Incompatible types" in result.stdout
    ), result.stdout
