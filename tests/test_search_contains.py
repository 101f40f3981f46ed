"""Substring search: CometChat `searchMode=contains` and Sendbird `nickname_contains`.

Expected results are computed here from the users the test created, with `ref_fold` (an
independent transcription of the documented fold) and Python's `in`; the code under test is
never asked for an expected value. Every search test runs with both internal strategies (the
trigram index read-and-sort, and the filtered walk in list order), selected by patching
`roster.store.user_listing.CONTAINS_SMALL` (and its uid-order twin), on both engines; except
that SQLite reads name-order pages from a window of its trigram index whatever the strategy
(tests/test_grams_order.py), so there both runs check the window.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from starlette.testclient import TestClient

from roster.store import user_listing
from tests.cometchat_helpers import bad_request, data
from tests.folding_reference import fold as ref_fold
from tests.sendbird_helpers import err, ok, upath

# --------------------------------------------------------------------------- reference


def cc_expected(
    people: list[tuple[str, str]], key: str, *, name: bool = True, uid: bool = True
) -> list[str]:
    """CometChat: folded key anywhere in the folded name and/or uid; order folded name, uid."""
    folded = ref_fold(key)
    ordered = sorted(people, key=lambda p: (ref_fold(p[1]), p[0]))
    return [
        u for u, n in ordered if (name and folded in ref_fold(n)) or (uid and folded in ref_fold(u))
    ]


def sb_expected(people: list[tuple[str, str]], key: str) -> list[str]:
    """Sendbird: folded key anywhere in the folded nickname (never the id); order user_id."""
    folded = ref_fold(key)
    return [u for u, n in sorted(people) if folded in ref_fold(n)]


# --------------------------------------------------------------------------- clients


def cc_page(cc: TestClient, **params: Any) -> dict[str, Any]:
    response = cc.get("/users", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["meta"]["pagination"]["count"] == len(body["data"])
    return body


def cc_uids(cc: TestClient, **params: Any) -> list[str]:
    return [u["uid"] for u in cc_page(cc, **{"perPage": 1000, **params})["data"]]


def cc_contains(cc: TestClient, key: str, **params: Any) -> list[str]:
    return cc_uids(cc, searchKey=key, searchMode="contains", **params)


def cc_walk(cc: TestClient, per_page: int, **params: Any) -> list[str]:
    """Every page, 1, 2, ...: each page is the next slice; the look-ahead says if one follows."""
    walked: list[str] = []
    for page in range(1, 500):
        body = cc_page(cc, perPage=per_page, page=page, **params)
        rows = [u["uid"] for u in body["data"]]
        pagination = body["meta"]["pagination"]
        assert pagination["current_page"] == page
        if not rows:
            return walked
        assert len(rows) <= per_page
        walked += rows
        more = pagination["total_pages"] > page
        if not more:
            # The last page: nothing follows.
            assert cc_page(cc, perPage=per_page, page=page + 1, **params)["data"] == []
            return walked
        assert len(rows) == per_page
    raise AssertionError("the walk does not end")


def sb_page(sb: TestClient, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(sb.get("/users", params=params))
    assert set(body) == {"users", "next"}
    return body


def sb_walk(sb: TestClient, limit: int = 100, **params: Any) -> list[str]:
    """Every page, following `next` to the end."""
    found: list[str] = []
    token = ""
    for _ in range(500):
        query: dict[str, Any] = {"limit": limit, **params}
        if token:
            query["token"] = token
        body = sb_page(sb, **query)
        rows = [u["user_id"] for u in body["users"]]
        assert len(rows) <= limit
        found += rows
        token = body["next"]
        if token == "":
            return found
    raise AssertionError("the walk does not end")


def sb_contains(sb: TestClient, key: str, **params: Any) -> list[str]:
    return sb_walk(sb, nickname_contains=key, **params)


def cc_create(cc: TestClient, uid: str, name: str, **fields: Any) -> None:
    data(cc.post("/users", json={"uid": uid, "name": name, **fields}))


def sb_create(sb: TestClient, user_id: str, nickname: str, **fields: Any) -> None:
    body = {"user_id": user_id, "nickname": nickname, "profile_url": "", **fields}
    ok(sb.post("/users", json=body))


def cc_deactivate(cc: TestClient, *uids: str) -> None:
    data(cc.request("DELETE", "/users", json={"uidsToDeactivate": list(uids)}))


def sb_set_active(sb: TestClient, user_id: str, active: bool) -> None:
    assert ok(sb.put(upath(user_id), json={"is_active": active}))["is_active"] is active


# --------------------------------------------------------------------------- strategies


@pytest.fixture(params=["index", "walk"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`index`: every count is small, so matches come from the trigram index and are sorted.
    `walk`: every count above 1 is large, so the list order is walked with a filter."""
    small = 10_000 if request.param == "index" else 1
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL", small)
    monkeypatch.setattr(user_listing, "CONTAINS_SMALL_BY_UID", small)
    return str(request.param)


