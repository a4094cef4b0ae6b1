"""Files in and out, and `with_streaming_response`, on the wire.

A client generated from the inline spec below talks to a real HTTP server on 127.0.0.1: a raw
socket server for downloads (it sends the body in chunks, pausing between them, and reports when
the client hangs up) and pytest-httpserver for uploads.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.pipeline import Options, generate
from generator.write import write

SPEC = """
openapi: 3.0.3
info: {title: Store, version: "1"}
paths:
  /files/{id}/content:
    get:
      operationId: download
      tags: [files]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The file.
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
            image/png:
              schema: {type: string, format: binary}
  /files/{id}:
    get:
      operationId: metadata
      tags: [files]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: What is known of the file.
          content:
            application/json:
              schema:
                type: object
                required: [id, size]
                properties:
                  id: {type: string}
                  size: {type: integer}
  /files:
    post:
      operationId: upload
      tags: [files]
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [files]
              properties:
                files:
                  type: array
                  items: {type: string, format: binary}
                purpose: {type: string}
                attachments: {type: array, items: {type: string, format: binary}, nullable: true}
      responses:
        "200":
          description: Stored.
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: {type: integer}
"""

CHUNKS = [b"\x89PNG", b"\x00" * 5000, b"middle", b"\xff" * 3000, b"end"]
BODY = b"".join(CHUNKS)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("store")
    spec = root / "openapi.yaml"
    spec.write_text(SPEC)
    write(root / "out", generate(Options(spec=spec, package_name="store_client")).files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("store_client")
    finally:
        sys.path.remove(str(root / "out"))


class ChunkServer:
    """Answers each connection with a chunked response: `CHUNKS` for a download, JSON for
    metadata; the body's chunks wait for `go` (set by the test) after the first one, and
    `hung_up` is set when the client closed the connection before the end."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.go = threading.Event()
        self.hung_up = threading.Event()
        self.finished = threading.Event()
        self.requests: list[bytes] = []
        threading.Thread(target=self._loop, daemon=True).start()

    def reset(self, *, go: bool = True) -> None:
        for event in (self.go, self.hung_up, self.finished):
            event.clear()
        if go:
            self.go.set()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            self.requests.append(head)
            json_body = not head.split(b" ")[1].endswith(b"/content")
            content_type = b"application/json" if json_body else b"application/octet-stream"
            chunks = [json.dumps({"id": "f1", "size": len(BODY)}).encode()] if json_body else CHUNKS
            try:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
                    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                )
                for i, chunk in enumerate(chunks):
                    if i == 1 and not self.go.wait(10):
                        return
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                conn.sendall(b"0\r\n\r\n")
                self.finished.set()
                conn.settimeout(10)
                if conn.recv(1) == b"":  # the client hung up: nothing more arrives
                    self.hung_up.set()
            except OSError:
                self.hung_up.set()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def chunk_server() -> Iterator[ChunkServer]:
    server = ChunkServer()
    yield server
    server.close()


def test_a_file_comes_back_with_read_iter_bytes_and_write_to_file(
    store: Any, chunk_server: ChunkServer, tmp_path: Path
) -> None:
    chunk_server.reset()
    with store.Store(base_url=chunk_server.url) as client:
        file = client.files.download("f1")
        assert type(file).__name__ == "BinaryAPIResponse"
        assert file.read() == BODY
        assert b"".join(file.iter_bytes(1000)) == BODY
        assert all(len(c) <= 1000 for c in file.iter_bytes(1000))
        file.write_to_file(tmp_path / "out.png")
        assert file.headers["content-type"] == "application/octet-stream"
        assert file.is_closed  # read already: the connection went back to the pool
    assert (tmp_path / "out.png").read_bytes() == BODY
    assert b"accept: application/octet-stream, image/png" in chunk_server.requests[-1].lower()


def test_async_file_methods_are_awaited(store: Any, chunk_server: ChunkServer, tmp_path: Path) -> None:
    async def run() -> None:
        async with store.AsyncStore(base_url=chunk_server.url) as client:
            file = await client.files.download("f1")
            assert type(file).__name__ == "AsyncBinaryAPIResponse"
            assert await file.read() == BODY
            assert b"".join([c async for c in file.iter_bytes(1000)]) == BODY
            await file.write_to_file(tmp_path / "async.png")
            raw = await client.files.with_raw_response.download("f1")
            assert type(raw.parse()).__name__ == "AsyncBinaryAPIResponse"
            assert await raw.parse().read() == BODY

    chunk_server.reset()
    asyncio.run(run())
    assert (tmp_path / "async.png").read_bytes() == BODY


