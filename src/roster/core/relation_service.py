"""Blocks and friendships: one relation each, whatever dialect made or reads it.

Bulk calls answer per target, so the rules below return an `Outcome` for each uid instead of
failing the whole call; dialects word the outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.user_lookup import active_user
from roster.core.user_rules import UserRules
from roster.model.users import User
from roster.store import relation_rows, user_rows
from roster.store.database import Conn, Database

MAX_TARGETS = 100  # uids one block or unblock call may name
MAX_FRIENDS_PER_CALL = 25
MAX_FRIENDS = 1000


class Outcome(Enum):
    DONE = "done"
    SELF = "self"
    NOT_FOUND = "not_found"
    ALREADY = "already"  # already friends
    ABSENT = "absent"  # there was no such block or friendship
    LIMIT = "limit"  # the friend limit would be passed


def _targets(uids: Sequence[str], rules: UserRules, limit: int, field: str) -> list[str]:
    if not uids:
        raise invalid(FieldProblem(field, Rule.EMPTY))
    if len(uids) > limit:
        raise invalid(FieldProblem(field, Rule.TOO_MANY, limit))
    return list(dict.fromkeys(rules.uid.normalize(u) for u in uids))


async def _block_targets(
    conn: Conn, app_id: str, uid: str, targets: Sequence[str], rules: UserRules, field: str
) -> tuple[User, dict[str, User], dict[str, Outcome]]:
    """The acting user, the targets found, and whether each target can be (un)blocked."""
    wanted = _targets(targets, rules, MAX_TARGETS, field)
    me = await active_user(conn, app_id, uid, rules)
    found = {u.uid: u for u in await user_rows.get_users(conn, app_id, wanted)}
    outcomes = {
        t: Outcome.SELF if t == me.uid else Outcome.DONE if t in found else Outcome.NOT_FOUND
        for t in wanted
    }
    return me, found, outcomes


def _refuse_failures(outcomes: dict[str, Outcome]) -> None:
    for target, outcome in outcomes.items():
        if outcome is Outcome.SELF:
            raise RosterError(ErrorKind.CANNOT_BLOCK_SELF, subject=target)
        if outcome is Outcome.NOT_FOUND:
            raise RosterError(ErrorKind.USER_NOT_FOUND, subject=target)


class RelationService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def subject(self, app_id: str, uid: str, rules: UserRules) -> User:
        """The active user whose relations a request reads or changes."""
        async with self._db.reader() as conn:
            return await active_user(conn, app_id, uid, rules)

    async def block(
        self,
        app_id: str,
        uid: str,
        targets: Sequence[str],
        rules: UserRules,
        field: str,
        *,
        strict: bool = False,
    ) -> tuple[dict[str, Outcome], dict[str, User]]:
        """Block each target; returns the outcome per target and the targets found.

        `strict`: any target that cannot be blocked refuses the whole call, changing nothing.
        """
        async with self._db.transaction() as conn:
            me, found, outcomes = await _block_targets(conn, app_id, uid, targets, rules, field)
            if strict:
                _refuse_failures(outcomes)
            done = [found[t].pk for t, o in outcomes.items() if o is Outcome.DONE]
            await relation_rows.insert_blocks(conn, app_id, me.pk, done, self._clock.now_ms())
        return outcomes, found

    async def unblock(
        self,
        app_id: str,
        uid: str,
        targets: Sequence[str],
        rules: UserRules,
        field: str,
        *,
        strict: bool = False,
    ) -> dict[str, Outcome]:
        """Unblock each target; unblocking a user who is not blocked is harmless (ABSENT)."""
        async with self._db.transaction() as conn:
            me, found, outcomes = await _block_targets(conn, app_id, uid, targets, rules, field)
            if strict:
                _refuse_failures(outcomes)
            pks = [found[t].pk for t, o in outcomes.items() if o is Outcome.DONE]
            removed = await relation_rows.delete_blocks(conn, me.pk, pks)
        return {
            t: Outcome.ABSENT if o is Outcome.DONE and found[t].pk not in removed else o
            for t, o in outcomes.items()
        }

    async def blocks_seen_by(
        self, viewer: User, users: Sequence[User]
    ) -> dict[int, tuple[int | None, int | None]]:
        """Per user pk: when the viewer blocked them and when they blocked the viewer (ms)."""
        async with self._db.reader() as conn:
            return await relation_rows.blocks_between(conn, viewer.pk, [u.pk for u in users])

    async def add_friends(
        self, app_id: str, uid: str, targets: Sequence[str], rules: UserRules
    ) -> dict[str, Outcome]:
        wanted = _targets(targets, rules, MAX_FRIENDS_PER_CALL, "accepted")
        async with self._db.transaction() as conn:
            me = await active_user(conn, app_id, uid, rules)
            found = {u.uid: u for u in await user_rows.get_users(conn, app_id, wanted) if u.active}
            already = await relation_rows.friend_pks(conn, me.pk, [u.pk for u in found.values()])
            room = MAX_FRIENDS - await relation_rows.count_friends(conn, me.pk)
            outcomes: dict[str, Outcome] = {}
            new: list[int] = []
            for t in wanted:
                if t == me.uid:
                    outcomes[t] = Outcome.SELF
                elif t not in found:
                    outcomes[t] = Outcome.NOT_FOUND
                elif found[t].pk in already:
                    outcomes[t] = Outcome.ALREADY
                elif len(new) >= room or (
                    await relation_rows.count_friends(conn, found[t].pk) >= MAX_FRIENDS
                ):
                    outcomes[t] = Outcome.LIMIT
                else:
                    outcomes[t] = Outcome.DONE
                    new.append(found[t].pk)
            await relation_rows.insert_friends(conn, app_id, me.pk, new, self._clock.now_ms())
        return outcomes

    async def remove_friends(
        self, app_id: str, uid: str, targets: Sequence[str], rules: UserRules
    ) -> dict[str, Outcome]:
        """End friendships; if any target is not a friend, nothing changes."""
        wanted = _targets(targets, rules, MAX_TARGETS, "friends")
        async with self._db.transaction() as conn:
            me = await active_user(conn, app_id, uid, rules)
            found = {u.uid: u for u in await user_rows.get_users(conn, app_id, wanted)}
            friends = await relation_rows.friend_pks(conn, me.pk, [u.pk for u in found.values()])
            for t in wanted:
                if t not in found or found[t].pk not in friends:
                    raise RosterError(ErrorKind.NOT_A_FRIEND, subject=t)
            await relation_rows.delete_friends(conn, me.pk, sorted(friends))
        return {t: Outcome.DONE for t in wanted}
