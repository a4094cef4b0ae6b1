"""Behaviour of the generated client in generated/anthropic_client.

Every test talks to a real HTTP server on 127.0.0.1 (pytest-httpserver) and checks
what went over the wire and what came back. Each scenario runs twice: with the sync
`Anthropic` client and with `AsyncAnthropic` (inside `asyncio.run`).
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Coroutine, Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

GENERATED = Path(__file__).parents[1] / "generated"
sys.path.insert(0, str(GENERATED))

import anthropic_client  # noqa: E402
from anthropic_client import (  # noqa: E402
    NOT_GIVEN,
    Anthropic,
    AnthropicError,
    APIConnectionError,
    APIResponse,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncAnthropic,
    AsyncAPIResponse,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from anthropic_client.types import BetaDeletedMessageBatch  # noqa: E402

DEFAULT_BETA = "message-batches-2024-09-24"
DELETED = {"id": "msgbatch_01", "type": "message_batch_deleted"}


# --- the server -------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=lambda: dict(DELETED))
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (for timeouts)."""


@dataclass
class Seen:
    """A request as the server received it."""

    method: str
    raw_uri: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    at: float


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # threaded, so a handler that sleeps (timeout tests) blocks nobody else
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as srv:
        yield srv


@pytest.fixture
def base_url(server: HTTPServer) -> Iterator[str]:
    server.clear()
    yield f"http://127.0.0.1:{server.port}"
    server.clear()


def serve(server: HTTPServer, *replies: Reply) -> list[Seen]:
    """From now on, answer any request with `replies` in turn (the last one repeats).

    Returns the list the received requests are appended to.
    """
    seen: list[Seen] = []
    lock = threading.Lock()
    server.clear_all_handlers()

    def handler(request: Request) -> Response:
        with lock:
            seen.append(
                Seen(
                    method=request.method,
                    raw_uri=request.environ["RAW_URI"],
                    query=list(request.args.items(multi=True)),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=request.get_data(),
                    at=time.monotonic(),
                )
            )
            reply = replies[min(len(seen), len(replies)) - 1]
        if reply.delay:
            time.sleep(reply.delay)
        data = reply.body if isinstance(reply.body, (str, bytes)) else json.dumps(reply.body)
        return Response(data, status=reply.status, headers=reply.headers, content_type="application/json")

    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    return seen


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- one scenario, two clients ---------------------------------------------------


