"""Sendbird routes: parse, call one core service, render. No rules live here."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from starlette.responses import Response

from roster.core.services import Services
from roster.core.tenancy import Operation
from roster.core.user_rules import SENDBIRD_RULES
from roster.dialects.sendbird import page_token, params, render
from roster.dialects.sendbird.errors import crash_response, error_response
from roster.http.body import flag, optional_int
from roster.http.dialect import Call, Dialect, DialectSpec, Endpoint, Handler, json_response
from roster.http.router import Router

RULES = SENDBIRD_RULES
SPEC = DialectSpec(
    name="sendbird",
    credential_header="api-token",
    app_header=None,
    host_app=re.compile(r"^api-([^.]+)\.", re.IGNORECASE),  # api-{appId}.sendbird.com
    body_limit=64 * 1024,
    error_response=error_response,
    crash_response=crash_response,
)
EMPTY = b"{}"


def empty() -> Response:
    """Sendbird's "empty response body" must be `{}`: the SDK rejects a zero-length body."""
    return Response(EMPTY, 200, media_type="application/json")


def _now(call: Call) -> int:
    return call.services.users.now_ms()


async def _user_page(call: Call, request: params.ListRequest) -> Response:
    """One page of a token-paginated user list: `{"users": [...], "next": token or ""}`."""
    digest = page_token.filter_digest(request.query)
    after = page_token.read(request.token, digest, _now(call)) if request.token else None
    users, position = await call.services.users.list_after(request.query, after, request.limit)
    next_token = page_token.issue(position, digest, _now(call)) if position else ""
    return json_response({"users": render.users(users), "next": next_token})


async def list_users(call: Call) -> Response:
    return await _user_page(call, call.parsed(params.list_users))


async def create_user(call: Call) -> Response:
    body = await call.body(required=False)
    created = await call.services.users.create_user(
        call.app_id,
        params.renamed(body, params.USER_FIELDS),
        RULES,
        issue_access_token=flag(body, "issue_access_token"),
    )
    user = render.user(created.user, access_token=created.access_token or "", created=True)
    return json_response(user)


async def view_user(call: Call) -> Response:
    query = call.query
    unread = query.boolean("include_unread_count")
    query.choice("super_mode", ("all", "super", "nonsuper"))
    user = await call.services.users.get_user(
        call.app_id, call.params["user_id"], RULES, include_deactivated=True
    )
    return json_response(render.user(user, unread_counts=unread))


async def update_user(call: Call) -> Response:
    body = await call.body(required=False)
    users = call.services.users
    uid = call.params["user_id"]
    session_tokens: list[dict[str, Any]] = []
    updated = await users.update_user(
        call.app_id,
        uid,
        params.renamed(body, params.USER_FIELDS),
        None,
        RULES,
        {},
        issue_access_token=flag(body, "issue_access_token"),
    )
    if flag(body, "issue_session_token"):  # deprecated by Sendbird, still accepted
        expires = optional_int(body, "session_token_expires_at")
        token, expiry = await users.issue_session_token(call.app_id, uid, RULES, expires)
        session_tokens.append({"session_token": token, "expires_at": expiry})
    return json_response(
        render.user(
            updated.user,
            access_token=updated.access_token or "",
            session_tokens=session_tokens,
        )
    )


async def delete_user(call: Call) -> Response:
    await call.services.users.delete_user(
        call.app_id, call.params["user_id"], RULES, permanent=True
    )
    return empty()


async def create_token(call: Call) -> Response:
    body = await call.body(required=False)
    expires_at = optional_int(body, "expires_at")
    token, expiry = await call.services.users.issue_session_token(
        call.app_id, call.params["user_id"], RULES, expires_at
    )
    return json_response({"token": token, "expires_at": expiry})


async def revoke_tokens(call: Call) -> Response:
    await call.services.users.revoke_session_tokens(call.app_id, call.params["user_id"], RULES)
    return empty()


async def create_metadata(call: Call) -> Response:
    body = await call.body()
    items = await call.services.metadata.create(
        call.app_id, call.params["user_id"], RULES, body.get("metadata")
    )
    return json_response(items)


async def view_metadata(call: Call) -> Response:
    query = call.query
    keys = query.items("keys")
    single = query.text("key")
    if single:
        keys.append(single)
    items = await call.services.metadata.view(
        call.app_id, call.params["user_id"], RULES, keys or None
    )
    return json_response(items)


async def update_metadata(call: Call) -> Response:
    body = await call.body()
    items = await call.services.metadata.update(
        call.app_id,
        call.params["user_id"],
        RULES,
        body.get("metadata"),
        upsert=flag(body, "upsert"),
    )
    return json_response(items)


async def delete_all_metadata(call: Call) -> Response:
    await call.services.metadata.delete_all(call.app_id, call.params["user_id"], RULES)
    return empty()


async def view_metadata_item(call: Call) -> Response:
    items = await call.services.metadata.view_one(
        call.app_id, call.params["user_id"], RULES, call.params["key"]
    )
    return json_response(items)


