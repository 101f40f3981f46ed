"""One store, two dialects: what CometChat writes Sendbird reads, and the other way round.

The mapping (docs: ARCHITECTURE.md): uid = user_id, name = nickname, avatar = profile_url
("" when absent), deactivated = not is_active, status = is_online, metadata shared. Sendbird
callers only know string metadata values, so any other JSON value reaches them as its compact
JSON text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.testclient import TestClient

# --- helpers -------------------------------------------------------------------------------


def path(uid: str) -> str:
    return "/users/" + quote(uid, safe="")


def cc_create(cc: TestClient, uid: str, name: str, **fields: Any) -> dict[str, Any]:
    response = cc.post("/users", json={"uid": uid, "name": name, **fields})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def sb_create(sb: TestClient, user_id: str, nickname: str, **fields: Any) -> dict[str, Any]:
    body = {"user_id": user_id, "nickname": nickname, "profile_url": "", **fields}
    response = sb.post("/users", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def cc_get(cc: TestClient, uid: str) -> dict[str, Any]:
    response = cc.get(path(uid))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def sb_get(sb: TestClient, user_id: str) -> dict[str, Any]:
    response = sb.get(path(user_id))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def cc_error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def sb_error(response: Any) -> tuple[int, int]:
    body = response.json()
    assert body["error"] is True, body
    return response.status_code, body["code"]


def cc_list(cc: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = cc.get("/users", params={"perPage": 1000, **params})
    assert response.status_code == 200, response.text
    users: list[dict[str, Any]] = response.json()["data"]
    return users


def cc_uids(cc: TestClient, **params: Any) -> list[str]:
    return [u["uid"] for u in cc_list(cc, **params)]


def sb_walk(sb: TestClient, limit: int = 100, **params: Any) -> list[dict[str, Any]]:
    """Every page of a Sendbird list, following `next` to the end."""
    users: list[dict[str, Any]] = []
    token = ""
    for _ in range(1000):
        query = {"limit": limit, **params}
        if token:
            query["token"] = token
        response = sb.get("/users", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        users.extend(body["users"])
        token = body["next"]
        if not token:
            return users
    raise AssertionError("the Sendbird list never ended")


def sb_ids(sb: TestClient, **params: Any) -> list[str]:
    return [u["user_id"] for u in sb_walk(sb, **params)]


# CometChat metadata with every JSON type, and the flat strings Sendbird shows for it.
RICH_METADATA: dict[str, Any] = {
    "plan": "gold",
    "blank": "",
    "count": 42,
    "ratio": 1.5,
    "negative": -3,
    "flag": True,
    "off": False,
    "nothing": None,
    "object": {"b": 1, "a": [1, "x"]},
    "list": [1, "two", {"three": 3}],
    "empty_list": [],
    "empty_object": {},
    "accent": "é",
    "@private": {"email": "ann@example.com", "contactNumber": "+15550100", "nested": {"k": "é"}},
}
RICH_AS_TEXT: dict[str, str] = {
    "plan": "gold",
    "blank": "",
    "count": "42",
    "ratio": "1.5",
    "negative": "-3",
    "flag": "true",
    "off": "false",
    "nothing": "null",
    "object": '{"b":1,"a":[1,"x"]}',
    "list": '[1,"two",{"three":3}]',
    "empty_list": "[]",
    "empty_object": "{}",
    "accent": "é",
    "@private": ('{"email":"ann@example.com","contactNumber":"+15550100","nested":{"k":"é"}}'),
}


# --- created through one dialect, read through the other -----------------------------------


def test_cometchat_user_seen_through_sendbird(cc, sb):
    created = cc_create(
        cc,
        "ann",
        "Ann Lee",
        avatar="https://img.example.com/ann.png",
        link="https://example.com/ann",
        statusMessage="busy",
        tags=["vip"],
        metadata=RICH_METADATA,
    )
    assert created["metadata"] == RICH_METADATA
    seen = sb_get(sb, "ann")
    assert seen["user_id"] == "ann"
    assert seen["nickname"] == "Ann Lee"
    assert seen["profile_url"] == "https://img.example.com/ann.png"
    assert seen["metadata"] == RICH_AS_TEXT
    assert seen["created_at"] == created["createdAt"]
    assert seen["is_active"] is True
    assert seen["is_online"] is False
    assert created["status"] == "offline"
    assert seen["last_seen_at"] == 0
    # CometChat-only fields never leak into the Sendbird shape (the contract forbids extra keys).
    for key in ("link", "statusMessage", "tags", "role", "uid", "name", "avatar"):
        assert key not in seen
    # The metadata routes give the same flat strings, whole and item by item.
    assert sb.get(path("ann") + "/metadata").json() == RICH_AS_TEXT
    assert sb.get(path("ann") + "/metadata/object").json() == {"object": '{"b":1,"a":[1,"x"]}'}
    assert sb.get(path("ann") + "/metadata/%40private").json() == {
        "@private": RICH_AS_TEXT["@private"]
    }
    picked = sb.get(path("ann") + "/metadata", params={"keys": "count,flag,missing"}).json()
    assert picked == {"count": "42", "flag": "true"}
    # CometChat still sees every value with its JSON type.
    assert cc_get(cc, "ann")["metadata"] == RICH_METADATA


def test_cometchat_user_without_avatar_or_metadata_in_sendbird(cc, sb):
    created = cc_create(cc, "bare", "Bare")
    assert "avatar" not in created and "metadata" not in created
    seen = sb_get(sb, "bare")
    assert seen["profile_url"] == ""
    assert seen["metadata"] == {}
    assert sb.get(path("bare") + "/metadata").json() == {}
    listed = sb_walk(sb)
    assert [(u["user_id"], u["nickname"], u["profile_url"]) for u in listed] == [
        ("bare", "Bare", "")
    ]


def test_cometchat_users_in_sendbird_list(cc, sb):
    ann = cc_create(cc, "ann", "Ann", avatar="https://img.example.com/a.png", metadata={"n": 1})
    bob = cc_create(cc, "bob", "bob")
    listed = {u["user_id"]: u for u in sb_walk(sb)}
    assert set(listed) == {"ann", "bob"}
    assert listed["ann"]["nickname"] == "Ann"
    assert listed["ann"]["profile_url"] == "https://img.example.com/a.png"
    assert listed["ann"]["metadata"] == {"n": "1"}
    assert listed["ann"]["created_at"] == ann["createdAt"]
    assert listed["bob"]["created_at"] == bob["createdAt"]
    assert listed["bob"]["profile_url"] == ""
    assert all(u["is_active"] is True and u["is_online"] is False for u in listed.values())
    # Sendbird's own filters work on CometChat-written data, non-string values as JSON text.
    by_nick = sb.get("/users", params={"nickname": "ANN"}).json()["users"]
    assert [u["user_id"] for u in by_nick] == ["ann"]
    by_meta = sb.get("/users", params={"metadatakey": "n", "metadatavalues_in": "1"}).json()
    assert [u["user_id"] for u in by_meta["users"]] == ["ann"]


def test_sendbird_user_seen_through_cometchat(cc, sb):
    created = sb_create(
        sb,
        "carol",
        "Carol Diaz",
        profile_url="https://img.example.com/carol.png",
        metadata={"team": "red", "level": "3"},
        discovery_keys=["carol@example.com"],
        locale="es",
        phone_number="+15550101",
    )
    seen = cc_get(cc, "carol")
    assert seen["uid"] == "carol"
    assert seen["name"] == "Carol Diaz"
    assert seen["avatar"] == "https://img.example.com/carol.png"
    assert seen["metadata"] == {"team": "red", "level": "3"}
    assert seen["createdAt"] == created["created_at"]
    assert seen["status"] == "offline"
    assert created["is_online"] is False and created["is_active"] is True
    assert seen["role"] == "default"
    assert "deactivatedAt" not in seen and "lastActiveAt" not in seen
    for key in ("discovery_keys", "locale", "phone_number", "nickname", "user_id"):
        assert key not in seen
    listed = cc_list(cc)
    assert [(u["uid"], u["name"], u["avatar"]) for u in listed] == [
        ("carol", "Carol Diaz", "https://img.example.com/carol.png")
    ]
    assert listed[0]["metadata"] == {"team": "red", "level": "3"}
    assert listed[0]["createdAt"] == created["created_at"]


def test_sendbird_profile_url_is_kept_even_where_cometchat_would_refuse_it(cc, sb):
    """Sendbird checks no URL format on profile_url; CometChat only accepts http(s) URLs.

    A Sendbird 'not a url' is stored and shown as CometChat's avatar as is, and survives
    CometChat edits of other fields, though a CometChat write of that value is refused.
    """
    sb_create(sb, "pic", "Pic", profile_url="not a url")
    assert cc_get(cc, "pic")["avatar"] == "not a url"
    response = cc.put(path("pic"), json={"name": "Picture"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["avatar"] == "not a url"
    response = cc.put(path("pic"), json={"avatar": "not a url"})
    assert cc_error(response) == (400, "ERR_BAD_REQUEST")
    assert sb_get(sb, "pic")["profile_url"] == "not a url"


def test_sendbird_user_found_by_cometchat_search(cc, sb):
    sb_create(sb, "sb-zed", "Quentin Blake")
    sb_create(sb, "Upper_Case", "Yolanda")
    cc_create(cc, "other", "Other")
    assert cc_uids(cc, searchKey="quent") == ["sb-zed"]
    assert cc_uids(cc, searchKey="QUENTIN B") == ["sb-zed"]
    assert cc_uids(cc, searchKey="sb-z") == ["sb-zed"]
    assert cc_uids(cc, searchKey="sb-z", searchIn="name") == []
    assert cc_uids(cc, searchKey="sb-z", searchIn="uid") == ["sb-zed"]
    # The uid search is case-insensitive, so a mixed-case Sendbird id is found by any case.
    assert cc_uids(cc, searchKey="upper_") == ["Upper_Case"]
    assert cc_uids(cc, searchKey="UPPER_C", searchIn="uid") == ["Upper_Case"]
    assert cc_uids(cc, searchKey="yol") == ["Upper_Case"]


def test_sendbird_empty_nickname_is_empty_cometchat_name(cc, sb):
    created = sb_create(sb, "nameless", "")
    assert created["nickname"] == ""
    response = sb.post("/users", json={"user_id": "nulled", "nickname": None, "profile_url": ""})
    assert response.status_code == 200, response.text
    assert response.json()["nickname"] == ""
    # The key itself is required (the official SDK always sends it, as null when unset).
    response = sb.post("/users", json={"user_id": "nokey"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 400105
    cc_create(cc, "named", "Aaron")
    assert cc_get(cc, "nulled")["name"] == ""
    assert cc_get(cc, "nameless")["name"] == ""
    assert "avatar" not in cc_get(cc, "nameless")
    # "" sorts before every other name in CometChat's name order; equal names go by uid.
    assert [(u["uid"], u["name"]) for u in cc_list(cc)] == [
        ("nameless", ""),
        ("nulled", ""),
        ("named", "Aaron"),
    ]
    # CometChat can give the nameless user a name.
    response = cc.put(path("nameless"), json={"name": "Now Named"})
    assert response.status_code == 200, response.text
    assert sb_get(sb, "nameless")["nickname"] == "Now Named"


# --- edits through one dialect are seen by the other ---------------------------------------


def test_rename_and_avatar_across_dialects(cc, sb):
    cc_create(cc, "dave", "Dave", avatar="https://img.example.com/d1.png")
    # CometChat edits -> Sendbird sees them.
    response = cc.put(
        path("dave"), json={"name": "David", "avatar": "https://img.example.com/d2.png"}
    )
    assert response.status_code == 200, response.text
    seen = sb_get(sb, "dave")
    assert (seen["nickname"], seen["profile_url"]) == ("David", "https://img.example.com/d2.png")
    response = cc.put(path("dave"), json={"unset": ["avatar"]})
    assert response.status_code == 200, response.text
    assert sb_get(sb, "dave")["profile_url"] == ""
    # Sendbird edits -> CometChat sees them.
    response = sb.put(
        path("dave"), json={"nickname": "Davey", "profile_url": "https://img.example.com/d3.png"}
    )
    assert response.status_code == 200, response.text
    seen_cc = cc_get(cc, "dave")
    assert (seen_cc["name"], seen_cc["avatar"]) == ("Davey", "https://img.example.com/d3.png")
    assert cc_list(cc)[0]["name"] == "Davey"
    response = sb.put(path("dave"), json={"profile_url": ""})
    assert response.status_code == 200, response.text
    assert response.json()["profile_url"] == ""
    assert "avatar" not in cc_get(cc, "dave")
    # Sendbird edits stamp the user's update time, which CometChat shows.
    assert cc_get(cc, "dave")["updatedAt"] >= cc_get(cc, "dave")["createdAt"]
    # The CometChat name order follows a Sendbird rename.
    cc_create(cc, "erin", "Erin")
    assert cc_uids(cc) == ["dave", "erin"]
    assert sb.put(path("dave"), json={"nickname": "Zoe"}).status_code == 200
    assert cc_uids(cc) == ["erin", "dave"]
    assert cc_uids(cc, searchKey="zo") == ["dave"]


def test_sendbird_null_profile_url_clears_cometchat_avatar(cc, sb):
    """Roster's Sendbird contract says of UpdateUserRequest.profile_url: '"" or null removes
    the image.' So after a Sendbird PUT with profile_url null, CometChat shows no avatar."""
    cc_create(cc, "dora", "Dora", avatar="https://img.example.com/dora.png")
    response = sb.put(path("dora"), json={"profile_url": None})
    assert response.status_code == 200, response.text
    assert response.json()["profile_url"] == ""
    assert sb_get(sb, "dora")["profile_url"] == ""
    assert "avatar" not in cc_get(cc, "dora")


