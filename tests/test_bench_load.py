"""The benchmark's load driver against a real keep-alive HTTP/1.1 server on loopback.

The server runs in its own thread and event loop so the driver is exercised exactly as the
harness uses it: through run_sync, with uvloop.
"""

from __future__ import annotations

import asyncio
import gc
import json
import mmap
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import load
from bench.load import Request, rss_mb, run_sync, worker_rss_mb


class Server:
    def __init__(self) -> None:
        self.paths: list[str] = []
        self.connections = 0
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()))

    def __enter__(self) -> Server:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
                method, path, _ = lines[0].split(" ")
                headers = {
                    k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.paths.append(path)
                keep = True
                if path.startswith("/fail"):
                    status, payload = 500, b"boom " + b"x" * 1000
                elif path == "/chunked":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
                    )
                    continue
                elif path == "/slow":
                    await asyncio.sleep(0.2)
                    status, payload = 200, b"slow"
                elif path == "/hang":
                    await asyncio.sleep(3600)
                elif path.startswith("/walk"):
                    status, payload = 200, json.dumps({"next": int(path[12:]) + 1}).encode()
                elif path == "/echo":
                    status, payload = 201, json.dumps([method, headers, body.decode()]).encode()
                else:
                    status, payload, keep = 200, b"ok", path != "/close"
                close = b"" if keep else b"Connection: close\r\n"
                writer.write(
                    b"HTTP/1.1 %d X\r\ncontent-LENGTH: %d\r\n%s\r\n%s"
                    % (status, len(payload), close, payload)
                )
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
def server() -> Iterator[Server]:
    with Server() as s:
        yield s


def get(path: str) -> Request:
    return Request("GET", path, {"apikey": "k"})


def test_request_bound_is_exact_over_keep_alive(server: Server) -> None:
    res = run_sync(
        "127.0.0.1",
        server.port,
        lambda i: get("/ok"),
        concurrency=8,
        max_requests=101,
        max_seconds=10,
    )
    assert (res.requests, res.errors, res.first_error) == (101, 0, None)
    assert len(res.latencies_ms) == 101 and res.statuses == Counter({200: 101})
    assert len(server.paths) == 101 and server.connections == 8
    assert 0 < res.p50 <= res.p99 <= max(res.latencies_ms) and res.rps > 0


def test_time_bound_awaits_requests_in_flight(server: Server) -> None:
    res = run_sync(
        "127.0.0.1",
        server.port,
        lambda i: get("/slow"),
        concurrency=2,
        max_requests=10**6,
        max_seconds=0.3,
    )
    # two at 0 s and two more at 0.2 s; those finish after the deadline but still count
    assert (res.requests, res.errors) == (4, 0)
    assert 0.35 < res.seconds < 1.0


def test_requests_in_flight_past_the_grace_period_are_errors(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "GRACE_SECONDS", 0.1)
    res = run_sync(
        "127.0.0.1",
        server.port,
        lambda i: get("/hang"),
        concurrency=1,
        max_requests=5,
        max_seconds=0.1,
    )
    assert (res.requests, res.errors, res.latencies_ms) == (1, 1, [])
    assert res.first_error is not None and "no response" in res.first_error
    assert res.seconds < 1.0


def test_non_ok_statuses_are_errors_with_the_first_body(server: Server) -> None:
    def make(i: int) -> Request:
        return get(f"/fail?i={i}" if i % 2 else "/ok")

    res = run_sync("127.0.0.1", server.port, make, concurrency=4, max_requests=40, max_seconds=10)
    assert (res.requests, res.errors) == (40, 20)
    assert res.statuses == Counter({200: 20, 500: 20})
    assert res.first_error is not None and res.first_error.startswith("GET /fail?i=")
    assert "-> 500: boom xxx" in res.first_error and res.first_error.count("x") == 300 - 5
    lenient = run_sync(
        "127.0.0.1",
        server.port,
        make,
        concurrency=4,
        max_requests=40,
        max_seconds=10,
        ok=lambda s: s < 600,
    )
    assert (lenient.errors, lenient.first_error) == (0, None)


