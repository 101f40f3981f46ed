"""Sendbird GET /v3/users: every query parameter, the order, and `token`/`next` pagination
(reference sendbird-users-api.md §3.1, §4; seeds/sendbird-list-users.txt).

Every test runs on SQLite and PostgreSQL; every response is validated against the dialect's
OpenAPI document.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from roster.app import RosterApp
from roster.core.user_rules import SENDBIRD_RULES
from roster.settings import Settings
from tests.conftest import APP_ID, ManualClock, SendbirdClient
from tests.sendbird_helpers import err, ok

TOTAL = 2500
HOUR_MS = 3600 * 1000
BOT = {
    "bot_nickname": "Bot",
    "bot_profile_url": "",
    "bot_type": "helper",
    "bot_callback_url": "https://example.org/bot",
    "is_privacy_mode": False,
}


# --- helpers -----------------------------------------------------------------------------


def create(sb: Any, uid: str, nickname: str | None = None, **fields: Any) -> None:
    body = {"user_id": uid, "nickname": uid if nickname is None else nickname, **fields}
    ok(sb.post("/users", json=body))


def deactivate(sb: Any, uid: str) -> None:
    assert (
        ok(sb.put("/users/" + quote(uid, safe=""), json={"is_active": False}))["is_active"] is False
    )


def make_bot(sb: Any, uid: str) -> None:
    ok(sb.post("/bots", json={"bot_userid": uid, **BOT}))


def page(sb: Any, query: str = "") -> dict[str, Any]:
    body: dict[str, Any] = ok(sb.get(f"/users?{query}"))
    assert set(body) == {"users", "next"}
    assert isinstance(body["next"], str)
    return body


def ids(sb: Any, query: str = "") -> list[str]:
    """Every user id the query lists, following `next` to the end."""
    found: list[str] = []
    token = ""
    for _ in range(1000):
        sep = "&" if query else ""
        body = page(sb, f"limit=100{sep}{query}" + (f"&token={quote(token)}" if token else ""))
        found.extend(u["user_id"] for u in body["users"])
        token = body["next"]
        if token == "":
            return found
    raise AssertionError("the walk does not end")


def enc(items: list[str]) -> str:
    """A comma list of url-encoded items, as Sendbird's docs ask."""
    return ",".join(quote(item, safe="") for item in items)


def bulk_create(sb: Any, users: list[tuple[str, str]]) -> None:
    """Insert through the app's own UserService, in the client's event loop (fast)."""
    sb.portal.call(sb.app.start)
    service = sb.app._sendbird._services.users

    async def create_some(share: list[tuple[str, str]]) -> None:
        for uid, name in share:
            await service.create_user(APP_ID, {"uid": uid, "name": name}, SENDBIRD_RULES)

    async def create_all() -> None:
        lanes = 8 if sb.app.settings.engine == "postgres" else 1
        await asyncio.gather(*(create_some(users[lane::lanes]) for lane in range(lanes)))

    sb.portal.call(create_all)


# --- limit -----------------------------------------------------------------------------------


def test_limit_default_is_10(sb):
    for i in range(12):
        create(sb, f"u{i:02d}")
    first = page(sb)
    assert [u["user_id"] for u in first["users"]] == [f"u{i:02d}" for i in range(10)]
    assert first["next"] != ""
    second = page(sb, f"token={quote(first['next'])}")
    assert [u["user_id"] for u in second["users"]] == ["u10", "u11"]
    assert second["next"] == ""


@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12, 13, 99, 100])
def test_limit_values(sb, limit):
    for i in range(12):
        create(sb, f"u{i:02d}")
    body = page(sb, f"limit={limit}")
    assert [u["user_id"] for u in body["users"]] == [f"u{i:02d}" for i in range(min(limit, 12))]
    assert (body["next"] == "") == (limit >= 12)


