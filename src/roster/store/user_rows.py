"""Writing and reading single users, their tags and their metadata index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import islice, starmap

from roster.model.users import NewUser, User
from roster.store.database import Conn, Row

# `User`'s fields up to the name key are the users columns a row carries, in that order: the
# rows become users positionally (`to_users`), so the order is written once, in `User`.
_USER_FIELDS = User.__struct_fields__[: User.__struct_fields__.index("name_key")]
USER_COLUMNS = ", ".join(f"u.{name}" for name in _USER_FIELDS)
_INSERT_USER = (
    "INSERT INTO users (app_id, uid, uid_key, name, name_key, avatar, link, metadata,"
    " status_message, role, is_bot, created_at, extra)"
    f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {', '.join(_USER_FIELDS)}"
)
USER_COLUMN_COUNT = len(_USER_FIELDS)

# Columns a patch may set; anything else is a programming error, not user input.
PATCHABLE = frozenset(
    {
        "name",
        "name_key",
        "avatar",
        "link",
        "metadata",
        "status_message",
        "role",
        "online",
        "last_active_at",
        "extra",
    }
)


def to_users(rows: Sequence[Row]) -> list[User]:
    """Rows of `USER_COLUMNS` (and, for lists, the name key) as users, built in C: a list page
    builds a hundred per request, and a comprehension that indexed each row spent 2,750
    machine instructions a user where this spends 1,200 (docs/benchmarks.md, session 16)."""
    return list(starmap(User, rows))


def to_user(row: Row) -> User:
    """A user from a row that starts with `USER_COLUMNS` and may go on (a bot's columns)."""
    return User(*islice(row, USER_COLUMN_COUNT))


async def insert_user(
    conn: Conn,
    app_id: str,
    new: NewUser,
    keys: tuple[str, str],
    meta_entries: Sequence[tuple[str, str]],
    now: int,
) -> User:
    """Insert and return the user as stored (with its tags); raises UniqueViolation when the
    uid is taken. The row comes back from the INSERT itself, defaults included: reading it
    again took two more queries, a tenth of a create."""
    uid_key, name_key = keys
    row = await conn.fetchone(
        _INSERT_USER,
        (
            app_id,
            new.uid,
            uid_key,
            new.name,
            name_key,
            new.avatar,
            new.link,
            new.metadata,
            new.status_message,
            new.role,
            int(new.is_bot),
            now,
            new.extra,
        ),
    )
    assert row is not None
    user = to_user(row)
    # A new user has no rows to replace yet.
    await _insert_tags(conn, user.pk, new.tags)
    await _insert_meta_index(conn, user.pk, meta_entries)
    user.tags = list(new.tags)
    return user


async def get_user(conn: Conn, app_id: str, uid: str) -> User | None:
    if "\x00" in uid:  # no stored id holds U+0000, and PostgreSQL cannot even compare it
        return None
    row = await conn.fetchone(
        f"SELECT {USER_COLUMNS} FROM users u WHERE u.app_id = ? AND u.uid = ?", (app_id, uid)
    )
    return to_user(row) if row else None


async def get_users(conn: Conn, app_id: str, uids: Sequence[str]) -> list[User]:
    uids = [uid for uid in uids if "\x00" not in uid]
    if not uids:
        return []
    clause, args = conn.in_list("u.uid", uids)
    rows = await conn.fetch(
        f"SELECT {USER_COLUMNS} FROM users u WHERE u.app_id = ? AND {clause}", (app_id, *args)
    )
    return to_users(rows)


async def update_user(conn: Conn, pk: int, changes: Mapping[str, object], now: int) -> None:
    unknown = set(changes) - PATCHABLE
    if unknown:
        raise ValueError(f"not patchable: {sorted(unknown)}")
    assignments = [f"{column} = ?" for column in changes]
    await conn.execute(
        f"UPDATE users SET {', '.join([*assignments, 'updated_at = ?'])} WHERE pk = ?",
        (*changes.values(), now, pk),
    )
    if "name_key" in changes:
        await conn.execute(
            "UPDATE user_tags SET name_key = ? WHERE user_pk = ?", (changes["name_key"], pk)
        )


async def set_deactivated(conn: Conn, pks: Sequence[int], deactivated: bool, now: int) -> None:
    """Deactivate (or reactivate) these users as of `now`."""
    if not pks:
        return
    clause, args = conn.in_list("pk", pks)
    active = 0 if deactivated else 1
    await conn.execute(
        f"UPDATE users SET deactivated_at = ?, active = ?, updated_at = ? WHERE {clause}",
        (now if deactivated else None, active, now, *args),
    )
    clause, args = conn.in_list("user_pk", pks)
    await conn.execute(f"UPDATE user_tags SET active = ? WHERE {clause}", (active, *args))
    await conn.execute(f"UPDATE user_meta SET active = ? WHERE {clause}", (active, *args))
    if deactivated:  # a deactivated user is logged out everywhere, and offline
        await conn.execute(f"DELETE FROM auth_tokens WHERE {clause}", args)
        await conn.execute(f"DELETE FROM presence_leases WHERE {clause}", args)
        clause, args = conn.in_list("pk", pks)
        await conn.execute(
            f"UPDATE users SET online = 0, last_active_at = ? WHERE online = 1 AND {clause}",
            (now, *args),
        )


async def delete_user(conn: Conn, pk: int) -> None:
    """Dependent rows go by ON DELETE CASCADE on both engines."""
    await conn.execute("DELETE FROM users WHERE pk = ?", (pk,))


# Each tag row copies its user's sort key and activity (see the schema).
INSERT_TAG = (
    "INSERT INTO user_tags (user_pk, app_id, tag, pos, active, name_key, uid)"
    " SELECT pk, app_id, ?, ?, active, name_key, uid FROM users WHERE pk = ?"
)


async def replace_tags(conn: Conn, pk: int, tags: Sequence[str]) -> None:
    await conn.execute("DELETE FROM user_tags WHERE user_pk = ?", (pk,))
    await _insert_tags(conn, pk, tags)


async def _insert_tags(conn: Conn, pk: int, tags: Sequence[str]) -> None:
    if tags:
        await conn.executemany(INSERT_TAG, [(tag, pos, pk) for pos, tag in enumerate(tags)])


# Each metadata index row copies its user's uid and activity (see the schema).
INSERT_META = (
    "INSERT INTO user_meta (user_pk, app_id, key, value, active, uid)"
    " SELECT pk, app_id, ?, ?, active, uid FROM users WHERE pk = ?"
)


async def replace_meta_index(conn: Conn, pk: int, entries: Sequence[tuple[str, str]]) -> None:
    await conn.execute("DELETE FROM user_meta WHERE user_pk = ?", (pk,))
    await _insert_meta_index(conn, pk, entries)


async def _insert_meta_index(conn: Conn, pk: int, entries: Sequence[tuple[str, str]]) -> None:
    if entries:
        await conn.executemany(INSERT_META, [(key, value, pk) for key, value in entries])


async def tags_of(conn: Conn, pks: Sequence[int]) -> dict[int, list[str]]:
    """Tags of many users in one query, in the order they were given."""
    found: dict[int, list[str]] = {pk: [] for pk in pks}
    if not pks:
        return found
    clause, args = conn.in_list("user_pk", pks)
    rows = await conn.fetch(
        f"SELECT user_pk, tag FROM user_tags WHERE {clause} ORDER BY user_pk, pos", args
    )
    for pk, tag in rows:
        found[pk].append(tag)
    return found