def test_chunked_bodies_closed_connections_and_json_posts(server: Server) -> None:
    reqs = [get("/chunked"), get("/close"), get("/close"), Request("POST", "/echo", {}, b'{"a":1}')]
    seen: list[tuple[int, int, bytes]] = []
    res = run_sync(
        "127.0.0.1",
        server.port,
        reqs.__getitem__,
        concurrency=1,
        max_requests=4,
        max_seconds=10,
        on_response=lambda *r: seen.append(r),
    )
    assert (res.requests, res.errors) == (4, 0)
    assert seen[0] == (0, 200, b"hello world") and seen[1] == (1, 200, b"ok")
    assert server.connections == 3  # each Connection: close is followed by a fresh connection
    method, headers, body = json.loads(seen[3][2])
    assert (method, body, seen[3][1]) == ("POST", '{"a":1}', 201)
    assert headers["content-type"] == "application/json" and headers["content-length"] == "7"
    assert headers["host"] == f"127.0.0.1:{server.port}"


def test_on_response_chains_requests_with_concurrency_one(server: Server) -> None:
    token = 0
    order: list[int] = []

    def walk(i: int) -> Request:
        order.append(i)
        return get(f"/walk?token={token}")

    def follow(i: int, status: int, body: bytes) -> None:
        nonlocal token
        order.append(-i)
        token = json.loads(body)["next"]

    res = run_sync(
        "127.0.0.1",
        server.port,
        walk,
        concurrency=1,
        max_requests=20,
        max_seconds=10,
        on_response=follow,
    )
    assert res.errors == 0 and server.paths == [f"/walk?token={n}" for n in range(20)]
    assert order == [x for i in range(20) for x in (i, -i)]


def test_connection_errors_are_counted_and_callback_errors_raise(server: Server) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    res = run_sync(
        "127.0.0.1", closed_port, lambda i: get("/"), concurrency=2, max_requests=3, max_seconds=5
    )
    assert (res.requests, res.errors, res.latencies_ms) == (3, 3, [])
    assert res.first_error is not None and "ConnectionRefusedError" in res.first_error

    def boom(i: int) -> Request:
        raise KeyError(i)

    with pytest.raises(KeyError):
        run_sync("127.0.0.1", server.port, boom, concurrency=2, max_requests=3, max_seconds=5)


@pytest.mark.parametrize("host", ["10.0.0.1", "example.com", "0.0.0.0", "127.0.0.2"])
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        run_sync(host, 80, lambda i: get("/"), concurrency=1, max_requests=1, max_seconds=1)


def test_cli_prints_one_line(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    load.main(["--url", f"http://localhost:{server.port}/ok?x=1", "-H", "apikey: k", "-n", "30"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "req/s" in out[0] and "errors 0/30" in out[0]
    assert server.paths == ["/ok?x=1"] * 30


def test_rss_covers_the_process_tree() -> None:
    own = rss_mb(os.getpid())
    assert own > 0
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as child:
        try:
            time.sleep(0.05)
            per_process = worker_rss_mb(os.getpid())
            assert len(per_process) >= 2 and all(mb > 0 for mb in per_process)
            assert rss_mb(os.getpid()) == pytest.approx(sum(per_process), rel=0.2)
            assert worker_rss_mb(child.pid)[0] > 0
        finally:
            child.kill()


def test_mapped_part_of_rss_grows_with_a_touched_file_map(tmp_path: Path) -> None:
    """RssFile counts the pages of mapped files a process has touched (as the store's memory
    map): part of VmRSS, apart from the process's own memory."""
    path = tmp_path / "mapped"
    path.write_bytes(b"\x01" * (64 << 20))
    before = worker_rss_mb(os.getpid(), "RssFile")[0]
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        touched = sum(view[i] for i in range(0, len(view), 4096))
        after = worker_rss_mb(os.getpid(), "RssFile")[0]
        total = worker_rss_mb(os.getpid())[0]
    assert touched == (64 << 20) // 4096
    assert after - before > 60  # MiB
    assert after < total


def test_the_cycle_collector_is_off_while_driving(server: Server) -> None:
    """A collection would stop the driver and be measured as the server's latency."""
    seen: list[bool] = []

    def make(i: int) -> Request:
        seen.append(gc.isenabled())
        return get("/ok")

    assert gc.isenabled()
    res = run_sync("127.0.0.1", server.port, make, concurrency=4, max_requests=20, max_seconds=10)
    assert res.requests == 20
    assert seen == [False] * 20
    assert gc.isenabled()  # and on again after the run
