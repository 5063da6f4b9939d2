"""The optional virus scan through clamd's INSTREAM protocol, against a fake clamd on a loopback socket."""

from __future__ import annotations

import io
import socketserver
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal.attachments import (
    CheckedUpload,
    ClamdScanner,
    FileKind,
    ScannerUnavailable,
    UploadRules,
    check_upload,
    upload,
)
from portal.messages import Message
from tests.unit.attachments import files
from tests.unit.storage.conftest import free_port

RULES = UploadRules(accept=frozenset(FileKind), max_bytes=5_000_000)
Verdict = Callable[[bytes], bytes]


def eicar_found(data: bytes) -> bytes:
    return b"stream: Win.Test.EICAR_HDB-1 FOUND" if files.EICAR in data else b"stream: OK"


class FakeClamd:
    """Speaks zINSTREAM: NUL-terminated command, length-prefixed chunks, a zero length, one reply."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.received: list[tuple[bytes, bytes]] = []
        self.address = ""

    def handler(self) -> type[socketserver.StreamRequestHandler]:
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                command = b""
                while not command.endswith(b"\0"):
                    command += self.rfile.read(1)
                data = b""
                while size := struct.unpack("!I", self.rfile.read(4))[0]:
                    data += self.rfile.read(size)
                fake.received.append((command, data))
                self.wfile.write(fake.verdict(data) + b"\0")

        return Handler


@contextmanager
def fake_clamd(verdict: Verdict = eicar_found, unix_path: Path | None = None) -> Iterator[FakeClamd]:
    fake = FakeClamd(verdict)
    server: socketserver.BaseServer
    if unix_path is not None:
        server = socketserver.ThreadingUnixStreamServer(str(unix_path), fake.handler())
        fake.address = str(unix_path)
    else:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), fake.handler())
        fake.address = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def scanned(data: bytes, scanner: ClamdScanner, name: str = "scan.pdf") -> CheckedUpload | Message:
    return check_upload(name, io.BytesIO(data), RULES, scanner=scanner)


def eicar_pdf() -> bytes:
    """A valid PDF carrying the EICAR test string in a comment: clean to every check but the scanner."""
    return files.pdf().replace(b"\nstartxref", b"\n%" + files.EICAR + b"\nstartxref")


def test_a_clean_file_is_sent_whole_and_accepted() -> None:
    data = files.pdf()  # one chunk
    big = files.noise_png(400)  # several chunks
    with fake_clamd() as clamd:
        assert isinstance(scanned(data, ClamdScanner(clamd.address)), CheckedUpload)
        assert isinstance(scanned(big, ClamdScanner(clamd.address), "noise.png"), CheckedUpload)
    assert len(big) > 64 * 1024
    assert clamd.received == [(b"zINSTREAM\0", data), (b"zINSTREAM\0", big)]  # as uploaded, not re-encoded


def test_a_file_with_a_virus_is_refused() -> None:
    with fake_clamd() as clamd:
        result = scanned(eicar_pdf(), ClamdScanner(clamd.address), "invoice.pdf")
    assert isinstance(result, Message)
    assert (result.msgid, dict(result.params)) == (upload.INFECTED, {"name": "invoice.pdf"})


def test_clamd_on_a_unix_socket(tmp_path: Path) -> None:
    with fake_clamd(unix_path=tmp_path / "clamd.sock") as clamd:
        scanner = ClamdScanner(clamd.address)
        assert scanner.scan(files.pdf()) is None
        assert scanner.scan(eicar_pdf()) == "Win.Test.EICAR_HDB-1"


def test_without_a_scanner_nothing_is_scanned() -> None:
    assert isinstance(check_upload("invoice.pdf", io.BytesIO(eicar_pdf()), RULES), CheckedUpload)


@pytest.mark.parametrize("where", ["tcp", "unix"])
def test_an_unreachable_scanner_refuses_the_file_for_now(where: str, tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}" if where == "tcp" else str(tmp_path / "missing.sock")
    scanner = ClamdScanner(address, timeout=2)
    with pytest.raises(ScannerUnavailable, match="clamd at"):
        scanner.scan(b"data")
    result = scanned(files.pdf(), scanner)
    assert isinstance(result, Message)
    assert (result.msgid, dict(result.params)) == (upload.SCANNER_DOWN, {"name": "scan.pdf"})


def test_a_scanner_error_is_no_verdict() -> None:
    with fake_clamd(lambda data: b"INSTREAM size limit exceeded. ERROR") as clamd:
        result = scanned(files.pdf(), ClamdScanner(clamd.address))
    assert isinstance(result, Message) and result.msgid == upload.SCANNER_DOWN