def test_a_streamed_download_arrives_in_chunks_and_is_written_to_a_file(
    store: Any, chunk_server: ChunkServer, tmp_path: Path
) -> None:
    chunk_server.reset(go=False)
    with store.Store(base_url=chunk_server.url) as client:
        with client.files.with_streaming_response.download("f1") as response:
            # The server holds back all but the first chunk: the body was not read yet.
            assert response.status_code == 200 and not response.is_closed
            chunks = response.iter_bytes()
            assert next(chunks) == CHUNKS[0]
            assert not chunk_server.finished.is_set()
            chunk_server.go.set()
            rest = b"".join(chunks)
        assert CHUNKS[0] + rest == BODY
        assert response.is_closed

        chunk_server.reset()
        with client.files.with_streaming_response.download("f1") as response:
            response.write_to_file(tmp_path / "streamed.png", chunk_size=512)
        with client.files.with_streaming_response.download("f1") as response:
            assert response.parse().read() == BODY  # the body as the method returns it
    assert (tmp_path / "streamed.png").read_bytes() == BODY


def test_leaving_with_closes_the_connection_unread(store: Any, chunk_server: ChunkServer) -> None:
    chunk_server.reset(go=False)
    with store.Store(base_url=chunk_server.url) as client:
        with client.files.with_streaming_response.download("f1") as response:
            assert response.headers["content-type"] == "application/octet-stream"
        assert response.is_closed
        chunk_server.go.set()  # the server tries to send the rest: the client is gone
        assert chunk_server.hung_up.wait(10)


def test_async_leaving_async_with_closes_the_connection(store: Any, chunk_server: ChunkServer) -> None:
    async def run() -> None:
        async with store.AsyncStore(base_url=chunk_server.url) as client:
            async with client.files.with_streaming_response.download("f1") as response:
                chunks = response.iter_bytes()
                assert await chunks.__anext__() == CHUNKS[0]
            assert response.is_closed
            chunk_server.go.set()
            assert await asyncio.to_thread(chunk_server.hung_up.wait, 10)

            chunk_server.reset()
            async with client.files.with_streaming_response.metadata("f1") as meta:
                parsed = await meta.parse()
                assert parsed.size == len(BODY)
                assert await meta.json() == {"id": "f1", "size": len(BODY)}

    chunk_server.reset(go=False)
    asyncio.run(run())


def test_streaming_a_json_operation_parses_on_demand(store: Any, chunk_server: ChunkServer) -> None:
    chunk_server.reset()
    with store.Store(base_url=chunk_server.url) as client:
        with client.files.with_streaming_response.metadata("f1") as response:
            assert list(response.iter_lines()) == [json.dumps({"id": "f1", "size": len(BODY)})]
        assert response.is_closed
        chunk_server.reset()
        with client.files.with_streaming_response.metadata("f1") as response:
            meta = response.parse()
            assert response.parse() is meta  # read once, parsed once
        assert meta.id == "f1" and meta.size == len(BODY)
        assert response.is_closed


def test_the_request_is_sent_only_on_entering_with(store: Any, chunk_server: ChunkServer) -> None:
    chunk_server.reset()
    before = len(chunk_server.requests)
    with store.Store(base_url=chunk_server.url) as client:
        manager = client.files.with_streaming_response.download("f1")
        assert len(chunk_server.requests) == before
        with manager as response:
            assert response.read() == BODY
        assert len(chunk_server.requests) == before + 1