def test_limit_100_is_the_maximum_page(sb):
    bulk_create(sb, [(f"u{i:03d}", "n") for i in range(101)])
    body = page(sb, "limit=100")
    assert len(body["users"]) == 100
    assert body["next"] != ""
    rest = page(sb, f"limit=100&token={quote(body['next'])}")
    assert [u["user_id"] for u in rest["users"]] == ["u100"]
    assert rest["next"] == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0", 400111),
        ("101", 400111),
        ("1000", 400111),
        ("-1", 400111),
        ("x", 400101),
        ("1.5", 400101),
        ("ten", 400101),
        ("1e2", 400101),
    ],
)
def test_limit_out_of_range_or_not_a_number(sb, value, code):
    create(sb, "u")
    body = err(sb.get(f"/users?limit={value}"), code)
    assert "limit" in body["message"]


def test_limit_empty_means_default(sb):
    for i in range(11):
        create(sb, f"u{i:02d}")
    assert len(page(sb, "limit=")["users"]) == 10


# --- active_mode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "c"]),
        ("active_mode=activated", ["a", "c"]),
        ("active_mode=deactivated", ["b", "d"]),
        ("active_mode=all", ["a", "b", "c", "d"]),
    ],
)
def test_active_mode(sb, query, expected):
    for uid in "abcd":
        create(sb, uid)
    deactivate(sb, "b")
    deactivate(sb, "d")
    assert ids(sb, query) == expected
    body = page(sb, query)
    assert all(u["is_active"] is (u["user_id"] in "ac") for u in body["users"])


@pytest.mark.parametrize("mode", ["bad", "ACTIVATED", "Deactivated", "active", "inactive"])
def test_active_mode_bad_value(sb, mode):
    create(sb, "a")
    body = err(sb.get(f"/users?active_mode={mode}"), 400111)
    assert "active_mode" in body["message"]


# --- show_bot --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["bot1", "human", "zbot"]),
        ("show_bot=true", ["bot1", "human", "zbot"]),
        ("show_bot=True", ["bot1", "human", "zbot"]),
        ("show_bot=false", ["human"]),
        ("show_bot=False", ["human"]),
        ("show_bot=FALSE", ["human"]),
        ("show_bot=0", ["human"]),
    ],
)
def test_show_bot(sb, query, expected):
    create(sb, "human")
    make_bot(sb, "bot1")
    make_bot(sb, "zbot")
    assert ids(sb, query) == expected


def test_show_bot_bad_value(sb):
    create(sb, "human")
    err(sb.get("/users?show_bot=maybe"), 400104)


def test_show_bot_with_other_filters(sb):
    create(sb, "human", "Robo human")
    make_bot(sb, "robot")
    ok(sb.put("/bots/robot", json={"bot_nickname": "Robo"}))
    assert ids(sb, "nickname_startswith=robo") == ["human", "robot"]
    assert ids(sb, "nickname_startswith=robo&show_bot=false") == ["human"]
    assert ids(sb, "user_ids=robot,human&show_bot=false") == ["human"]


# --- user_ids --------------------------------------------------------------------------------


def test_user_ids_comma_list(sb):
    for uid in ["a", "b", "c", "d"]:
        create(sb, uid)
    assert ids(sb, "user_ids=d,b,nobody") == ["b", "d"]
    assert ids(sb, "user_ids=c") == ["c"]
    assert ids(sb, "user_ids=nobody") == []
    # The Python SDK encodes the commas (%2C); the Flutter SDK repeats the key.
    assert ids(sb, urlencode({"user_ids": "a,c"})) == ["a", "c"]
    assert ids(sb, "user_ids=a&user_ids=d") == ["a", "d"]
    # Blanks around commas are dropped; duplicates count once.
    assert ids(sb, "user_ids=a,,b,a,") == ["a", "b"]


