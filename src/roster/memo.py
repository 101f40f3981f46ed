"""A dict that forgets everything when it reaches its bound.

Roster keeps a few small memos on the request path (lists' parsed query strings, the store's
plans and first-page SQL, the service's one instance per distinct query, Sendbird's page-token
digests, resolved API keys). Their working set is the clients' few dozen distinct filters and
keys, so when one fills up, something unusual is happening, and clearing is enough: no LRU
order to keep on every hit, and reads stay plain `dict.get`.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: K, value: V) -> V:
        """Keep `value` under `key` (clearing first when full) and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
