"""Page numbers served from keyset pagination.

Vendors that paginate by page number invite OFFSET, which costs O(page) on both engines. When
page p is served we remember the sort key of its last row as the start of page p+1, so a client
walking pages 1, 2, 3, ... never needs OFFSET, and rows inserted or deleted during the walk
cannot make it skip or repeat a row that existed throughout. A page with no mark starts from the
nearest lower mark plus an OFFSET; when that OFFSET is long, the caller skims the sort keys
in between once (`remember_many`), so later jumps anywhere in that stretch start at their mark.
Marks live in this process only and expire after `ttl_ms`, so a stale mark cannot pin a result
for long; the least recently used lists are dropped first once `max_marks` are held.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from roster.model.query import SortKey


@dataclass(frozen=True, slots=True)
class Start:
    """Where a page begins: after `after` (None: the top), which starts page `page`, then skip
    `offset` rows."""

    after: SortKey | None
    offset: int
    page: int = 1


@dataclass(slots=True)
class _Series:
    pages: list[int] = field(default_factory=list)  # sorted
    marks: dict[int, tuple[SortKey, int]] = field(default_factory=dict)  # page: (key, stamp)


class PageMarks:
    def __init__(self, *, max_marks: int = 500_000, ttl_ms: int = 300_000):
        self._series: OrderedDict[tuple[object, ...], _Series] = OrderedDict()
        self._max_marks = max_marks
        self._held = 0
        self._ttl_ms = ttl_ms

    def start(self, series: tuple[object, ...], page: int, per_page: int, now_ms: int) -> Start:
        found = self._series.get(series)
        if page <= 1 or found is None:
            return Start(None, (page - 1) * per_page)
        self._series.move_to_end(series)
        index = bisect_right(found.pages, page)
        while index > 0:
            marked = found.pages[index - 1]
            key, stamp = found.marks[marked]
            if now_ms - stamp <= self._ttl_ms:
                return Start(key, (page - marked) * per_page, marked)
            index -= 1
        return Start(None, (page - 1) * per_page)

    def remember(self, series: tuple[object, ...], page: int, key: SortKey, now_ms: int) -> None:
        """`key` is the last row of page - 1, so page `page` starts right after it."""
        self.remember_many(series, [(page, key)], now_ms)

    def remember_many(
        self, series: tuple[object, ...], marks: Iterable[tuple[int, SortKey]], now_ms: int
    ) -> None:
        found = self._series.get(series)
        if found is None:
            found = self._series[series] = _Series()
        else:
            self._series.move_to_end(series)
        for page, key in marks:
            if page not in found.marks:
                insort(found.pages, page)
                self._held += 1
            found.marks[page] = (key, now_ms)
        while self._held > self._max_marks and len(self._series) > 1:
            _oldest, dropped = self._series.popitem(last=False)
            self._held -= len(dropped.pages)
