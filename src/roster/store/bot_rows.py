"""Bot settings; the bot's identity, name and picture live in its users row."""

from __future__ import annotations

from collections.abc import Mapping

from roster.model.users import Bot
from roster.store.database import Conn, Row
from roster.store.user_rows import USER_COLUMN_COUNT, USER_COLUMNS, to_user

BOT_COLUMNS = (
    "b.bot_type, b.callback_url, b.is_privacy_mode, b.enable_mark_as_read, b.show_member,"
    " b.channel_invitation_preference, b.created_at"
)
SETTABLE = frozenset(
    {
        "bot_type",
        "callback_url",
        "is_privacy_mode",
        "enable_mark_as_read",
        "show_member",
        "channel_invitation_preference",
    }
)


def _bot(row: Row) -> Bot:
    n = USER_COLUMN_COUNT
    return Bot(
        user=to_user(row),
        bot_type=row[n],
        callback_url=row[n + 1],
        is_privacy_mode=bool(row[n + 2]),
        enable_mark_as_read=bool(row[n + 3]),
        show_member=bool(row[n + 4]),
        channel_invitation_preference=int(row[n + 5]),
        created_at=int(row[n + 6]),
    )


async def insert_bot(
    conn: Conn, app_id: str, user_pk: int, settings: Mapping[str, object], now: int
) -> None:
    columns = sorted(settings)
    await conn.execute(
        f"INSERT INTO bots (user_pk, app_id, {', '.join(columns)}, created_at)"
        f" VALUES (?, ?, {', '.join('?' * len(columns))}, ?)",
        (user_pk, app_id, *(settings[c] for c in columns), now),
    )


async def get_bot(conn: Conn, app_id: str, uid: str) -> Bot | None:
    if "\x00" in uid:  # no stored id holds U+0000, and PostgreSQL cannot even compare it
        return None
    row = await conn.fetchone(
        f"SELECT {USER_COLUMNS}, {BOT_COLUMNS} FROM bots b JOIN users u ON u.pk = b.user_pk"
        " WHERE u.app_id = ? AND u.uid = ?",
        (app_id, uid),
    )
    return _bot(row) if row else None


async def list_bots(conn: Conn, app_id: str, after: str | None, limit: int) -> list[Bot]:
    """Bots in uid order after `after`; bots are few, so the join needs no special index."""
    where = "b.app_id = ?" + (" AND u.uid > ?" if after is not None else "")
    args: list[object] = [app_id]
    if after is not None:
        args.append(after)
    rows = await conn.fetch(
        f"SELECT {USER_COLUMNS}, {BOT_COLUMNS} FROM bots b JOIN users u ON u.pk = b.user_pk"
        f" WHERE {where} ORDER BY u.uid LIMIT ?",
        (*args, limit),
    )
    return [_bot(r) for r in rows]


async def update_bot(conn: Conn, user_pk: int, settings: Mapping[str, object]) -> None:
    unknown = set(settings) - SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    if settings:
        assignments = ", ".join(f"{c} = ?" for c in settings)
        await conn.execute(
            f"UPDATE bots SET {assignments} WHERE user_pk = ?", (*settings.values(), user_pk)
        )