# --------------------------------------------------------------------------- the people

PEOPLE = [
    ("alx1", "Alexander"),
    ("alx2", "ALEX"),
    ("olexa", "Olexa"),
    ("lex-l", "Lex Luthor"),
    ("jn", "José Núñez"),
    ("jnjr", "José Núñez Jr"),
    ("comb", "Jose\u0301 Combining"),
    ("wide", "\uff2a\uff4f\uff53\uff45 Wide"),
    ("zoe", "Zoë"),
    ("emile", "Émile"),
    ("eve", "Eve"),
    ("pct", "100%_sure"),
    ("pct2", "50% off"),
    ("snake", "snake_case"),
    ("bslash", "back\\slash"),
    ("apos", "O'Brien? Sure"),  # quote and `?`: PostgreSQL writes the pattern into its SQL
    ("str", "Straße"),
    ("oyv", "Øyvind"),
    ("luk", "Łukasz"),
    ("lig", "\ufb01nn"),
    ("ist", "İstanbul"),
    ("aes", "Æsir"),
    ("thor", "Þórr"),
    ("bob", "Bob"),
    ("team-alexander", "Team Account"),
    ("q", "Xander"),
    ("dup1", "Same Name"),
    ("dup0", "SAME NAME"),
    ("zz", "Zzyzx"),
    ("alexander-id", "Bob Two"),  # matches "lex" by uid only
]

KEYS = [
    "lex",
    "LEX",
    "Lëx",
    "ose",
    "OSÉ",
    "é",
    "e",
    "x",
    "ex",
    "0%_s",
    "%",
    "_",
    "\\",
    "k\\s",
    "o'b",
    "n? s",
    "?",
    "'",
    "0%",
    "% o",
    "nun",
    "ÑEZ",
    "z n",
    "ss",
    "ß",
    "øy",
    "OY",
    "ł",
    "uka",
    "jose",
    "\uff4f\uff53",  # full-width "os"
    "fi",
    "\ufb01",
    "stan",
    "İ",
    "aes",
    "Æ",
    "th",
    "xand",
    "ame n",
    "-",
    "am-a",
    "zzz",
    "bob t",
]


@pytest.fixture
def people(cc: TestClient, sb: TestClient) -> tuple[TestClient, TestClient]:
    """The same people, half written through each dialect (one shared store)."""
    for i, (uid, name) in enumerate(PEOPLE):
        if i % 2:
            sb_create(sb, uid, name)
        else:
            cc_create(cc, uid, name)
    return cc, sb


# --------------------------------------------------------------------------- CometChat


@pytest.mark.parametrize("key", KEYS)
def test_cometchat_contains_matches_the_rule(
    people: tuple[TestClient, TestClient], strategy: str, key: str
) -> None:
    cc, _sb = people
    assert cc_contains(cc, key) == cc_expected(PEOPLE, key)
    assert cc_contains(cc, key, searchIn="name") == cc_expected(PEOPLE, key, uid=False)
    assert cc_contains(cc, key, searchIn="uid") == cc_expected(PEOPLE, key, name=False)
    assert cc_contains(cc, key, searchIn="name,uid") == cc_expected(PEOPLE, key)


