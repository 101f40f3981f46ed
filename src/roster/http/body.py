"""Request bodies: bounded reads and JSON that must be an object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.requests import Request

from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid


async def read_body(request: Request, declared: str | None, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes without reading them all into memory.
    `declared`: the request's content-length header, if it sent one."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RosterError(ErrorKind.BODY_TOO_LARGE, subject=str(limit))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RosterError(ErrorKind.BODY_TOO_LARGE, subject=str(limit))
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(
    request: Request, declared: str | None, limit: int, *, required: bool
) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` unless one is required."""
    raw = await read_body(request, declared, limit)
    if not raw.strip():
        if required:
            raise RosterError(ErrorKind.MALFORMED_BODY, subject="a JSON object body is required")
        return {}
    try:
        value = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        raise RosterError(ErrorKind.MALFORMED_BODY, subject="the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise RosterError(ErrorKind.MALFORMED_BODY, subject="the body must be a JSON object")
    return value


def flag(body: Mapping[str, object], name: str) -> bool:
    """A boolean body field; absent or null is false, anything but a JSON boolean is refused."""
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(FieldProblem(name, Rule.TYPE_BOOLEAN))
    return value


def optional_int(body: Mapping[str, object], name: str) -> int | None:
    """An integer body field or None; booleans and floats are refused."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(FieldProblem(name, Rule.TYPE_INTEGER))
    return value
