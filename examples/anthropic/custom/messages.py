"""`client.messages.stream(...)` and `client.beta.messages.stream(...)`: a message's stream of events
that also builds the message, as the official SDK offers them. Hand-written (no API description
says how events add up to a message); oagen copies this file into the package as `lib/messages.py`
and the client hands out these subclasses of the generated resources (see `oagen.yaml`).

    with client.messages.stream(model=..., max_tokens=1024, messages=[...]) as stream:
        for text in stream.text_stream:
            print(text, end="")
    message = stream.get_final_message()
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, AsyncIterator, Callable, Coroutine, Generic, Iterator, List, Optional, TypeVar, cast

from .._streaming import AsyncStream, Stream
from ..resources.beta.messages import AsyncMessages as GeneratedAsyncBetaMessages
from ..resources.beta.messages import Messages as GeneratedBetaMessages
from ..resources.messages import AsyncMessages as GeneratedAsyncMessages
from ..resources.messages import Messages as GeneratedMessages
from ..types.beta_message import BetaMessage
from ..types.beta_raw_message_stream_event import BetaRawMessageStreamEvent
from ..types.message import Message
from ..types.raw_message_stream_event import RawMessageStreamEvent

__all__ = [
    "Messages",
    "AsyncMessages",
    "BetaMessages",
    "AsyncBetaMessages",
    "MessageStream",
    "AsyncMessageStream",
    "MessageStreamManager",
    "AsyncMessageStreamManager",
]

MessageT = TypeVar("MessageT")
EventT = TypeVar("EventT")


class _Accumulator(Generic[MessageT]):
    """The message so far: the `message_start` event's message, with every later event applied."""

    def __init__(self) -> None:
        self.snapshot: Optional[MessageT] = None
        self._json: dict[int, str] = {}  # the partial JSON input of each tool-use block, by index

    def apply(self, event: Any) -> List[str]:
        """Apply one event; the text it adds to a text block (for `text_stream`)."""
        kind = getattr(event, "type", None)
        if kind == "message_start":
            self.snapshot = event.message.model_copy(deep=True)
            return []
        message: Any = self.snapshot
        if message is None:
            return []
        if kind == "content_block_start":
            message.content.append(event.content_block.model_copy(deep=True))
        elif kind == "content_block_delta":
            return self._delta(message.content[event.index], event.index, event.delta)
        elif kind == "content_block_stop":
            partial = self._json.pop(event.index, None)
            if partial is not None:
                message.content[event.index].input = json.loads(partial) if partial else {}
        elif kind == "message_delta":
            for name in ("stop_reason", "stop_sequence"):
                setattr(message, name, getattr(event.delta, name, None))
            for name, value in event.usage.to_dict().items():
                if value is not None and hasattr(message.usage, name):
                    setattr(message.usage, name, value)
        return []

    def _delta(self, block: Any, index: int, delta: Any) -> List[str]:
        kind = getattr(delta, "type", None)
        if kind == "text_delta":
            block.text = (block.text or "") + delta.text
            return [delta.text]
        if kind == "input_json_delta":
            self._json[index] = self._json.get(index, "") + delta.partial_json
        elif kind == "thinking_delta":
            block.thinking = (block.thinking or "") + delta.thinking
        elif kind == "signature_delta":
            block.signature = delta.signature
        elif kind == "citations_delta":
            block.citations = [*(block.citations or []), delta.citation]
        return []


class MessageStream(Generic[MessageT, EventT]):
    """The events of a streamed message (iterate it), the message they build (`current_message_snapshot`,
    `get_final_message()`, `get_final_text()`) and its text as it arrives (`text_stream`)."""

    def __init__(self, events: Stream[EventT]) -> None:
        self._events = events
        self._accumulator: _Accumulator[MessageT] = _Accumulator()
        self._texts: List[str] = []
        self._iterator = self._run()

    def _run(self) -> Iterator[EventT]:
        for event in self._events:
            self._texts.extend(self._accumulator.apply(event))
            yield event

    def __iter__(self) -> Iterator[EventT]:
        return self._iterator

    @property
    def text_stream(self) -> Iterator[str]:
        """The text of the message's text blocks, delta by delta, as it arrives."""
        for _ in self._iterator:
            yield from self._texts
            self._texts.clear()

    @property
    def current_message_snapshot(self) -> MessageT:
        """The message as far as it has arrived."""
        if self._accumulator.snapshot is None:
            raise RuntimeError("no message_start event yet")
        return self._accumulator.snapshot

    def until_done(self) -> None:
        """Read the stream to its end."""
        for _ in self._iterator:
            pass

    def get_final_message(self) -> MessageT:
        """The whole message (the stream is read to its end first)."""
        self.until_done()
        return self.current_message_snapshot

    def get_final_text(self) -> str:
        """The text of the whole message's text blocks, joined."""
        content: Any = getattr(self.get_final_message(), "content")
        return "".join(block.text for block in content if getattr(block, "type", None) == "text")

    def close(self) -> None:
        self._events.close()


