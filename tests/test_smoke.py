from tests.conftest import make_user


def test_create_then_get(cc):
    created = make_user(cc, "Alice-01", "Alice")
    assert created["uid"] == "alice-01"
    got = cc.get("/users/ALICE-01").json()["data"]
    assert got["name"] == "Alice"
    assert got["status"] == "offline"
