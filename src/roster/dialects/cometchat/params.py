"""CometChat query strings and bodies into core values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from roster.core.errors import FieldProblem, Rule, invalid
from roster.core.user_service import MAX_BULK_UIDS, MAX_FILTER_VALUES
from roster.http.query import Query
from roster.model.folding import fold, prefix_range
from roster.model.query import Activity, Order, Relation, UserQuery

PER_PAGE_MAX = 1000
PAGE_MAX = 2**31 - 1

# CometChat body key -> core field name, for the user fields a body may carry.
USER_FIELDS = {
    "uid": "uid",
    "name": "name",
    "avatar": "avatar",
    "link": "link",
    "metadata": "metadata",
    "statusMessage": "status_message",
    "role": "role",
    "tags": "tags",
}

# `unset` items -> the core column each clears. The vendor documents avatar, link and
# metadata; statusMessage and tags are Roster extensions.
UNSETTABLE = {
    "avatar": "avatar",
    "link": "link",
    "metadata": "metadata",
    "statusMessage": "status_message",
    "tags": "tags",
}


def user_fields(body: Mapping[str, object], *, with_uid: bool) -> dict[str, object]:
    """Known user fields under core names; read-only and unknown keys are dropped."""
    return {
        core: body[key]
        for key, core in USER_FIELDS.items()
        if key in body and (with_uid or core != "uid")
    }


def uid_list(body: Mapping[str, object], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        raise invalid(FieldProblem(name, Rule.REQUIRED))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(FieldProblem(name, Rule.TYPE_LIST))
    if not value:
        raise invalid(FieldProblem(name, Rule.EMPTY))
    if len(value) > MAX_BULK_UIDS:
        raise invalid(FieldProblem(name, Rule.TOO_MANY, MAX_BULK_UIDS))
    return value


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: UserQuery
    page: int
    per_page: int
    count: bool
    with_tags: bool


def page_params(query: Query) -> tuple[int, int]:
    per_page = query.integer("perPage", "per_page", default=100, low=1, high=PER_PAGE_MAX)
    page = query.integer("page", default=1, low=1, high=PAGE_MAX)
    return page, per_page


SEARCH_MODES = ("prefix", "contains")


def search_filter(query: Query) -> tuple[tuple[str, str | None] | None, str | None]:
    """`searchKey` as (prefix range, substring): a prefix, the vendor's meaning, or with our
    `searchMode=contains` a substring; folded either way, so case and accents do not matter."""
    contains = query.choice("searchMode", SEARCH_MODES) == "contains"
    search_key = query.text("searchKey")
    if not search_key:
        return None, None
    if contains:
        return None, fold(search_key)
    return prefix_range(search_key), None


def list_request(query: Query, app_id: str) -> ListRequest:
    page, per_page = page_params(query)
    search, contains = search_filter(query)
    search_in = set(query.items("searchIn"))
    if search_in - {"name", "uid"}:
        raise invalid(FieldProblem("searchIn", Rule.BAD_CHOICE, choices=("name", "uid")))
    status = query.choice("status", ("available", "offline"))
    roles = [r.lower() for r in query.items("roles")]
    single_role = query.text("role")
    if single_role:
        roles.append(single_role.lower())
    tags = query.items("tags")
    for name, values in (("roles", roles), ("tags", tags)):
        if len(set(values)) > MAX_FILTER_VALUES:
            raise invalid(FieldProblem(name, Rule.TOO_MANY, MAX_FILTER_VALUES))
    if query.boolean("onlyDeactivated"):
        activity = Activity.DEACTIVATED
    elif query.boolean("withDeactivated"):
        activity = Activity.ALL
    else:
        activity = Activity.ACTIVE
    user_query = UserQuery(
        app_id=app_id,
        activity=activity,
        order=Order.NAME,
        search=search,
        contains=contains,
        search_name=not search_in or "name" in search_in,
        search_uid=not search_in or "uid" in search_in,
        online=None if status is None else status == "available",
        roles=tuple(dict.fromkeys(roles)),
        tags=tuple(dict.fromkeys(tags)),
    )
    return ListRequest(
        query=user_query,
        page=page,
        per_page=per_page,
        count=query.boolean("count"),
        with_tags=query.boolean("withTags"),
    )


DIRECTIONS = {
    "blockedByMe": Relation.BLOCKED_BY,
    "hasBlockedMe": Relation.BLOCKING,
    "both": Relation.BLOCK_EITHER,
}


def related_list_request(query: Query, app_id: str, owner_pk: int, *, blocks: bool) -> ListRequest:
    """A user's blocked users (`direction`, default blockedByMe) or friends, with `searchKey`."""
    page, per_page = page_params(query)
    relation = Relation.FRIENDS
    if blocks:
        relation = DIRECTIONS[query.choice("direction", tuple(DIRECTIONS)) or "blockedByMe"]
    search, contains = search_filter(query)
    user_query = UserQuery(
        app_id=app_id,
        order=Order.NAME,
        search=search,
        contains=contains,
        related=(relation, owner_pk),
    )
    return ListRequest(query=user_query, page=page, per_page=per_page, count=False, with_tags=False)
