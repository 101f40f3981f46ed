"""Equal list queries share one instance per service, so the memos a list consults (page marks,
plans, first-page SQL) find them by identity; the set of instances is bounded."""

from __future__ import annotations

import asyncio

from roster.app import open_database
from roster.core.clock import SystemClock
from roster.core.page_marks import PageMarks
from roster.core.user_service import SAME_QUERIES, UserService
from roster.model.folding import prefix_range
from roster.model.query import UserQuery
from roster.settings import Settings
from tests.conftest import APP_ID


def test_equal_queries_share_an_instance_and_the_set_stays_bounded(settings: Settings) -> None:
    async def run() -> None:
        db = await open_database(settings)
        try:
            await db.migrate()
            service = UserService(db, SystemClock(), PageMarks())
            first = UserQuery(APP_ID, roles=("admin",))
            again = UserQuery(APP_ID, roles=("admin",))
            assert first == again and first is not again and hash(first) == hash(again)
            assert service._same(first) is first
            assert service._same(again) is first
            for n in range(SAME_QUERIES + 100):
                query = UserQuery(APP_ID, search=prefix_range(f"q{n}"))
                page = await service.list_users(
                    query, page=1, per_page=10, count=False, with_tags=False
                )
                assert page.users == []
                assert len(service._queries) <= SAME_QUERIES
        finally:
            await db.close()

    asyncio.run(run())