class AsyncMessageStream(Generic[MessageT, EventT]):
    """`MessageStream` of the async client: `async for`, and its methods awaited."""

    def __init__(self, events: AsyncStream[EventT]) -> None:
        self._events = events
        self._accumulator: _Accumulator[MessageT] = _Accumulator()
        self._texts: List[str] = []
        self._iterator = self._run()

    async def _run(self) -> AsyncIterator[EventT]:
        async for event in self._events:
            self._texts.extend(self._accumulator.apply(event))
            yield event

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self._iterator

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The text of the message's text blocks, delta by delta, as it arrives."""

        async def texts() -> AsyncIterator[str]:
            async for _ in self._iterator:
                for text in self._texts:
                    yield text
                self._texts.clear()

        return texts()

    @property
    def current_message_snapshot(self) -> MessageT:
        if self._accumulator.snapshot is None:
            raise RuntimeError("no message_start event yet")
        return self._accumulator.snapshot

    async def until_done(self) -> None:
        async for _ in self._iterator:
            pass

    async def get_final_message(self) -> MessageT:
        await self.until_done()
        return self.current_message_snapshot

    async def get_final_text(self) -> str:
        content: Any = getattr(await self.get_final_message(), "content")
        return "".join(block.text for block in content if getattr(block, "type", None) == "text")

    async def close(self) -> None:
        await self._events.close()


class MessageStreamManager(Generic[MessageT, EventT]):
    """What `stream(...)` returns: entering the `with` block sends the request; leaving it closes the
    connection."""

    def __init__(self, send: Callable[[], Stream[EventT]]) -> None:
        self._send = send
        self._stream: Optional[MessageStream[MessageT, EventT]] = None

    def __enter__(self) -> MessageStream[MessageT, EventT]:
        self._stream = MessageStream(self._send())
        return self._stream

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncMessageStreamManager(Generic[MessageT, EventT]):
    """`MessageStreamManager` of the async client: `async with`."""

    def __init__(self, send: Callable[[], Coroutine[Any, Any, AsyncStream[EventT]]]) -> None:
        self._send = send
        self._stream: Optional[AsyncMessageStream[MessageT, EventT]] = None

    async def __aenter__(self) -> AsyncMessageStream[MessageT, EventT]:
        self._stream = AsyncMessageStream(await self._send())
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            await self._stream.close()


class Messages(GeneratedMessages):
    def stream(self, **params: Any) -> MessageStreamManager[Message, RawMessageStreamEvent]:
        """`create(..., stream=True)` in a `with` block, building the message as its events arrive.
        Takes `create`'s arguments (but `stream`)."""
        return MessageStreamManager(lambda: cast("Stream[RawMessageStreamEvent]", self.create(**params, stream=True)))


class AsyncMessages(GeneratedAsyncMessages):
    def stream(self, **params: Any) -> AsyncMessageStreamManager[Message, RawMessageStreamEvent]:
        """`create(..., stream=True)` in an `async with` block, building the message as its events arrive."""

        async def send() -> AsyncStream[RawMessageStreamEvent]:
            return cast("AsyncStream[RawMessageStreamEvent]", await self.create(**params, stream=True))

        return AsyncMessageStreamManager(send)


class BetaMessages(GeneratedBetaMessages):
    def stream(self, **params: Any) -> MessageStreamManager[BetaMessage, BetaRawMessageStreamEvent]:
        """`create(..., stream=True)` in a `with` block, building the message as its events arrive."""
        return MessageStreamManager(
            lambda: cast("Stream[BetaRawMessageStreamEvent]", self.create(**params, stream=True))
        )


class AsyncBetaMessages(GeneratedAsyncBetaMessages):
    def stream(self, **params: Any) -> AsyncMessageStreamManager[BetaMessage, BetaRawMessageStreamEvent]:
        """`create(..., stream=True)` in an `async with` block, building the message as its events arrive."""

        async def send() -> AsyncStream[BetaRawMessageStreamEvent]:
            return cast("AsyncStream[BetaRawMessageStreamEvent]", await self.create(**params, stream=True))

        return AsyncMessageStreamManager(send)
