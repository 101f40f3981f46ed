"""`roster serve` answers concurrent requests in the order they arrive.

Sixteen keep-alive clients each send a request as soon as their previous one is answered. A
server that serves in arrival order answers every other client at most once while one request
waits. On uvloop some requests waited through two rounds of the others (about one in fifteen
at 16 clients): the 99th percentile of every workload was twice its median
(docs/operations.md, "The event loop"). Counted in answers, not timed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2 as httpx
import pytest

from bench import load
from tests.test_cli import Server, StartServer, start_server  # noqa: F401 (a fixture)

CLIENTS = 16
REQUESTS = 3_000
WARM_UP = 200  # the clients start together; the order settles within a few rounds
SECRET = "order" * 8


def _answered_while_waiting(server: Server) -> list[int]:
    """For each request after the warm-up: how many other answers came while it waited."""
    request = load.Request("GET", "/v3/users?perPage=100", {"apikey": SECRET})
    answered = 0
    seen_at_issue: dict[int, int] = {}
    waits: list[int] = []

    def make(seq: int) -> load.Request:
        seen_at_issue[seq] = answered
        return request

    def on_response(seq: int, status: int, _body: bytes) -> None:
        nonlocal answered
        assert status == 200
        if seq >= WARM_UP:
            waits.append(answered - seen_at_issue[seq])
        answered += 1

    result = asyncio.run(
        load.run(
            "127.0.0.1",
            server.port,
            make,
            concurrency=CLIENTS,
            max_requests=REQUESTS,
            max_seconds=60,
            on_response=on_response,
        )
    )
    assert result.errors == 0, result.first_error
    assert result.requests == REQUESTS
    return waits


def _serve(start: StartServer, tmp_path: Path, *flags: str) -> Server:
    db = str(tmp_path / "order.db")
    return start("--db", db, "--app-id", "order", "--api-key", SECRET, *flags)


def _loaded(server: Server) -> set[str]:
    """The shared objects the server process has mapped (Linux, as the harness)."""
    maps = Path(f"/proc/{server.proc.pid}/maps").read_text()
    return {Path(line.split()[-1]).name for line in maps.splitlines() if ".so" in line}


def test_no_request_waits_through_two_rounds(start_server: StartServer, tmp_path: Path):  # noqa: F811
    server = _serve(start_server, tmp_path)
    for i in range(100):  # a page of 100 users: enough work per request to make a queue
        body = {"uid": f"u{i}", "name": f"Ordered {i}"}
        response = httpx.post(f"{server.url}/v3/users", json=body, headers={"apikey": SECRET})
        assert response.status_code == 200, response.text
    waits = _answered_while_waiting(server)
    assert len(waits) == REQUESTS - WARM_UP
    # In arrival order a request sees each other client answered at most once (15), give or
    # take one for how this process's own loop reads the sockets.
    assert max(waits) <= CLIENTS, sorted(waits)[-20:]


@pytest.mark.parametrize(("flags", "uvloop"), [((), False), (("--loop", "uvloop"), True)])
def test_the_loop_is_asyncio_unless_asked(start_server: StartServer, tmp_path: Path, flags, uvloop):  # noqa: F811
    server = _serve(start_server, tmp_path, *flags)
    assert httpx.get(f"{server.url}/healthz").json() == {"ok": True}
    assert any(name.startswith("loop.cpython") for name in _loaded(server)) is uvloop


def test_an_unknown_loop_is_refused(tmp_path: Path):
    from click.testing import CliRunner

    from roster.cli import main

    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "x.db"), "--loop", "tokio"])
    assert result.exit_code == 2
    assert "tokio" in result.output
