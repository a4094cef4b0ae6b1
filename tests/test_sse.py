"""Server-sent events and JSON Lines, on the wire.

A client generated from the inline spec below talks to a raw socket server on 127.0.0.1
(`EventServer`) that sends each response in chunks, holding back all but the first until the test
says `go`: so a test sees an event arrive before the last one is sent, and the server sees the
client hang up.
"""

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

from generator.diagnostics import GenerationError
from generator.pipeline import Options, generate
from generator.write import write

from .event_server import EventServer

SPEC = """
openapi: 3.1.0
info: {title: Chat, version: "1"}
paths:
  /messages:
    post:
      operationId: messages_create
      tags: [messages]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [prompt]
              properties:
                prompt: {type: string}
                stream: {type: boolean}
      responses:
        "200":
          description: The message (the spec says nothing of streaming; the config does).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Message"}
        4XX:
          description: An error.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /completions:
    post:
      operationId: completions_create
      tags: [completions]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [prompt]
              properties:
                prompt: {type: string}
                stream: {type: boolean}
      responses:
        "200":
          description: The completion, or (stream true) its events; found without config.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Message"}
            text/event-stream:
              schema: {$ref: "#/components/schemas/Event"}
  /events:
    get:
      operationId: events_list
      tags: [events]
      responses:
        "200":
          description: Only ever events.
          content:
            text/event-stream:
              schema: {$ref: "#/components/schemas/Event"}
  /batches/{id}/results:
    get:
      operationId: batches_results
      tags: [batches]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: One result a line.
          content:
            application/x-jsonl:
              schema: {$ref: "#/components/schemas/Result"}
components:
  schemas:
    Message:
      type: object
      required: [id, text]
      properties:
        id: {type: string}
        text: {type: string}
    Error:
      type: object
      required: [type, error]
      properties:
        type: {const: error}
        error:
          type: object
          required: [type, message]
          properties:
            type: {type: string}
            message: {type: string}
    Start:
      type: object
      required: [type, id]
      properties:
        type: {const: start}
        id: {type: string}
    Delta:
      type: object
      required: [type, text]
      properties:
        type: {const: delta}
        text: {type: string}
    Stop:
      type: object
      required: [type]
      properties:
        type: {const: stop}
    Event:
      oneOf:
        - $ref: "#/components/schemas/Start"
        - $ref: "#/components/schemas/Delta"
        - $ref: "#/components/schemas/Stop"
      discriminator:
        propertyName: type
        mapping:
          start: "#/components/schemas/Start"
          delta: "#/components/schemas/Delta"
          stop: "#/components/schemas/Stop"
    Result:
      type: object
      required: [custom_id, ok]
      properties:
        custom_id: {type: string}
        ok: {type: boolean}
"""

CONFIG = """
package_name: chat_client
operations:
  messages_create:
    method: create
    stream: {flag: stream, event: Event}
"""