class Api:
    """Drives `Anthropic` or `AsyncAnthropic` from the same async test body."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async
        self.client_class: type[Any] = AsyncAnthropic if is_async else Anthropic
        self.raw_class: type[Any] = AsyncAPIResponse if is_async else APIResponse

    def client(self, **kwargs: Any) -> Any:
        return self.client_class(**kwargs)

    async def _resolve(self, value: Any) -> Any:
        return await value if self.is_async else value

    async def delete(self, client: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._resolve(client.beta.messages.batches.delete(*args, **kwargs))

    async def raw_delete(self, client: Any, *args: Any, **kwargs: Any) -> Any:
        raw = client.beta.messages.batches.with_raw_response
        return await self._resolve(raw.delete(*args, **kwargs))

    async def close(self, client: Any) -> None:
        await self._resolve(client.close())


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Api:
    return Api(is_async=request.param == "async")


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


# --- construction -------------------------------------------------------------------


def test_constructor_defaults(api: Api) -> None:
    async def scenario() -> None:
        client = api.client()
        assert client.api_key is None
        assert client.base_url == httpx.URL("https://api.anthropic.com")
        assert client.max_retries == 2 == anthropic_client.DEFAULT_MAX_RETRIES
        assert client.timeout == httpx.Timeout(600.0, connect=5.0)
        assert client.timeout == anthropic_client.DEFAULT_TIMEOUT
        await api.close(client)

    run(scenario)


def test_key_and_base_url_from_environment(
    api: Api, server: HTTPServer, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base_url)
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client()
        assert client.api_key == "sk-from-env"
        assert client.base_url == httpx.URL(base_url)
        await api.delete(client, "msgbatch_01")
        # explicit arguments win over the environment
        other = api.client(api_key="sk-explicit", base_url=base_url + "/prefix")
        assert other.api_key == "sk-explicit"
        await api.delete(other, "msgbatch_01")
        await api.close(client)
        await api.close(other)

    run(scenario)
    assert [s.headers["x-api-key"] for s in seen] == ["sk-from-env", "sk-explicit"]
    assert [s.raw_uri for s in seen] == [
        "/v1/messages/batches/msgbatch_01?beta=true",
        "/prefix/v1/messages/batches/msgbatch_01?beta=true",
    ]


# --- the request on the wire ----------------------------------------------------------


def test_request_on_the_wire(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        result = await api.delete(client, "msgbatch_01")
        assert isinstance(result, BetaDeletedMessageBatch)
        assert result.id == "msgbatch_01"
        assert result.type == "message_batch_deleted"
        await api.close(client)

    run(scenario)
    [request] = seen
    assert request.method == "DELETE"
    assert request.raw_uri == "/v1/messages/batches/msgbatch_01?beta=true"
    assert request.query == [("beta", "true")]
    assert request.headers["x-api-key"] == "sk-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["anthropic-beta"] == DEFAULT_BETA
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == "anthropic_client/0.1.0 (python httpx)"
    assert "authorization" not in request.headers
    assert "content-type" not in request.headers
    assert request.body == b""


BETAS_CASES = [
    (NOT_GIVEN, DEFAULT_BETA),
    ([], DEFAULT_BETA),
    (["b-one", "b-two"], f"b-one,b-two,{DEFAULT_BETA}"),
    (["b-two", DEFAULT_BETA, "b-one"], f"b-two,{DEFAULT_BETA},b-one"),
]


def test_betas_keep_order_and_include_the_default(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        for betas, _ in BETAS_CASES:
            await api.delete(client, "msgbatch_01", betas=betas)
        await api.close(client)

    run(scenario)
    assert [s.headers["anthropic-beta"] for s in seen] == [header for _, header in BETAS_CASES]


PATH_CASES = [
    ("msgbatch_01", "msgbatch_01"),
    ("a/b", "a%2Fb"),
    ("../etc", "..%2Fetc"),
    ("id with space?&#{x}", "id%20with%20space%3F%26%23%7Bx%7D"),
    ("ümlaut", "%C3%BCmlaut"),
]


def test_path_parameter_is_percent_encoded(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        for batch_id, _ in PATH_CASES:
            await api.delete(client, batch_id)
        await api.close(client)

    run(scenario)
    assert [s.raw_uri for s in seen] == [f"/v1/messages/batches/{encoded}?beta=true" for _, encoded in PATH_CASES]


def test_empty_id_raises_value_error_before_sending(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        with pytest.raises(ValueError, match="message_batch_id"):
            await api.delete(client, "")
        await api.close(client)

    run(scenario)
    assert seen == []


def test_missing_api_key_raises_before_sending(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(base_url=base_url)
        with pytest.raises(MissingCredentialsError) as info:
            await api.delete(client, "msgbatch_01")
        assert isinstance(info.value, AnthropicError)
        assert "api_key" in str(info.value)
        assert "ANTHROPIC_API_KEY" in str(info.value)
        await api.close(client)

    run(scenario)
    assert seen == []


def test_default_headers_and_query(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(
            api_key="sk-test",
            base_url=base_url,
            default_headers={"X-Team": "blue", "anthropic-version": "2024-01-01"},
            default_query={"tenant": "t1"},
        )
        await api.delete(client, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert seen[0].headers["x-team"] == "blue"
    assert seen[0].headers["anthropic-version"] == "2024-01-01"
    assert sorted(seen[0].query) == [("beta", "true"), ("tenant", "t1")]


def test_extra_headers_query_and_body(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        await api.delete(
            client,
            "msgbatch_01",
            betas=["b-one"],
            extra_headers={
                "X-Extra": "1",
                "Anthropic-Beta": "override",  # any case replaces the header
                "anthropic-version": NOT_GIVEN,  # NOT_GIVEN removes it
            },
            extra_query={"beta": "false", "tags": ["x", "y"], "flag": True},
            extra_body={"note": "bye", "n": 1},
        )
        await api.close(client)

    run(scenario)
    [request] = seen
    assert request.headers["x-extra"] == "1"
    assert request.headers["anthropic-beta"] == "override"
    assert "anthropic-version" not in request.headers
    assert request.query == [("beta", "false"), ("tags", "x"), ("tags", "y"), ("flag", "true")]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {"note": "bye", "n": 1}


# --- responses --------------------------------------------------------------------


def test_unknown_response_fields_are_kept(api: Api, server: HTTPServer, base_url: str) -> None:
    serve(server, Reply(body={**DELETED, "archived_at": "2024-09-24T00:00:00Z", "n": [1]}))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        result = await api.delete(client, "msgbatch_01")
        assert result.archived_at == "2024-09-24T00:00:00Z"
        assert result.model_extra == {"archived_at": "2024-09-24T00:00:00Z", "n": [1]}
        assert result.to_dict() == {**DELETED, "archived_at": "2024-09-24T00:00:00Z", "n": [1]}
        assert json.loads(result.to_json()) == result.to_dict()
        await api.close(client)

    run(scenario)


def test_a_body_that_does_not_match_is_kept_or_raises_validation_error_when_strict(
    api: Api, server: HTTPServer, base_url: str
) -> None:
    bodies: list[object] = [
        "not json",
        {"type": "message_batch_deleted"},  # `id` missing
        {"id": "x", "type": "something_else"},
    ]

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        strict = client.with_options(strict_response_validation=True)
        for body in bodies:
            serve(server, Reply(body=body))
            if isinstance(body, dict):  # kept as sent, unless strict
                kept = await api.delete(client, "msgbatch_01")
                assert isinstance(kept, BetaDeletedMessageBatch) and kept.to_dict() == body
                assert kept.id == body.get("id")  # None when missing
            else:  # said to be JSON and is not: an error either way
                with pytest.raises(APIResponseValidationError):
                    await api.delete(client, "msgbatch_01")
            with pytest.raises(APIResponseValidationError) as info:
                await api.delete(strict, "msgbatch_01")
            assert info.value.status_code == 200
            assert info.value.body == body
        await api.close(client)

    run(scenario)


STATUS_ERRORS: list[tuple[int, type[APIStatusError]]] = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
    (418, APIStatusError),
]


def test_each_status_raises_its_error(api: Api, server: HTTPServer, base_url: str) -> None:
    body = {"type": "error", "error": {"type": "some_error", "message": "nope"}}

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url, max_retries=0)
        for status, error_class in STATUS_ERRORS:
            serve(server, Reply(status=status, body=body, headers={"request-id": f"req_{status}"}))
            with pytest.raises(APIStatusError) as info:
                await api.delete(client, "msgbatch_01")
            error = info.value
            assert type(error) is error_class, status
            assert isinstance(error, AnthropicError)
            assert error.status_code == status
            assert error.response.status_code == status
            assert error.body == body
            assert error.request_id == f"req_{status}"
            assert error.request.method == "DELETE"
        await api.close(client)

    run(scenario)


def test_a_non_json_error_body_is_kept_as_text(api: Api, server: HTTPServer, base_url: str) -> None:
    serve(server, Reply(status=404, body="no such batch"))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        with pytest.raises(NotFoundError) as info:
            await api.delete(client, "msgbatch_01")
        assert info.value.body == "no such batch"
        assert info.value.request_id is None
        await api.close(client)

    run(scenario)


def test_raw_response(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(body={**DELETED, "extra": 1}, headers={"request-id": "req_9"}))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        raw = await api.raw_delete(client, "msgbatch_01", extra_headers={"X-Extra": "1"})
        assert isinstance(raw, api.raw_class)
        assert raw.status_code == 200
        assert raw.headers["request-id"] == "req_9"
        assert raw.request_id == "req_9"
        assert raw.method == "DELETE"
        assert raw.url == httpx.URL(f"{base_url}/v1/messages/batches/msgbatch_01?beta=true")
        assert raw.retries_taken == 0
        assert isinstance(raw.http_response, httpx.Response)
        assert raw.json() == {**DELETED, "extra": 1}
        assert json.loads(raw.text) == json.loads(raw.content) == raw.json()
        parsed = raw.parse()
        assert isinstance(parsed, BetaDeletedMessageBatch)
        assert parsed.id == "msgbatch_01"
        assert parsed.extra == 1
        assert raw.parse() is parsed
        await api.close(client)

    run(scenario)
    assert seen[0].headers["x-extra"] == "1"
    assert not any("raw" in name for name in seen[0].headers)  # the marker is not sent


def test_request_id_of_a_response_model_and_of_an_error(api: Api, server: HTTPServer, base_url: str) -> None:
    serve(
        server,
        Reply(headers={"request-id": "req_1"}),
        Reply(headers={"x-request-id": "req_2"}),
        Reply(),
        Reply(status=404, body={"error": "no"}, headers={"x-request-id": "req_4"}),
    )

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        first, second, third = [await api.delete(client, "msgbatch_01") for _ in range(3)]
        assert (first._request_id, second._request_id, third._request_id) == ("req_1", "req_2", None)
        assert "_request_id" not in first.to_dict() and first == second == BetaDeletedMessageBatch(**DELETED)
        with pytest.raises(NotFoundError) as info:
            await api.delete(client, "msgbatch_01")
        assert info.value.request_id == "req_4"
        await api.close(client)

    run(scenario)


def test_requests_to_endpoints_the_client_has_no_method_for(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(
        server,
        Reply(body={"my_param": True}, headers={"x-foo": "bar"}),
        Reply(status=500, body={"error": "retry me"}),
        Reply(body={"id": "msgbatch_02", "type": "message_batch_deleted"}),
        Reply(body="plain text"),  # sent as is (a str body)
    )

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url, default_headers={"X-Default": "d"})
        response = await api._resolve(client.post("/foo", cast_to=httpx.Response, body={"my_param": True}))
        assert isinstance(response, httpx.Response) and response.headers["x-foo"] == "bar"
        deleted = await api._resolve(
            client.delete("/v1/things/1", cast_to=BetaDeletedMessageBatch, query={"hard": "true"}, timeout=5)
        )
        assert isinstance(deleted, BetaDeletedMessageBatch) and deleted.id == "msgbatch_02"  # after a retry
        assert await api._resolve(client.get("/text", cast_to=str, extra_headers={"X-Extra": "e"})) == "plain text"
        await api.close(client)

    run(scenario)
    post, failed, delete, get = seen
    assert (post.method, post.raw_uri, json.loads(post.body)) == ("POST", "/foo", {"my_param": True})
    assert post.headers["x-api-key"] == "sk-test" and post.headers["x-default"] == "d"
    assert (failed.method, delete.method, delete.raw_uri) == ("DELETE", "DELETE", "/v1/things/1?hard=true")
    assert (get.method, get.raw_uri, get.headers["x-extra"]) == ("GET", "/text", "e")


def test_a_request_to_an_undocumented_endpoint_without_a_key_sends_none(server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(body={}))
    client = Anthropic(base_url=base_url)
    assert client.get("/public", cast_to=object) == {}
    assert "x-api-key" not in seen[0].headers


# --- retries ------------------------------------------------------------------------


def test_400_is_not_retried(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(status=400, body={"error": "bad"}))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        with pytest.raises(BadRequestError):
            await api.delete(client, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert len(seen) == 1


def test_500_is_retried_twice_with_backoff(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(status=500, body={"error": "boom"}))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        with pytest.raises(InternalServerError) as info:
            await api.delete(client, "msgbatch_01")
        assert info.value.status_code == 500
        assert info.value.body == {"error": "boom"}
        await api.close(client)

    run(scenario)
    assert len(seen) == 3
    # backoff 0.5 s then 1 s, each shortened by at most 25 % of jitter
    assert seen[1].at - seen[0].at >= 0.5 * 0.75 - 0.05
    assert seen[2].at - seen[1].at >= 1.0 * 0.75 - 0.05


def test_retryable_statuses_then_success(api: Api, server: HTTPServer, base_url: str) -> None:
    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        for status in (408, 409, 429, 500, 502):
            fail = Reply(status=status, body={"error": "again"}, headers={"retry-after-ms": "10"})
            seen = serve(server, fail, fail, Reply())
            raw = await api.raw_delete(client, "msgbatch_01")
            assert raw.retries_taken == 2
            assert raw.parse().id == "msgbatch_01"
            assert len(seen) == 3, status
            # every attempt is the same request
            assert len({(s.method, s.raw_uri, s.headers["x-api-key"]) for s in seen}) == 1
        await api.close(client)

    run(scenario)


def test_429_honours_retry_after_ms(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(
        server,
        Reply(status=429, body={"error": "slow down"}, headers={"retry-after-ms": "300"}),
        Reply(),
    )

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        started = time.monotonic()
        result = await api.delete(client, "msgbatch_01")
        assert time.monotonic() - started >= 0.3
        assert result.id == "msgbatch_01"
        await api.close(client)

    run(scenario)
    assert len(seen) == 2
    assert seen[1].at - seen[0].at >= 0.3


def test_retry_after_seconds_is_honoured(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(status=503, body="busy", headers={"retry-after": "1"}), Reply())

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        await api.delete(client, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert len(seen) == 2
    assert seen[1].at - seen[0].at >= 1.0


def test_retry_after_http_date_is_honoured(server: HTTPServer, base_url: str) -> None:
    # An HTTP date has whole seconds: ask for "now + 3 s" (2 to 3 s once truncated) and expect
    # more than 1 s, whatever the request itself took.
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    seen = serve(server, Reply(status=429, body="", headers={"retry-after": when}), Reply())
    with Anthropic(api_key="sk-test", base_url=base_url) as client:
        client.beta.messages.batches.delete("msgbatch_01")
    assert len(seen) == 2
    assert seen[1].at - seen[0].at >= 1.0


def test_x_should_retry_header_is_obeyed(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(
        server,
        Reply(status=400, body="retry me", headers={"x-should-retry": "true", "retry-after-ms": "10"}),
        Reply(status=503, body="do not retry", headers={"x-should-retry": "false"}),
    )

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url)
        with pytest.raises(InternalServerError):
            await api.delete(client, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert len(seen) == 2


def test_with_options_max_retries_zero(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(status=500, body="boom"))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url, default_headers={"X-A": "a"})
        copy = client.with_options(max_retries=0, default_headers={"X-B": "b"})
        assert type(copy) is type(client)
        assert copy.max_retries == 0
        assert client.max_retries == 2
        assert copy.api_key == "sk-test"
        assert copy.base_url == client.base_url
        assert copy.timeout == client.timeout
        with pytest.raises(InternalServerError):
            await api.delete(copy, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert len(seen) == 1
    assert seen[0].headers["x-a"] == "a"
    assert seen[0].headers["x-b"] == "b"
    assert seen[0].headers["anthropic-version"] == "2023-06-01"


# --- connection failures and timeouts -------------------------------------------------


def test_connection_refused_raises_connection_error(api: Api) -> None:
    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0)
        with pytest.raises(APIConnectionError) as info:
            await api.delete(client, "msgbatch_01")
        assert not isinstance(info.value, APITimeoutError)
        assert isinstance(info.value, AnthropicError)
        assert info.value.request.url.path == "/v1/messages/batches/msgbatch_01"
        await api.close(client)

    run(scenario)


@pytest.fixture
def resetting_server() -> Iterator[tuple[str, list[float]]]:
    """A server that accepts connections and closes them without answering."""
    accepted: list[float] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.1)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            accepted.append(time.monotonic())
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    sock.close()


def test_connection_errors_are_retried_twice(api: Api, resetting_server: tuple[str, list[float]]) -> None:
    url, accepted = resetting_server

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=url)
        with pytest.raises(APIConnectionError):
            await api.delete(client, "msgbatch_01")
        await api.close(client)

    run(scenario)
    assert len(accepted) == 3
    assert accepted[2] - accepted[0] >= (0.5 + 1.0) * 0.75 - 0.05


def test_timeout_raises_timeout_error(api: Api, server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply(delay=1.0))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url, timeout=0.2, max_retries=0)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await api.delete(client, "msgbatch_01")
        assert time.monotonic() - started < 0.9
        assert isinstance(info.value, APIConnectionError)
        await api.close(client)

    run(scenario)
    assert len(seen) == 1


def test_per_call_timeout_overrides_the_client_and_timeouts_are_retried(
    api: Api, server: HTTPServer, base_url: str
) -> None:
    seen = serve(server, Reply(delay=1.0))

    async def scenario() -> None:
        client = api.client(api_key="sk-test", base_url=base_url, max_retries=1)
        with pytest.raises(APITimeoutError):
            await api.delete(client, "msgbatch_01", timeout=0.2)
        await api.close(client)

    run(scenario)
    assert len(seen) == 2


# --- the client's lifetime and its httpx client ----------------------------------------


def test_context_manager_closes_the_client(server: HTTPServer, base_url: str) -> None:
    serve(server, Reply())
    with Anthropic(api_key="sk-test", base_url=base_url) as client:
        assert not client.is_closed()
        client.beta.messages.batches.delete("msgbatch_01")
    assert client.is_closed()

    async def scenario() -> None:
        async with AsyncAnthropic(api_key="sk-test", base_url=base_url) as client:
            assert not client.is_closed()
            await client.beta.messages.batches.delete("msgbatch_01")
        assert client.is_closed()
        other = AsyncAnthropic(api_key="sk-test", base_url=base_url)
        await other.aclose()
        assert other.is_closed()

    run(scenario)


def test_a_user_supplied_httpx_client_is_used(server: HTTPServer, base_url: str) -> None:
    seen = serve(server, Reply())
    hooked: list[httpx.Request] = []
    http_client = httpx.Client(headers={"X-Via": "mine"}, event_hooks={"request": [hooked.append]})
    client = Anthropic(api_key="sk-test", base_url=base_url, http_client=http_client)
    client.beta.messages.batches.delete("msgbatch_01")
    assert len(hooked) == 1
    assert client.with_options(max_retries=0)._client is http_client
    client.close()
    assert http_client.is_closed

    async def scenario() -> None:
        async def hook(request: httpx.Request) -> None:
            hooked.append(request)

        async with httpx.AsyncClient(headers={"X-Via": "mine-async"}, event_hooks={"request": [hook]}) as http_client:
            client = AsyncAnthropic(api_key="sk-test", base_url=base_url, http_client=http_client)
            await client.beta.messages.batches.delete("msgbatch_01")

    run(scenario)
    assert len(hooked) == 2
    assert [s.headers["x-via"] for s in seen] == ["mine", "mine-async"]


# --- the runtime's own pieces -----------------------------------------------------------


def test_include_defaults() -> None:
    from anthropic_client._utils import include_defaults

    assert include_defaults(NOT_GIVEN, ["d"]) == ["d"]
    assert include_defaults(["a", "b"], ["d"]) == ["a", "b", "d"]
    assert include_defaults(["d", "a"], ["d", "e"]) == ["d", "a", "e"]
    assert include_defaults(["a", "a"], []) == ["a"]


def test_not_given() -> None:
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"


def test_generated_package_is_mypy_strict_clean() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "anthropic_client"],
        cwd=GENERATED,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_async_methods_are_coroutine_functions_with_the_sync_signature_and_docstring() -> None:
    import inspect

    from anthropic_client.resources.beta.messages.batches import AsyncBatches, Batches

    assert inspect.iscoroutinefunction(AsyncBatches.delete)
    assert AsyncBatches.delete.__doc__ == Batches.delete.__doc__
    assert "Delete a Message Batch" in (AsyncBatches.delete.__doc__ or "")
    assert inspect.signature(AsyncBatches.delete) == inspect.signature(Batches.delete)


def test_async_method_rejects_an_empty_id_when_awaited(base_url: str) -> None:
    client = AsyncAnthropic(api_key="k", base_url=base_url, max_retries=0)
    pending = client.beta.messages.batches.delete("")  # nothing raised, nothing sent yet
    with pytest.raises(ValueError):
        asyncio.run(pending)


def test_importing_and_constructing_loads_no_models_or_transport() -> None:
    """What makes `import` + constructing the client cheap: pydantic models, httpcore and the
    resource modules are loaded by the first use, not before."""
    code = (
        "import sys, anthropic_client as m; m.Anthropic(api_key='k'); m.AsyncAnthropic(api_key='k'); "
        "print(sorted(n for n in ('httpcore', 'pydantic.main', 'anyio', 'anthropic_client.resources.beta', "
        "'anthropic_client.types.beta_deleted_message_batch') if n in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_a_closed_client_that_never_sent_a_request_refuses_to_send(base_url: str) -> None:
    client = Anthropic(api_key="k", base_url=base_url, max_retries=0)
    assert not client.is_closed()
    client.close()
    assert client.is_closed()
    with pytest.raises(RuntimeError):
        client.beta.messages.batches.delete("b")


def test_type_adapters_are_made_once_per_type() -> None:
    """Validating a body as a non-model type reuses one pydantic TypeAdapter per type (making one
    costs far more than using it); a type that cannot be hashed still validates."""
    from typing import Annotated, List

    import httpx

    from anthropic_client import _models, _response

    def respond(body: object) -> httpx.Response:
        return httpx.Response(200, json=body, request=httpx.Request("GET", "http://127.0.0.1/"))

    first = _models.type_adapter(List[BetaDeletedMessageBatch])
    assert _models.type_adapter(List[BetaDeletedMessageBatch]) is first
    body = [{"id": "msgbatch_1", "type": "message_batch_deleted"}]
    parsed = _response.parse_response(respond(body), List[BetaDeletedMessageBatch])
    assert [item.id for item in parsed] == ["msgbatch_1"]
    unhashable = Annotated[int, {"note": "a dict cannot be hashed"}]
    assert _response.parse_response(respond(7), unhashable) == 7  # type: ignore[arg-type]
    assert _response.validate_as(unhashable, "x") is None
