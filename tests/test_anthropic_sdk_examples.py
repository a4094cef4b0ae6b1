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
import threading
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

#: The SDK's hand-written helpers: methods of its resources that are no endpoint. The example's own
#: hand-written code (custom/messages.py) has the first two, taking create's arguments as **params.
HELPERS = {"messages.stream", "beta.messages.stream", "beta.messages.parse", "beta.messages.tool_runner"}
WRITTEN_HELPERS = {"messages.stream", "beta.messages.stream"}
#: Names in return annotations that say nothing about the API (typing's and builtins).
TYPING = {"None", "Union", "Optional", "List", "Dict", "Literal", "Iterator", "AsyncIterator", "str", "bytes"}

#: Where the generated client differs from the SDK 0.76.0 for the 34 endpoints (see the example's README).
KNOWN_DIFFERENCES: set[str] = set()  # none left


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
    assert HELPERS & set(actual[client]) == WRITTEN_HELPERS
    # An async method is its sync twin wrapped (the runtime's `asynchronous`): its annotation at run
    # time is the sync one, the types mypy sees are checked by the README examples below.
    differences, extras = compare(expected[client], actual[client], returns=client == "Anthropic")
    assert differences == {d for d in KNOWN_DIFFERENCES if client == "Anthropic" or " returns " not in d}
    # Optional parameters the document (2026-05) has and the SDK (2026-01) does not yet: harmless.
    print("\n".join(["only in the generated client:", *sorted(extras)]))


def test_betas_are_typed_by_the_beta_enum(surfaces: tuple[dict[str, Any], dict[str, Any]]) -> None:
    # The document types the anthropic-beta header as a string; the overlay gives it the SDK's schema.
    expected, actual = surfaces
    with_betas = [path for path, method in expected["Anthropic"].items() if "betas" in method["params"]]
    assert len(with_betas) >= 20
    for path in with_betas:
        if path not in HELPERS:
            assert actual["Anthropic"][path]["params"]["betas"]["type"] == "List[AnthropicBetaParam] | NotGiven", path


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


# --- the SDK README's examples, unchanged but for the import --------------------------------------

