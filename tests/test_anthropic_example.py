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
import re
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


#: A skill's files, uploaded in the forms a single file takes (the spec: an array of binary strings or null).
SKILL_UPLOAD = """\
from pathlib import Path

from anthropic_sdk import Anthropic


def upload(client: Anthropic, folder: Path) -> str:
    skill = client.beta.skills.create(
        display_title="Greeter",
        files=[("greeter/SKILL.md", b"# Greeter", "text/markdown"), ("greeter/greet.py", folder / "greet.py")],
    )
    paths: list[Path] = [folder / "greet.py"]
    version = client.beta.skills.versions.create(skill.id, files=paths)
    return version.version
"""


def test_a_skill_is_uploaded_with_its_files(sdk: ModuleType, httpserver: HTTPServer, tmp_path: Path) -> None:
    seen: list[list[tuple[str, str | None, bytes]]] = []

    def handler(request: Request) -> Response:
        seen.append([(k, f.filename, f.read()) for k, f in request.files.items(multi=True)])
        answer = {"id": "skill_1", "version": "1759178010641129", "type": "skill"}
        return Response(json.dumps(answer), content_type="application/json")

    httpserver.expect_request(re.compile("/v1/skills.*"), method="POST").respond_with_handler(handler)
    (tmp_path / "greet.py").write_bytes(b"print('hi')")
    namespace: dict[str, Any] = {}
    exec(compile(SKILL_UPLOAD, "skill_upload.py", "exec"), namespace)
    client = sdk.Anthropic(api_key="k", base_url=httpserver.url_for(""))
    assert namespace["upload"](client, tmp_path) == "1759178010641129"
    assert seen == [
        [("files", "greeter/SKILL.md", b"# Greeter"), ("files", "greeter/greet.py", b"print('hi')")],
        [("files", "greet.py", b"print('hi')")],
    ]


def test_a_bearer_token_instead_of_a_key(
    sdk: ModuleType, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "tok-env")
    httpserver.expect_request("/v1/models/m").respond_with_json({"id": "m", "type": "model"})
    sdk.Anthropic(base_url=httpserver.url_for("")).models.retrieve("m")
    sdk.Anthropic(auth_token="tok", base_url=httpserver.url_for("")).models.retrieve("m")
    sdk.Anthropic(api_key="k", base_url=httpserver.url_for("")).models.retrieve("m")  # the key comes first
    headers = [request.headers for request, _ in httpserver.log]
    assert [h.get("Authorization") for h in headers] == ["Bearer tok-env", "Bearer tok", None]
    assert [h.get("x-api-key") for h in headers] == [None, None, "k"]
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN")
    with pytest.raises(sdk.MissingCredentialsError, match="api_key.*auth_token"):
        sdk.Anthropic(base_url=httpserver.url_for("")).models.retrieve("m")
    assert len(httpserver.log) == 3  # nothing sent without a credential


def test_the_package_is_mypy_strict_clean(generated: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    (generated / "readme_pagination.py").write_text(README_PAGINATION)  # user code, checked with it
    (generated / "skill_upload.py").write_text(SKILL_UPLOAD)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            os.devnull,
            "anthropic_sdk",
            "readme_pagination.py",
            "skill_upload.py",
        ],
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
    assert printed == [*EVENT_TYPES, "[TextBlock(citations=None, text='Hi', type='text')]"]
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
        assert type(first).__name__ == "RawMessageStartEvent" and first.message.id == "msg_1"
        assert not event_server.finished.is_set()
        event_server.go.set()
        assert [e.type for e in stream] == EVENT_TYPES[1:]
    assert event_server.finished.is_set()
    message = client.beta.messages.create(
        max_tokens=1024, messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
    )
    assert type(next(message)).__name__ == "BetaRawMessageStartEvent"
    message.close()


#: The SDK README's "Streaming Helpers" example, as written there but for the import.
README_STREAM_HELPERS = """\
import asyncio
from anthropic_sdk import AsyncAnthropic

client = AsyncAnthropic()

async def main() -> None:
    async with client.messages.stream(
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Say hello there!",
            }
        ],
        model="claude-sonnet-4-5-20250929",
    ) as stream:
        async for text in stream.text_stream:
            print(text, end="", flush=True)
        print()

    message = await stream.get_final_message()
    print(message.to_json())

asyncio.run(main())
"""

#: A tool-use answer: two text deltas, then a tool call's input in JSON pieces.
TOOL_EVENTS = [
    MESSAGE_EVENTS[0],
    MESSAGE_EVENTS[1],
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0,'
    b' "delta": {"type": "text_delta", "text": "Let me "}}\n\n',
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0,'
    b' "delta": {"type": "text_delta", "text": "check."}}\n\n',
    MESSAGE_EVENTS[4],
    b'event: content_block_start\ndata: {"type": "content_block_start", "index": 1, "content_block":'
    b' {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}\n\n',
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 1,'
    b' "delta": {"type": "input_json_delta", "partial_json": "{\\"location\\": "}}\n\n',
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 1,'
    b' "delta": {"type": "input_json_delta", "partial_json": "\\"SF\\"}"}}\n\n',
    b'event: content_block_stop\ndata: {"type": "content_block_stop", "index": 1}\n\n',
    b'event: message_delta\ndata: {"type": "message_delta", "delta": {"stop_reason": "tool_use",'
    b' "stop_sequence": null}, "usage": {"output_tokens": 30}}\n\n',
    MESSAGE_EVENTS[6],
]


