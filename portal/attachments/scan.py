"""The optional virus scan: clamd's INSTREAM command over its socket, a few lines and no dependency.

``CLAMD_SOCKET`` names the daemon (a unix socket path or host:port). The bytes go in length-prefixed chunks
followed by a zero length; clamd answers ``stream: OK`` or ``stream: <signature> FOUND``. A scanner that
does not answer, or answers anything else (its size limit exceeded), refuses the file: an upload is never
let through unscanned when scanning is configured.
"""

from __future__ import annotations

import socket
import struct
from typing import Protocol

CHUNK = 64 * 1024
MAX_REPLY = 4096


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict; the upload is refused, to be tried again later."""


class VirusScanner(Protocol):
    def scan(self, data: bytes) -> str | None:
        """The name of what was found in ``data``, None when clean; ScannerUnavailable without a verdict."""
        ...


class ClamdScanner:
    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout

    def scan(self, data: bytes) -> str | None:
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start : start + CHUNK]
                    connection.sendall(struct.pack("!I", len(chunk)) + chunk)
                connection.sendall(struct.pack("!I", 0))
                reply = self._reply(connection)
        except OSError as error:
            raise ScannerUnavailable(f"clamd at {self.address}: {error}") from None
        if reply.endswith(" OK"):
            return None
        if reply.endswith(" FOUND"):
            return reply.removeprefix("stream:").removesuffix(" FOUND").strip()
        raise ScannerUnavailable(f"clamd at {self.address} answered {reply!r}")

    def _connect(self) -> socket.socket:
        if self.address.startswith("/"):
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(self.timeout)
            try:
                connection.connect(self.address)
            except OSError:
                connection.close()
                raise
            return connection
        host, _, port = self.address.rpartition(":")
        return socket.create_connection((host.strip("[]"), int(port)), timeout=self.timeout)

    @staticmethod
    def _reply(connection: socket.socket) -> str:
        """clamd's answer up to its terminating NUL (the ``z`` of zINSTREAM asks for one)."""
        reply = b""
        while b"\0" not in reply and len(reply) < MAX_REPLY:
            if not (received := connection.recv(MAX_REPLY)):
                break
            reply += received
        return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