def test_user_ids_with_special_characters(sb):
    special = ["a/b", "x y", "é", "q?&=", "100%", "at@x", "hash#1", "😀", "A+B"]
    for uid in [*special, "plain"]:
        create(sb, uid)
    assert ids(sb, f"user_ids={enc(special)}") == sorted(special)
    assert ids(sb, f"user_ids={enc(['x y', 'A+B'])}") == ["A+B", "x y"]
    assert ids(sb, urlencode({"user_ids": "a/b,😀"})) == ["a/b", "😀"]


def test_user_ids_are_case_sensitive(sb):
    create(sb, "Alice")
    create(sb, "alice")
    assert ids(sb, "user_ids=alice") == ["alice"]
    assert ids(sb, "user_ids=ALICE") == []


def test_user_ids_include_deactivated_only_with_active_mode(sb):
    create(sb, "a")
    create(sb, "b")
    deactivate(sb, "b")
    assert ids(sb, "user_ids=a,b") == ["a"]
    assert ids(sb, "user_ids=a,b&active_mode=all") == ["a", "b"]


def test_user_ids_at_most_250(sb):
    bulk_create(sb, [(f"u{i:03d}", "n") for i in range(260)])
    wanted = [f"u{i:03d}" for i in range(250)]
    assert ids(sb, f"user_ids={','.join(wanted)}") == wanted
    first = page(sb, f"limit=100&user_ids={','.join(wanted)}")
    assert len(first["users"]) == 100 and first["next"] != ""
    too_many = [f"u{i:03d}" for i in range(251)]
    body = err(sb.get(f"/users?user_ids={','.join(too_many)}"), 400203)
    assert "user_ids" in body["message"]


# --- nickname --------------------------------------------------------------------------------


def test_nickname_matches_whole_nickname_case_insensitively(sb):
    create(sb, "u1", "Ann")
    create(sb, "u2", "ann")
    create(sb, "u3", "ANN")
    create(sb, "u4", "Anna")
    create(sb, "u5", "Ann B")
    create(sb, "u6", "Jo Ann")
    assert ids(sb, "nickname=ann") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname=aNn") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname=Ann%20B") == ["u5"]
    assert ids(sb, "nickname=Ann+B") == ["u5"]
    assert ids(sb, "nickname=An") == []


def test_nickname_unicode(sb):
    create(sb, "u1", "Émile")
    create(sb, "u2", "émile")
    create(sb, "u3", "Emile")
    create(sb, "u4", "Ωmega 😀")
    create(sb, "u5", "Emile Jr")
    # Case and accents are ignored (docs/sendbird.md), the whole nickname must match.
    assert ids(sb, f"nickname={quote('ÉMILE')}") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname=emile") == ["u1", "u2", "u3"]
    assert ids(sb, f"nickname={quote('ωMEGA 😀')}") == ["u4"]


def test_nickname_with_other_filters(sb):
    create(sb, "u1", "Ann")
    create(sb, "u2", "Ann")
    create(sb, "u3", "Ann")
    deactivate(sb, "u2")
    assert ids(sb, "nickname=ann") == ["u1", "u3"]
    assert ids(sb, "nickname=ann&active_mode=all") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname=ann&user_ids=u3,u2") == ["u3"]


# --- nickname_startswith ---------------------------------------------------------------------


def test_nickname_startswith_prefix_case_insensitive(sb):
    create(sb, "u1", "Craig")
    create(sb, "u2", "craigslist")
    create(sb, "u3", "CRAIG!")
    create(sb, "u4", "Doris")
    create(sb, "u5", "Mc Craig")
    assert ids(sb, "nickname_startswith=cra") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname_startswith=CRAIG") == ["u1", "u2", "u3"]
    assert ids(sb, "nickname_startswith=craigs") == ["u2"]
    assert ids(sb, "nickname_startswith=Mc%20") == ["u5"]
    assert ids(sb, "nickname_startswith=x") == []