#: An event stream as an LLM API sends it: the first chunk one whole event; then a comment, an
#: event the schema does not know (`ping`), data over several lines, line ends of every kind and
#: a CRLF split between chunks.
EVENTS = [
    b'event: start\r\ndata: {"type": "start", "id": "m1"}\r\n\r\n',
    b': keep-alive\n\nevent: ping\ndata: {"type": "ping"}\n\n',
    b'event: delta\ndata: {"type": "delta",\ndata:  "text": "Hel"}\r',
    b'\n\r\ndata: {"type": "delta", "text": "lo"}\r\r',
    b'data: {"type": "stop"}\r\n\r\n',
]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("chat")
    (root / "openapi.yaml").write_text(SPEC)
    (root / "oagen.yaml").write_text(CONFIG)
    write(root / "out", generate(Options(spec=root / "openapi.yaml", config=root / "oagen.yaml")).files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("chat_client")
    finally:
        sys.path.remove(str(root / "out"))


@pytest.fixture(scope="module")
def server() -> Iterator[EventServer]:
    s = EventServer()
    yield s
    s.close()


def _types(events: list[Any]) -> list[str]:
    return [e.type for e in events]


# --- the decoder, as the WHATWG HTML standard says -------------------------------------------


def _decode(chat: Any, chunks: list[bytes]) -> list[Any]:
    decoder = chat._streaming.SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.end()


def test_the_decoder_follows_the_event_stream_format(chat: Any) -> None:
    text = (
        b"\xef\xbb\xbfdata: first\n\n"  # a byte order mark at the start is dropped
        b": a comment\r\n"
        b"event: update\r\nid: 7\r\ndata: a\r\ndata:b\r\ndata\r\n\r\n"  # one space after the colon dropped
        b"retry: 1500\rdata: c\r\r"  # CR alone ends lines
        b"event: nothing\n\n"  # no data: not dispatched
        b"id: x\x00y\nretry: soon\nunknown: field\ndata: d\n\n"  # an id with NUL and a retry not digits: ignored
        b"data: cut off"  # the end of the stream in the middle of an event: dropped
    )
    expected = [
        ("message", "first", "", None),
        ("update", "a\nb\n", "7", None),
        ("message", "c", "7", 1500),
        ("message", "d", "7", None),
    ]
    whole = [(e.event, e.data, e.id, e.retry) for e in _decode(chat, [text])]
    assert whole == expected
    # However the bytes are cut into chunks (a CRLF, a BOM or a UTF-8 character split between two).
    for size in (1, 2, 3, 5, 7):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert [(e.event, e.data, e.id, e.retry) for e in _decode(chat, chunks)] == expected
    assert [e.data for e in _decode(chat, ["data: é ✓\n\n".encode()[:-4], "data: é ✓\n\n".encode()[-4:]])] == ["é ✓"]
    assert [e.data for e in _decode(chat, [b"data: x\r"])] == []  # one line end: no empty line
    assert [e.data for e in _decode(chat, [b"data: x\r\r"])] == ["x"]  # a lone CR at the very end
    assert [e.data for e in _decode(chat, [b"data: x\n\n\xef\xbb\xbfdata: y\n\n"])] == ["x"]  # a BOM only at the start


# --- server-sent events on the wire -----------------------------------------------------------


def test_stream_true_yields_typed_events_as_they_arrive(chat: Any, server: EventServer) -> None:
    server.respond(200, "text/event-stream", EVENTS, hold=True)
    with chat.Chat(base_url=server.url) as client:
        stream = client.messages.create(prompt="Hello", stream=True)
        assert type(stream).__name__ == "Stream"
        first = next(stream)
        # The first event is here while the server holds back the rest.
        assert type(first).__name__ == "Start" and first.id == "m1"
        assert not server.finished.is_set()
        server.go.set()
        rest = list(stream)
    assert _types(rest) == ["ping", "delta", "delta", "stop"]
    assert type(rest[0]).__name__ != "Start"  # an event the schema does not know: passed through as sent
    assert [type(e).__name__ for e in rest[1:]] == ["Delta", "Delta", "Stop"]
    assert rest[1].text == "Hel" and rest[2].text == "lo"
    assert stream.response.is_closed  # exhausted: the connection is released
    assert json.loads(server.requests[-1][1]) == {"prompt": "Hello", "stream": True}


def test_without_the_flag_the_method_returns_the_message(chat: Any, server: EventServer) -> None:
    server.respond(200, "application/json", [b'{"id": "m1", "text": "Hi"}'])
    with chat.Chat(base_url=server.url) as client:
        message = client.messages.create(prompt="Hello")
        assert type(message).__name__ == "Message" and message.text == "Hi"
        assert json.loads(server.requests[-1][1]) == {"prompt": "Hello"}
        server.respond(200, "application/json", [b'{"id": "m2", "text": "Hi"}'])
        assert client.messages.create(prompt="Hello", stream=False).id == "m2"


def test_an_error_event_raises_the_apis_error(chat: Any, server: EventServer) -> None:
    error = b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
    server.respond(200, "text/event-stream", [EVENTS[0], b"event: error\ndata: " + error + b"\n\n"])
    with chat.Chat(base_url=server.url) as client:
        stream = client.messages.create(prompt="Hello", stream=True)
        assert next(stream).type == "start"
        with pytest.raises(chat.APIStatusError) as raised:
            next(stream)
    assert raised.value.message == "Overloaded"
    assert raised.value.body == json.loads(error)
    assert raised.value.error.error.type == "overloaded_error"  # parsed as the operation's error type
    assert stream.response.is_closed


def test_breaking_off_and_closing_hangs_up(chat: Any, server: EventServer) -> None:
    with chat.Chat(base_url=server.url) as client:
        server.respond(200, "text/event-stream", EVENTS, hold=True)
        stream = client.messages.create(prompt="Hello", stream=True)
        for event in stream:
            assert event.type == "start"
            break
        stream.close()
        assert server.hung_up.wait(10) and not server.finished.is_set()

        server.respond(200, "text/event-stream", EVENTS, hold=True)
        with client.messages.create(prompt="Hello", stream=True) as stream:
            assert next(stream).type == "start"
        assert stream.response.is_closed
        assert server.hung_up.wait(10) and not server.finished.is_set()


def test_a_declared_event_stream_and_a_flag_found_in_the_spec(chat: Any, server: EventServer) -> None:
    with chat.Chat(base_url=server.url) as client:
        server.respond(200, "text/event-stream", EVENTS)
        assert _types(client.events.list()) == ["start", "ping", "delta", "delta", "stop"]
        assert b"accept: text/event-stream" in server.requests[-1][0].lower()
        server.respond(200, "text/event-stream", EVENTS)
        assert _types(client.completions.create(prompt="x", stream=True)) == ["start", "ping", "delta", "delta", "stop"]
        server.respond(200, "application/json", [b'{"id": "c1", "text": "Hi"}'])
        assert client.completions.create(prompt="x").text == "Hi"


def test_done_ends_the_stream_and_text_that_is_not_json_is_kept(chat: Any, server: EventServer) -> None:
    chunks = [b'data: {"type": "stop"}\n\ndata: not json\n\ndata: [DONE]\n\ndata: {"type": "stop"}\n\n']
    with chat.Chat(base_url=server.url) as client:
        server.respond(200, "text/event-stream", chunks)
        events = list(client.events.list())
        assert events[0].type == "stop" and events[1:] == ["not json"]
    with chat.Chat(base_url=server.url, strict_response_validation=True) as client:
        server.respond(200, "text/event-stream", chunks)
        stream = client.events.list()
        assert next(stream).type == "stop"
        with pytest.raises(chat.APIResponseValidationError):
            next(stream)


def test_raw_and_streaming_responses_give_the_stream(chat: Any, server: EventServer) -> None:
    with chat.Chat(base_url=server.url) as client:
        server.respond(200, "text/event-stream", EVENTS, hold=True)
        raw = client.messages.with_raw_response.create(prompt="Hello", stream=True)
        assert raw.status_code == 200 and raw.headers["content-type"] == "text/event-stream"
        stream = raw.parse()
        assert next(stream).type == "start" and not server.finished.is_set()
        server.go.set()
        assert _types(stream) == ["ping", "delta", "delta", "stop"]

        server.respond(200, "text/event-stream", EVENTS, hold=True)
        with client.messages.with_streaming_response.create(prompt="Hello", stream=True) as response:
            assert next(response.parse()).type == "start" and not server.finished.is_set()
        assert response.is_closed and server.hung_up.wait(10)

        server.respond(200, "application/json", [b'{"id": "m1", "text": "Hi"}'])
        assert client.messages.with_raw_response.create(prompt="Hello").parse().text == "Hi"


def test_async_streams(chat: Any, server: EventServer) -> None:
    async def run() -> None:
        async with chat.AsyncChat(base_url=server.url) as client:
            server.respond(200, "text/event-stream", EVENTS, hold=True)
            stream = await client.messages.create(prompt="Hello", stream=True)
            assert type(stream).__name__ == "AsyncStream"
            first = await stream.__anext__()
            assert first.type == "start" and not server.finished.is_set()
            server.go.set()
            assert _types([e async for e in stream]) == ["ping", "delta", "delta", "stop"]
            assert stream.response.is_closed

            server.respond(200, "text/event-stream", EVENTS, hold=True)
            async with await client.messages.create(prompt="Hello", stream=True) as stream:
                async for event in stream:
                    assert event.type == "start"
                    break
            assert await asyncio.to_thread(server.hung_up.wait, 10)

            server.respond(200, "application/json", [b'{"id": "m1", "text": "Hi"}'])
            assert (await client.messages.create(prompt="Hello")).text == "Hi"

            server.respond(200, "text/event-stream", EVENTS)
            assert _types([e async for e in await client.events.list()])[0] == "start"

            server.respond(200, "text/event-stream", EVENTS)
            raw = await client.messages.with_raw_response.create(prompt="Hello", stream=True)
            assert _types([e async for e in raw.parse()])[-1] == "stop"

            server.respond(200, "text/event-stream", EVENTS, hold=True)
            async with client.messages.with_streaming_response.create(prompt="Hello", stream=True) as response:
                parsed = await response.parse()
                assert (await parsed.__anext__()).type == "start"
            assert await asyncio.to_thread(server.hung_up.wait, 10)

    asyncio.run(run())


# --- JSON Lines -------------------------------------------------------------------------------

LINES = [b'{"custom_id": "a", "ok": true}\n', b'{"custom_id": "b",', b' "ok": false}\n\n{"custom_id": "c", "ok": true}']


def test_json_lines_arrive_one_by_one(chat: Any, server: EventServer) -> None:
    server.respond(200, "application/x-jsonl", LINES, hold=True)
    with chat.Chat(base_url=server.url) as client:
        results = client.batches.results("b1")
        assert type(results).__name__ == "JSONLDecoder"
        first = next(results)
        assert type(first).__name__ == "Result" and first.custom_id == "a" and not server.finished.is_set()
        server.go.set()
        assert [(r.custom_id, r.ok) for r in results] == [("b", False), ("c", True)]
        assert results.response.is_closed

        server.respond(200, "application/x-jsonl", LINES, hold=True)
        with client.batches.results("b1") as results:
            assert next(results).custom_id == "a"
        assert server.hung_up.wait(10)

        server.respond(200, "application/x-jsonl", [b'{"custom_id": "a", "ok": true}\nnot json\n'])
        results = client.batches.results("b1")
        assert next(results).ok is True
        with pytest.raises(chat.APIResponseValidationError):
            next(results)


def test_async_json_lines(chat: Any, server: EventServer) -> None:
    async def run() -> None:
        async with chat.AsyncChat(base_url=server.url) as client:
            server.respond(200, "application/x-jsonl", LINES, hold=True)
            results = await client.batches.results("b1")
            assert type(results).__name__ == "AsyncJSONLDecoder"
            assert (await results.__anext__()).custom_id == "a" and not server.finished.is_set()
            server.go.set()
            assert [r.custom_id async for r in results] == ["b", "c"]

            server.respond(200, "application/x-jsonl", LINES, hold=True)
            async with await client.batches.results("b1") as results:
                assert (await results.__anext__()).custom_id == "a"
            assert await asyncio.to_thread(server.hung_up.wait, 10)

    asyncio.run(run())


# --- types ------------------------------------------------------------------------------------

USER_CODE = """
from chat_client import AsyncChat, AsyncJSONLDecoder, AsyncStream, Chat, JSONLDecoder, Stream
from chat_client.types import Delta, Event, Message, Result


def sync_use(client: Chat, flag: bool) -> None:
    message: Message = client.messages.create(prompt="Hello")
    stream: Stream[Event] = client.messages.create(prompt="Hello", stream=True)
    for event in stream:
        if event.type == "delta":
            text: str = event.text
            print(text)
    either: Message | Stream[Event] = client.messages.create(prompt="Hello", stream=flag)
    not_a_message: Message = client.messages.create(prompt="Hello", stream=True)  # E: Incompatible
    not_a_stream: Stream[Event] = client.messages.create(prompt="Hello")  # E: Incompatible
    raw_stream: Stream[Event] = client.messages.with_raw_response.create(prompt="Hello", stream=True).parse()
    with client.messages.with_streaming_response.create(prompt="Hello", stream=True) as response:
        streamed: Stream[Event] = response.parse()
    with client.events.list() as events:
        deltas: list[Delta] = [e for e in events if isinstance(e, Delta)]
    results: JSONLDecoder[Result] = client.batches.results("b1")
    ok: list[bool] = [r.ok for r in results]
    print(message, either, not_a_message, not_a_stream, raw_stream, streamed, deltas, ok)


async def async_use(client: AsyncChat) -> None:
    stream: AsyncStream[Event] = await client.messages.create(prompt="Hello", stream=True)
    async for event in stream:
        print(event.type)
    message: Message = await client.messages.create(prompt="Hello")
    wrong: Message = await client.messages.create(prompt="Hello", stream=True)  # E: Incompatible
    async with await client.events.list() as events:
        print([e.type async for e in events])
    results: AsyncJSONLDecoder[Result] = await client.batches.results("b1")
    print(message, wrong, [r.custom_id async for r in results])
"""


def test_mypy_tells_the_overloads_apart(chat: Any, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    package = Path(chat.__file__).parent
    (tmp_path / "user.py").write_text(USER_CODE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, str(package), "user.py"],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(package.parent)},
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    expected = [n for n, line in enumerate(USER_CODE.split("\n"), 1) if "# E: Incompatible" in line]
    assert [int(line.split(":")[1]) for line in errors] == expected, result.stdout
    assert all(line.startswith("user.py:") and "Incompatible types in assignment" in line for line in errors)


# --- config mistakes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ("{flag: streaming, event: Event}", "no property 'streaming'"),
        ("{flag: prompt, event: Event}", "'prompt' is not a boolean"),
        ("{event: Nope}", "no schema 'Nope' under components/schemas"),
        ("{flag: stream}", "name the events' schema"),
        ("{colour: red}", "unknown key 'colour'"),
    ],
)
def test_a_wrong_stream_config_is_located(tmp_path: Path, stream: str, message: str) -> None:
    (tmp_path / "openapi.yaml").write_text(SPEC)
    config = tmp_path / "oagen.yaml"
    config.write_text(f"operations:\n  messages_create:\n    stream: {stream}\n")
    with pytest.raises(GenerationError) as raised:
        generate(Options(spec=tmp_path / "openapi.yaml", config=config))
    text = str(raised.value)
    assert message in text and f"{config}:3:" in text, text