async def update_metadata_item(call: Call) -> Response:
    body = await call.body()
    items = await call.services.metadata.update_one(
        call.app_id,
        call.params["user_id"],
        RULES,
        call.params["key"],
        body.get("value"),
        upsert=flag(body, "upsert"),
    )
    return json_response(items)


async def delete_metadata_item(call: Call) -> Response:
    await call.services.metadata.delete_one(
        call.app_id, call.params["user_id"], RULES, call.params["key"]
    )
    return empty()


async def create_bot(call: Call) -> Response:
    body = await call.body(required=False)
    bot, token = await call.services.bots.create_bot(
        call.app_id, params.renamed(body, params.BOT_FIELDS), RULES
    )
    return json_response(render.bot(bot, token=token))


async def list_bots(call: Call) -> Response:
    query = call.query
    limit = params.limit(query)
    token = query.text("token")
    digest = page_token.filter_digest("bots", call.app_id)
    after = page_token.read(token, digest, _now(call))[0] if token else None
    bots, more = await call.services.bots.list_bots(call.app_id, after, limit)
    next_token = page_token.issue((bots[-1].user.uid,), digest, _now(call)) if more else ""
    return json_response({"bots": [render.bot(b) for b in bots], "next": next_token})


async def view_bot(call: Call) -> Response:
    return json_response(
        render.bot(await call.services.bots.get_bot(call.app_id, call.params["bot_userid"]))
    )


async def update_bot(call: Call) -> Response:
    body = await call.body(required=False)
    fields = params.renamed(body, params.BOT_FIELDS)
    fields.pop("uid", None)  # the id in the body repeats the path; it cannot change
    bot = await call.services.bots.update_bot(call.app_id, call.params["bot_userid"], fields, RULES)
    return json_response(render.bot(bot))


async def delete_bot(call: Call) -> Response:
    await call.services.bots.delete_bot(call.app_id, call.params["bot_userid"])
    return empty()


async def block_users(call: Call) -> Response:
    """`target_id` blocks one user (reply: that user, plus `users`); `user_ids`/`users` many."""
    body = await call.body(required=False)
    targets, single = params.block_targets(body)
    _outcomes, found = await call.services.relations.block(
        call.app_id, call.params["user_id"], targets, RULES, "user_ids", strict=True
    )
    blocked = render.users([found[t] for t in dict.fromkeys(targets)])
    if single:
        # The user's own fields beside `users`: a round trip through JSON flattens the Struct
        # (its raw metadata included), on a path that handles one user.
        user = msgspec.json.decode(msgspec.json.encode(blocked[0]))
        return json_response({**user, "users": blocked})
    return json_response({"users": blocked})


async def list_blocked(call: Call) -> Response:
    owner = await call.services.relations.subject(call.app_id, call.params["user_id"], RULES)
    return await _user_page(call, params.list_blocked(call.query, call.app_id, owner.pk))


async def unblock_user(call: Call) -> Response:
    await call.services.relations.unblock(
        call.app_id,
        call.params["user_id"],
        [call.params["target_id"]],
        RULES,
        "target_id",
        strict=True,
    )
    return empty()


def build_router() -> Router[Handler]:
    router: Router[Handler] = Router()
    other = Operation.OTHER
    user = "/users/{user_id}"
    table: list[tuple[str, str, Operation, Endpoint]] = [
        ("GET", "/users", other, list_users),
        ("POST", "/users", Operation.CREATE_USER, create_user),
        ("GET", user, other, view_user),
        ("PUT", user, Operation.UPDATE_USER, update_user),
        ("DELETE", user, other, delete_user),
        ("POST", f"{user}/token", Operation.CREATE_AUTH_TOKEN, create_token),
        ("DELETE", f"{user}/token", other, revoke_tokens),
        ("POST", f"{user}/metadata", other, create_metadata),
        ("GET", f"{user}/metadata", other, view_metadata),
        ("PUT", f"{user}/metadata", other, update_metadata),
        ("DELETE", f"{user}/metadata", other, delete_all_metadata),
        ("GET", f"{user}/metadata/{{key}}", other, view_metadata_item),
        ("PUT", f"{user}/metadata/{{key}}", other, update_metadata_item),
        ("DELETE", f"{user}/metadata/{{key}}", other, delete_metadata_item),
        ("POST", f"{user}/block", other, block_users),
        ("GET", f"{user}/block", other, list_blocked),
        ("DELETE", f"{user}/block/{{target_id}}", other, unblock_user),
        ("POST", "/bots", other, create_bot),
        ("GET", "/bots", other, list_bots),
        ("GET", "/bots/{bot_userid}", other, view_bot),
        ("PUT", "/bots/{bot_userid}", other, update_bot),
        ("DELETE", "/bots/{bot_userid}", other, delete_bot),
    ]
    for method, path, operation, endpoint in table:
        router.add(method, path, Handler(operation, endpoint))
    return router


def sendbird(services: Services) -> Dialect:
    return Dialect(SPEC, build_router(), services)
