"""The fault test: a local server that answers with 500s, 429 + Retry-After, connection resets,
responses stalled past the read timeout and malformed JSON. Every call, sync and async, must end
in the documented outcome (README, "The generated client") within its time bound, after the
documented number of attempts.

The client is the bundled one (generated/anthropic_client); the server is a raw socket server so
that it can reset connections and stall.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import httpx
import pytest

GENERATED = Path(__file__).parents[1] / "generated"
sys.path.insert(0, str(GENERATED))

from anthropic_client import (  # noqa: E402
    Anthropic,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncAnthropic,
    InternalServerError,
    RateLimitError,
)
from anthropic_client.types import BetaDeletedMessageBatch  # noqa: E402

OK = json.dumps({"id": "msgbatch_01", "type": "message_batch_deleted"}).encode()


@dataclass(frozen=True)
class Act:
    """What the server does with one connection."""

    kind: str  # "reply", "reset" (TCP RST before any answer) or "stall" (no answer for `seconds`)
    status: int = 200
    body: bytes = OK
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0


def reply(status: int = 200, body: bytes = OK, **headers: str) -> Act:
    return Act("reply", status, body, tuple((k.replace("_", "-"), v) for k, v in headers.items()))


RESET = Act("reset")


def stall(seconds: float) -> Act:
    return Act("stall", seconds=seconds)


class FaultServer:
    """Serves one scripted act per connection (the last act repeats); records when each came."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.script: list[Act] = [reply()]
        self.attempts: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def play(self, *acts: Act) -> list[float]:
        self.script = list(acts)
        self.attempts = []
        return self.attempts

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            # One request per connection: read the head (and no body: the seed call has none).
            data = b""
            conn.settimeout(5)
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.attempts.append(time.monotonic())
            act = self.script[min(len(self.attempts), len(self.script)) - 1]
            if act.kind == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if act.kind == "stall":
                self._stop.wait(act.seconds)
                return
            head = [f"HTTP/1.1 {act.status} X", f"Content-Length: {len(act.body)}", "Connection: close"]
            head += ["Content-Type: application/json"] + [f"{k}: {v}" for k, v in act.headers]
            conn.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + act.body)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()


@dataclass(frozen=True)
class Case:
    name: str
    acts: tuple[Act, ...]
    #: The exception class expected, or None for a parsed result.
    raises: Optional[type[Exception]]
    attempts: int
    #: Bounds on the call's duration, in seconds.
    at_least: float
    at_most: float


# Backoff: 0.5 s, then 1 s, each shortened by up to 25 % of jitter; Retry-After honoured up to 60 s.
READ_TIMEOUT = 0.3
CASES = [
    Case("500 three times", (reply(500, b'{"error": "boom"}'),), InternalServerError, 3, 1.5 * 0.75, 3.0),
    Case("500 then success", (reply(500, b"{}", retry_after_ms="50"), reply()), None, 2, 0.05, 1.0),
    Case("429 honours Retry-After", (reply(429, b"{}", retry_after="1"), reply()), None, 2, 1.0, 2.0),
    Case("429 until retries run out", (reply(429, b"{}", retry_after_ms="20"),), RateLimitError, 3, 0.04, 1.0),
    Case("connection reset three times", (RESET,), APIConnectionError, 3, 1.5 * 0.75, 3.0),
    Case("connection reset then success", (RESET, reply()), None, 2, 0.5 * 0.75, 1.5),
    Case(
        "stalled past the read timeout",
        (stall(2.0),),
        APITimeoutError,
        3,
        3 * READ_TIMEOUT + 1.1,
        3 * READ_TIMEOUT + 2.5,
    ),
    Case("stalled once then success", (stall(2.0), reply()), None, 2, READ_TIMEOUT + 0.35, READ_TIMEOUT + 1.5),
    Case(
        "malformed JSON is not retried",
        (reply(200, b'{"id": "msgbatch_01", '),),
        APIResponseValidationError,
        1,
        0.0,
        0.5,
    ),
]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault(case: Case, is_async: bool, fault_server: FaultServer) -> None:
    attempts = fault_server.play(*case.acts)
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT)
    outcome: dict[str, Any] = {}

    async def call() -> None:
        started = time.monotonic()
        try:
            if is_async:
                async with AsyncAnthropic(api_key="k", base_url=fault_server.url, timeout=timeout) as client:
                    outcome["result"] = await client.beta.messages.batches.delete("msgbatch_01")
            else:
                with Anthropic(api_key="k", base_url=fault_server.url, timeout=timeout) as client:
                    outcome["result"] = client.beta.messages.batches.delete("msgbatch_01")
        except Exception as exc:  # noqa: BLE001 - the outcome is checked below
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    asyncio.run(call())
    if case.raises is None:
        assert "error" not in outcome, outcome.get("error")
        assert isinstance(outcome["result"], BetaDeletedMessageBatch)
    else:
        assert type(outcome.get("error")) is case.raises, outcome
    assert len(attempts) == case.attempts
    assert case.at_least <= outcome["seconds"] <= case.at_most, outcome["seconds"]


def test_per_call_timeout_overrides_the_client(fault_server: FaultServer) -> None:
    attempts = fault_server.play(stall(2.0))
    with Anthropic(api_key="k", base_url=fault_server.url, max_retries=0) as client:  # default: 600 s read
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.beta.messages.batches.delete("msgbatch_01", timeout=httpx.Timeout(10.0, read=0.2))
        assert time.monotonic() - started < 1.0
        with pytest.raises(APITimeoutError):
            client.with_options(timeout=0.2).beta.messages.batches.delete("msgbatch_01")
    assert len(attempts) == 2


def test_connect_timeout_is_its_own(fault_server: FaultServer) -> None:
    # A listening socket whose backlog is full never completes the handshake: a connect timeout.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(sock.getsockname())
            fillers.append(filler)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with Anthropic(api_key="k", base_url=url, max_retries=0, timeout=httpx.Timeout(30.0, connect=0.2)) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                client.beta.messages.batches.delete("msgbatch_01")
            assert time.monotonic() - started < 2.0
    finally:
        for filler in fillers:
            filler.close()
        sock.close()
