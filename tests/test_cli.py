"""The `roster` command: apps and keys through Click's CliRunner, and `roster serve` as a real
process on a real socket. The CliRunner tests run on a SQLite file and on a fresh PostgreSQL
schema; `serve` is exercised on SQLite, and its first start on PostgreSQL too.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from click.testing import CliRunner, Result

from roster.app import RosterApp
from roster.cli import main
from roster.settings import Settings
from tests import contract
from tests.conftest import PG_URL, ContractClient, SendbirdClient, fresh_pg_schema

ROSTER = str(Path(sys.executable).parent / "roster")
FORBIDDEN_PORTS = {5432, 6379, 3306, 5672, 1883, 4222}
HEX40 = re.compile(r"^[0-9a-f]{40}$")
ANY_HEX40 = re.compile(r"\b[0-9a-f]{40}\b")
START_TIMEOUT = 30.0


# --- stores -------------------------------------------------------------------------------------


@dataclass
class Store:
    """Where a test keeps its data: the CLI flags and the equivalent Settings."""

    args: list[str]
    settings: Settings


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    path = str(tmp_path / "cli.db")
    return Store(["--db", path], Settings(db=path))


@pytest.fixture
def pg_store() -> Iterator[Store]:
    with fresh_pg_schema() as schema:
        yield Store(
            ["--database-url", PG_URL, "--pg-schema", schema],
            Settings(database_url=PG_URL, pg_schema=schema),
        )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Store:
    fixture = "sqlite_store" if request.param == "sqlite" else "pg_store"
    found: Store = request.getfixturevalue(fixture)
    return found


# --- CliRunner helpers ----------------------------------------------------------------------------


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def fields_of(output: str) -> dict[str, str]:
    """`label: value` lines as a dict."""
    found = {}
    for line in output.splitlines():
        if ":" in line:
            label, value = line.split(":", 1)
            found[label.strip()] = value.strip()
    return found


def create_app(store: Store, *extra: str) -> dict[str, str]:
    return fields_of(ok("apps", "create", *store.args, *extra))


def list_keys(store: Store, app_id: str) -> list[list[str]]:
    output = ok("keys", "list", *store.args, "--app-id", app_id)
    return [line.split("\t") for line in output.splitlines() if line.strip()]


def list_apps(store: Store) -> list[list[str]]:
    output = ok("apps", "list", *store.args)
    return [line.split("\t") for line in output.splitlines() if line.strip()]


# --- apps -----------------------------------------------------------------------------------------


def test_apps_create_with_id_and_name(store):
    created = create_app(store, "--app-id", "acme", "--name", "Acme Inc")
    assert created["app id"] == "acme"
    full, auth = created["fullAccess api key"], created["authOnly api key"]
    assert HEX40.match(full), full
    assert HEX40.match(auth), auth
    assert full != auth

    apps = list_apps(store)
    assert len(apps) == 1
    app_id, name, created_at = apps[0]
    assert (app_id, name) == ("acme", "Acme Inc")
    assert abs(int(created_at) - time.time()) < 120
    assert full not in ok("apps", "list", *store.args)


def test_apps_create_with_a_random_id(store):
    first = create_app(store)["app id"]
    second = create_app(store)["app id"]
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", first)
    listed = {row[0]: row[1] for row in list_apps(store)}
    assert listed == {first: first, second: second}  # the name defaults to the id


def test_apps_create_refuses_a_duplicate_id(store):
    create_app(store, "--app-id", "acme")
    result = run("apps", "create", *store.args, "--app-id", "acme", "--name", "Again")
    assert result.exit_code != 0
    assert "acme" in result.output
    assert [row[:2] for row in list_apps(store)] == [["acme", "acme"]]
    assert len(list_keys(store, "acme")) == 2


@pytest.mark.parametrize("bad", ["bad id", "bad!", "-starts-with-dash", "x" * 65])
def test_apps_create_refuses_a_bad_id(store, bad):
    result = run("apps", "create", *store.args, "--app-id", bad)
    assert result.exit_code != 0
    assert list_apps(store) == []


def test_apps_list_on_an_empty_store(store):
    assert ok("apps", "list", *store.args).strip() == ""


def test_created_app_keys_work_over_http(store):
    created = create_app(store, "--app-id", "acme")
    full, auth = created["fullAccess api key"], created["authOnly api key"]
    with ContractClient(RosterApp(store.settings), base_url="http://testserver/v3") as c:
        listed = c.get("/users", headers={"apikey": full, "appId": "acme"})
        assert listed.status_code == 200, listed.text
        assert listed.json()["data"] == []
        roles = c.get("/roles", headers={"apikey": full}).json()["data"]
        assert [r["role"] for r in roles] == ["default"]
        denied = c.get("/users", headers={"apikey": auth})
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "AUTH_ERR_NO_ACCESS"
        made = c.post("/users", json={"uid": "u1", "name": "U"}, headers={"apikey": auth})
        assert made.status_code == 200, made.text


# --- keys -----------------------------------------------------------------------------------------


def test_keys_create_auth_only(store):
    create_app(store, "--app-id", "acme")
    output = ok(
        "keys", "create", *store.args, "--app-id", "acme", "--scope", "authOnly", "--name", "Mobile"
    )
    created = fields_of(output)
    assert created["scope"] == "authOnly"
    assert HEX40.match(created["api key"])
    assert created["key id"]

    rows = {row[0]: row for row in list_keys(store, "acme")}
    assert created["key id"] in rows
    _key_id, scope, name, hint, state = rows[created["key id"]]
    assert (scope, name, state) == ("authOnly", "Mobile", "active")
    assert hint.endswith(created["api key"][-4:])

    with ContractClient(RosterApp(store.settings), base_url="http://testserver/v3") as c:
        headers = {"apikey": created["api key"]}
        denied = c.get("/users", headers=headers)
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "AUTH_ERR_NO_ACCESS"
        made = c.post("/users", json={"uid": "u1", "name": "U"}, headers=headers)
        assert made.status_code == 200, made.text


def test_keys_create_defaults_to_full_access(store):
    create_app(store, "--app-id", "acme")
    created = fields_of(ok("keys", "create", *store.args, "--app-id", "acme"))
    assert created["scope"] == "fullAccess"
    with ContractClient(RosterApp(store.settings), base_url="http://testserver/v3") as c:
        response = c.get("/users", headers={"apikey": created["api key"]})
        assert response.status_code == 200, response.text


def test_keys_create_sendbird_secondary_token(store):
    """A secondary token is a full-access Sendbird Api-Token that can be revoked on its own."""
    create_app(store, "--app-id", "acme")
    created = fields_of(
        ok("keys", "create", *store.args, "--app-id", "acme", "--scope", "secondary")
    )
    assert created["scope"] == "secondary"
    assert HEX40.match(created["api key"])
    app = RosterApp(store.settings)
    with SendbirdClient(app, base_url="http://testserver/v3") as c:
        headers = {"Api-Token": created["api key"]}
        made = c.post("/users", json={"user_id": "Sb1", "nickname": "S"}, headers=headers)
        assert made.status_code == 200, made.text
        listed = c.get("/users", headers=headers)
        assert [u["user_id"] for u in listed.json()["users"]] == ["Sb1"]
    ok("keys", "revoke", *store.args, "--app-id", "acme", created["key id"])
    with SendbirdClient(RosterApp(store.settings), base_url="http://testserver/v3") as c:
        refused = c.get("/users", headers={"Api-Token": created["api key"]})
        assert refused.status_code == 401
        assert refused.json()["code"] == 400401


def test_keys_create_for_an_unknown_app_fails(store):
    result = run("keys", "create", *store.args, "--app-id", "ghost")
    assert result.exit_code != 0
    assert list_keys(store, "ghost") == []


def test_keys_create_refuses_an_unknown_scope(store):
    create_app(store, "--app-id", "acme")
    result = run("keys", "create", *store.args, "--app-id", "acme", "--scope", "admin")
    assert result.exit_code == 2
    assert len(list_keys(store, "acme")) == 2


def test_keys_list_shows_hints_and_never_secrets(store):
    created = create_app(store, "--app-id", "acme")
    extra = fields_of(ok("keys", "create", *store.args, "--app-id", "acme", "--scope", "authOnly"))
    secrets = [created["fullAccess api key"], created["authOnly api key"], extra["api key"]]

    output = ok("keys", "list", *store.args, "--app-id", "acme")
    rows = list_keys(store, "acme")
    assert len(rows) == 3
    assert sorted(row[1] for row in rows) == ["authOnly", "authOnly", "fullAccess"]
    assert all(row[4] == "active" for row in rows)
    assert len({row[0] for row in rows}) == 3
    for secret in secrets:
        assert secret not in output
        assert secret[:8] not in output
        assert any(row[3].endswith(secret[-4:]) for row in rows)
    for row in rows:
        assert len(row[3].lstrip("…")) == 4, row


def test_keys_list_is_per_app(store):
    create_app(store, "--app-id", "one")
    create_app(store, "--app-id", "two")
    ok("keys", "create", *store.args, "--app-id", "two")
    one = {row[0] for row in list_keys(store, "one")}
    two = {row[0] for row in list_keys(store, "two")}
    assert len(one) == 2
    assert len(two) == 3
    assert not one & two
    assert list_keys(store, "nobody") == []


def test_keys_revoke(store):
    created = create_app(store, "--app-id", "acme")
    full = created["fullAccess api key"]
    rows = list_keys(store, "acme")
    full_id = next(row[0] for row in rows if row[1] == "fullAccess")

    output = ok("keys", "revoke", *store.args, "--app-id", "acme", full_id)
    assert full_id in output
    states = {row[0]: row[4] for row in list_keys(store, "acme")}
    assert states[full_id] == "revoked"
    assert sorted(states.values()) == ["active", "revoked"]

    again = run("keys", "revoke", *store.args, "--app-id", "acme", full_id)
    assert again.exit_code != 0

    with ContractClient(RosterApp(store.settings), base_url="http://testserver/v3") as c:
        response = c.get("/users", headers={"apikey": full})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "AUTH_ERR_APIKEY_NOT_FOUND"
        made = c.post(
            "/users",
            json={"uid": "u", "name": "U"},
            headers={"apikey": created["authOnly api key"]},
        )
        assert made.status_code == 200, made.text


def test_keys_revoke_of_an_unknown_id_fails(store):
    create_app(store, "--app-id", "acme")
    before = list_keys(store, "acme")
    result = run("keys", "revoke", *store.args, "--app-id", "acme", "nosuchkey")
    assert result.exit_code != 0
    assert "nosuchkey" in result.output
    assert list_keys(store, "acme") == before


def test_keys_revoke_needs_the_keys_own_app(store):
    create_app(store, "--app-id", "one")
    create_app(store, "--app-id", "two")
    key_id = list_keys(store, "one")[0][0]
    result = run("keys", "revoke", *store.args, "--app-id", "two", key_id)
    assert result.exit_code != 0
    assert all(row[4] == "active" for row in list_keys(store, "one"))


def test_serve_refuses_app_id_without_api_key(sqlite_store):
    result = run("serve", *sqlite_store.args, "--app-id", "acme")
    assert result.exit_code == 2
    assert "--api-key" in result.output
    result = run("serve", *sqlite_store.args, "--api-key", "k" * 40)
    assert result.exit_code == 2


# --- roster serve as a real process ---------------------------------------------------------------


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in FORBIDDEN_PORTS:
            return port


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    env.update(extra)
    return env


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    out_path: Path
    err_path: Path
    files: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.out_path.read_text()

    def stop(self) -> str:
        """Stop the process (if still running) and return everything it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        for f in self.files:
            f.close()
        self.files.clear()
        return self.output()


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(
                f"roster serve exited with {server.proc.returncode}:\n"
                f"{server.output()}\n{server.err_path.read_text()}"
            )
        try:
            response = httpx.get(f"{server.url}/healthz", timeout=1.0)
            if response.status_code == 200:
                assert response.json() == {"ok": True}
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(
        f"roster serve not ready after {START_TIMEOUT}s ({last}):\n{server.err_path.read_text()}"
    )


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start `roster serve` processes; every one is terminated when the test ends."""
    started: list[Server] = []

    def start(
        *args: str, env: dict[str, str] | None = None, port: int | None = None, flags: bool = True
    ) -> Server:
        port = port or free_port()
        n = len(started)
        out_path, err_path = tmp_path / f"serve{n}.out", tmp_path / f"serve{n}.err"
        out, err = out_path.open("w"), err_path.open("w")
        command = [ROSTER, "serve", *args]
        if flags:
            command += ["--host", "127.0.0.1", "--port", str(port)]
        proc = subprocess.Popen(
            command, stdout=out, stderr=err, env=env or clean_env(), cwd=tmp_path
        )
        server = Server(proc, port, out_path, err_path, [out, err])
        started.append(server)
        wait_ready(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def get_users(server: Server, secret: str, **headers: str) -> httpx.Response:
    """GET /v3/users over a real socket, checked against the OpenAPI document like every reply."""
    response = httpx.get(
        f"{server.url}/v3/users", headers={"apikey": secret, **headers}, timeout=10
    )
    contract.validate("cometchat", "GET", "/v3/users", response.status_code, response.json())
    return response


def post_user(server: Server, secret: str, body: dict[str, str], header: str) -> httpx.Response:
    """POST /v3/users over a real socket, with the key under a header name of any case."""
    response = httpx.post(f"{server.url}/v3/users", json=body, headers={header: secret}, timeout=10)
    contract.validate("cometchat", "POST", "/v3/users", response.status_code, response.json())
    return response


def printed_keys(output: str) -> dict[str, str]:
    found = fields_of(output)
    return {
        "app": found.get("app id", ""),
        "full": found.get("fullAccess api key", ""),
        "auth": found.get("authOnly api key", ""),
    }


def test_first_start_prints_keys_once(start_server, tmp_path):
    db = str(tmp_path / "first.db")
    server = start_server("--db", db)
    printed = printed_keys(server.output())
    assert printed["app"], server.output()
    assert HEX40.match(printed["full"]), server.output()
    assert HEX40.match(printed["auth"]), server.output()
    assert printed["full"] != printed["auth"]

    response = get_users(server, printed["full"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == []
    assert body["meta"]["pagination"]["total"] == 0

    response = get_users(server, printed["full"], appId=printed["app"])
    assert response.status_code == 200, response.text
    denied = get_users(server, printed["auth"])
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "AUTH_ERR_NO_ACCESS"
    created = post_user(server, printed["auth"], {"uid": "alice", "name": "Alice"}, "apiKey")
    assert created.status_code == 200, created.text
    first_output = server.stop()
    assert first_output.count(printed["full"]) == 1
    assert first_output.count(printed["auth"]) == 1

    again = start_server("--db", db)
    response = get_users(again, printed["full"])
    assert response.status_code == 200, response.text
    assert [u["uid"] for u in response.json()["data"]] == ["alice"]
    second_output = again.stop()
    assert "api key" not in second_output.lower()
    assert printed["full"] not in second_output
    assert printed["auth"] not in second_output
    assert not ANY_HEX40.search(second_output)

    apps = list_apps(Store(["--db", db], Settings(db=db)))
    assert [row[0] for row in apps] == [printed["app"]]


def test_first_start_on_postgres(start_server, pg_store):
    server = start_server(*pg_store.args)
    printed = printed_keys(server.output())
    assert HEX40.match(printed["full"]), server.output()
    assert HEX40.match(printed["auth"]), server.output()
    response = get_users(server, printed["full"])
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
    assert server.stop().count(printed["full"]) == 1

    again = start_server(*pg_store.args)
    assert get_users(again, printed["full"]).status_code == 200
    second_output = again.stop()
    assert "api key" not in second_output.lower()
    assert printed["full"] not in second_output
    assert [row[0] for row in list_apps(pg_store)] == [printed["app"]]


def test_serve_with_app_id_and_api_key_is_idempotent(start_server, tmp_path):
    db = str(tmp_path / "fixed.db")
    secret = "ab" * 20
    args = ("--db", db, "--app-id", "acme", "--api-key", secret)

    server = start_server(*args)
    output = server.output()
    assert "acme" in output
    assert "fullAccess api key:" not in output
    assert "authOnly api key:" not in output
    response = get_users(server, secret, appId="acme")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
    mismatch = get_users(server, secret, appId="other")
    assert mismatch.status_code == 401
    assert mismatch.json()["error"]["code"] == "AUTH_ERR_INVALID_APPID"
    made = post_user(server, secret, {"uid": "bob", "name": "Bob"}, "APIKEY")
    assert made.status_code == 200, made.text
    server.stop()

    for _restart in range(2):
        server = start_server(*args)
        response = get_users(server, secret, appId="ACME")
        assert response.status_code == 200, response.text
        assert [u["uid"] for u in response.json()["data"]] == ["bob"]
        output = server.stop()
        assert "api key:" not in output

    store = Store(["--db", db], Settings(db=db))
    assert [row[0] for row in list_apps(store)] == ["acme"]
    keys = list_keys(store, "acme")
    assert len(keys) == 1, keys
    assert keys[0][1] == "fullAccess"
    assert keys[0][3].endswith(secret[-4:])
    assert keys[0][4] == "active"


def test_serve_with_api_key_restores_a_revoked_key(start_server, tmp_path):
    db = str(tmp_path / "revoked.db")
    secret = "cd" * 20
    args = ("--db", db, "--app-id", "acme", "--api-key", secret)
    start_server(*args).stop()

    store = Store(["--db", db], Settings(db=db))
    key_id = list_keys(store, "acme")[0][0]
    ok("keys", "revoke", *store.args, "--app-id", "acme", key_id)

    server = start_server(*args)
    response = get_users(server, secret)
    assert response.status_code == 200, response.text
    server.stop()


def test_serve_honours_roster_db_and_roster_port(start_server, tmp_path):
    port = free_port()
    db = tmp_path / "from-env" / "env.db"
    db.parent.mkdir()
    env = clean_env(ROSTER_DB=str(db), ROSTER_PORT=str(port))
    server = start_server(env=env, port=port, flags=False)
    assert server.port == port
    printed = printed_keys(server.output())
    assert HEX40.match(printed["full"]), server.output()
    response = get_users(server, printed["full"])
    assert response.status_code == 200, response.text
    output = server.stop()
    assert str(port) in output
    assert db.exists()
    assert not (tmp_path / "roster.db").exists()
    assert [row[0] for row in list_apps(Store(["--db", str(db)], Settings(db=str(db))))] == [
        printed["app"]
    ]


def test_serve_with_app_id_from_env(start_server, tmp_path):
    db = str(tmp_path / "envkey.db")
    secret = "ef" * 20
    env = clean_env(ROSTER_DB=db, ROSTER_APP_ID="envapp", ROSTER_API_KEY=secret)
    server = start_server(env=env)
    response = get_users(server, secret, appId="envapp")
    assert response.status_code == 200, response.text
    assert "api key:" not in server.stop()
