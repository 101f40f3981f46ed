"""CometChat routes: parse, call one core service, render. No rules live here."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from roster.core.services import Services
from roster.core.tenancy import Operation
from roster.core.user_rules import COMETCHAT_RULES
from roster.dialects.cometchat import params, render
from roster.dialects.cometchat.errors import crash_response, error_response
from roster.http.body import flag
from roster.http.dialect import Call, Dialect, DialectSpec, Endpoint, Handler, json_response
from roster.http.router import Router

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


def _viewer_header(call: Call) -> str | None:
    return call.request.headers.get("onbehalfof") or None


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
        data["authToken"] = created.auth_token
    return ok(data)


async def list_users(call: Call) -> Response:
    request = params.list_request(call.query, call.app_id)
    users = call.services.users
    viewer = _viewer_header(call)
    if viewer is not None:
        viewer = (await users.viewer(call.app_id, viewer, RULES)).uid
    page = await users.list_users(
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
    body: dict[str, Any] = {
        "data": [render.user(u, viewer=viewer, with_tags=request.with_tags) for u in page.users],
        "meta": meta,
    }
    cursor = render.cursor(page.users)
    if cursor is not None:
        meta["cursor"] = cursor
        body["cursor"] = cursor
    return json_response(body)


async def get_user(call: Call) -> Response:
    users = call.services.users
    viewer = _viewer_header(call)
    if viewer is not None:
        viewer = (await users.viewer(call.app_id, viewer, RULES)).uid
    user = await users.get_user(call.app_id, call.params["uid"], RULES)
    return ok(render.user(user, viewer=viewer))


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