def test_cometchat_contains_spec_examples(
    people: tuple[TestClient, TestClient], strategy: str
) -> None:
    cc, _sb = people
    lex = cc_contains(cc, "lex", searchIn="name")
    assert lex == ["alx2", "alx1", "lex-l", "olexa"]
    assert "jn" in cc_contains(cc, "ose")
    assert cc_contains(cc, "jose", searchIn="name") == ["comb", "jn", "jnjr", "wide"]
    # LIKE wildcards and the escape character are literal.
    assert cc_contains(cc, "0%_s") == ["pct"]
    assert cc_contains(cc, "%") == ["pct", "pct2"]
    assert cc_contains(cc, "_") == ["pct", "snake"]
    assert cc_contains(cc, "\\") == ["bslash"]
    assert cc_contains(cc, "k\\s") == ["bslash"]
    assert cc_contains(cc, "o'b") == ["apos"]
    assert cc_contains(cc, "n? su") == ["apos"]
    assert cc_contains(cc, "'") == ["apos"]
    # 1- and 2-character keys.
    assert cc_contains(cc, "ß") == ["str"]
    assert cc_contains(cc, "øy") == ["oyv"]
    assert cc_contains(cc, "łuk", searchIn="name") == ["luk"]
    assert cc_contains(cc, "zzz") == []
    # "é" is "e": every name or uid with an e.
    e_names = cc_contains(cc, "é", searchIn="name")
    assert e_names == cc_contains(cc, "E", searchIn="name")
    assert {"alx1", "eve", "emile", "jn", "dup0", "dup1"} <= set(e_names)
    assert "bob" not in e_names and "zz" not in e_names


def test_cometchat_contains_in_uid(people: tuple[TestClient, TestClient], strategy: str) -> None:
    cc, _sb = people
    assert cc_contains(cc, "xand", searchIn="uid") == ["alexander-id", "team-alexander"]
    assert cc_contains(cc, "xand", searchIn="name") == ["alx1", "q"]
    # Default: both; ordered by name ("Alexander", "Bob Two", "Team Account", "Xander").
    assert cc_contains(cc, "xand") == ["alx1", "alexander-id", "team-alexander", "q"]
    assert cc_contains(cc, "m-al", searchIn="uid") == ["team-alexander"]
    assert cc_contains(cc, "m-al", searchIn="name") == []


def test_cometchat_search_mode_prefix_is_the_default(
    people: tuple[TestClient, TestClient], strategy: str
) -> None:
    cc, _sb = people
    for key in ["lex", "jos", "JOSÉ", "al", "é", "x", "%", "_", "ø", "nun", "team-"]:
        folded = ref_fold(key)
        ordered = sorted(PEOPLE, key=lambda p: (ref_fold(p[1]), p[0]))
        expected = [u for u, n in ordered if ref_fold(n).startswith(folded) or u.startswith(folded)]
        assert cc_uids(cc, searchKey=key) == expected, key
        assert cc_uids(cc, searchKey=key, searchMode="prefix") == expected, key
    # The two modes really differ.
    assert cc_uids(cc, searchKey="lex", searchMode="prefix") == ["lex-l"]
    assert cc_uids(cc, searchKey="lex", searchMode="contains") != ["lex-l"]


@pytest.mark.parametrize(
    "mode", ["Contains", "CONTAINS", "substring", "suffix", "fuzzy", "prefix,contains"]
)
def test_cometchat_search_mode_invalid(people: tuple[TestClient, TestClient], mode: str) -> None:
    cc, _sb = people
    bad_request(cc.get("/users", params={"searchKey": "lex", "searchMode": mode}), "searchMode")


def test_cometchat_search_mode_invalid_like_other_choices(
    people: tuple[TestClient, TestClient],
) -> None:
    """The same body shape and code as another invalid choice parameter."""
    cc, _sb = people
    mode = cc.get("/users", params={"searchKey": "lex", "searchMode": "bogus"})
    search_in = cc.get("/users", params={"searchKey": "lex", "searchIn": "bogus"})
    status = cc.get("/users", params={"status": "bogus"})
    bad_request(mode, "searchMode")
    bad_request(search_in, "searchIn")
    bad_request(status, "status")
    assert set(mode.json()["error"]) == set(search_in.json()["error"])
    assert mode.json()["error"]["code"] == search_in.json()["error"]["code"]
    assert mode.json()["error"]["code"] == status.json()["error"]["code"]
    # Without a searchKey an invalid mode is still refused.
    bad_request(cc.get("/users", params={"searchMode": "bogus"}), "searchMode")


