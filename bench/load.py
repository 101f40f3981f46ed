"""HTTP/1.1 load driver for the benchmark harness.

    .venv/bin/python -m bench.load --url http://127.0.0.1:8000/v3/users -H 'apikey: x' -c 16

The server under test shares the machine's two cores with this driver, so every request costs
the driver as little as possible: one asyncio Protocol per keep-alive connection, requests
encoded once per distinct Request object, responses parsed from one buffer without a stream
layer, and uvloop when it is there. Loopback only: it is a benchmark tool, not a way to load
someone else's server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import urlsplit

from bench import collector, connections

try:
    import uvloop

    _loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # pragma: no cover - the project installs it with uvicorn[standard]
    _loop_factory = None

P = ParamSpec("P")
R = TypeVar("R")
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
GRACE_SECONDS = 2.0  # how long requests in flight at the deadline may still take
_CHUNKED, _UNTIL_CLOSE = -1, -2


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def encode(self, host: str) -> bytes:
        names = {k.lower() for k in self.headers}
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {host}")
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body is not None:
            if "content-type" not in names:
                lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(self.body)}")
        return "\r\n".join([*lines, "", ""]).encode() + (self.body or b"")


@dataclass
class Result:
    requests: int  # issued and finished: a response, a connection error, or a timeout
    errors: int
    seconds: float
    latencies_ms: list[float]  # one per response received, whatever its status
    statuses: Counter[int]
    first_error: str | None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ranked = sorted(self.latencies_ms)
        return ranked[max(1, math.ceil(p / 100 * len(ranked))) - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one response awaited at a time."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.head_end = -1
        self.status = self.length = 0
        self.keep = True
        self.head_only = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    @property
    def port(self) -> int:
        """The local (client) port."""
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def request(self, data: bytes, head_only: bool) -> asyncio.Future[tuple[int, bytes, bool]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.head_end, self.head_only = -1, head_only
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None:
            try:
                self._parse()
            except ValueError as exc:
                self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_end >= 0 and self.length == _UNTIL_CLOSE:
            self._finish(len(self.buf), bytes(self.buf[self.head_end :]))
        else:
            self._fail(exc or ConnectionResetError("connection closed by server"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.waiter = None
        self.close()

    def _finish(self, end: int, body: bytes) -> None:
        del self.buf[:end]
        waiter, self.waiter, self.head_end = self.waiter, None, -1
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, body, self.keep))

    def _parse(self) -> None:
        buf = self.buf
        if self.head_end < 0:
            i = buf.find(b"\r\n\r\n")
            if i < 0:
                return
            lines = bytes(buf[:i]).lower().split(b"\r\n")
            self.status, self.head_end = int(lines[0][9:12]), i + 4
            self.keep, self.length = lines[0].startswith(b"http/1.1"), _UNTIL_CLOSE
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name, value = name.strip(), value.strip()
                if name == b"content-length":
                    self.length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value:
                    self.length = _CHUNKED
                elif name == b"connection":
                    self.keep = value != b"close"
            if self.head_only or self.status in (204, 304) or self.status < 200:
                self.length = 0
        start = self.head_end
        if self.length >= 0:
            if len(buf) >= start + self.length:
                self._finish(start + self.length, bytes(buf[start : start + self.length]))
        elif self.length == _CHUNKED:
            parts: list[bytes] = []
            pos = start
            while (j := buf.find(b"\r\n", pos)) >= 0:
                size = int(bytes(buf[pos:j]).split(b";")[0], 16)
                if size == 0:  # the last chunk, then trailers up to an empty line
                    k = buf.find(b"\r\n\r\n", j) if buf[j + 2 : j + 4] != b"\r\n" else j
                    if k >= 0:
                        self._finish(k + 4, b"".join(parts))
                    return
                if len(buf) < j + size + 4:
                    return
                parts.append(bytes(buf[j + 2 : j + 2 + size]))
                pos = j + size + 4


def _collector_paused(
    func: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """Runs `func` with the cycle collector paused (bench.collector): over a full `bench.run`,
    the driver's own collections took up to 57 ms (gen 2, 9 of them) and 4 ms (gen 0, 2,390
    of them), each measured as the server's latency. A bounded run makes bounded garbage.
    """

    @functools.wraps(func)
    async def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector.paused():
            return await func(*args, **kwargs)

    return paused


@_collector_paused
async def run(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    ok: Callable[[int], bool] = lambda s: 200 <= s < 300,
    on_response: Callable[[int, int, bytes], None] | None = None,
    spread_over: list[int] | None = None,
) -> Result:
    """Drive `concurrency` connections until `max_requests` finish or `max_seconds` pass.

    Sequence numbers are handed out in order, so `make_request(i)` can vary requests; with
    concurrency 1, `on_response(i, ...)` runs before `make_request(i + 1)`: a strict chain.
    `spread_over`: the server's worker pids; the connections are then opened before the clock
    starts and spread evenly over them (see `spread`).
    """
    if host not in LOOPBACK:
        raise ValueError(f"refusing to load non-loopback host {host!r}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    loop = asyncio.get_running_loop()
    host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    res = Result(0, 0, 0.0, [], Counter(), None)
    issued = 0
    opened: list[_Conn | None] = [None] * concurrency
    if spread_over and len(spread_over) > 1:
        opened = list(await spread(host, port, concurrency, spread_over))
    started = time.perf_counter()
    deadline = loop.time() + max_seconds

    def error(message: str) -> None:
        res.errors += 1
        if res.first_error is None:
            res.first_error = message

    async def worker(conn: _Conn | None) -> None:
        nonlocal issued
        last: Request | None = None
        data = b""
        try:
            while issued < max_requests and loop.time() < deadline:
                seq, issued = issued, issued + 1
                req = make_request(seq)
                if req is not last:
                    last, data = req, req.encode(host_header)
                t0 = time.perf_counter()
                try:
                    if conn is None or conn.closed:
                        conn = (await loop.create_connection(_Conn, host, port))[1]
                    status, body, keep = await conn.request(data, req.method == "HEAD")
                except asyncio.CancelledError:
                    res.requests += 1
                    error(f"{req.method} {req.path}: no response {GRACE_SECONDS}s past deadline")
                    raise
                except (OSError, ValueError) as exc:
                    res.requests += 1
                    error(f"{req.method} {req.path}: {type(exc).__name__}: {exc}")
                    if conn is not None:
                        conn.close()
                    continue
                res.latencies_ms.append((time.perf_counter() - t0) * 1000)
                res.requests += 1
                res.statuses[status] += 1
                if not ok(status):
                    text = body[:300].decode(errors="replace")
                    error(f"{req.method} {req.path} -> {status}: {text}")
                if on_response is not None:
                    on_response(seq, status, body)
                if not keep:
                    conn.close()
        finally:
            if conn is not None:
                conn.close()

    tasks = [asyncio.ensure_future(worker(conn)) for conn in opened]
    timeout = max_seconds + GRACE_SECONDS
    done, pending = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    res.seconds = time.perf_counter() - started
    for task in done:
        task.result()  # a failing make_request, on_response or ok fails the run
    return res


SPREAD_ATTEMPTS = 200


async def spread(host: str, port: int, count: int, pids: list[int]) -> list[_Conn]:
    """`count` open connections, as evenly spread over the worker processes `pids` as whole
    numbers allow: one on a busier worker is closed and another opened until they are (the
    kernel hands each to whichever worker accepts first). Raises if that does not happen."""
    loop = asyncio.get_running_loop()

    async def open_one() -> _Conn:
        return (await loop.create_connection(_Conn, host, port))[1]

    conns = [await open_one() for _ in range(count)]
    for _ in range(SPREAD_ATTEMPTS):
        held = await _holders(port, conns, pids)
        per_pid = {pid: [c for c in conns if held[c.port] == pid] for pid in pids}
        busiest = max(pids, key=lambda pid: len(per_pid[pid]))
        idlest = min(pids, key=lambda pid: len(per_pid[pid]))
        if len(per_pid[busiest]) - len(per_pid[idlest]) <= 1:
            return conns
        victim = per_pid[busiest][-1]
        victim.close()
        conns[conns.index(victim)] = await open_one()
    for conn in conns:
        conn.close()
    raise RuntimeError(f"could not spread {count} connections over workers {pids}")


async def _holders(port: int, conns: list[_Conn], pids: list[int]) -> dict[int, int]:
    """Client port -> worker pid, waiting (up to a second) for the workers to accept."""
    ports = [c.port for c in conns]
    for _ in range(1000):
        held = connections.holders(port, ports, pids)
        if len(held) == len(ports):
            return held
        await asyncio.sleep(0.001)
    raise RuntimeError(f"workers {pids} did not accept {len(ports) - len(held)} connections")


def _blocking(
    coroutine_fn: Callable[P, Coroutine[Any, Any, Result]],
) -> Callable[P, Result]:
    """The same call, run to completion on a fresh event loop (uvloop when installed)."""

    def call(*args: P.args, **kwargs: P.kwargs) -> Result:
        with asyncio.Runner(loop_factory=_loop_factory) as runner:
            return runner.run(coroutine_fn(*args, **kwargs))

    return call


run_sync = _blocking(run)


def _tree(pid: int) -> list[int]:
    """The pid and all its descendants, root first; processes that exit meanwhile drop out."""
    pids, i = [pid], 0
    while i < len(pids):
        for children in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids += [int(c) for c in children.read_text().split()]
        i += 1
    return pids


def worker_pids(pid: int, port: int) -> list[int]:
    """The processes of a server that accept its connections on `port`: uvicorn's workers,
    children of a supervisor that only holds the listening socket."""
    return connections.listeners(port, _tree(pid)[1:]) or [pid]


def _rss_mb(pid: int, field: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return 0.0  # a zombie has no VmRSS line


def worker_rss_mb(pid: int, field: str = "VmRSS") -> list[float]:
    """Per process of the tree. `field` "RssFile": the part that is pages of mapped files
    (the SQLite store's memory map among them), shared with other processes and the kernel's
    file cache; "RssAnon": the process's own memory."""
    return [mb for p in _tree(pid) if (mb := _rss_mb(p, field)) is not None]


def rss_mb(pid: int) -> float:
    """Resident MiB of pid and its descendants: uvicorn workers are children of the server."""
    return sum(worker_rss_mb(pid))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("-X", "--method", default="GET")
    parser.add_argument("-H", "--header", action="append", default=[])
    parser.add_argument("-d", "--data", help="JSON body")
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("-n", "--requests", type=int, default=10_000)
    parser.add_argument("-t", "--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.scheme != "http" or url.hostname is None:
        parser.error("--url must be http://HOST:PORT/path")
    headers = {k.strip(): v.strip() for k, _, v in (h.partition(":") for h in args.header)}
    body = args.data.encode() if args.data is not None else None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    req = Request(args.method, path, headers, body)
    res = run_sync(
        url.hostname,
        url.port or 80,
        lambda _: req,
        concurrency=args.concurrency,
        max_requests=args.requests,
        max_seconds=args.seconds,
    )
    first = f"  first error: {res.first_error}" if res.first_error else ""
    print(
        f"{res.rps:.0f} req/s  p50 {res.p50:.2f} ms  p99 {res.p99:.2f} ms  "
        f"errors {res.errors}/{res.requests}{first}"
    )


if __name__ == "__main__":
    main()
