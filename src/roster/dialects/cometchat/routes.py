"""CometChat routes: parse, call one core service, render. No rules live here."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from roster.core.errors import ErrorKind, RosterError
from roster.core.role_service import RoleService
from roster.core.tenancy import Operation, Tenancy, authorize, check_app_claims
from roster.core.user_rules import COMETCHAT_RULES
from roster.core.user_service import UserService
from roster.dialects.cometchat import params, render
from roster.dialects.cometchat.errors import crash_response, error_response
from roster.http.body import json_object
from roster.http.query import Query
from roster.http.router import Router

BODY_LIMIT = 10 * 1024
RULES = COMETCHAT_RULES
_HOST_APP = re.compile(r"^([^.]+)\.api-[^.]+\.", re.IGNORECASE)
log = logging.getLogger("roster.cometchat")


@dataclass(slots=True)
class Services:
    users: UserService
    roles: RoleService
    tenancy: Tenancy


@dataclass(slots=True)
class Call:
    request: Request
    params: dict[str, str]
    app_id: str
    services: Services

    @property
    def query(self) -> Query:
        return Query(self.request.scope.get("query_string", b""))

    async def body(self, *, required: bool = True) -> dict[str, Any]:
        return await json_object(self.request, BODY_LIMIT, required=required)

    def viewer_header(self) -> str | None:
        return self.request.headers.get("onbehalfof") or None


Endpoint = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Handler:
    operation: Operation
    endpoint: Endpoint


def ok(data: object) -> Response:
    return Response(msgspec.json.encode({"data": data}), 200, media_type="application/json")


def success(message: str, **extra: object) -> Response:
    return ok({"success": True, "message": message, **extra})


async def create_user(call: Call) -> Response:
    body = await call.body()
    created = await call.services.users.create_user(
        call.app_id,
        params.user_fields(body, with_uid=True),
        RULES,
        with_auth_token=params.flag(body, "withAuthToken"),
    )
    data = render.user(created.user)
    if created.auth_token is not None:
        data["authToken"] = created.auth_token
    return ok(data)


async def list_users(call: Call) -> Response:
    request = params.list_request(call.query, call.app_id)
    users = call.services.users
    viewer = call.viewer_header()
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
    return Response(msgspec.json.encode(body), 200, media_type="application/json")


async def get_user(call: Call) -> Response:
    users = call.services.users
    viewer = call.viewer_header()
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
    permanent = params.flag(body, "permanent")
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
    return Response(msgspec.json.encode(body), 200, media_type="application/json")


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


class CometChat:
    """The dialect as one callable: `rest` is the raw path after the version prefix."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._router = build_router()

    async def handle(self, request: Request, rest: str) -> Response:
        try:
            found = self._router.match(request.method, rest)
            if found is None:
                raise RosterError(ErrorKind.ROUTE_NOT_FOUND)
            route, path_params = found
            key = await self._services.tenancy.resolve_key(request.headers.get("apikey"))
            check_app_claims(key, _app_claims(request))
            authorize(key, route.handler.operation)
            call = Call(request, path_params, key.app_id, self._services)
            return await route.handler.endpoint(call)
        except RosterError as error:
            return error_response(error)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, rest)
            return crash_response()


def _app_claims(request: Request) -> list[str]:
    """App ids the request names besides its key: the appId header and a vendor host name."""
    claims = []
    header = request.headers.get("appid")
    if header:
        claims.append(header)
    host = _HOST_APP.match(request.headers.get("host", ""))
    if host:
        claims.append(host.group(1))
    return claims


def not_found() -> Response:
    return error_response(RosterError(ErrorKind.ROUTE_NOT_FOUND))
