"""Serving the built site on 127.0.0.1 from a thread, optionally with doctored files."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

# --- serving ----------------------------------------------------------------------------------


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files, except URL paths listed in ``overrides`` (doctored copies of pages for tests)."""

    overrides: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        """Serve an override when one is registered for this path, else the file."""
        body = self.overrides.get(urlsplit(self.path).path.lstrip("/"))
        if body is None:
            super().do_GET()
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean: failures are reported by the browser side."""


@contextlib.contextmanager
def serve(directory: Path, overrides: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (free port) from a thread; yield the base URL ending in '/'.

    ``overrides`` maps page URLs relative to the root (e.g. ``"ARCHITECTURE/"``) to HTML served
    instead of the built file, so a test can doctor a page without copying the site.
    """
    handler_class = type("Handler", (_SiteHandler,), {"overrides": dict(overrides or {})})
    handler = functools.partial(handler_class, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