def test_nickname_startswith_unicode(sb):
    create(sb, "u1", "Émile")
    create(sb, "u2", "émilie")
    create(sb, "u3", "Emil")
    create(sb, "u4", "Ωmega")
    create(sb, "u5", "ωmicron")
    create(sb, "u6", "日本語")
    create(sb, "u7", "😀 smile")
    # Case and accents are ignored (docs/sendbird.md): "Emil" starts like "ÉMI" too.
    assert ids(sb, f"nickname_startswith={quote('ÉMI')}") == ["u1", "u2", "u3"]
    assert ids(sb, f"nickname_startswith={quote('émili')}") == ["u2"]
    assert ids(sb, f"nickname_startswith={quote('Ω')}") == ["u4", "u5"]
    assert ids(sb, f"nickname_startswith={quote('日本')}") == ["u6"]
    assert ids(sb, f"nickname_startswith={quote('😀')}") == ["u7"]


def test_nickname_startswith_pages_in_user_id_order(sb):
    for i in range(25):
        create(sb, f"u{i:02d}", "Match" if i % 2 else "Other")
    first = page(sb, "nickname_startswith=mat&limit=5")
    assert [u["user_id"] for u in first["users"]] == ["u01", "u03", "u05", "u07", "u09"]
    assert ids(sb, "nickname_startswith=mat") == [f"u{i:02d}" for i in range(1, 25, 2)]


# --- metadatakey + metadatavalues_in ---------------------------------------------------------


def metadata_users(sb: Any) -> None:
    create(sb, "black1", metadata={"font_color": "black", "font_preference": "times new roman"})
    create(sb, "black2", metadata={"font_color": "black"})
    create(sb, "red", metadata={"font_color": "red"})
    create(sb, "spaced", metadata={"font_color": "dark blue", "x": "y"})
    create(sb, "accent", metadata={"font_color": "vert é/ç"})
    create(sb, "other-key", metadata={"color": "black"})
    create(sb, "none")
    create(sb, "upper", metadata={"font_color": "Black"})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("metadatakey=font_color&metadatavalues_in=black", ["black1", "black2"]),
        ("metadatakey=font_color&metadatavalues_in=black,red", ["black1", "black2", "red"]),
        ("metadatakey=font_color&metadatavalues_in=red,nothing", ["red"]),
        ("metadatakey=font_color&metadatavalues_in=dark%20blue", ["spaced"]),
        ("metadatakey=font_color&metadatavalues_in=dark+blue", ["spaced"]),
        (f"metadatakey=font_color&metadatavalues_in={quote('vert é/ç', safe='')}", ["accent"]),
        ("metadatakey=font_color&metadatavalues_in=Black", ["upper"]),
        ("metadatakey=font_color&metadatavalues_in=blac", []),
        ("metadatakey=color&metadatavalues_in=black", ["other-key"]),
        ("metadatakey=font_preference&metadatavalues_in=times%20new%20roman", ["black1"]),
        ("metadatakey=missing&metadatavalues_in=black", []),
        (
            urlencode({"metadatakey": "font_color", "metadatavalues_in": "red,black"}),
            ["black1", "black2", "red"],
        ),
        (
            "metadatakey=font_color&metadatavalues_in=red&metadatavalues_in=dark%20blue",
            ["red", "spaced"],
        ),
    ],
)
def test_metadata_filter(sb, query, expected):
    metadata_users(sb)
    assert ids(sb, query) == expected


def test_metadata_filter_with_other_filters(sb):
    metadata_users(sb)
    deactivate(sb, "black2")
    query = "metadatakey=font_color&metadatavalues_in=black,red"
    assert ids(sb, query) == ["black1", "red"]
    assert ids(sb, query + "&active_mode=all") == ["black1", "black2", "red"]
    assert ids(sb, query + "&active_mode=deactivated") == ["black2"]
    assert ids(sb, query + "&user_ids=red,none") == ["red"]
    first = page(sb, query + "&limit=1")
    assert [u["user_id"] for u in first["users"]] == ["black1"]
    assert first["users"][0]["metadata"]["font_preference"] == "times new roman"


