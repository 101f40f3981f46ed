"""A list's read strategy is chosen from capped counts, and the choice is kept for
`PLAN_SECONDS` per database: later pages skip the counting. The choice never changes which
users a page holds (tests/test_search_contains.py runs every search both ways), only how fast
it is read, so a choice kept a little past a change in the data is harmless."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from roster.app import open_database
from roster.model.folding import fold
from roster.model.query import Order, UserQuery
from roster.settings import Settings
from roster.store import user_listing
from tests.conftest import APP_ID, make_user

Step = tuple[float, Callable[[], object] | None]  # (clock, a write to make first)


async def _plans(settings: Settings, query: UserQuery, steps: list[Step]) -> list[bool]:
    """contains_small as chosen at each step by one database object (so one memo)."""
    db = await open_database(settings)
    chosen = []
    try:
        for now, write in steps:
            if write is not None:
                write()  # through the running app, which commits before answering
            user_listing._clock = lambda now=now: now  # type: ignore[misc]
            async with db.reader() as conn:
                chosen.append((await user_listing.plan_for(conn, query)).contains_small)
    finally:
        await db.close()
    return chosen


@pytest.fixture
def clock_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(user_listing, "_clock", user_listing._clock)


def test_choice_is_kept_then_counted_again(
    cc: TestClient, settings: Settings, clock_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL_BY_UID", 3)
    # In uid order, where both engines count (SQLite reads name order by windows instead).
    query = UserQuery(APP_ID, order=Order.UID, contains=fold("ann"), search_uid=False)
    make_user(cc, "a1", "Anna")
    make_user(cc, "a2", "Joanna")
    ttl = user_listing.PLAN_SECONDS

    def more() -> None:
        make_user(cc, "a3", "Hannah")
        make_user(cc, "a4", "Annabel")

    steps: list[Step] = [
        (100.0, None),  # 2 matches: few, read them from the trigram index
        (101.0, more),  # 4 matches now, but the choice is kept
        (100.0 + ttl - 0.5, None),
        (100.0 + ttl + 0.5, None),  # expired: counted again, no longer few
    ]
    assert asyncio.run(_plans(settings, query, steps)) == [True, True, True, False]


def test_choices_follow_the_thresholds(
    cc: TestClient, settings: Settings, clock_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thresholds are part of the memo's key, so tests that move them get fresh choices; and
    uid order has its own, lower bar (matches do not cluster there). On SQLite name order is
    never counted: its pages read a window of the trigram index (tests/test_grams_order.py)."""
    for i, name in enumerate(["Anna", "Joanna", "Hannah", "Annabel"]):
        make_user(cc, f"a{i}", name)
    by_name = UserQuery(APP_ID, order=Order.NAME, contains=fold("ann"))
    by_uid = UserQuery(APP_ID, order=Order.UID, contains=fold("ann"), search_uid=False)
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL", 10)
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL_BY_UID", 3)
    counted = settings.database_url is not None
    assert asyncio.run(_plans(settings, by_name, [(1.0, None)])) == [counted]
    assert asyncio.run(_plans(settings, by_uid, [(1.0, None)])) == [False]
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL_BY_UID", 10)
    assert asyncio.run(_plans(settings, by_uid, [(1.0, None)])) == [True]
