"""A router over raw path segments.

Paths are split on `/` before percent-decoding, so an id containing `%2F` stays one segment;
frameworks that decode first cannot route such ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

H = TypeVar("H")


@dataclass(frozen=True, slots=True)
class Route(Generic[H]):
    method: str
    pattern: tuple[str, ...]
    handler: H

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


class Router(Generic[H]):
    def __init__(self) -> None:
        self._routes: list[Route[H]] = []

    def add(self, method: str, path: str, handler: H) -> None:
        pattern = tuple(path.strip("/").split("/"))
        self._routes.append(Route(method, pattern, handler))

    def match(self, method: str, raw_path: str) -> tuple[Route[H], dict[str, str]] | None:
        """The route and its decoded parameters; None when no route has this path and method."""
        segments = [unquote(s) for s in raw_path.strip("/").split("/")]
        for route in self._routes:
            if route.method != method:
                continue
            params = route.match(segments)
            if params is not None:
                return route, params
        return None