# --- names --------------------------------------------------------------------------------------

NAMES_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Names", "version": "1"},
    "paths": {
        "/events": {
            "post": {
                "operationId": "events",
                "tags": ["things"],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unpack"}}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/Stream"}}},
                    }
                },
            }
        },
        "/lines": {
            "get": {
                "operationId": "lines",
                "tags": ["things"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/x-ndjson": {"schema": {"$ref": "#/components/schemas/JSONLDecoder"}}},
                    }
                },
            }
        },
        "/options": {
            "get": {
                "operationId": "options",
                "tags": ["things"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestOptions"}}},
                    }
                },
            }
        },
        "/unpack": {
            "get": {
                "operationId": "unpack",
                "tags": ["things"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unpack"}}},
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            name: {"type": "object", "properties": {"a": {"type": "string"}}}
            for name in ("Stream", "JSONLDecoder", "RequestOptions", "Unpack")
        }
    },
}


def test_schemas_named_like_the_runtimes_classes_take_other_names(tmp_path: Path, httpserver: Any) -> None:
    """Schemas called Stream, JSONLDecoder, RequestOptions and Unpack (names a resource module
    imports from the runtime) become StreamModel...: the package passes mypy --strict and streams."""
    (tmp_path / "openapi.json").write_text(json.dumps(NAMES_SPEC))
    write(tmp_path / "out", generate(Options(spec=tmp_path / "openapi.json")).files)
    if importlib.util.find_spec("mypy") is not None:
        checked = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "names_client"],
            cwd=tmp_path / "out",
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout
    httpserver.expect_request("/events", method="POST").respond_with_data(
        'data: {"a": "x"}\n\ndata: {"a": "y"}\n\n', content_type="text/event-stream"
    )
    httpserver.expect_request("/lines").respond_with_data(
        '{"a": "1"}\n{"a": "2"}\n', content_type="application/x-ndjson"
    )
    httpserver.expect_request("/options").respond_with_json({"a": "o"})
    httpserver.expect_request("/unpack").respond_with_json({"a": "u"})
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        names = importlib.import_module("names_client")
        client = names.Names(base_url=httpserver.url_for("/"))
        events = client.things.events(a="b")
        assert type(events).__name__ == "Stream"
        assert [(type(e).__name__, e.a) for e in events] == [("StreamModel", "x"), ("StreamModel", "y")]
        lines = client.things.lines()
        assert [(type(r).__name__, r.a) for r in lines] == [("JSONLDecoderModel", "1"), ("JSONLDecoderModel", "2")]
        assert type(client.things.options()).__name__ == "RequestOptionsModel"
        assert type(client.things.unpack()).__name__ == "UnpackModel"
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == "names_client"]:
            del sys.modules[name]
    assert json.loads(httpserver.log[0][0].data) == {"a": "b"}
