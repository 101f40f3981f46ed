"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

asyncio turns Nagle off only for sockets whose `proto` says TCP, and the listening socket
uvicorn opens for several workers says 0. Its connections then kept Nagle on, and uvicorn
writes a response as two sends (head, then body): the body waited for the client's delayed
acknowledgement, about 40 ms, on every request (2-worker runs of bench.run: 44 ms a page).
uvloop sets the option itself, which hid this before the default loop became asyncio.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
