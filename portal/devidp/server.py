"""Serve a WSGI app on a background thread: for tests, and for running the portal and provider together.

The port may be 0 (any free port). An OIDC issuer and redirect URIs must name the real port, so the
server can be started empty and the app mounted once its URL is known.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class _Mount:
    """The app being served, replaceable after the socket is bound."""

    def __init__(self, app: WSGIApplication | None) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"starting up"]
        return self.app(environ, start_response)


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    _server: BaseWSGIServer
    _thread: threading.Thread
    _mount: _Mount

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def mount(self, app: WSGIApplication) -> None:
        """Serve ``app`` from now on (used when ``app`` needs :attr:`url` to be built)."""
        self._mount.app = app

    def wait(self) -> None:
        """Block until the server stops (the CLI's foreground loop)."""
        self._thread.join()

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def serve_in_thread(app: WSGIApplication | None, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start a threaded werkzeug server on a daemon thread; ``app`` None answers 503 until mounted."""
    mount = _Mount(app)
    server = make_server(host, port, mount, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"wsgi-{host}:{server.port}", daemon=True)
    thread.start()
    return RunningServer(host=host, port=server.port, _server=server, _thread=thread, _mount=mount)