@pytest.mark.parametrize("key", ["e", "lex", "%", "zzz", "a"])
def test_cometchat_contains_count(
    people: tuple[TestClient, TestClient], strategy: str, key: str
) -> None:
    cc, _sb = people
    expected = cc_expected(PEOPLE, key)
    params = {"searchKey": key, "searchMode": "contains", "count": "true"}
    pagination = cc_page(cc, perPage=2, **params)["meta"]["pagination"]
    assert pagination["total"] == len(expected)
    assert pagination["total_pages"] == max(1, math.ceil(len(expected) / 2))
    assert pagination["count"] == min(2, len(expected))
    name_only = cc_page(cc, searchIn="name", **params)["meta"]["pagination"]
    assert name_only["total"] == len(cc_expected(PEOPLE, key, uid=False))


# --------------------------------------------------------------------------- Sendbird


@pytest.mark.parametrize("key", KEYS)
def test_sendbird_contains_matches_the_rule(
    people: tuple[TestClient, TestClient], strategy: str, key: str
) -> None:
    _cc, sb = people
    assert sb_contains(sb, key) == sb_expected(PEOPLE, key)


def test_sendbird_contains_spec_examples(
    people: tuple[TestClient, TestClient], strategy: str
) -> None:
    _cc, sb = people
    # "alexander-id" has "lex" only in its id: Sendbird searches nicknames alone.
    assert sb_contains(sb, "lex") == ["alx1", "alx2", "lex-l", "olexa"]
    assert sb_contains(sb, "xand") == ["alx1", "q"]
    assert "jn" in sb_contains(sb, "ose")
    assert sb_contains(sb, "0%_s") == ["pct"]
    assert sb_contains(sb, "%") == ["pct", "pct2"]
    assert sb_contains(sb, "_") == ["pct", "snake"]
    assert sb_contains(sb, "\\") == ["bslash"]
    assert sb_contains(sb, "nun") == ["jn", "jnjr"]
    assert sb_contains(sb, "ß") == ["str"]
    assert sb_contains(sb, "zzz") == []


def test_sendbird_contains_empty_is_ignored(
    people: tuple[TestClient, TestClient], strategy: str
) -> None:
    _cc, sb = people
    everyone = sorted(u for u, _n in PEOPLE)
    assert sb_walk(sb) == everyone
    assert sb_walk(sb, nickname_contains="") == everyone
    assert sb_walk(sb, nickname_contains="", nickname_startswith="") == everyone
    assert sb_walk(sb, nickname_contains="", nickname_startswith="al") == ["alx1", "alx2"]


def test_sendbird_contains_and_other_filters(cc: TestClient, sb: TestClient, strategy: str) -> None:
    sb_create(sb, "h1", "Alexandra", metadata={"team": "red"})
    sb_create(sb, "h2", "Lexie", metadata={"team": "blue"})
    sb_create(sb, "h3", "Olexiy", metadata={"team": "red"})
    sb_create(sb, "h4", "Plexus")
    sb_create(sb, "h5", "Bob")
    sb_create(sb, "h6", "Alexei", metadata={"team": "red"})
    sb_set_active(sb, "h6", False)
    bot = {
        "bot_userid": "bot-lex",
        "bot_nickname": "Lexbot",
        "bot_profile_url": "",
        "bot_type": "helper",
        "bot_callback_url": "https://example.org/bot",
        "is_privacy_mode": False,
    }
    ok(sb.post("/bots", json=bot))

    assert sb_contains(sb, "lex") == ["bot-lex", "h1", "h2", "h3", "h4"]
    # nickname_startswith AND nickname_contains.
    assert sb_contains(sb, "lex", nickname_startswith="al") == ["h1"]
    assert sb_contains(sb, "xi", nickname_startswith="le") == ["h2"]
    assert sb_contains(sb, "xi", nickname_startswith="bo") == []
    # active_mode.
    assert sb_contains(sb, "lex", active_mode="all") == ["bot-lex", "h1", "h2", "h3", "h4", "h6"]
    assert sb_contains(sb, "lex", active_mode="deactivated") == ["h6"]
    assert sb_contains(sb, "bob", active_mode="deactivated") == []
    # show_bot.
    assert sb_contains(sb, "lex", show_bot="false") == ["h1", "h2", "h3", "h4"]
    # user_ids.
    assert sb_contains(sb, "lex", user_ids="h5,h4,h2,h6") == ["h2", "h4"]
    assert sb_contains(sb, "lex", user_ids="h5") == []
    # metadata filter.
    red = {"metadatakey": "team", "metadatavalues_in": "red"}
    assert sb_contains(sb, "lex", **red) == ["h1", "h3"]
    assert sb_contains(sb, "lex", active_mode="all", **red) == ["h1", "h3", "h6"]
    assert sb_contains(sb, "ie", **red) == []
    # Everything at once.
    everything = {
        "nickname_startswith": "o",
        "active_mode": "all",
        "show_bot": "false",
        "user_ids": "h1,h3,h6",
        **red,
    }
    assert sb_contains(sb, "lex", **everything) == ["h3"]
    # And the exact nickname.
    assert sb_contains(sb, "lex", nickname="LEXIE") == ["h2"]
    assert sb_contains(sb, "bob", nickname="LEXIE") == []