def test_metadata_filter_follows_metadata_changes(sb):
    metadata_users(sb)
    ok(sb.put("/users/red/metadata/font_color", json={"value": "black"}))
    ok(sb.delete("/users/black1/metadata/font_color"))
    ok(sb.post("/users/none/metadata", json={"metadata": {"font_color": "black"}}))
    assert ids(sb, "metadatakey=font_color&metadatavalues_in=black") == ["black2", "none", "red"]


@pytest.mark.parametrize(
    ("query", "missing"),
    [
        ("metadatakey=font_color", "metadatavalues_in"),
        ("metadatakey=font_color&metadatavalues_in=", "metadatavalues_in"),
        ("metadatavalues_in=black", "metadatakey"),
        ("metadatakey=&metadatavalues_in=black", "metadatakey"),
    ],
)
def test_metadata_filter_needs_both_parameters(sb, query, missing):
    metadata_users(sb)
    body = err(sb.get(f"/users?{query}"), 400105)
    # The seed: {"message": "\"metadatakey\" must be required.", "code": 400105, ...}
    assert body["message"] == f'"{missing}" must be required.'


# --- order and next ----------------------------------------------------------------------


def test_default_order_is_user_id_byte_order(sb):
    uids = [
        "b",
        "B",
        "a",
        "Z",
        "_x",
        "é",
        "e",
        "10",
        "9",
        "~",
        "ä",
        "a b",
        "a-b",
        "日",
        "😀",
        "\uff41",
    ]
    random.Random(3).shuffle(uids)
    for uid in uids:
        create(sb, uid, "same nickname")
    expected = sorted(uids, key=lambda u: u.encode())
    assert expected == sorted(uids)  # code point order is UTF-8 byte order
    body = page(sb, "limit=100")
    assert [u["user_id"] for u in body["users"]] == expected
    assert body["next"] == ""
    walked: list[str] = []
    token = ""
    while True:
        body = page(sb, "limit=3" + (f"&token={quote(token)}" if token else ""))
        walked.extend(u["user_id"] for u in body["users"])
        token = body["next"]
        if not token:
            break
    assert walked == expected


def test_order_ignores_nickname_and_creation_time(sb):
    create(sb, "c", "Aaron")
    create(sb, "a", "Zed")
    create(sb, "b", "")
    assert ids(sb) == ["a", "b", "c"]


def test_next_empty_on_last_page_and_string_otherwise(sb):
    assert page(sb) == {"users": [], "next": ""}
    for i in range(6):
        create(sb, f"u{i}")
    pages = []
    token = ""
    while True:
        body = page(sb, "limit=2" + (f"&token={quote(token)}" if token else ""))
        pages.append(body)
        token = body["next"]
        if token == "":
            break
        assert isinstance(token, str) and token.strip() == token
    assert [len(p["users"]) for p in pages] == [2, 2, 2]
    exact = page(sb, "limit=6")
    assert len(exact["users"]) == 6 and exact["next"] == ""


def test_token_keeps_working_with_another_limit(sb):
    for i in range(10):
        create(sb, f"u{i}")
    first = page(sb, "limit=3")
    rest = page(sb, f"limit=7&token={quote(first['next'])}")
    assert [u["user_id"] for u in rest["users"]] == [f"u{i}" for i in range(3, 10)]
    assert rest["next"] == ""


def test_token_in_the_sdk_encoding(sb):
    for i in range(4):
        create(sb, f"u{i}")
    first = page(sb, "limit=2")
    second = page(sb, urlencode({"token": first["next"], "limit": 2}))
    assert [u["user_id"] for u in second["users"]] == ["u2", "u3"]


# --- token walk over 2,500 users ---------------------------------------------------------