def test_the_sdks_streaming_helpers_example_runs(
    sdk: ModuleType,
    event_server: EventServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # messages.stream() is hand-written (custom/messages.py), copied into the package by the config.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", event_server.url)
    event_server.respond(200, "text/event-stream", MESSAGE_EVENTS, path="/v1/messages")
    exec(compile(README_STREAM_HELPERS, "README.md", "exec"), {"__name__": "readme"})
    text, message = capsys.readouterr().out.split("\n", 1)
    assert text == "Hello!"
    final = json.loads(message)
    assert final["content"] == [{"type": "text", "text": "Hello!"}]
    assert (final["stop_reason"], final["usage"]["output_tokens"]) == ("end_turn", 15)
    assert json.loads(event_server.requests[-1][1])["stream"] is True


def test_a_streamed_tool_call_is_built(sdk: ModuleType, event_server: EventServer) -> None:
    event_server.respond(200, "text/event-stream", TOOL_EVENTS, path="/v1/messages")
    client = sdk.Anthropic(api_key="sk-test", base_url=event_server.url)
    hello = {"max_tokens": 1024, "messages": [{"role": "user", "content": "Weather?"}], "model": "m"}
    with client.messages.stream(**hello) as stream:
        assert list(stream.text_stream) == ["Let me ", "check."]
        message = stream.get_final_message()
    assert isinstance(message, sdk.types.Message) and message.stop_reason == "tool_use"
    text, tool = message.content
    assert isinstance(tool, sdk.types.ToolUseBlock) and tool.input == {"location": "SF"}
    assert isinstance(text, sdk.types.TextBlock) and stream.get_final_text() == "Let me check."
    with client.beta.messages.stream(**hello) as beta_stream:
        events = [event.type for event in beta_stream]
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert type(beta_stream.get_final_message()).__name__ == "BetaMessage"
    assert beta_stream.get_final_message().content[1].input == {"location": "SF"}
    event_server.respond(200, "text/event-stream", MESSAGE_EVENTS, path="/v1/messages")  # as the module had it


def test_the_readme_examples_are_mypy_strict_clean(generated: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    # mypy checks top-level await only inside a coroutine: the async example as a function's body.
    body = "\n".join(("    " + line if line else line) for line in README_ASYNC.split("\n"))
    (tmp_path / "readme_sync.py").write_text(README_SYNC)
    (tmp_path / "readme_stream_helpers.py").write_text(README_STREAM_HELPERS)
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
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            os.devnull,
            "readme_sync.py",
            "readme_async.py",
            "readme_stream_helpers.py",
        ],
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


# The official SDK's README pagination examples, unchanged but for the import (and the two that
# await at the top level put in a function, sync and async, as their comment says).
README_PAGINATION = """\
import asyncio
from anthropic_sdk import Anthropic, AsyncAnthropic

client = Anthropic()

all_batches = []
# Automatically fetches more pages as needed.
for batch in client.messages.batches.list(
    limit=20,
):
    # Do something with batch here
    all_batches.append(batch)
print(all_batches)


async def main() -> None:
    client = AsyncAnthropic()
    all_batches = []
    # Iterate through items across all pages, issuing requests as needed.
    async for batch in client.messages.batches.list(
        limit=20,
    ):
        all_batches.append(batch)
    print(all_batches)


asyncio.run(main())


async def granular() -> None:
    client = AsyncAnthropic()
    first_page = await client.messages.batches.list(
        limit=20,
    )
    if first_page.has_next_page():
        print(f"will fetch next page using these details: {first_page.next_page_info()}")
        next_page = await first_page.get_next_page()
        print(f"number of items we just fetched: {len(next_page.data)}")

    first_page = await client.messages.batches.list(
        limit=20,
    )

    print(f"next page cursor: {first_page.last_id}")  # => "next page cursor: ..."
    for batch in first_page.data:
        print(batch.id)


asyncio.run(granular())

first_page = client.messages.batches.list(
    limit=20,
)
if first_page.has_next_page():
    print(f"will fetch next page using these details: {first_page.next_page_info()}")
    next_page = first_page.get_next_page()
    print(f"number of items we just fetched: {len(next_page.data)}")

print(f"next page cursor: {first_page.last_id}")  # => "next page cursor: ..."
for batch in first_page.data:
    print(batch.id)
"""


def test_the_sdks_readme_pagination_examples_run(
    sdk: ModuleType, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    batches = [{"id": f"msgbatch_{n:02}", "type": "message_batch"} for n in range(45)]  # pages of 20, 20, 5
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.args))
        start = (
            next(i + 1 for i, b in enumerate(batches) if b["id"] == request.args["after_id"])
            if "after_id" in request.args
            else 0
        )
        page = batches[start : start + int(request.args["limit"])]
        body = {
            "data": page,
            "has_more": start + len(page) < len(batches),
            "first_id": page[0]["id"],
            "last_id": page[-1]["id"],
        }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/v1/messages/batches").respond_with_handler(handler)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", httpserver.url_for("/"))
    exec(compile(README_PAGINATION, "readme_pagination.py", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out.splitlines()
    assert out[0].count("msgbatch_") == 45 and out[1].count("msgbatch_") == 45  # sync, then async: every item
    assert out[2] == "will fetch next page using these details: PageInfo(params={'after_id': 'msgbatch_19'}, url=None)"
    assert out[3] == "number of items we just fetched: 20"
    assert out[4] == "next page cursor: msgbatch_19" and out[5:25] == [b["id"] for b in batches[:20]]
    assert out[25:28] == out[2:5]  # the same, without await
    assert [s.get("after_id") for s in seen[:3]] == [None, "msgbatch_19", "msgbatch_39"]
    assert all(s["limit"] == "20" for s in seen) and len(seen) == 3 + 3 + 2 + 1 + 2