def test_sendbird_contains_token_is_tied_to_the_filter(
    people: tuple[TestClient, TestClient],
) -> None:
    _cc, sb = people
    first = sb_page(sb, limit=2, nickname_contains="e")
    assert first["next"] != ""
    err(sb.get("/users", params={"limit": 2, "token": first["next"]}), 400111)
    other = {"limit": 2, "nickname_contains": "a", "token": first["next"]}
    err(sb.get("/users", params=other), 400111)
    same = sb_page(sb, limit=2, nickname_contains="e", token=first["next"])
    assert [u["user_id"] for u in same["users"]] == sb_expected(PEOPLE, "e")[2:4]


# --------------------------------------------------------------------------- paging


def crowd(n: int = 90, seed: int = 5) -> list[tuple[str, str]]:
    """Generated names full of accents, folds and wildcards, with ties."""
    rng = random.Random(seed)
    parts = [
        "al",
        "Ále",
        "xan",
        "dër",
        "ø",
        "ß",
        "lex",
        "Jo",
        "sé",
        "Nú",
        "ñez",
        "æ",
        "ł",
        "e",
        "É",
        "%",
        "_",
        " ",
        "LÉX",
        "o",
        "\uff2c",  # full-width L
        "\ufb01",
    ]
    made: list[tuple[str, str]] = []
    for i in range(n):
        if i % 9 == 0 and made:
            name = made[rng.randrange(len(made))][1]  # a tie on the name
        else:
            name = "".join(rng.choice(parts) for _ in range(rng.randint(1, 5))).strip() or "x"
        made.append((f"g{i:03d}", name))
    rng.shuffle(made)
    return made


CROWD_KEYS = ["lex", "e", "ø", "al", "%", "_", "ss", "n", "jo", "a e", "ﬁ", "nun", "qqq"]


@pytest.fixture
def crowded(cc: TestClient, sb: TestClient) -> tuple[TestClient, TestClient, list]:
    people = crowd()
    for i, (uid, name) in enumerate(people):
        if i % 3:
            cc_create(cc, uid, name)
        else:
            sb_create(sb, uid, name)
    return cc, sb, people


def test_cometchat_contains_pages(crowded: tuple[Any, Any, list], strategy: str) -> None:
    cc, _sb, people = crowded
    sizes = []
    for key in CROWD_KEYS:
        expected = cc_expected(people, key)
        sizes.append(len(expected))
        params = {"searchKey": key, "searchMode": "contains"}
        assert cc_uids(cc, **params) == expected, key
        walked = cc_walk(cc, 4, **params)
        assert walked == expected, key
        # Page k is exactly the k-th slice.
        assert cc_uids(cc, perPage=3, page=3, **params) == expected[6:9], key
        counted = cc_page(cc, perPage=4, count="true", **params)["meta"]["pagination"]
        assert counted["total"] == len(expected), key
        by_name = cc_expected(people, key, uid=False)
        assert cc_walk(cc, 5, searchIn="name", **params) == by_name, key
    assert max(sizes) > 20 and 0 in sizes  # both many and no matches were exercised


