"""CometChat routes: parse, call one core service, render. No rules live here."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from roster.core.relation_service import Outcome
from roster.core.services import Services
from roster.core.tenancy import Operation
from roster.core.user_rules import COMETCHAT_RULES
from roster.dialects.cometchat import params, render
from roster.dialects.cometchat.errors import crash_response, error_response
from roster.http.body import flag
from roster.http.dialect import Call, Dialect, DialectSpec, Endpoint, Handler, json_response
from roster.http.router import Router
from roster.model.users import User

RULES = COMETCHAT_RULES
SPEC = DialectSpec(
    name="cometchat",
    credential_header="apikey",
    app_header="appid",
    host_app=re.compile(r"^([^.]+)\.api-[^.]+\.", re.IGNORECASE),  # {appId}.api-{region}.…
    body_limit=10 * 1024,
    error_response=error_response,
    crash_response=crash_response,
)


def ok(data: object) -> Response:
    return json_response({"data": data})


def success(message: str, **extra: object) -> Response:
    return ok({"success": True, "message": message, **extra})


async def create_user(call: Call) -> Response:
    body = await call.body()
    created = await call.services.users.create_user(
        call.app_id,
        params.user_fields(body, with_uid=True),
        RULES,
        with_auth_token=flag(body, "withAuthToken"),
    )
    data = render.user(created.user)
    if created.auth_token is not None:
        data.auth_token = created.auth_token
    return ok(data)


async def _viewer(call: Call) -> User | None:
    uid = call.headers.get("onbehalfof") or None
    return None if uid is None else await call.services.users.viewer(call.app_id, uid, RULES)


async def _seen_by(
    call: Call, viewer: User | None, users: list[User], *, with_tags: bool
) -> list[render.CometChatUser]:
    """Users as a viewer sees them: conversation ids and blocks, read in one query."""
    if viewer is None:
        return render.users(users, with_tags=with_tags)
    blocks = await call.services.relations.blocks_seen_by(viewer, users)
    return render.users(users, with_tags=with_tags, viewer=viewer.uid, blocks=blocks)


async def _user_list(call: Call, request: params.ListRequest, viewer: User | None) -> Response:
    page = await call.services.users.list_users(
        request.query,
        page=request.page,
        per_page=request.per_page,
        count=request.count,
        with_tags=request.with_tags,
    )
    meta: dict[str, Any] = {
        "pagination": render.pagination(
            count=len(page.users),
            per_page=request.per_page,
            page=request.page,
            has_more=page.has_more,
            total=page.total,
        )
    }
    data = await _seen_by(call, viewer, page.users, with_tags=request.with_tags)
    body: dict[str, Any] = {"data": data, "meta": meta}
    cursor = render.cursor(page.users)
    if cursor is not None:
        meta["cursor"] = cursor
        body["cursor"] = cursor
    return json_response(body)


async def list_users(call: Call) -> Response:
    request = call.parsed(params.list_request)
    return await _user_list(call, request, await _viewer(call))


async def get_user(call: Call) -> Response:
    viewer = await _viewer(call)
    user = await call.services.users.get_user(call.app_id, call.params["uid"], RULES)
    return ok((await _seen_by(call, viewer, [user], with_tags=True))[0])


async def update_user(call: Call) -> Response:
    body = await call.body()
    updated = await call.services.users.update_user(
        call.app_id,
        call.params["uid"],
        params.user_fields(body, with_uid=False),
        body.get("unset"),
        RULES,
        params.UNSETTABLE,
    )
    return ok(render.user(updated.user))


async def delete_user(call: Call) -> Response:
    body = await call.body(required=False)
    permanent = flag(body, "permanent")
    user = await call.services.users.delete_user(
        call.app_id, call.params["uid"], RULES, permanent=permanent
    )
    message = f"User with UID {user.uid} has been deleted successfully."
    if permanent:
        return success(message)
    return success(message, deactivatedUids=[user.uid])


async def deactivate_users(call: Call) -> Response:
    uids = params.uid_list(await call.body(), "uidsToDeactivate")
    changed, already, missing = await call.services.users.set_active(
        call.app_id, uids, RULES, active=False
    )
    data: dict[str, list[str]] = {"deactivatedUids": changed}
    if already:
        data["alreadyDeactivatedUids"] = already
    if missing:
        data["notFound"] = missing
    return ok(data)


async def reactivate_users(call: Call) -> Response:
    uids = params.uid_list(await call.body(), "uidsToActivate")
    changed, already, missing = await call.services.users.set_active(
        call.app_id, uids, RULES, active=True
    )
    return ok({"reactivatedUids": changed, "nonDeactivatedUids": already + missing})


async def create_role(call: Call) -> Response:
    role = await call.services.roles.create_role(call.app_id, await call.body())
    return ok(render.role(role))


async def list_roles(call: Call) -> Response:
    page, per_page = params.page_params(call.query)
    roles, total = await call.services.roles.list_roles(call.app_id, page, per_page)
    pagination = render.pagination(
        count=len(roles), per_page=per_page, page=page, has_more=False, total=total
    )
    body = {"data": [render.role(r) for r in roles], "meta": {"pagination": pagination}}
    return json_response(body)


async def get_role(call: Call) -> Response:
    return ok(render.role(await call.services.roles.get_role(call.app_id, call.params["role"])))


async def update_role(call: Call) -> Response:
    body = await call.body()
    role = await call.services.roles.update_role(
        call.app_id, call.params["role"], body, body.get("unset")
    )
    return ok(render.role(role))


async def delete_role(call: Call) -> Response:
    role = call.params["role"].lower()
    await call.services.roles.delete_role(call.app_id, role)
    return success(f"Role {role} has been deleted successfully.")


def _outcome_entry(
    outcome: Outcome, done: str, failed: dict[Outcome, tuple[str, str]]
) -> dict[str, Any]:
    if outcome is Outcome.DONE:
        return {"success": True, "message": done}
    code, message = failed[outcome]
    return {"success": False, "message": message, "code": code}


async def _block_change(call: Call, *, undo: bool) -> Response:
    """Block or unblock `blockedUids`, answering per uid."""
    uid = call.params["uid"]
    targets = params.uid_list(await call.body(), "blockedUids")
    relations = call.services.relations
    if undo:
        outcomes = await relations.unblock(call.app_id, uid, targets, RULES, "blockedUids")
    else:
        outcomes, _found = await relations.block(call.app_id, uid, targets, RULES, "blockedUids")
    me = RULES.uid.normalize(uid)
    verb = "unblocked" if undo else "blocked"
    results = {}
    for t, o in outcomes.items():
        failed = {
            Outcome.SELF: ("ERR_CANNOT_BLOCK_SELF", f"A user cannot be {verb} by themselves."),
            Outcome.NOT_FOUND: ("ERR_UID_NOT_FOUND", f"The UID {t} does not exist."),
            Outcome.ABSENT: ("ERR_BAD_REQUEST", f"The UID {t} is not blocked by {me}."),
        }
        done = f"The user with UID {me} has {verb} user with UID {t} successfully."
        results[t] = _outcome_entry(o, done, failed)
    return ok(results)


async def block_users(call: Call) -> Response:
    return await _block_change(call, undo=False)


async def unblock_users(call: Call) -> Response:
    return await _block_change(call, undo=True)


async def list_blocked_users(call: Call) -> Response:
    owner = await call.services.relations.subject(call.app_id, call.params["uid"], RULES)
    request = params.related_list_request(call.query, call.app_id, owner.pk, blocks=True)
    return await _user_list(call, request, owner)


async def add_friends(call: Call) -> Response:
    uid = call.params["uid"]
    targets = params.uid_list(await call.body(), "accepted")
    outcomes = await call.services.relations.add_friends(call.app_id, uid, targets, RULES)
    failed = {
        Outcome.SELF: ("ERR_CANNOT_FORM_SELF_RELATION", "A user cannot befriend themselves."),
        Outcome.ALREADY: ("ERR_ALREADY_FRIEND", "The users are already friends."),
        Outcome.NOT_FOUND: ("ERR_UID_NOT_FOUND", "The UID does not exist."),
        Outcome.LIMIT: ("ERR_FAILED_TO_ADD_FRIEND", "The friend limit has been reached."),
    }
    accepted = {
        t: _outcome_entry(o, "Created relationship with status accepted.", failed)
        for t, o in outcomes.items()
    }
    return ok({"accepted": accepted})


async def list_friends(call: Call) -> Response:
    owner = await call.services.relations.subject(call.app_id, call.params["uid"], RULES)
    request = params.related_list_request(call.query, call.app_id, owner.pk, blocks=False)
    return await _user_list(call, request, owner)


async def remove_friends(call: Call) -> Response:
    targets = params.uid_list(await call.body(), "friends")
    await call.services.relations.remove_friends(call.app_id, call.params["uid"], targets, RULES)
    return success("Deleted the friend relations successfully.")


async def create_auth_token(call: Call) -> Response:
    body = await call.body(required=False)
    flag(body, "force")  # every call mints a token: stored hashes cannot be handed out again
    uid = call.params["uid"]
    token, created = await call.services.auth_tokens.create(call.app_id, uid, RULES, body)
    return ok({"uid": RULES.uid.normalize(uid), "authToken": token, "createdAt": created // 1000})


async def list_auth_tokens(call: Call) -> Response:
    page, per_page = params.page_params(call.query)
    tokens, total = await call.services.auth_tokens.list(
        call.app_id, call.params["uid"], RULES, page, per_page
    )
    pagination = render.pagination(
        count=len(tokens), per_page=per_page, page=page, has_more=False, total=total
    )
    return json_response(
        {"data": [render.auth_token(t) for t in tokens], "meta": {"pagination": pagination}}
    )


async def flush_auth_tokens(call: Call) -> Response:
    uid = call.params["uid"]
    await call.services.auth_tokens.flush(call.app_id, uid, RULES)
    return success(f"Cleared auth tokens successfully for UID {RULES.uid.normalize(uid)}.")


async def get_auth_token(call: Call) -> Response:
    token = call.params["authToken"]
    found = await call.services.auth_tokens.get(call.app_id, call.params["uid"], RULES, token)
    return ok(render.auth_token(found, shown=token))


async def update_auth_token(call: Call) -> Response:
    token = call.params["authToken"]
    body = await call.body()
    found = await call.services.auth_tokens.update(
        call.app_id, call.params["uid"], RULES, token, body
    )
    return ok(render.auth_token(found, shown=token))


async def delete_auth_token(call: Call) -> Response:
    token = call.params["authToken"]
    await call.services.auth_tokens.delete(call.app_id, call.params["uid"], RULES, token)
    return success("The auth token has been deleted successfully.")


def build_router() -> Router[Handler]:
    router: Router[Handler] = Router()
    other = Operation.OTHER
    table: list[tuple[str, str, Operation, Endpoint]] = [
        ("POST", "/users", Operation.CREATE_USER, create_user),
        ("GET", "/users", other, list_users),
        ("DELETE", "/users", other, deactivate_users),
        ("PUT", "/users", other, reactivate_users),
        ("GET", "/users/{uid}", other, get_user),
        ("PUT", "/users/{uid}", Operation.UPDATE_USER, update_user),
        ("DELETE", "/users/{uid}", other, delete_user),
        ("POST", "/users/{uid}/blockedusers", other, block_users),
        ("DELETE", "/users/{uid}/blockedusers", other, unblock_users),
        ("GET", "/users/{uid}/blockedusers", other, list_blocked_users),
        ("POST", "/users/{uid}/friends", other, add_friends),
        ("GET", "/users/{uid}/friends", other, list_friends),
        ("DELETE", "/users/{uid}/friends", other, remove_friends),
        ("POST", "/users/{uid}/auth_tokens", Operation.CREATE_AUTH_TOKEN, create_auth_token),
        ("GET", "/users/{uid}/auth_tokens", other, list_auth_tokens),
        ("DELETE", "/users/{uid}/auth_tokens", other, flush_auth_tokens),
        ("GET", "/users/{uid}/auth_tokens/{authToken}", other, get_auth_token),
        ("PUT", "/users/{uid}/auth_tokens/{authToken}", other, update_auth_token),
        ("DELETE", "/users/{uid}/auth_tokens/{authToken}", other, delete_auth_token),
        ("POST", "/roles", other, create_role),
        ("GET", "/roles", other, list_roles),
        ("GET", "/roles/{role}", other, get_role),
        ("PUT", "/roles/{role}", other, update_role),
        ("DELETE", "/roles/{role}", other, delete_role),
    ]
    for method, path, operation, endpoint in table:
        router.add(method, path, Handler(operation, endpoint))
    return router


def cometchat(services: Services) -> Dialect:
    return Dialect(SPEC, build_router(), services)
