"""Sendbird query strings and bodies into core values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roster.core.errors import FieldProblem, Rule, invalid
from roster.core.folding import fold, prefix_upper_bound
from roster.core.user_service import MAX_FILTER_VALUES
from roster.http.query import Query
from roster.model.query import Activity, Order, UserQuery

LIMIT_MAX = 100
USER_IDS_MAX = 250
ACTIVE_MODES = {
    "activated": Activity.ACTIVE,
    "deactivated": Activity.DEACTIVATED,
    "all": Activity.ALL,
}

# Sendbird body key -> core field name
USER_FIELDS = {
    "user_id": "uid",
    "nickname": "name",
    "profile_url": "avatar",
    "metadata": "metadata",
    "discovery_keys": "discovery_keys",
    "preferred_languages": "preferred_languages",
    "locale": "locale",
    "phone_number": "phone_number",
    "is_active": "active",
    "last_seen_at": "last_active_at",
}
BOT_FIELDS = {
    "bot_userid": "uid",
    "bot_nickname": "name",
    "bot_profile_url": "avatar",
    "bot_type": "bot_type",
    "bot_callback_url": "callback_url",
    "is_privacy_mode": "is_privacy_mode",
    "enable_mark_as_read": "enable_mark_as_read",
    "show_member": "show_member",
    "channel_invitation_preference": "channel_invitation_preference",
}


def renamed(body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Known fields under core names; unknown keys are dropped, as Sendbird ignores them."""
    return {core: body[key] for key, core in names.items() if key in body}


def limit(query: Query) -> int:
    return query.integer("limit", default=10, low=1, high=LIMIT_MAX)


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: UserQuery
    limit: int
    token: str | None


def list_users(query: Query, app_id: str) -> ListRequest:
    mode = query.choice("active_mode", tuple(ACTIVE_MODES)) or "activated"
    user_ids = query.items("user_ids")
    if len(user_ids) > USER_IDS_MAX:
        raise invalid(FieldProblem("user_ids", Rule.TOO_MANY, USER_IDS_MAX))
    nickname = query.text("nickname")
    prefix = query.text("nickname_startswith")
    key = query.text("metadatakey")
    values = query.items("metadatavalues_in")
    if key and not values:
        raise invalid(FieldProblem("metadatavalues_in", Rule.REQUIRED))
    if values and not key:
        raise invalid(FieldProblem("metadatakey", Rule.REQUIRED))
    if len(set(values)) > MAX_FILTER_VALUES:
        raise invalid(FieldProblem("metadatavalues_in", Rule.TOO_MANY, MAX_FILTER_VALUES))
    search = None
    if prefix:
        folded = fold(prefix)
        search = (folded, prefix_upper_bound(folded))
    user_query = UserQuery(
        app_id=app_id,
        activity=ACTIVE_MODES[mode],
        order=Order.UID,
        search=search,
        search_name=True,
        search_uid=False,
        uids=tuple(dict.fromkeys(user_ids)),
        include_bots=query.boolean("show_bot", default=True),
        name_exact=fold(nickname) if nickname else None,
        metadata=(key, tuple(dict.fromkeys(values))) if key else None,
    )
    return ListRequest(user_query, limit(query), query.text("token") or None)
