"""Which server process holds each of the driver's connections (Linux, loopback, IPv4).

uvicorn's workers share one listening socket and whichever wakes first accepts, so 16
connections opened at once may all land on one worker, and a 2-worker run then measures one
worker (docs/benchmarks.md, "the connection split"). The kernel knows who holds what: the
server end of a connection is the /proc/net/tcp entry from the server's port to the client's,
and its socket inode appears among the file descriptors of the worker that accepted it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_ESTABLISHED, _LISTEN = "01", "0A"


def _sockets(server_port: int, state: str) -> dict[int, int]:
    """Remote port -> socket inode, for the sockets on `server_port` in this TCP state."""
    found: dict[int, int] = {}
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            if fields[3] == state and int(local.split(":")[1], 16) == server_port and inode:
                found[int(remote.split(":")[1], 16)] = inode
    return found


def server_inodes(server_port: int) -> dict[int, int]:
    """Client port -> socket inode of the server's end, for established connections."""
    return _sockets(server_port, _ESTABLISHED)


def listeners(server_port: int, pids: list[int]) -> list[int]:
    """Those of `pids` that hold the socket listening on `server_port` (uvicorn's supervisor
    and its workers; not multiprocessing's resource tracker)."""
    listening = {f"socket:[{inode}]" for inode in _sockets(server_port, _LISTEN).values()}
    return [pid for pid in pids if listening & _links(pid).keys()]


def socket_fd(pid: int, inode: int) -> int | None:
    """The number under which process `pid` holds socket `inode`, if it does."""
    return _links(pid).get(f"socket:[{inode}]")


def _links(pid: int) -> dict[str, int]:
    """What the process's file descriptors point to, and each one's number."""
    found = {}
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                found[os.readlink(fd)] = int(fd.name)
    return found


def socket_owners(pids: list[int]) -> dict[int, int]:
    """Socket inode -> pid, over the given processes' open file descriptors (a socket that
    several hold, as a listening one, goes to the last of them)."""
    owners: dict[int, int] = {}
    for pid in pids:
        for target in _links(pid):
            if target.startswith("socket:["):
                owners[int(target[8:-1])] = pid
    return owners


def holders(server_port: int, client_ports: list[int], pids: list[int]) -> dict[int, int]:
    """Client port -> the pid among `pids` that holds its server end; ports whose connection
    no worker has accepted yet are left out."""
    inodes = server_inodes(server_port)
    owners = socket_owners(pids)
    found = {}
    for port in client_ports:
        owner = owners.get(inodes.get(port, 0))
        if owner is not None:
            found[port] = owner
    return found
