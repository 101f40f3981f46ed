"""Sendbird page tokens name the filters they were issued for by a digest that is the same in
every process (a repr, hashed) and is kept per distinct filters, in a bounded map."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from roster.dialects.sendbird import page_token
from roster.model.query import Activity, Order, UserQuery


def _query(n: int) -> UserQuery:
    return UserQuery("app", activity=Activity.ALL, order=Order.UID, uids=(f"u{n}",))


def test_digest_is_the_hash_of_the_filters_repr_whether_kept_or_not() -> None:
    query = _query(1)
    expected = hashlib.sha256(repr((query,)).encode()).hexdigest()[:16]
    assert page_token.filter_digest(query) == expected
    assert page_token.filter_digest(_query(1)) == expected  # an equal query, kept
    assert page_token.filter_digest(_query(2)) != expected
    assert page_token.filter_digest("bots", "app") != page_token.filter_digest("bots", "app2")


def test_digest_is_the_same_in_another_process() -> None:
    code = (
        "from roster.dialects.sendbird import page_token; from tests.test_page_token_digest"
        " import _query; print(page_token.filter_digest(_query(7)))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == page_token.filter_digest(_query(7))


def test_kept_digests_stay_bounded() -> None:
    for n in range(page_token._DIGESTS_MAX + 50):
        page_token.filter_digest(_query(n))
        assert len(page_token._DIGESTS) <= page_token._DIGESTS_MAX
