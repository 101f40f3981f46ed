"""Page numbers served from keyset pagination.

Vendors that paginate by page number invite OFFSET, which costs O(page) on both engines. When
page p is served we remember the sort key of its last row as the start of page p+1, so a client
walking pages 1, 2, 3, ... never needs OFFSET, and rows inserted or deleted during the walk
cannot make it skip or repeat a row that existed throughout. A page with no mark starts from the
nearest lower mark plus a short OFFSET, or from the top. Marks live in this process only and
expire after `ttl_ms`, so a stale mark cannot pin a result for long.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from roster.model.query import SortKey


@dataclass(frozen=True, slots=True)
class Start:
    """Where a page begins: after `after` (None: the top), then skip `offset` rows."""

    after: SortKey | None
    offset: int


class PageMarks:
    def __init__(
        self, *, max_series: int = 4096, marks_per_series: int = 256, ttl_ms: int = 300_000
    ):
        self._series: OrderedDict[tuple[object, ...], dict[int, tuple[SortKey, int]]] = (
            OrderedDict()
        )
        self._max_series = max_series
        self._per_series = marks_per_series
        self._ttl_ms = ttl_ms

    def start(self, series: tuple[object, ...], page: int, per_page: int, now_ms: int) -> Start:
        marks = self._series.get(series)
        if page <= 1 or not marks:
            return Start(None, (page - 1) * per_page)
        self._series.move_to_end(series)
        best_page = 0
        best_key: SortKey | None = None
        for marked_page, (key, stamp) in marks.items():
            if best_page < marked_page <= page and now_ms - stamp <= self._ttl_ms:
                best_page, best_key = marked_page, key
        if best_key is None:
            return Start(None, (page - 1) * per_page)
        return Start(best_key, (page - best_page) * per_page)

    def remember(self, series: tuple[object, ...], page: int, key: SortKey, now_ms: int) -> None:
        """`key` is the last row of page - 1, so page `page` starts right after it."""
        marks = self._series.get(series)
        if marks is None:
            marks = self._series[series] = {}
            if len(self._series) > self._max_series:
                self._series.popitem(last=False)
        else:
            self._series.move_to_end(series)
        marks[page] = (key, now_ms)
        if len(marks) > self._per_series:
            oldest = min(marks, key=lambda p: marks[p][1])
            del marks[oldest]