def dataset(seed: int = 11) -> list[tuple[str, str]]:
    """2,500 distinct ids mixing case, digits, punctuation and non-ASCII, shuffled."""
    rng = random.Random(seed)
    alphabet = "abcXYZ019 _-./%@éÉßΩ日😀"
    found: set[str] = set()
    while len(found) < TOTAL:
        found.add("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip() or "x")
    people = [(uid, rng.choice(["Ann", "ann", "Bob", "Émile", ""])) for uid in sorted(found)]
    rng.shuffle(people)
    return people


@pytest.fixture
def crowd(sb: Any) -> tuple[Any, list[str]]:
    people = dataset()
    bulk_create(sb, people)
    return sb, sorted(uid for uid, _name in people)


def walk(sb: Any, query: str, between: Any = None) -> tuple[list[str], int]:
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        body = page(sb, query + (f"&token={quote(token, safe='')}" if token else ""))
        pages += 1
        rows = [u["user_id"] for u in body["users"]]
        seen.extend(rows)
        token = body["next"]
        if token == "":
            return seen, pages
        assert len(rows) == 100
        if between is not None:
            between(pages, rows)
        assert pages <= 60, "the walk does not end"


def test_token_walk_returns_everyone_once(crowd):
    sb, expected = crowd
    seen, pages = walk(sb, "limit=100")
    assert len(seen) == TOTAL
    assert Counter(seen).most_common(1)[0][1] == 1
    assert seen == expected
    assert pages == TOTAL // 100


def test_token_walk_with_inserts_during_the_walk(crowd):
    sb, expected = crowd
    original = set(expected)
    behind: list[str] = []
    ahead: list[str] = []

    def insert(page_number: int, rows: list[str]) -> None:
        last = rows[-1]
        # Before the walk's position: never returned.
        early = next(f"{uid}#{page_number}" for uid in rows if f"{uid}#{page_number}" < last)
        create(sb, early)
        create(sb, " " + str(page_number))  # sorts before every original id
        behind.extend([early, " " + str(page_number)])
        # After the position: returned exactly once.
        create(sb, f"{last}#{page_number}")  # the very next id
        create(sb, f"\U0010fffd{page_number:02d}")  # after every original id
        ahead.extend([f"{last}#{page_number}", f"\U0010fffd{page_number:02d}"])

    seen, _pages = walk(sb, "limit=100", between=insert)
    assert [uid for uid, n in Counter(seen).items() if n > 1] == []
    assert [uid for uid in seen if uid in original] == expected
    assert [uid for uid in seen if uid in behind] == []
    assert sorted(uid for uid in seen if uid not in original) == sorted(ahead)
    assert seen == sorted(seen)
    assert len(ahead) >= 2 * (TOTAL // 100 - 1)


def test_token_walk_with_a_filter(crowd):
    sb, expected = crowd
    people = dict(dataset())
    wanted = [uid for uid in expected if people[uid].casefold() == "ann"]
    assert len(wanted) > 200
    seen, _pages = walk(sb, "limit=100&nickname=ANN")
    assert seen == wanted


# --- token misuse ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other_filters",
    [
        "active_mode=all",
        "active_mode=deactivated",
        "show_bot=false",
        "user_ids=u1,u2",
        "nickname=u1",
        "nickname_startswith=u",
        "metadatakey=k&metadatavalues_in=v",
    ],
)
def test_token_reused_with_other_filters(sb, other_filters):
    for i in range(5):
        create(sb, f"u{i}", metadata={"k": "v"})
    first = page(sb, "limit=2")
    body = err(sb.get(f"/users?limit=2&{other_filters}&token={quote(first['next'])}"), 400111)
    assert "token" in body["message"]


def test_filtered_token_reused_without_its_filter(sb):
    for i in range(5):
        create(sb, f"u{i}")
    first = page(sb, "limit=2&active_mode=all")
    err(sb.get(f"/users?limit=2&token={quote(first['next'])}"), 400111)
    again = page(sb, f"limit=2&active_mode=all&token={quote(first['next'])}")
    assert [u["user_id"] for u in again["users"]] == ["u2", "u3"]


def test_token_of_another_app(sb, keys):
    for i in range(3):
        create(sb, f"u{i}")
    first = page(sb, "limit=1")
    other = {"Api-Token": keys["other_app"]}
    err(sb.get(f"/users?limit=1&token={quote(first['next'])}", headers=other), 400111)


def test_bot_list_token_on_user_list(sb):
    for i in range(3):
        make_bot(sb, f"b{i}")
    bots = ok(sb.get("/bots?limit=1"))
    assert bots["next"] != ""
    err(sb.get(f"/users?limit=1&token={quote(bots['next'])}"), 400111)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "YXEZR1VVQVErEUBXWFNeF2p3FkFVVA~~",
        "!!!!",
        "%%%",
        "a",
        _b64(b"[]"),
        _b64(b"{}"),
        _b64(b"null"),
        _b64(b'[1, [], "x", 1]'),
        _b64(b'[1, ["u1"], "x", "now"]'),
        _b64(b'[2, ["u1"], "x", 1]'),
        _b64(b'[1, [1], "x", 1]'),
    ],
)
def test_garbage_token(sb, token):
    for i in range(3):
        create(sb, f"u{i}")
    err(sb.get(f"/users?limit=1&token={quote(token, safe='')}"), 400111)


