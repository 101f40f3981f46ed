import time

from roster.core.user_rules import COMETCHAT_RULES
from tests.conftest import APP_ID


def test_speed(cc):
    t = time.perf_counter()
    for i in range(500):
        r = cc.post("/users", json={"uid": f"u{i}", "name": f"n{i}"})
        assert r.status_code == 200
    print("post", time.perf_counter() - t)
    t = time.perf_counter()
    users = cc.app._cometchat._services.users

    async def bulk():
        for i in range(500):
            await users.create_user(APP_ID, {"uid": f"v{i}", "name": f"n{i}"}, COMETCHAT_RULES, with_auth_token=False)

    cc.portal.call(bulk)
    print("svc", time.perf_counter() - t)
    t = time.perf_counter()
    r = cc.get("/users", params={"perPage": 1000})
    print("get1000", time.perf_counter() - t, len(r.json()["data"]))
    t = time.perf_counter()
    r = cc.get("/users", params={"perPage": 100})
    print("get100", time.perf_counter() - t, len(r.json()["data"]))