def test_sendbird_contains_pages(crowded: tuple[Any, Any, list], strategy: str) -> None:
    _cc, sb, people = crowded
    sizes = []
    for key in CROWD_KEYS:
        expected = sb_expected(people, key)
        sizes.append(len(expected))
        assert sb_contains(sb, key) == expected, key
        walked = sb_walk(sb, 3, nickname_contains=key)
        assert walked == expected, key
        assert len(set(walked)) == len(walked)
    assert max(sizes) > 20 and 0 in sizes


# ------------------------------------------------------------------ the index follows writes


def test_cometchat_contains_follows_renames_and_deletes(
    cc: TestClient, sb: TestClient, strategy: str
) -> None:
    for uid, name in [("a1", "Alexander"), ("a2", "Olexa"), ("a3", "Zed"), ("a4", "Lexa")]:
        cc_create(cc, uid, name)
    assert cc_contains(cc, "lex", searchIn="name") == ["a1", "a4", "a2"]
    assert cc_contains(cc, "thol") == []
    # A rename through CometChat.
    data(cc.put("/users/a1", json={"name": "Bartholomew"}))
    assert cc_contains(cc, "lex", searchIn="name") == ["a4", "a2"]
    assert cc_contains(cc, "thol") == ["a1"]
    assert cc_contains(cc, "xand") == []
    # A rename through Sendbird shows in CometChat's search too.
    ok(sb.put(upath("a3"), json={"nickname": "Alexis"}))
    assert cc_contains(cc, "lex", searchIn="name") == ["a3", "a4", "a2"]
    assert cc_contains(cc, "zed") == []
    # A permanent delete.
    data(cc.request("DELETE", "/users/a4", json={"permanent": True}))
    assert cc_contains(cc, "lex", searchIn="name") == ["a3", "a2"]
    assert cc_contains(cc, "lexa", withDeactivated="true") == ["a2"]
    # Re-created with another name: only the new name is found.
    cc_create(cc, "a4", "Quentin")
    assert cc_contains(cc, "lexa") == ["a2"]
    assert cc_contains(cc, "entin") == ["a4"]


def test_contains_stays_exact_across_index_merges(cc: TestClient) -> None:
    """Each API write is its own transaction, so on SQLite each adds an FTS5 segment; with merges
    deferred until 16 pile up at a level (migration 5), 150 writes cross several merges. The
    trigram strategy must still find exactly the users the rule says, renames included."""
    rnd = random.Random(5)
    syllables = ["lex", "an", "dra", "ko", "mi", "zu", "ber", "ta", "no", "vi"]
    people: dict[str, str] = {}
    for i in range(120):
        name = "".join(rnd.choice(syllables) for _ in range(3)).title()
        people[f"m{i:03d}"] = name
        cc_create(cc, f"m{i:03d}", name)
    for i in range(0, 120, 4):
        name = "".join(rnd.choice(syllables) for _ in range(3)).title()
        people[f"m{i:03d}"] = name
        data(cc.put(f"/users/m{i:03d}", json={"name": name}))
    pairs = sorted(people.items())
    for key in ["lex", "dra", "kom", "anb", "zut", "ber"]:
        assert cc_contains(cc, key, searchIn="name") == cc_expected(pairs, key, uid=False), key


def test_cometchat_contains_and_deactivated_users(cc: TestClient, strategy: str) -> None:
    for uid, name in [("a1", "Alexander"), ("a2", "Olexa"), ("a3", "Lexa"), ("a4", "Bob")]:
        cc_create(cc, uid, name)
    cc_deactivate(cc, "a2", "a4")
    assert cc_contains(cc, "lex") == ["a1", "a3"]
    assert cc_contains(cc, "lex", withDeactivated="true") == ["a1", "a3", "a2"]
    assert cc_contains(cc, "lex", onlyDeactivated="true") == ["a2"]
    assert cc_contains(cc, "ob") == []
    assert cc_contains(cc, "ob", onlyDeactivated="true") == ["a4"]
    total = cc_page(cc, searchKey="lex", searchMode="contains", count="true", withDeactivated="1")
    assert total["meta"]["pagination"]["total"] == 3
    # Reactivated: found again by default.
    data(cc.put("/users", json={"uidsToActivate": ["a2"]}))
    assert cc_contains(cc, "lex") == ["a1", "a3", "a2"]
    assert cc_contains(cc, "lex", onlyDeactivated="true") == []


