"""What every dialect does around its handlers, written once.

Match the route on the raw path, resolve the key from the dialect's credential header, check
every app id the request names, check the key's scope, call the handler, and render any
refusal in the dialect's own error shape (never a stack trace).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from roster.core.errors import ErrorKind, RosterError
from roster.core.services import Services
from roster.core.tenancy import Operation, authorize, check_app_claims
from roster.http.body import json_object
from roster.http.query import Query
from roster.http.router import Router
from roster.memo import Memo

log = logging.getLogger("roster")


T = TypeVar("T")
PARSED_MAX = 1024  # distinct (parser, app, query string): see `Call.parsed`
_PARSED: Memo[tuple[object, str, bytes], object] = Memo(PARSED_MAX)


@dataclass(slots=True)
class Call:
    """One authorised request: its path parameters, its app, and the services."""

    request: Request
    params: dict[str, str]
    app_id: str
    services: Services
    body_limit: int
    headers: dict[str, str]  # see `header_map`

    @property
    def query(self) -> Query:
        return Query(self.request.scope.get("query_string", b""))

    def parsed(self, parse: Callable[[Query, str], T]) -> T:
        """`parse(self.query, self.app_id)`, kept per app and query string.

        For parsers that read nothing else and return frozen values, such as a list's
        filters. Clients ask for the same few lists again and again, and parsing their
        query string was 13-25 µs of a list request's Python (docs/benchmarks.md, session
        18). A query string that fails to parse raises every time: nothing is kept.
        """
        key = (parse, self.app_id, self.request.scope.get("query_string", b""))
        found = _PARSED.get(key)
        if found is None:
            found = _PARSED.put(key, parse(Query(key[2]), self.app_id))
        return cast(T, found)

    async def body(self, *, required: bool = True) -> dict[str, Any]:
        declared = self.headers.get("content-length")
        return await json_object(self.request, declared, self.body_limit, required=required)


Endpoint = Callable[[Call], Awaitable[Response]]


def header_map(scope: Scope) -> dict[str, str]:
    """The request's headers by lowercase name, read once: each lookup through Starlette's
    `Headers` walked the list again in Python. A repeated header gives its first value, as
    Starlette's `get` does."""
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in reversed(scope["headers"])
    }


@dataclass(frozen=True, slots=True)
class Handler:
    operation: Operation
    endpoint: Endpoint


class JsonResponse(Response):
    """A 200 with a JSON body and its two headers, set directly: Starlette's own set-up (render,
    then headers checked for a caller's content length and a text charset) was a twentieth
    of a one-user list request's Python."""

    def __init__(self, body: bytes) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", b"%d" % len(body)), _JSON_TYPE]


_JSON_TYPE = (b"content-type", b"application/json")


def json_response(content: object) -> Response:
    return JsonResponse(msgspec.json.encode(content))


@dataclass(frozen=True, slots=True)
class DialectSpec:
    name: str
    credential_header: str  # lowercase
    app_header: str | None  # lowercase; an optional header naming the app
    host_app: re.Pattern[str]  # group 1: the app id in a vendor-style host name
    body_limit: int
    error_response: Callable[[RosterError], Response]
    crash_response: Callable[[], Response]


class Dialect:
    """One vendor's API as a callable: `rest` is the raw path after the version prefix."""

    def __init__(self, spec: DialectSpec, router: Router[Handler], services: Services) -> None:
        self.spec = spec
        self._router = router
        self._services = services

    async def handle(self, request: Request, rest: str, headers: dict[str, str]) -> Response:
        """`headers`: the request's, from `header_map` (the app reads them once to pick a
        dialect on the shared prefix)."""
        spec = self.spec
        try:
            found = self._router.match(request.method, rest)
            if found is None:
                raise RosterError(ErrorKind.ROUTE_NOT_FOUND)
            route, path_params = found
            key = await self._services.tenancy.resolve_key(headers.get(spec.credential_header))
            check_app_claims(key, self._app_claims(headers))
            authorize(key, route.handler.operation)
            call = Call(request, path_params, key.app_id, self._services, spec.body_limit, headers)
            return await route.handler.endpoint(call)
        except RosterError as error:
            return spec.error_response(error)
        except Exception:
            log.exception("%s: unexpected error on %s %s", spec.name, request.method, rest)
            return spec.crash_response()

    def not_found(self) -> Response:
        return self.spec.error_response(RosterError(ErrorKind.ROUTE_NOT_FOUND))

    def _app_claims(self, headers: dict[str, str]) -> list[str]:
        """App ids the request names besides its key: a header and a vendor host name."""
        claims = []
        if self.spec.app_header:
            header = headers.get(self.spec.app_header)
            if header:
                claims.append(header)
        host = self.spec.host_app.match(headers.get("host", ""))
        if host:
            claims.append(host.group(1))
        return claims