def test_vendor_only_fields_survive_the_other_dialect(cc, sb):
    cc_create(
        cc,
        "fay",
        "Fay",
        link="https://example.com/fay",
        statusMessage="out",
        tags=["t1", "t2"],
    )
    response = sb.put(
        path("fay"), json={"nickname": "Faye", "locale": "fr", "discovery_keys": ["fay@x.org"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["locale"] == "fr"
    seen = cc_get(cc, "fay")
    assert seen["name"] == "Faye"
    assert seen["link"] == "https://example.com/fay"
    assert seen["statusMessage"] == "out"
    assert seen["tags"] == ["t1", "t2"]
    response = cc.put(path("fay"), json={"statusMessage": "back"})
    assert response.status_code == 200, response.text
    seen_sb = sb_get(sb, "fay")
    assert seen_sb["locale"] == "fr"
    assert seen_sb["discovery_keys"] == ["fay@x.org"]
    assert seen_sb["nickname"] == "Faye"


def test_sendbird_last_seen_is_cometchat_last_active(cc, sb):
    cc_create(cc, "gus", "Gus")
    response = sb.put(path("gus"), json={"last_seen_at": 1_700_000_000_123})
    assert response.status_code == 200, response.text
    assert response.json()["last_seen_at"] == 1_700_000_000_123
    assert cc_get(cc, "gus")["lastActiveAt"] == 1_700_000_000


def test_cometchat_metadata_edits_seen_by_sendbird_routes(cc, sb):
    cc_create(cc, "hal", "Hal", metadata={"plan": "free"})
    assert sb.get(path("hal") + "/metadata").json() == {"plan": "free"}
    response = cc.put(path("hal"), json={"metadata": {"plan": "pro", "seats": 5, "ok": True}})
    assert response.status_code == 200, response.text
    assert sb.get(path("hal") + "/metadata").json() == {"plan": "pro", "seats": "5", "ok": "true"}
    assert sb.get(path("hal") + "/metadata/seats").json() == {"seats": "5"}
    assert sb_get(sb, "hal")["metadata"] == {"plan": "pro", "seats": "5", "ok": "true"}
    # Sendbird's metadata filter matches the JSON text of a non-string value.
    found = sb.get("/users", params={"metadatakey": "seats", "metadatavalues_in": "5"}).json()
    assert [u["user_id"] for u in found["users"]] == ["hal"]
    response = cc.put(path("hal"), json={"unset": ["metadata"]})
    assert response.status_code == 200, response.text
    assert sb.get(path("hal") + "/metadata").json() == {}
    assert sb_error(sb.get(path("hal") + "/metadata/plan")) == (400, 400201)
    found = sb.get("/users", params={"metadatakey": "seats", "metadatavalues_in": "5"}).json()
    assert found["users"] == []


def test_sendbird_metadata_routes_change_cometchat_metadata(cc, sb):
    cc_create(cc, "ivy", "Ivy", metadata={"plan": "free", "score": 7, "prefs": {"dark": True}})
    # Create new items: other items keep their JSON types in CometChat.
    response = sb.post(path("ivy") + "/metadata", json={"metadata": {"city": "Oslo"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"city": "Oslo"}
    assert cc_get(cc, "ivy")["metadata"] == {
        "plan": "free",
        "score": 7,
        "prefs": {"dark": True},
        "city": "Oslo",
    }
    # Creating a key that exists (even a non-string one) is refused and nothing changes.
    response = sb.post(path("ivy") + "/metadata", json={"metadata": {"score": "8", "x": "y"}})
    assert sb_error(response) == (400, 400202)
    assert "x" not in cc_get(cc, "ivy")["metadata"]
    # Overwriting a non-string value through Sendbird stores the string it was given.
    response = sb.put(path("ivy") + "/metadata/score", json={"value": "8"})
    assert response.status_code == 200, response.text
    assert response.json() == {"score": "8"}
    assert cc_get(cc, "ivy")["metadata"]["score"] == "8"
    assert cc_get(cc, "ivy")["metadata"]["prefs"] == {"dark": True}
    response = sb.put(
        path("ivy") + "/metadata", json={"metadata": {"plan": "pro", "new": "n"}, "upsert": True}
    )
    assert response.status_code == 200, response.text
    assert cc_get(cc, "ivy")["metadata"] == {
        "plan": "pro",
        "score": "8",
        "prefs": {"dark": True},
        "city": "Oslo",
        "new": "n",
    }
    # Without upsert an unknown key is refused and nothing changes.
    response = sb.put(path("ivy") + "/metadata", json={"metadata": {"plan": "x", "nope": "1"}})
    assert sb_error(response) == (400, 400201)
    assert cc_get(cc, "ivy")["metadata"]["plan"] == "pro"
    assert sb.delete(path("ivy") + "/metadata/prefs").json() == {}
    assert "prefs" not in cc_get(cc, "ivy")["metadata"]
    # Replacing the whole object through PUT /users/{id} replaces what CometChat reads.
    response = sb.put(path("ivy"), json={"metadata": {"only": "this"}})
    assert response.status_code == 200, response.text
    assert cc_get(cc, "ivy")["metadata"] == {"only": "this"}
    assert sb.delete(path("ivy") + "/metadata").json() == {}
    assert "metadata" not in cc_get(cc, "ivy")
    assert "metadata" not in cc_list(cc)[0]


def test_string_and_number_metadata_look_alike_to_sendbird(cc, sb):
    """A CometChat number 42 and a CometChat string "42" both reach Sendbird as "42".

    The JSON type is kept in storage (CometChat reads each back as it wrote it), but Sendbird
    callers cannot tell them apart, and a Sendbird metadata filter on "42" matches both.
    """
    cc_create(cc, "num", "Num", metadata={"n": 42})
    cc_create(cc, "str", "Str", metadata={"n": "42"})
    assert sb_get(sb, "num")["metadata"] == sb_get(sb, "str")["metadata"] == {"n": "42"}
    assert cc_get(cc, "num")["metadata"] == {"n": 42}
    assert cc_get(cc, "str")["metadata"] == {"n": "42"}
    found = sb.get("/users", params={"metadatakey": "n", "metadatavalues_in": "42"}).json()
    assert [u["user_id"] for u in found["users"]] == ["num", "str"]


# --- deactivation ---------------------------------------------------------------------------


def test_cometchat_soft_delete_seen_by_sendbird(cc, sb):
    cc_create(cc, "jan", "Jan")
    cc_create(cc, "kim", "Kim")
    response = cc.delete(path("jan"))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["deactivatedUids"] == ["jan"]
    seen = sb_get(sb, "jan")
    assert seen["is_active"] is False
    assert seen["nickname"] == "Jan"
    assert sb_ids(sb) == ["kim"]
    assert sb_ids(sb, active_mode="activated") == ["kim"]
    assert sb_ids(sb, active_mode="deactivated") == ["jan"]
    assert sb_ids(sb, active_mode="all") == ["jan", "kim"]
    # A deactivated user can only be reactivated through Sendbird, not edited.
    assert sb_error(sb.put(path("jan"), json={"nickname": "J"})) == (400, 400300)
    # Sendbird reactivation -> CometChat sees the user again.
    response = sb.put(path("jan"), json={"is_active": True})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is True
    assert cc_get(cc, "jan")["name"] == "Jan"
    assert "deactivatedAt" not in cc_get(cc, "jan")
    assert cc_uids(cc) == ["jan", "kim"]


def test_sendbird_deactivation_seen_by_cometchat(cc, sb):
    sb_create(sb, "lea", "Lea")
    sb_create(sb, "max", "Max")
    response = sb.put(path("lea"), json={"is_active": False})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert cc_error(cc.get(path("lea"))) == (404, "ERR_UID_NOT_FOUND")
    assert cc_error(cc.put(path("lea"), json={"name": "L"})) == (404, "ERR_UID_NOT_FOUND")
    assert cc_error(cc.delete(path("lea"))) == (404, "ERR_UID_NOT_FOUND")
    assert cc_uids(cc) == ["max"]
    deactivated = cc_list(cc, onlyDeactivated="true")
    assert [u["uid"] for u in deactivated] == ["lea"]
    assert isinstance(deactivated[0]["deactivatedAt"], int)
    assert cc_uids(cc, withDeactivated="true") == ["lea", "max"]
    # CometChat bulk reactivation -> Sendbird sees an active user again.
    response = cc.put("/users", json={"uidsToActivate": ["lea", "max"]})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"reactivatedUids": ["lea"], "nonDeactivatedUids": ["max"]}
    assert sb_get(sb, "lea")["is_active"] is True
    assert sb_ids(sb) == ["lea", "max"]
    assert cc_get(cc, "lea")["name"] == "Lea"
    assert cc_list(cc, onlyDeactivated="true") == []


def test_cometchat_bulk_deactivation_seen_by_sendbird(cc, sb):
    sb_create(sb, "ned", "Ned")
    cc_create(cc, "ola", "Ola")
    response = cc.request("DELETE", "/users", json={"uidsToDeactivate": ["ned", "ola", "ghost"]})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"deactivatedUids": ["ned", "ola"], "notFound": ["ghost"]}
    assert sb_ids(sb) == []
    assert sb_ids(sb, active_mode="deactivated") == ["ned", "ola"]
    assert sb_get(sb, "ned")["is_active"] is False
    response = sb.put(path("ola"), json={"is_active": True})
    assert response.status_code == 200, response.text
    assert cc_uids(cc) == ["ola"]
    assert cc_uids(cc, onlyDeactivated="true") == ["ned"]


def test_deactivated_ids_stay_taken_in_both_dialects(cc, sb):
    cc_create(cc, "sam", "Sam")
    sb_create(sb, "tia", "Tia")
    assert cc.delete(path("sam")).status_code == 200
    assert sb.put(path("tia"), json={"is_active": False}).status_code == 200
    for uid in ("sam", "tia"):
        response = sb.post("/users", json={"user_id": uid, "nickname": "again"})
        assert sb_error(response) == (400, 400202), uid
        response = cc.post("/users", json={"uid": uid, "name": "again"})
        assert cc_error(response) == (409, "ERR_UID_ALREADY_EXISTS"), uid
    assert sb_get(sb, "sam")["nickname"] == "Sam"
    assert cc_uids(cc, onlyDeactivated="true") == ["sam", "tia"]


# --- deletion --------------------------------------------------------------------------------


def test_sendbird_delete_seen_by_cometchat(cc, sb):
    cc_create(cc, "pat", "Pat")
    sb_create(sb, "quinn", "Quinn")
    assert sb.delete(path("pat")).json() == {}
    assert cc_error(cc.get(path("pat"))) == (404, "ERR_UID_NOT_FOUND")
    assert cc_uids(cc, withDeactivated="true") == ["quinn"]
    # The uid is free again for either dialect.
    cc_create(cc, "pat", "Pat Again")
    assert sb_get(sb, "pat")["nickname"] == "Pat Again"
    # Sendbird deletes deactivated users too.
    assert cc.delete(path("quinn")).status_code == 200
    assert sb.delete(path("quinn")).json() == {}
    assert cc_uids(cc, onlyDeactivated="true") == []


def test_cometchat_permanent_delete_seen_by_sendbird(cc, sb):
    sb_create(sb, "rae", "Rae", metadata={"k": "v"})
    response = cc.request("DELETE", path("rae"), json={"permanent": True})
    assert response.status_code == 200, response.text
    assert "deactivatedUids" not in response.json()["data"]
    assert sb_error(sb.get(path("rae"))) == (400, 400201)
    assert sb_error(sb.get(path("rae") + "/metadata")) == (400, 400201)
    assert sb_error(sb.put(path("rae"), json={"nickname": "x"})) == (400, 400201)
    assert sb_error(sb.delete(path("rae"))) == (400, 400201)
    assert sb_ids(sb, active_mode="all") == []


# --- bots --------------------------------------------------------------------------------


def make_bot(sb: TestClient, bot_id: str, nickname: str, **fields: Any) -> dict[str, Any]:
    body = {
        "bot_userid": bot_id,
        "bot_nickname": nickname,
        "bot_profile_url": "https://img.example.com/bot.png",
        "bot_type": "assistant",
        "bot_callback_url": "https://hooks.example.com/bot",
        "is_privacy_mode": False,
        **fields,
    }
    response = sb.post("/bots", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_sendbird_bots_are_cometchat_users(cc, sb):
    bot = make_bot(sb, "helper_bot", "Helper")
    make_bot(sb, "HelperTwo", "Second Helper")
    cc_create(cc, "ada", "Ada")
    listed = cc_list(cc)
    assert [(u["uid"], u["name"]) for u in listed] == [
        ("ada", "Ada"),
        ("helper_bot", "Helper"),
        ("HelperTwo", "Second Helper"),
    ]
    as_user = cc_get(cc, "helper_bot")
    assert as_user["avatar"] == "https://img.example.com/bot.png"
    assert as_user["role"] == "default"
    assert as_user["status"] == "offline"
    assert as_user["createdAt"] == bot["created_at"]
    assert cc_uids(cc, searchKey="help") == ["helper_bot", "HelperTwo"]
    assert cc.get("/users", params={"count": "true"}).json()["meta"]["pagination"]["total"] == 3
    # Sendbird lists bots as users too, unless asked to hide them.
    assert sb_ids(sb) == ["HelperTwo", "ada", "helper_bot"]
    assert sb_ids(sb, show_bot="false") == ["ada"]
    # A CometChat rename reaches the bot; a CometChat permanent delete removes it.
    response = cc.put(path("helper_bot"), json={"name": "Helpful"})
    assert response.status_code == 200, response.text
    assert sb.get("/bots/helper_bot").json()["bot"]["bot_nickname"] == "Helpful"
    response = cc.request("DELETE", path("helper_bot"), json={"permanent": True})
    assert response.status_code == 200, response.text
    assert sb_error(sb.get("/bots/helper_bot")) == (400, 400201)
    assert [b["bot"]["bot_userid"] for b in sb.get("/bots").json()["bots"]] == ["HelperTwo"]


def test_bot_and_user_ids_share_one_namespace(cc, sb):
    cc_create(cc, "taken", "Taken")
    body = {
        "bot_userid": "taken",
        "bot_nickname": "Bot",
        "bot_profile_url": "",
        "bot_type": "t",
        "bot_callback_url": "https://hooks.example.com/b",
        "is_privacy_mode": True,
    }
    assert sb_error(sb.post("/bots", json=body)) == (400, 400202)
    # A plain user is not a bot, whichever dialect created it.
    assert sb_error(sb.get("/bots/taken")) == (400, 400201)
    make_bot(sb, "robo", "Robo")
    response = cc.post("/users", json={"uid": "robo", "name": "dup"})
    assert cc_error(response) == (409, "ERR_UID_ALREADY_EXISTS")
    assert cc_uids(cc) == ["robo", "taken"]


# --- id rules across vendors -----------------------------------------------------------------


def test_uppercase_sendbird_id_is_listed_but_not_addressable_by_cometchat(cc, sb):
    """Sendbird ids are case-sensitive; CometChat lowercases every uid it is given.

    A Sendbird user 'Alice' is listed by CometChat with its exact uid, but CometChat's
    GET/PUT/DELETE /users/Alice look up 'alice', so they answer ERR_UID_NOT_FOUND while no
    'alice' exists. CometChat's bulk reactivation lowercases too, so it cannot reach 'Alice'.
    """
    sb_create(sb, "Alice", "Alice from Sendbird")
    assert cc_uids(cc) == ["Alice"]
    assert cc_list(cc)[0]["name"] == "Alice from Sendbird"
    assert cc_error(cc.get("/users/Alice")) == (404, "ERR_UID_NOT_FOUND")
    assert cc_error(cc.get("/users/alice")) == (404, "ERR_UID_NOT_FOUND")
    assert cc_error(cc.put("/users/Alice", json={"name": "x"})) == (404, "ERR_UID_NOT_FOUND")
    assert cc_error(cc.delete("/users/Alice")) == (404, "ERR_UID_NOT_FOUND")
    response = cc.request("DELETE", "/users", json={"uidsToDeactivate": ["Alice"]})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"deactivatedUids": [], "notFound": ["alice"]}
    # Deactivated through Sendbird, CometChat lists it but cannot reactivate it.
    assert sb.put("/users/Alice", json={"is_active": False}).status_code == 200
    assert cc_uids(cc, onlyDeactivated="true") == ["Alice"]
    response = cc.put("/users", json={"uidsToActivate": ["Alice"]})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"reactivatedUids": [], "nonDeactivatedUids": ["alice"]}
    assert sb_get(sb, "Alice")["is_active"] is False


def test_lowercase_and_capitalised_alice_are_two_users(cc, sb):
    """'alice' created by CometChat and 'Alice' created by Sendbird are two different users.

    CometChat GET /users/Alice then reaches 'alice' (its lowercased form), never 'Alice';
    Sendbird addresses each by its exact id. CometChat creating 'ALICE' collides with 'alice'
    (409 ERR_UID_ALREADY_EXISTS), while Sendbird may still create 'ALICE' as a third user.
    """
    sb_create(sb, "Alice", "Sendbird Alice")
    cc_create(cc, "alice", "CometChat Alice")
    assert cc_get(cc, "Alice") == cc_get(cc, "alice")
    assert cc_get(cc, "Alice")["uid"] == "alice"
    assert cc_get(cc, "Alice")["name"] == "CometChat Alice"
    assert sb_get(sb, "Alice")["nickname"] == "Sendbird Alice"
    assert sb_get(sb, "alice")["nickname"] == "CometChat Alice"
    assert sorted(cc_uids(cc)) == ["Alice", "alice"]
    assert sb_ids(sb) == ["Alice", "alice"]
    assert sorted(cc_uids(cc, searchKey="ALI", searchIn="uid")) == ["Alice", "alice"]
    response = cc.post("/users", json={"uid": "ALICE", "name": "dup"})
    assert cc_error(response) == (409, "ERR_UID_ALREADY_EXISTS")
    sb_create(sb, "ALICE", "Shouting Alice")
    assert sb_ids(sb) == ["ALICE", "Alice", "alice"]
    # Edits through CometChat's /users/ALICE land on 'alice' only.
    assert cc.put("/users/ALICE", json={"name": "Edited"}).status_code == 200
    assert sb_get(sb, "alice")["nickname"] == "Edited"
    assert sb_get(sb, "Alice")["nickname"] == "Sendbird Alice"
    assert sb_get(sb, "ALICE")["nickname"] == "Shouting Alice"
    # Soft delete through CometChat only deactivates 'alice'.
    assert cc.delete("/users/Alice").status_code == 200
    assert sb_ids(sb) == ["ALICE", "Alice"]
    assert sb_ids(sb, active_mode="deactivated") == ["alice"]


def test_cometchat_lowercases_before_sendbird_sees_the_id(cc, sb):
    """CometChat stores every uid lowercased, so a CometChat POST of 'Bob' creates 'bob'.

    Sendbird, being case-sensitive, finds it only as 'bob': GET /users/Bob is 400201 there.
    """
    created = cc_create(cc, "Bob", "Bob")
    assert created["uid"] == "bob"
    assert sb_get(sb, "bob")["user_id"] == "bob"
    assert sb_error(sb.get("/users/Bob")) == (400, 400201)
    assert sb_ids(sb) == ["bob"]
    # ... and Sendbird may then create 'Bob' as a separate user.
    sb_create(sb, "Bob", "Other Bob")
    assert sb_ids(sb) == ["Bob", "bob"]
    assert cc_get(cc, "BOB")["name"] == "Bob"


def test_sendbird_only_id_chars_are_addressable_by_cometchat(cc, sb):
    """CometChat checks its uid pattern [A-Za-z0-9_-] only when a user is created.

    Lookups (GET, PUT, DELETE /users/{uid}, bulk deactivate/reactivate) only lowercase the
    path's uid, so Sendbird ids CometChat could never create ('a b', 'x@y', 'a/b' sent as
    a%2Fb, 'émile') are listed AND readable, editable and deletable through CometChat, as long
    as they have no uppercase letters. Creating them through CometChat is ERR_INVALID_UID.
    """
    odd = ["a b", "x@y", "a/b", "émile"]
    for uid in odd:
        sb_create(sb, uid, f"name of {uid}")
        response = cc.post("/users", json={"uid": uid, "name": "n"})
        assert cc_error(response) == (400, "ERR_INVALID_UID"), uid
    assert sorted(cc_uids(cc)) == sorted(odd)
    for uid in odd:
        seen = cc_get(cc, uid)
        assert (seen["uid"], seen["name"]) == (uid, f"name of {uid}")
    response = cc.put(path("x@y"), json={"name": "renamed by CometChat"})
    assert response.status_code == 200, response.text
    assert sb_get(sb, "x@y")["nickname"] == "renamed by CometChat"
    assert cc.delete(path("a b")).status_code == 200
    assert sb_get(sb, "a b")["is_active"] is False
    response = cc.put("/users", json={"uidsToActivate": ["a b"]})
    assert response.json()["data"]["reactivatedUids"] == ["a b"]
    response = cc.request("DELETE", path("a/b"), json={"permanent": True})
    assert response.status_code == 200, response.text
    assert sb_error(sb.get(path("a/b"))) == (400, 400201)
    # With an uppercase letter the lowercasing wins again: 'X@Y' is unreachable.
    sb_create(sb, "X@Y2", "upper")
    assert cc_error(cc.get(path("X@Y2"))) == (404, "ERR_UID_NOT_FOUND")


def test_sendbird_only_id_as_cometchat_viewer(cc, sb):
    """The onBehalfOf header is validated with CometChat's pattern, unlike a path uid.

    A Sendbird user 'x@y' can be read through CometChat GET /users/x%40y, but naming it as
    the viewer (onBehalfOf: x@y) answers ERR_UID_NOT_FOUND, so it can never act in CometChat.
    """
    sb_create(sb, "x@y", "At")
    cc_create(cc, "bob", "Bob")
    assert cc_get(cc, "x@y")["uid"] == "x@y"
    response = cc.get(path("bob"), headers={"onBehalfOf": "x@y"})
    assert cc_error(response) == (404, "ERR_UID_NOT_FOUND")
    response = cc.get(path("x@y"), headers={"onBehalfOf": "bob"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["conversationId"] == "bob_user_x@y"


def test_long_cometchat_uid_cannot_be_created_but_is_usable_through_sendbird(cc, sb):
    """CometChat uids may have up to 100 characters, Sendbird ids up to 80.

    Sendbird refuses to create an id of 81-100 characters (400110, checked before the id is
    looked up, so even an existing one gets 400110 rather than 400202), but a CometChat user
    with such a uid is listed, read, edited, given metadata and deleted through Sendbird.
    """
    uid81 = "l" * 81
    uid100 = "m" * 100
    cc_create(cc, uid100, "Longest")
    assert sb_error(sb.post("/users", json={"user_id": uid81, "nickname": "x"})) == (400, 400110)
    assert sb_error(sb.post("/users", json={"user_id": uid100, "nickname": "x"})) == (
        400,
        400110,
    )
    uid80 = "k" * 80
    sb_create(sb, uid80, "Eighty")
    assert cc_get(cc, uid80)["name"] == "Eighty"
    assert sb_ids(sb) == [uid80, uid100]
    assert sb_get(sb, uid100)["nickname"] == "Longest"
    response = sb.put(path(uid100), json={"nickname": "Renamed", "profile_url": "pic"})
    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == uid100
    seen = cc_get(cc, uid100)
    assert (seen["name"], seen["avatar"]) == ("Renamed", "pic")
    response = sb.put(path(uid100) + "/metadata/k", json={"value": "v", "upsert": True})
    assert response.status_code == 200, response.text
    assert cc_get(cc, uid100)["metadata"] == {"k": "v"}
    assert sb.put(path(uid100), json={"is_active": False}).status_code == 200
    assert cc_uids(cc, onlyDeactivated="true") == [uid100]
    assert sb.delete(path(uid100)).json() == {}
    assert cc_error(cc.get(path(uid100))) == (404, "ERR_UID_NOT_FOUND")


def test_long_cometchat_name_is_readable_and_keepable_through_sendbird(cc, sb):
    """CometChat names may have 100 characters, Sendbird nicknames 80.

    A 100-character CometChat name is shown whole through Sendbird, survives Sendbird edits
    of other fields, and can only be replaced through Sendbird by a name of at most 80.
    """
    name = "N" * 100
    cc_create(cc, "longname", name)
    assert sb_get(sb, "longname")["nickname"] == name
    assert sb.put(path("longname"), json={"locale": "de"}).status_code == 200
    assert cc_get(cc, "longname")["name"] == name
    assert sb_error(sb.put(path("longname"), json={"nickname": "n" * 81})) == (400, 400110)
    assert cc_get(cc, "longname")["name"] == name


# --- the same list through both dialects -------------------------------------------------------


def test_thirty_mixed_users_same_set_through_both_lists(cc, sb):
    cc_names = [
        "delta", "Alpha", "charlie", "Bravo", "echo", "alpha", "Foxtrot", "golf",
        "Hotel", "india", "Juliet", "kilo", "Lima", "mike", "November",
    ]  # fmt: skip
    sb_names = [
        "ALPHA", "", "oscar", "Papa", "quebec", "Romeo", "sierra", "", "Tango",
        "uniform", "Victor", "whiskey", "X-ray", "yankee", "Zulu",
    ]  # fmt: skip
    sb_uids = [
        "SB_00", "sb_01", "Sb-02", "sb 03", "sb@04", "sb_05", "SB_06", "sb_07", "sb_08",
        "sb_09", "Sb_10", "sb_11", "sb_12", "sb_13", "sb_14",
    ]  # fmt: skip
    names: dict[str, str] = {}
    for i, name in enumerate(cc_names):
        uid = f"cc_{i:02d}"
        cc_create(cc, uid, name)
        names[uid] = name
        sb_uid = sb_uids[i]
        sb_create(sb, sb_uid, sb_names[i])
        names[sb_uid] = sb_names[i]
    assert len(names) == 30
    expected_cc = sorted(names, key=lambda uid: (names[uid].lower(), uid))
    expected_sb = sorted(names)

    listed_cc = cc_list(cc)
    assert [u["uid"] for u in listed_cc] == expected_cc
    assert {u["uid"]: u["name"] for u in listed_cc} == names
    assert sb_ids(sb) == expected_sb
    assert {u["user_id"]: u["nickname"] for u in sb_walk(sb)} == names

    # Page by page, both dialects walk the same 30 ids without gaps or repeats.
    paged_cc: list[str] = []
    for page in range(1, 6):
        response = cc.get("/users", params={"perPage": 7, "page": page})
        assert response.status_code == 200, response.text
        paged_cc.extend(u["uid"] for u in response.json()["data"])
    assert paged_cc == expected_cc
    assert sb_ids(sb, limit=7) == expected_sb
    assert set(paged_cc) == set(sb_ids(sb, limit=7)) == set(names)
    total = cc.get("/users", params={"count": "true"}).json()["meta"]["pagination"]["total"]
    assert total == 30

    # Deactivating through either dialect drops the user from both default lists.
    assert cc.delete(path("cc_03")).status_code == 200
    assert sb.put(path("Sb-02"), json={"is_active": False}).status_code == 200
    active = set(names) - {"cc_03", "Sb-02"}
    assert set(cc_uids(cc)) == set(sb_ids(sb, limit=7)) == active
    assert set(cc_uids(cc, onlyDeactivated="true")) == {"cc_03", "Sb-02"}
    assert set(sb_ids(sb, active_mode="deactivated")) == {"cc_03", "Sb-02"}
    assert set(cc_uids(cc, withDeactivated="true")) == set(sb_ids(sb, active_mode="all"))
