"""HTTP load for the server benchmarks: wrk for throughput, and a small open-loop driver for latency at a fixed
rate.

wrk is closed-loop: each connection sends its next request only when the last one is answered, so a slow server
is simply sent less, and its latencies hide the wait a real visitor would have had (coordinated omission). A
fixed rate needs an open loop: :func:`constant_rate` starts request *i* at ``i / rate`` seconds whatever the
earlier ones are doing, on a connection of its own (gunicorn's sync workers close every connection anyway), and
times each from that scheduled moment, so a request that had to wait for a free worker counts its wait.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

WRK_CONNECTIONS = 16
WRK_THREADS = 2  # one per core of the machine the targets are set for
TIMEOUT = 30.0  # seconds an open-loop request may take before it counts as an error


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors other than the server closing a connection


def wrk(url: str, seconds: float, headers: Mapping[str, str] | None = None) -> WrkResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/install-system-packages")
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds:g}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse_wrk(done.stdout)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests/sec, the 99th percentile (``--latency``) and errors from wrk's report."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    if rate is None or p99 is None:
        raise ValueError(f"not a wrk --latency report:\n{output}")
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in found.groups())  # a read error is the sync worker closing the connection
    return WrkResult(float(rate.group(1)), float(p99.group(1)) * _UNITS_MS[p99.group(2)], errors)


@dataclass(frozen=True)
class RateResult:
    sent: int
    seconds: float  # from the first scheduled start to the last answer
    latencies_ms: list[float]  # from each request's scheduled start to its last byte, sorted
    errors: int  # an answer other than 200, or no answer

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("inf")
        return self.latencies_ms[min(len(self.latencies_ms) - 1, int(share * len(self.latencies_ms)))]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("inf")

    @property
    def p99_ms(self) -> float:
        return self.percentile(0.99)


def constant_rate(
    host: str, port: int, path: str, *, rate: float, seconds: float, headers: Mapping[str, str] | None = None
) -> RateResult:
    """GET ``path`` ``rate`` times a second for ``seconds``, open-loop (see the module's docstring)."""

    async def get() -> bool:
        answer = await exchange(host, port, "GET", path, headers or {})
        return answer.status == 200

    return asyncio.run(open_loop(get, rate=rate, seconds=seconds))


async def open_loop(job: Callable[[], Awaitable[bool]], *, rate: float, seconds: float) -> RateResult:
    """Start ``job`` ``rate`` times a second for ``seconds`` whatever the earlier ones are doing; each is timed
    from its scheduled start and counts as an error when it returns False or cannot reach the server."""
    loop = asyncio.get_running_loop()
    count = int(rate * seconds)
    start = loop.time() + 0.05
    latencies: list[float] = []
    errors = 0

    async def one(number: int) -> None:
        nonlocal errors
        scheduled = start + number / rate
        await asyncio.sleep(scheduled - loop.time())
        try:
            succeeded = await job()
        except (OSError, TimeoutError, ValueError):
            succeeded = False
        latencies.append((loop.time() - scheduled) * 1000)
        errors += not succeeded

    await asyncio.gather(*(one(number) for number in range(count)))
    return RateResult(count, loop.time() - start, sorted(latencies), errors)


async def closed_loop(job: Callable[[], Awaitable[bool]], *, concurrency: int, seconds: float, most: int) -> RateResult:
    """``concurrency`` clients each running ``job`` again as soon as it returns, until ``seconds`` have passed or
    ``most`` jobs have started (as wrk's connections do: what is measured is how much the server gets through)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds
    latencies: list[float] = []
    errors = started = 0

    async def client() -> None:
        nonlocal errors, started
        while loop.time() < deadline and started < most:
            started += 1
            begun = loop.time()
            try:
                succeeded = await job()
            except (OSError, TimeoutError, ValueError):
                succeeded = False
            latencies.append((loop.time() - begun) * 1000)
            errors += not succeeded

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return RateResult(started, loop.time() - start, sorted(latencies), errors)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes


async def exchange(
    host: str, port: int, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> Answer:
    """One HTTP/1.1 request on a connection of its own, read to the end (the server closes it)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    return parse_answer(raw)


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {status_line!r}")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(parts[1]), headers, body)
