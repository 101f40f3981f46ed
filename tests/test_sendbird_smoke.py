"""A first pass over the Sendbird dialect; the per-feature suites go deeper."""

from urllib.parse import quote


def test_create_view_list_delete(sb):
    created = sb.post(
        "/users", json={"user_id": "Craig/1 é", "nickname": "Shopper", "profile_url": ""}
    )
    assert created.status_code == 200, created.text
    assert created.json()["user_id"] == "Craig/1 é"
    path = "/users/" + quote("Craig/1 é", safe="")
    assert sb.get(path).json()["nickname"] == "Shopper"
    listed = sb.get("/users").json()
    assert [u["user_id"] for u in listed["users"]] == ["Craig/1 é"]
    assert listed["next"] == ""
    assert sb.delete(path).json() == {}
    assert sb.get(path).json()["code"] == 400201
