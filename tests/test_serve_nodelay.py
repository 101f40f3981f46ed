"""`roster serve` turns Nagle's algorithm off on every connection, with 1 worker or several.

With several workers, uvicorn's listening socket did not say it was TCP, so asyncio left
Nagle on: each response's body waited ~40 ms for the client's delayed acknowledgement. The
option is read from the server's own end of a real connection: the worker that accepted it
is found in /proc, and its socket is copied into this process with pidfd_getfd (Linux ≥ 5.6).
"""

from __future__ import annotations

import ctypes
import os
import socket
from pathlib import Path

import pytest

from bench import connections, load
from tests.test_cli import Server, StartServer, start_server  # noqa: F401 (a fixture)

_PIDFD_GETFD = 438  # the same number on every architecture Linux has added it to


def _copy_fd(pid: int, fd: int) -> int:
    pidfd = os.pidfd_open(pid)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        copied = int(libc.syscall(_PIDFD_GETFD, pidfd, fd, 0))
        if copied < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        return copied
    finally:
        os.close(pidfd)


def _server_end(server: Server, client: socket.socket) -> socket.socket:
    """The server's socket of this connection, as held by the worker that accepted it."""
    client_port = client.getsockname()[1]
    pids = load.worker_pids(server.proc.pid, server.port)
    pid = connections.holders(server.port, [client_port], pids)[client_port]
    fd = connections.socket_fd(pid, connections.server_inodes(server.port)[client_port])
    assert fd is not None
    return socket.socket(fileno=_copy_fd(pid, fd))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_connections_have_nagle_off(start_server: StartServer, tmp_path: Path, workers: str):  # noqa: F811
    server = start_server("--db", str(tmp_path / "n.db"), "--workers", workers)
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")  # accepted and answered
        with _server_end(server, client) as end:
            assert end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