def test_a_list_of_files_of_every_form_is_uploaded(store: Any, httpserver: HTTPServer, tmp_path: Path) -> None:
    seen: list[tuple[list[tuple[str, str | None, bytes, str | None]], list[tuple[str, str]]]] = []

    def handler(request: Request) -> Response:
        files = [(k, f.filename, f.read(), f.headers.get("Content-Type")) for k, f in request.files.items(multi=True)]
        seen.append((files, list(request.form.items(multi=True))))
        return Response(json.dumps({"count": len(files)}), content_type="application/json")

    httpserver.expect_request("/files", method="POST").respond_with_handler(handler)
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from disk")
    opened = tmp_path / "opened.bin"
    opened.write_bytes(b"opened")
    with store.Store(base_url=httpserver.url_for("/").rstrip("/")) as client, open(opened, "rb") as handle:
        stored = client.files.upload(
            files=[
                b"raw bytes",
                io.BytesIO(b"in memory"),
                handle,
                path,
                ("report.csv", b"a,b\n", "text/csv"),
                ("named.bin", io.BytesIO(b"named")),
                ("from-path.txt", path, "text/plain"),
            ],
            purpose="test",
        )
    assert stored.count == 7
    files, form = seen[0]
    assert files == [
        ("files", "files", b"raw bytes", "application/octet-stream"),
        ("files", "files", b"in memory", "application/octet-stream"),
        ("files", "opened.bin", b"opened", "application/octet-stream"),
        ("files", "notes.txt", b"from disk", "text/plain"),
        ("files", "report.csv", b"a,b\n", "text/csv"),
        ("files", "named.bin", b"named", "application/octet-stream"),
        ("files", "from-path.txt", b"from disk", "text/plain"),
    ]
    assert form == [("purpose", "test")]


def test_a_tuple_of_files_and_an_optional_list_of_files(store: Any, httpserver: HTTPServer) -> None:
    seen: list[list[tuple[str, str | None, bytes]]] = []

    def handler(request: Request) -> Response:
        seen.append([(k, f.filename, f.read()) for k, f in request.files.items(multi=True)])
        return Response(json.dumps({"count": len(seen[-1])}), content_type="application/json")

    httpserver.expect_request("/files", method="POST").respond_with_handler(handler)
    with store.Store(base_url=httpserver.url_for("/").rstrip("/")) as client:
        # A tuple whose first item is no file name is a sequence of files, not one (name, content) file.
        client.files.upload(files=(b"one", b"two"), attachments=[("a.txt", b"three")])
        client.files.upload(files=(("x.txt", b"four"), ("y.txt", b"five")))
    assert seen == [
        [("files", "files", b"one"), ("files", "files", b"two"), ("attachments", "a.txt", b"three")],
        [("files", "x.txt", b"four"), ("files", "y.txt", b"five")],
    ]


USER_CODE = """
import io
from pathlib import Path

from store_client import AsyncStore, Store
from store_client._response import AsyncBinaryAPIResponse, BinaryAPIResponse


def sync_use(client: Store) -> None:
    file: BinaryAPIResponse = client.files.download("f1")
    data: bytes = file.read()
    for chunk in file.iter_bytes(1024):
        print(len(chunk) + len(data))
    file.write_to_file(Path("out.png"))
    with client.files.with_streaming_response.download("f1") as response:
        response.write_to_file("out.png", chunk_size=4096)
        again: bytes = response.parse().read()
    with client.files.with_streaming_response.metadata("f1") as meta:
        size: int = meta.parse().size
        print(meta.headers, meta.status_code, [line for line in meta.iter_lines()], again, size)
    client.files.upload(files=[b"x", io.BytesIO(b"y"), Path("p"), ("a.txt", b"z", "text/plain"), ("b", b"z")])
    named: list[tuple[str, bytes]] = [("a.txt", b"z")]
    client.files.upload(files=named, attachments=(Path("p"), b"x"))
    client.files.upload(files=[], attachments=None)


async def async_use(client: AsyncStore) -> None:
    file: AsyncBinaryAPIResponse = await client.files.download("f1")
    data: bytes = await file.read()
    async for chunk in file.iter_bytes():
        print(len(chunk) + len(data))
    await file.write_to_file("out.png")
    async with client.files.with_streaming_response.download("f1") as response:
        await response.write_to_file("out.png")
        parsed: AsyncBinaryAPIResponse = await response.parse()
        print(await parsed.read())
    async with client.files.with_streaming_response.metadata("f1") as meta:
        size: int = (await meta.parse()).size
        print(size, [line async for line in meta.iter_lines()])
"""


def test_user_code_passes_mypy_strict(store: Any, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    package = Path(store.__file__).parent
    (tmp_path / "user.py").write_text(USER_CODE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, str(package), "user.py"],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(package.parent)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
