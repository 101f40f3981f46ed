"""Sendbird query strings and bodies into core values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roster.core.errors import FieldProblem, Rule, invalid
from roster.core.user_service import MAX_FILTER_VALUES
from roster.http.query import Query
from roster.model.folding import fold, prefix_range
from roster.model.query import Activity, Order, Relation, UserQuery

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


def _filtered(
    query: Query, app_id: str, activity: Activity, **more: Any
) -> tuple[UserQuery, int, str | None]:
    """The filters list users and list blocked users share: ids, metadata, paging."""
    user_ids = query.items("user_ids")
    if len(user_ids) > USER_IDS_MAX:
        raise invalid(FieldProblem("user_ids", Rule.TOO_MANY, USER_IDS_MAX))
    key = query.text("metadatakey")
    values = query.items("metadatavalues_in")
    if key and not values:
        raise invalid(FieldProblem("metadatavalues_in", Rule.REQUIRED))
    if values and not key:
        raise invalid(FieldProblem("metadatakey", Rule.REQUIRED))
    if len(set(values)) > MAX_FILTER_VALUES:
        raise invalid(FieldProblem("metadatavalues_in", Rule.TOO_MANY, MAX_FILTER_VALUES))
    user_query = UserQuery(
        app_id=app_id,
        activity=activity,
        order=Order.UID,
        uids=tuple(dict.fromkeys(user_ids)),
        metadata=(key, tuple(dict.fromkeys(values))) if key else None,
        **more,
    )
    return user_query, limit(query), query.text("token") or None


def list_users(query: Query, app_id: str) -> ListRequest:
    mode = query.choice("active_mode", tuple(ACTIVE_MODES)) or "activated"
    nickname = query.text("nickname")
    prefix = query.text("nickname_startswith")
    search = prefix_range(prefix) if prefix else None
    contains = query.text("nickname_contains")  # our extension: a substring, folded
    user_query, page_limit, token = _filtered(
        query,
        app_id,
        ACTIVE_MODES[mode],
        search=search,
        contains=fold(contains) if contains else None,
        search_name=True,
        search_uid=False,
        include_bots=query.boolean("show_bot", default=True),
        name_exact=fold(nickname) if nickname else None,
    )
    return ListRequest(user_query, page_limit, token)


BLOCK_LISTS = {"blocked_by_me": Relation.BLOCKED_BY, "blocking_me": Relation.BLOCKING}


def list_blocked(query: Query, app_id: str, owner_pk: int) -> ListRequest:
    """Users `owner` blocked (`list=blocked_by_me`, the default) or who blocked `owner`."""
    which = query.choice("list", tuple(BLOCK_LISTS)) or "blocked_by_me"
    user_query, page_limit, token = _filtered(
        query, app_id, Activity.ALL, related=(BLOCK_LISTS[which], owner_pk)
    )
    return ListRequest(user_query, page_limit, token)


def block_targets(body: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The ids to block and whether one `target_id` named them (`users` = `user_ids`)."""
    target = body.get("target_id")
    if target is not None:
        if not isinstance(target, str):
            raise invalid(FieldProblem("target_id", Rule.TYPE_STRING))
        return [target], True
    for name in ("user_ids", "users"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(FieldProblem(name, Rule.TYPE_LIST))
        return value, False
    raise invalid(FieldProblem("target_id", Rule.REQUIRED))
