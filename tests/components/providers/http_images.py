"""A throwaway http server on 127.0.0.1 that serves image bytes to volume imports.

Bounded: loopback only, an ephemeral port, a socket timeout per request, and it stops when
the `serve_images` block ends. Besides plain files it can misbehave the ways real mirrors
do: close the connection before Content-Length bytes, or send no Content-Length.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

Behaviour = Literal["ok", "truncated", "no-length"]


@dataclass
class Route:
    body: bytes
    behaviour: Behaviour = "ok"


@dataclass
class ImageServer:
    base_url: str
    routes: dict[str, Route]
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def add_file(self, name: str, path: Path, behaviour: Behaviour = "ok") -> str:
        self.routes[f"/{name}"] = Route(path.read_bytes(), behaviour)
        return self.url(name)


class _Handler(http.server.BaseHTTPRequestHandler):
    server_state: ClassVar[ImageServer]
    timeout = 10  # seconds per socket operation: a stuck client never hangs the test

    def do_GET(self) -> None:
        state = self.server_state
        state.requests.append(self.path)
        route = state.routes.get(self.path)
        if route is None:
            self.send_error(404, "no such image")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        body = route.body
        if route.behaviour != "no-length":
            self.send_header("Content-Length", str(len(body)))
        if route.behaviour == "truncated":
            body = body[: len(body) // 2]
        self.send_header("Connection", "close")
        self.end_headers()
        # The client may read the headers only (e.g. to learn the length) and hang up.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_images() -> Iterator[ImageServer]:
    handler = type("Handler", (_Handler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    state = ImageServer(f"http://{host!s}:{port}", {})
    handler.server_state = state
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="image-server",
        daemon=True,
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