def test_sendbird_contains_follows_renames_and_deletes(
    cc: TestClient, sb: TestClient, strategy: str
) -> None:
    for uid, name in [("s1", "Alexander"), ("s2", "Olexa"), ("s3", "Zed"), ("s4", "Lexa")]:
        sb_create(sb, uid, name)
    assert sb_contains(sb, "lex") == ["s1", "s2", "s4"]
    ok(sb.put(upath("s1"), json={"nickname": "Bartholomew"}))
    assert sb_contains(sb, "lex") == ["s2", "s4"]
    assert sb_contains(sb, "thol") == ["s1"]
    # A rename through CometChat shows in Sendbird's search too.
    data(cc.put("/users/s3", json={"name": "Plexiglas"}))
    assert sb_contains(sb, "lex") == ["s2", "s3", "s4"]
    assert sb_contains(sb, "zed") == []
    # Sendbird's delete is permanent.
    assert ok(sb.delete(upath("s4"))) == {}
    assert sb_contains(sb, "lex") == ["s2", "s3"]
    assert sb_contains(sb, "lex", active_mode="all") == ["s2", "s3"]


def test_sendbird_contains_and_active_mode(sb: TestClient, strategy: str) -> None:
    for uid, name in [("s1", "Alexander"), ("s2", "Olexa"), ("s3", "Lexa"), ("s4", "Bob")]:
        sb_create(sb, uid, name)
    sb_set_active(sb, "s2", False)
    sb_set_active(sb, "s4", False)
    assert sb_contains(sb, "lex") == ["s1", "s3"]
    assert sb_contains(sb, "lex", active_mode="activated") == ["s1", "s3"]
    assert sb_contains(sb, "lex", active_mode="all") == ["s1", "s2", "s3"]
    assert sb_contains(sb, "lex", active_mode="deactivated") == ["s2"]
    assert sb_contains(sb, "ob") == []
    assert sb_contains(sb, "ob", active_mode="deactivated") == ["s4"]
    sb_set_active(sb, "s2", True)
    assert sb_contains(sb, "lex") == ["s1", "s2", "s3"]


def test_contains_never_crosses_apps(
    cc: TestClient, sb: TestClient, keys: dict[str, str], strategy: str
) -> None:
    cc_other = {"apikey": keys["other_app"]}
    sb_other = {"Api-Token": keys["other_app"]}
    cc_create(cc, "mine1", "Alexander")
    sb_create(sb, "mine2", "Olexa")
    for uid, name in [("theirs1", "Alexis"), ("theirs2", "Plexus"), ("mine1", "Lexicon")]:
        response = cc.post("/users", json={"uid": uid, "name": name}, headers=cc_other)
        assert response.status_code == 200, response.text
    sb_other_body = {"user_id": "theirs3", "nickname": "Flex", "profile_url": ""}
    ok(sb.post("/users", json=sb_other_body, headers=sb_other))

    assert cc_contains(cc, "lex") == ["mine1", "mine2"]
    assert sb_contains(sb, "lex") == ["mine1", "mine2"]
    assert cc_contains(cc, "lex", withDeactivated="true", count="true") == ["mine1", "mine2"]
    total = cc_page(cc, searchKey="lex", searchMode="contains", count="true")
    assert total["meta"]["pagination"]["total"] == 2
    assert cc_contains(cc, "plex") == []
    assert sb_contains(sb, "flex") == []

    theirs = cc.get(
        "/users",
        params={"searchKey": "lex", "searchMode": "contains", "perPage": 100},
        headers=cc_other,
    )
    assert theirs.status_code == 200, theirs.text
    assert [u["uid"] for u in theirs.json()["data"]] == ["theirs1", "theirs3", "mine1", "theirs2"]
    theirs_sb = ok(
        sb.get("/users", params={"nickname_contains": "lex", "limit": 100}, headers=sb_other)
    )
    assert [u["user_id"] for u in theirs_sb["users"]] == ["mine1", "theirs1", "theirs2", "theirs3"]
