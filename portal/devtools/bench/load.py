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
from collections.abc import Mapping
from dataclasses import dataclass

WRK_CONNECTIONS = 16
WRK_THREADS = 2  # one per core of the machine the targets are set for


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
    return asyncio.run(_constant_rate(host, port, path, rate, seconds, dict(headers or {})))


async def _constant_rate(
    host: str, port: int, path: str, rate: float, seconds: float, headers: dict[str, str]
) -> RateResult:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    request = ("\r\n".join(lines + [f"{name}: {value}" for name, value in headers.items()]) + "\r\n\r\n").encode()
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
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(request)
            response = await asyncio.wait_for(reader.read(), 10)  # the server closes the connection
            writer.close()
        except (OSError, TimeoutError):
            errors += 1
            return
        latencies.append((loop.time() - scheduled) * 1000)
        if not response.startswith(b"HTTP/1.1 200 ") and not response.startswith(b"HTTP/1.0 200 "):
            errors += 1

    await asyncio.gather(*(one(number) for number in range(count)))
    return RateResult(count, loop.time() - start, sorted(latencies), errors)