def test_tampered_token(sb):
    for i in range(5):
        create(sb, f"u{i}")
    token = page(sb, "limit=2")["next"]
    raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    # Another filter digest, keeping everything else.
    forged = _b64(json.dumps([raw[0], raw[1], "0" * 16, raw[3]]).encode())
    err(sb.get(f"/users?limit=2&token={quote(forged)}"), 400111)
    # Truncated and with a character flipped.
    err(sb.get(f"/users?limit=2&token={quote(token[: len(token) // 2])}"), 400111)
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    err(sb.get(f"/users?limit=2&token={quote(flipped)}"), 400111)
    # The genuine token still works.
    rest = page(sb, f"limit=2&token={quote(token)}")
    assert [u["user_id"] for u in rest["users"]] == ["u2", "u3"]


# --- token expiry (a clock the test controls) ------------------------------------------------


@pytest.fixture
def clocked(settings: Settings, keys: dict[str, str]) -> Iterator[tuple[Any, ManualClock]]:
    clock = ManualClock(1_773_504_768_000)
    app = RosterApp(settings, clock=clock)
    with SendbirdClient(
        app, base_url="http://testserver/v3", headers={"Api-Token": keys["full"]}
    ) as client:
        yield client, clock


def test_token_expires_after_an_hour(clocked):
    sb, clock = clocked
    for i in range(7):
        create(sb, f"u{i}")
    first = page(sb, "limit=2")
    clock.advance(HOUR_MS - 1000)
    second = page(sb, f"limit=2&token={quote(first['next'])}")  # 59m59s: still good
    assert [u["user_id"] for u in second["users"]] == ["u2", "u3"]
    clock.advance(2000)
    body = err(sb.get(f"/users?limit=2&token={quote(first['next'])}"), 400109)
    assert "expired" in body["message"]
    # The second page's token was issued later, so it still works.
    third = page(sb, f"limit=2&token={quote(second['next'])}")
    assert [u["user_id"] for u in third["users"]] == ["u4", "u5"]
    clock.advance(HOUR_MS + 1)
    err(sb.get(f"/users?limit=2&token={quote(third['next'])}"), 400109)
    # A fresh walk starts again without a token.
    assert [u["user_id"] for u in page(sb, "limit=2")["users"]] == ["u0", "u1"]


def test_bot_list_token_expires(clocked):
    sb, clock = clocked
    for i in range(3):
        make_bot(sb, f"b{i}")
    first = ok(sb.get("/bots?limit=1"))
    clock.advance(HOUR_MS + 1)
    err(sb.get(f"/bots?limit=1&token={quote(first['next'])}"), 400109)


def test_created_at_follows_the_clock(clocked):
    sb, _clock = clocked
    create(sb, "u")
    assert ok(sb.get("/users/u"))["created_at"] == 1_773_504_768