MESSAGE = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "Hello!", "citations": None}],
    "model": "claude-sonnet-4-5-20250929",
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 25, "output_tokens": 13},
}
BATCH = {
    "id": "msgbatch_01",
    "type": "message_batch",
    "processing_status": "in_progress",
    "request_counts": {"processing": 2, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
    "created_at": "2024-09-24T18:37:24.100435Z",
    "expires_at": "2024-09-25T18:37:24.100435Z",
    "ended_at": None,
    "archived_at": None,
    "cancel_initiated_at": None,
    "results_url": None,
}
FILE = {
    "id": "file_01",
    "type": "file",
    "filename": "notes.txt",
    "mime_type": "text/plain",
    "size_bytes": 5,
    "created_at": "2025-04-14T12:00:00Z",
    "downloadable": True,
}
MODEL = {
    "id": "claude-sonnet-4-5-20250929",
    "type": "model",
    "display_name": "Claude Sonnet 4.5",
    "created_at": "2025-09-29T00:00:00Z",
}
HELLO = {"max_tokens": 1024, "messages": [{"role": "user", "content": "Hello, Claude"}], "model": MODEL["id"]}

#: README "Usage", "Async usage", "Token counting" (after the Usage section's client), "Message
#: Batches" (create; retrieve, cancel and delete as the SDK's api.md gives them), "File uploads"
#: (download and delete as api.md gives them), "Handling errors", "Retries", "Timeouts" (its
#: `httpx` imported), "Default Headers", "Request IDs", "Accessing raw response data" (its two
#: snippets apart), "Making custom/undocumented requests", "Configuring the HTTP client", "Managing
#: HTTP resources".
README = {
    "usage": """\
import os
from anthropic_sdk import Anthropic

client = Anthropic(
    api_key=os.environ.get("ANTHROPIC_API_KEY"),  # This is the default and can be omitted
)

message = client.messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
)
print(message.content)
""",
    "async_usage": """\
import os
import asyncio
from anthropic_sdk import AsyncAnthropic

client = AsyncAnthropic(
    api_key=os.environ.get("ANTHROPIC_API_KEY"),  # This is the default and can be omitted
)


async def main() -> None:
    message = await client.messages.create(
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Hello, Claude",
            }
        ],
        model="claude-sonnet-4-5-20250929",
    )
    print(message.content)


asyncio.run(main())
""",
    "token_counting": """\
from anthropic_sdk import Anthropic

client = Anthropic()

count = client.messages.count_tokens(
    model="claude-sonnet-4-5-20250929",
    messages=[
        {"role": "user", "content": "Hello, world"}
    ]
)
count.input_tokens  # 10
print(count.input_tokens)
""",
    "batches": """\
from anthropic_sdk import AsyncAnthropic

client = AsyncAnthropic()

await client.messages.batches.create(
    requests=[
        {
            "custom_id": "my-first-request",
            "params": {
                "model": "claude-sonnet-4-5-20250929",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": "Hello, world"}],
            },
        },
        {
            "custom_id": "my-second-request",
            "params": {
                "model": "claude-sonnet-4-5-20250929",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": "Hi again, friend"}],
            },
        },
    ]
)
message_batch = await client.messages.batches.retrieve("msgbatch_01")
print(message_batch.processing_status)
message_batch = await client.messages.batches.cancel("msgbatch_01")
deleted = await client.messages.batches.delete("msgbatch_01")
print(deleted.type)
""",
    "files": """\
from pathlib import Path
from anthropic_sdk import Anthropic

client = Anthropic()

client.beta.files.upload(
    file=Path("/path/to/file"),
)
content = client.beta.files.download("file_01")
print(content.read())
deleted_file = client.beta.files.delete("file_01")
model = client.models.retrieve("claude-sonnet-4-5-20250929")
print(model.display_name)
""",
    "errors": """\
import anthropic_sdk as anthropic
from anthropic_sdk import Anthropic

client = Anthropic()

try:
    client.messages.create(
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Hello, Claude",
            }
        ],
        model="claude-sonnet-4-5-20250929",
    )
except anthropic.APIConnectionError as e:
    print("The server could not be reached")
    print(e.__cause__)  # an underlying Exception, likely raised within httpx.
except anthropic.RateLimitError as e:
    print("A 429 status code was received; we should back off a bit.")
except anthropic.APIStatusError as e:
    print("Another non-200-range status code was received")
    print(e.status_code)
    print(e.response)
""",
    "retries": """\
from anthropic_sdk import Anthropic

# Configure the default for all requests:
client = Anthropic(
    # default is 2
    max_retries=0,
)

# Or, configure per-request:
client.with_options(max_retries=5).messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
)
""",
    "timeouts": """\
import httpx
from anthropic_sdk import Anthropic

# Configure the default for all requests:
client = Anthropic(
    # 20 seconds (default is 10 minutes)
    timeout=20.0,
)

# More granular control:
client = Anthropic(
    timeout=httpx.Timeout(60.0, read=5.0, write=10.0, connect=2.0),
)

# Override per-request:
client.with_options(timeout=5.0).messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
)
""",
    "default_headers": """\
from anthropic_sdk import Anthropic

client = Anthropic(
    default_headers={"anthropic-version": "My-Custom-Value"},
)
client.models.retrieve("claude-sonnet-4-5-20250929")
""",
    "request_ids": """\
from anthropic_sdk import Anthropic

client = Anthropic()

message = client.messages.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
)
print(message._request_id)  # req_018EeWyXxfu5pfWkrYcMdjWG
""",
    "raw_response": """\
from anthropic_sdk import Anthropic

client = Anthropic()
response = client.messages.with_raw_response.create(
    max_tokens=1024,
    messages=[{
        "role": "user",
        "content": "Hello, Claude",
    }],
    model="claude-sonnet-4-5-20250929",
)
print(response.headers.get('X-My-Header'))

message = response.parse()  # get the object that `messages.create()` would have returned
print(message.content)
""",
    # The README's next snippet, after the previous one's client (its `response` is another type).
    "streaming_response": """\
from anthropic_sdk import Anthropic

client = Anthropic()

with client.messages.with_streaming_response.create(
    max_tokens=1024,
    messages=[
        {
            "role": "user",
            "content": "Hello, Claude",
        }
    ],
    model="claude-sonnet-4-5-20250929",
) as response:
    print(response.headers.get("X-My-Header"))

    for line in response.iter_lines():
        print(line)
""",
    "undocumented": """\
import httpx
from anthropic_sdk import Anthropic

client = Anthropic()

response = client.post(
    "/foo",
    cast_to=httpx.Response,
    body={"my_param": True},
)

print(response.headers.get("x-foo"))
""",
    "http_client": """\
import httpx
from anthropic_sdk import Anthropic, DefaultHttpxClient

client = Anthropic(
    # Or use the `ANTHROPIC_BASE_URL` env var
    base_url="http://my.test.server.example.com:8083",
    http_client=DefaultHttpxClient(
        proxy="http://my.test.proxy.example.com",
        transport=httpx.HTTPTransport(local_address="0.0.0.0"),
    ),
)
""",
    # Not in the README: the SDK's types as user code imports them (tool use, as the SDK's examples do).
    "types": """\
from anthropic_sdk import Anthropic
from anthropic_sdk.types import MessageParam, TextBlock, TextBlockParam, ToolParam, ToolUseBlock

client = Anthropic()

tools: list[ToolParam] = [
    {
        "name": "get_weather",
        "description": "Get the weather for a specific location",
        "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}},
    }
]
messages: list[MessageParam] = [
    {"role": "user", "content": [TextBlockParam(type="text", text="What is the weather in SF?")]}
]
message = client.messages.create(
    model="claude-sonnet-4-5-20250929", max_tokens=1024, messages=messages, tools=tools
)
for block in message.content:
    if isinstance(block, TextBlock):
        print(block.text)
    elif isinstance(block, ToolUseBlock):
        print(block.name, block.input)
""",
    "managing_resources": """\
from anthropic_sdk import Anthropic

with Anthropic() as client:
  # make requests here
  ...

# HTTP client is now closed
""",
}


def run(example: str) -> dict[str, Any]:
    """Run an example as a module (top-level await allowed, as in an asyncio REPL); its globals."""
    namespace: dict[str, Any] = {"__name__": "readme"}
    code = compile(example, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = types.FunctionType(code, namespace)()
    if inspect.iscoroutine(result):
        asyncio.run(result)
    return namespace


@pytest.fixture
def server(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, sdk: ModuleType) -> HTTPServer:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", httpserver.url_for(""))
    return httpserver


def sent(server: HTTPServer) -> list[tuple[str, str, Any]]:
    """(method, path with query, JSON body or None) of every request; each with the SDK's headers."""
    requests = []
    for request, _ in server.log:
        assert request.headers["x-api-key"] == "sk-test"
        body = json.loads(request.data) if request.mimetype == "application/json" else None
        requests.append((request.method, request.full_path.rstrip("?"), body))
    return requests


@pytest.mark.parametrize("name", ["usage", "async_usage"])
def test_create_a_message(server: HTTPServer, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/v1/messages", method="POST").respond_with_json(MESSAGE)
    run(README[name])
    assert sent(server) == [("POST", "/v1/messages", HELLO)]
    assert server.log[0][0].headers["anthropic-version"] == "2023-06-01"
    assert "anthropic-beta" not in server.log[0][0].headers
    assert capsys.readouterr().out == "[TextBlock(citations=None, text='Hello!', type='text')]\n"


def test_count_tokens(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/v1/messages/count_tokens", method="POST").respond_with_json({"input_tokens": 10})
    run(README["token_counting"])
    assert sent(server) == [
        (
            "POST",
            "/v1/messages/count_tokens",
            {"model": MODEL["id"], "messages": [{"role": "user", "content": "Hello, world"}]},
        )
    ]
    assert capsys.readouterr().out == "10\n"


def test_message_batches(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/v1/messages/batches", method="POST").respond_with_json(BATCH)
    server.expect_request("/v1/messages/batches/msgbatch_01", method="GET").respond_with_json(BATCH)
    canceling = {**BATCH, "processing_status": "canceling"}
    server.expect_request("/v1/messages/batches/msgbatch_01/cancel", method="POST").respond_with_json(canceling)
    server.expect_request("/v1/messages/batches/msgbatch_01", method="DELETE").respond_with_json(
        {"id": "msgbatch_01", "type": "message_batch_deleted"}
    )
    namespace = run(README["batches"])
    requests = sent(server)
    assert [r[:2] for r in requests] == [
        ("POST", "/v1/messages/batches"),
        ("GET", "/v1/messages/batches/msgbatch_01"),
        ("POST", "/v1/messages/batches/msgbatch_01/cancel"),
        ("DELETE", "/v1/messages/batches/msgbatch_01"),
    ]
    assert [r["custom_id"] for r in requests[0][2]["requests"]] == ["my-first-request", "my-second-request"]
    assert requests[0][2]["requests"][1]["params"]["messages"] == [{"role": "user", "content": "Hi again, friend"}]
    assert namespace["message_batch"].processing_status == "canceling"
    assert capsys.readouterr().out == "in_progress\nmessage_batch_deleted\n"


def test_files_and_models(server: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_bytes(b"notes")
    server.expect_request("/v1/files", method="POST", query_string="beta=true").respond_with_json(FILE)
    server.expect_request("/v1/files/file_01/content", query_string="beta=true").respond_with_data(
        b"notes", content_type="application/octet-stream"
    )
    server.expect_request("/v1/files/file_01", method="DELETE", query_string="beta=true").respond_with_json(
        {"id": "file_01", "type": "file_deleted"}
    )
    server.expect_request("/v1/models/claude-sonnet-4-5-20250929").respond_with_json(MODEL)
    # The README's path stands for a file of the reader's.
    namespace = run(README["files"].replace("/path/to/file", (tmp_path / "notes.txt").as_posix()))
    assert [r[:2] for r in sent(server)] == [
        ("POST", "/v1/files?beta=true"),
        ("GET", "/v1/files/file_01/content?beta=true"),
        ("DELETE", "/v1/files/file_01?beta=true"),
        ("GET", "/v1/models/claude-sonnet-4-5-20250929"),
    ]
    upload = server.log[0][0]
    assert upload.files["file"].filename == "notes.txt" and upload.files["file"].read() == b"notes"
    for request, _ in server.log[:3]:
        assert request.headers["anthropic-beta"] == "files-api-2025-04-14"
    assert "anthropic-beta" not in server.log[3][0].headers
    assert namespace["deleted_file"].id == "file_01"
    assert capsys.readouterr().out == "b'notes'\nClaude Sonnet 4.5\n"


ERROR_BODY = {
    "type": "error",
    "error": {"type": "rate_limit_error", "message": "Number of requests has exceeded your rate limit"},
}


@pytest.mark.parametrize(
    "status, printed",
    [
        (429, ["A 429 status code was received; we should back off a bit."]),
        (400, ["Another non-200-range status code was received", "400", "<Response [400 BAD REQUEST]>"]),
    ],
)
def test_handling_errors(
    server: HTTPServer, capsys: pytest.CaptureFixture[str], status: int, printed: list[str]
) -> None:
    server.expect_request("/v1/messages").respond_with_json(ERROR_BODY, status=status, headers={"retry-after-ms": "1"})
    run(README["errors"])
    assert capsys.readouterr().out.splitlines() == printed
    assert len(server.log) == (3 if status == 429 else 1)  # a 429 retried twice, a 400 not


def test_a_connection_error(
    sdk: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # discard: nothing listens
    run(README["errors"].replace("client = Anthropic()", "client = Anthropic(max_retries=0)"))
    first, cause = capsys.readouterr().out.splitlines()
    assert first == "The server could not be reached" and cause  # httpx's ConnectError


def test_retries(server: HTTPServer) -> None:
    for status in (529, 500, 429, 200):
        body = MESSAGE if status == 200 else ERROR_BODY
        server.expect_ordered_request("/v1/messages").respond_with_json(
            body, status=status, headers={"retry-after-ms": "1"}
        )
    run(README["retries"])
    assert len(server.log) == 4 and [r[2] for r in sent(server)] == [HELLO] * 4


def test_timeouts(server: HTTPServer, sdk: ModuleType) -> None:
    server.expect_request("/v1/messages").respond_with_json(MESSAGE)
    namespace = run(README["timeouts"])
    assert namespace["client"].timeout == namespace["httpx"].Timeout(60.0, read=5.0, write=10.0, connect=2.0)
    assert sent(server) == [("POST", "/v1/messages", HELLO)]

    released = threading.Event()

    def slow(request: Request) -> Response:
        released.wait(5)
        return Response(json.dumps(MESSAGE), content_type="application/json")

    server.clear()
    server.expect_request("/v1/messages").respond_with_handler(slow)
    with pytest.raises(sdk.APITimeoutError):
        namespace["client"].with_options(timeout=0.1, max_retries=0).messages.create(**HELLO)
    released.set()
    while not server.log:  # the server answers (to no one) before the next test uses it
        time.sleep(0.01)


def test_default_headers(server: HTTPServer) -> None:
    server.expect_request("/v1/models/claude-sonnet-4-5-20250929").respond_with_json(MODEL)
    run(README["default_headers"])
    assert server.log[0][0].headers["anthropic-version"] == "My-Custom-Value"


def test_request_ids(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/v1/messages").respond_with_json(MESSAGE, headers={"request-id": "req_018EeWy"})
    namespace = run(README["request_ids"])
    assert capsys.readouterr().out == "req_018EeWy\n"
    with pytest.raises(AttributeError):
        namespace["message"].usage._request_id  # only the object a method returns has one, as the SDK's


def test_raw_and_streamed_responses(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/v1/messages").respond_with_json(MESSAGE, headers={"X-My-Header": "mine"})
    run(README["raw_response"])
    run(README["streaming_response"])
    assert sent(server) == [("POST", "/v1/messages", HELLO)] * 2
    assert capsys.readouterr().out.splitlines() == [
        "mine",
        "[TextBlock(citations=None, text='Hello!', type='text')]",
        "mine",
        *server.log[1][1].get_data(as_text=True).splitlines(),  # the body's lines, as sent
    ]


def test_undocumented_endpoints(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/foo", method="POST", json={"my_param": True}).respond_with_json({}, headers={"x-foo": "f"})
    run(README["undocumented"])
    assert sent(server) == [("POST", "/foo", {"my_param": True})]  # with the client's key and headers
    assert server.log[0][0].headers["anthropic-version"] == "2023-06-01"
    assert capsys.readouterr().out == "f\n"


def test_the_sdks_types(server: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    content = [
        {"type": "text", "text": "Let me check.", "citations": None},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "SF"}},
    ]
    server.expect_request("/v1/messages").respond_with_json({**MESSAGE, "content": content})
    run(README["types"])
    (_, _, body), *_ = sent(server)
    assert body["tools"][0]["name"] == "get_weather"
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "What is the weather in SF?"}]}]
    assert capsys.readouterr().out == "Let me check.\nget_weather {'location': 'SF'}\n"


def test_configuring_the_http_client_and_managing_resources(sdk: ModuleType) -> None:
    namespace = run(README["http_client"])
    http_client = namespace["client"]._client
    assert isinstance(http_client, sdk.DefaultHttpxClient) and http_client.follow_redirects
    assert http_client.timeout == sdk.DEFAULT_TIMEOUT
    namespace = run(README["managing_resources"])
    assert namespace["client"].is_closed()


def test_the_readme_examples_are_mypy_strict_clean(generated: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    files = []
    for name, example in README.items():
        if "await " in example.replace("await client.messages.create", ""):
            # mypy checks top-level await only inside a coroutine: the example as a function's body.
            imports, _, rest = example.partition("\n\n")
            example = (
                imports + "\n\n\nasync def main() -> None:\n" + "".join(f"    {line}\n" for line in rest.splitlines())
            )
        (tmp_path / f"readme_{name}.py").write_text(example)
        files.append(f"readme_{name}.py")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, *files],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(generated)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
