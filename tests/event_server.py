"""A raw socket HTTP server on 127.0.0.1 that sends responses in chunks, as they are streamed."""

from __future__ import annotations

import select
import socket
import threading


class EventServer:
    """Answers every request with `status`, `content_type` and `chunks` (set by `respond`),
    chunk by chunk; unless `go` is set, the chunks after the first wait for it. `finished` is
    set when the last chunk was sent, `hung_up` when the client closed the connection before."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.go = threading.Event()
        self.hung_up = threading.Event()
        self.finished = threading.Event()
        self.requests: list[tuple[bytes, bytes]] = []
        self.routes: dict[str, tuple[int, str, list[bytes]]] = {}
        self.respond(200, "text/event-stream", [])
        threading.Thread(target=self._loop, daemon=True).start()

    def respond(
        self, status: int, content_type: str, chunks: list[bytes], *, hold: bool = False, path: str | None = None
    ) -> None:
        """Answer with this from now on (only requests for paths under `path`, when given)."""
        if path is None:
            self.status, self.content_type, self.chunks = status, content_type, chunks
        else:
            self.routes[path] = (status, content_type, chunks)
        for event in (self.go, self.hung_up, self.finished):
            event.clear()
        if not hold:
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
            data = b""
            while b"\r\n\r\n" not in data:
                received = conn.recv(65536)
                if not received:
                    return
                data += received
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(body) < length:
                body += conn.recv(65536)
            self.requests.append((head, body))
            target = head.split(b" ")[1].decode()
            routes = [path for path in self.routes if target.startswith(path)]
            status, content_type, chunks = (
                self.routes[max(routes, key=len)] if routes else (self.status, self.content_type, self.chunks)
            )
            try:
                conn.sendall(
                    b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    % (status, content_type.encode())
                )
                for i, chunk in enumerate(chunks):
                    if i == 1 and not self._wait_for_go(conn):
                        return
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                conn.sendall(b"0\r\n\r\n")
                self.finished.set()
            except OSError:
                self.hung_up.set()

    def _wait_for_go(self, conn: socket.socket) -> bool:
        """Wait for `go`; False (and `hung_up` set) if the client closed the connection first."""
        for _ in range(200):
            if self.go.wait(0.05):
                return True
            if select.select([conn], [], [], 0)[0] and conn.recv(1) == b"":
                self.hung_up.set()
                return False
        return False

    def close(self) -> None:
        self.sock.close()
