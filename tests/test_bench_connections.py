"""The harness spreads its connections evenly over a server's workers, and knows which worker
holds each one: checked against a real 2-worker uvicorn whose responses name their process."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import connections, load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_workers() -> Iterator[tuple[int, list[int]]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.pid_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while time.monotonic() < deadline:
            workers = load.worker_pids(server.pid, port)
            if len(workers) == 2 and _answers(port):
                break
            time.sleep(0.1)
        assert len(workers) == 2, "uvicorn did not start two workers"
        yield port, workers
    finally:
        server.terminate()
        server.wait(10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            return s.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


async def _served_by(conns: list[load._Conn]) -> list[int]:
    """The pid each connection's worker reports for a request on it."""
    answers = []
    for conn in conns:
        status, body, _keep = await conn.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", False)
        assert status == 200
        answers.append(int(body))
    return answers


def test_connections_are_spread_evenly_and_their_holders_known(
    two_workers: tuple[int, list[int]],
) -> None:
    port, workers = two_workers

    async def scenario() -> tuple[list[int], dict[int, int], list[int]]:
        conns = await load.spread("127.0.0.1", port, 16, workers)
        try:
            held = connections.holders(port, [c.port for c in conns], workers)
            return [held[c.port] for c in conns], held, await _served_by(conns)
        finally:
            for conn in conns:
                conn.close()

    holders, held, served = asyncio.run(scenario())
    assert holders == served  # /proc names the process that answers
    assert len(held) == 16
    assert sorted(Counter(served).values()) == [8, 8]
