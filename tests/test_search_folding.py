"""Search-key folding: `roster.model.folding.fold` / `prefix_range`, and prefix search through
both dialects (CometChat `searchKey`, Sendbird `nickname_startswith` and `nickname`).

The documented fold: NFKD, full casefold, drop every nonspacing mark (category Mn), map a few
letters without a decomposition to ASCII, then NFKC. Expected values below come from the
spec's examples and from `ref_fold`, an independent transcription of that rule; the code under
test is never asked for an expected value.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from roster.model.folding import fold, prefix_range
from tests.cometchat_helpers import data
from tests.folding_reference import fold as ref_fold
from tests.sendbird_helpers import ok

# --------------------------------------------------------------------------- fold: examples

SPEC_EXAMPLES = [
    ("José", "jose"),
    ("JOSE", "jose"),
    ("jose", "jose"),
    ("Jose\u0301", "jose"),  # combining acute
    ("JOSÉ", "jose"),
    ("Zoë", "zoe"),
    ("Straße", "strasse"),
    ("Øyvind", "oyvind"),
    ("Łukasz", "lukasz"),
    ("\uff2a\uff4f\uff53\uff45", "jose"),  # full-width JOSE
    ("\ufb01", "fi"),  # ﬁ ligature
    ("İstanbul", "istanbul"),
    ("Æsir", "aesir"),
    ("José Núñez", "jose nunez"),
    ("Émile", "emile"),
]

# Each letter without a decomposition, and its capital (reached through casefold).
MAPPED_LETTERS = [
    ("ø", "o"),
    ("Ø", "o"),
    ("æ", "ae"),
    ("Æ", "ae"),
    ("œ", "oe"),
    ("Œ", "oe"),
    ("ł", "l"),
    ("Ł", "l"),
    ("đ", "d"),
    ("Đ", "d"),
    ("ð", "d"),
    ("Ð", "d"),
    ("þ", "th"),
    ("Þ", "th"),
    ("ħ", "h"),
    ("Ħ", "h"),
    ("\u0131", "i"),  # dotless i
    ("I", "i"),
]

MORE_EXAMPLES = [
    ("ÅNGSTRÖM", "angstrom"),
    ("\u212bngstr\u00f6m", "angstrom"),  # ANGSTROM SIGN decomposes to A + ring
    ("Nguyễn", "nguyen"),  # two stacked marks
    ("\u01a0", "o"),  # O WITH HORN: the horn is Mn
    ("Čeština", "cestina"),
    ("Ça", "ca"),
    ("Ñandú", "nandu"),
    ("Đorđe", "dorde"),
    ("Þórr", "thorr"),
    ("Ħal", "hal"),
    ("Œuvre", "oeuvre"),
    ("\u1e9e", "ss"),  # capital sharp s
    ("\u01c4", "dz"),  # Ǆ: compatibility decomposition D Z caron
    ("\u216b", "xii"),  # ROMAN NUMERAL TWELVE
    ("\u2460", "1"),  # CIRCLED DIGIT ONE
    ("\ufb00", "ff"),
    ("Σίσυφος", "σισυφοσ"),  # final sigma casefolds to sigma; tonos dropped
    ("ЁЖ", "еж"),  # Cyrillic: the diaeresis is a nonspacing mark too
    ("\u1fb3", "\u03b1\u03b9"),  # the ypogegrammeni casefolds to iota before marks go
    ("日本語", "日本語"),
    ("😀 smile", "😀 smile"),
    ("a-b_c 100%\\", "a-b_c 100%\\"),  # punctuation and wildcards untouched
    ("\u0915\u093e", "\u0915\u093e"),  # Devanagari vowel sign AA is Mc (spacing): kept
    ("a\u20dd", "a\u20dd"),  # COMBINING ENCLOSING CIRCLE is Me, not Mn: kept
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), SPEC_EXAMPLES + MAPPED_LETTERS + MORE_EXAMPLES)
def test_fold_examples(text: str, expected: str) -> None:
    assert ref_fold(text) == expected  # the reference agrees with the hand-written value
    assert fold(text) == expected


def test_fold_variants_of_one_name_are_equal() -> None:
    variants = [
        "José",
        "JOSÉ",
        "jose",
        "JOSE",
        "Jose\u0301",
        "JOSE\u0301",
        "\uff2a\uff4f\uff53\uff45",
        "\uff2a\uff4f\uff53\uff45\u0301",
        "jos\u00e9",
        "Jos\u00c9",
    ]
    assert {fold(v) for v in variants} == {"jose"}


def test_fold_is_idempotent() -> None:
    samples = [t for t, _ in SPEC_EXAMPLES + MAPPED_LETTERS + MORE_EXAMPLES]
    for text in samples:
        once = fold(text)
        assert fold(once) == once, (text, once)


def test_fold_keeps_only_what_the_rule_keeps() -> None:
    # No nonspacing mark, no upper case, and NFKC-stable output for a mix of scripts.
    text = "ÀÉÎÕÜ ÇŠŽ ǅǈ ﬃ ẞ İ Ωμέγα Їжак Ǻ Ạ ḁ ǖ Ⓐ ㎏ ¼"
    folded = fold(text)
    assert all(unicodedata.category(c) != "Mn" for c in folded), folded
    assert unicodedata.normalize("NFKC", folded) == folded
    assert folded == folded.casefold()
    assert folded == ref_fold(text)


def test_fold_agrees_with_the_rule_on_every_code_point() -> None:
    """Every single code point folds as the documented rule says."""
    mismatches = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        got, want = fold(ch), ref_fold(ch)
        if got != want:
            mismatches.append((f"U+{cp:04X}", got, want))
    assert mismatches == [], f"{len(mismatches)} mismatches, first: {mismatches[:15]}"


def test_fold_agrees_with_the_rule_on_strings() -> None:
    names = [
        "Zoë Ångström-Łukasiewicz",
        "ŒDIPUS Þórr Ħal",
        # full-width, with an ideographic space
        "\uff2d\uff41\uff58\u3000\uff2d\uff55\uff53\uff54\uff45\uff52",
        "straẞe STRASSE straße",
        "İI\u0131i",
        "Ǆemal ǅemal ǆemal",
        "ﬁﬂﬀﬃ",
        "ᾼᾳῼ",
        "Ελληνικά ΣΟΦΟΣ",
        "Jose\u0301\u0301\u0301",
    ]
    for name in names:
        assert fold(name) == ref_fold(name), name


# --------------------------------------------------------------------------- prefix_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JOSÉ", ("jose", "josf")),
        ("Jose\u0301", ("jose", "josf")),
        ("jos", ("jos", "jot")),
        ("Straße", ("strasse", "strassf")),
        ("ÆS", ("aes", "aet")),
        ("Ø", ("o", "p")),
        ("\ufb01", ("fi", "fj")),
        ("\uff2a\uff4f", ("jo", "jp")),
        ("İst", ("ist", "isu")),
        ("Zoë", ("zoe", "zof")),
    ],
)
def test_prefix_range_examples(text: str, expected: tuple[str, str]) -> None:
    assert prefix_range(text) == expected


def test_prefix_range_bounds_at_the_end_of_unicode() -> None:
    # The last character cannot be incremented: the bound moves to the one before it.
    assert prefix_range("a\U0010ffff") == ("a\U0010ffff", "b")
    # Incrementing never lands on a surrogate.
    assert prefix_range("a\ud7ff") == ("a\ud7ff", "a\ue000")


NAMES = [
    "José Núñez",
    "JOSEPHINE",
    "jose x",
    "Josh",
    "Jos",
    "Jot",
    "Zoë",
    "Zoe",
    "Zof",
    "Straße",
    "Strasse",
    "Strassf",
    "Øyvind",
    "Oy",
    "Æsir",
    "Aes",
    "Afra",
    "ﬁnn",
    "Finn",
    "İstanbul",
    "Isu",
    "日本",
]


@pytest.mark.parametrize("key", ["jos", "JOSÉ", "zoe", "Zoë", "straß", "STRASS", "ø", "Æ", "ﬁ"])
def test_prefix_range_selects_exactly_the_folded_prefix(key: str) -> None:
    low, high = prefix_range(key)
    for name in NAMES:
        folded = ref_fold(name)
        in_range = low <= folded and (high is None or folded < high)
        assert in_range == folded.startswith(ref_fold(key)), (key, name)


# --------------------------------------------------------------------------- CometChat prefix

CC_PEOPLE = [
    ("u-jn", "José Núñez"),
    ("u-jnjr", "José Núñez Jr"),
    ("u-jp", "JOSEPHINE"),
    ("u-jx", "jose x"),
    ("u-jc", "Jose\u0301 Combining"),
    ("u-jw", "\uff2a\uff4f\uff53\uff45 Wide"),
    ("u-josh", "Josh"),
    ("u-zoe", "Zoë"),
    ("u-zed", "Zed"),
    ("u-st", "Straße"),
    ("u-st2", "STRASSE Ost"),
    ("u-oy", "Øyvind"),
    ("u-olga", "Olga"),
    ("u-oz", "Oz"),
    ("u-luk", "Łukasz"),
    ("u-luis", "Luis"),
    ("u-luna", "Luna"),
    ("u-fi", "\ufb01nn"),
    ("u-ist", "İstanbul"),
    ("u-aes", "Æsir"),
    ("u-adam", "Adam"),
    ("u-afra", "Afra"),
    ("u-eda", "Eda"),
    ("u-emile", "Émile"),
    ("u-eve", "Eve"),
    ("u-thor", "Þórr"),
    ("u-dorde", "Đorđe"),
    ("u-oe", "Œuvre"),
    ("u-same2", "Jose"),
    ("u-same1", "JOSE"),
]


def cc_order(people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """CometChat's list order: folded name, then uid."""
    return sorted(people, key=lambda p: (ref_fold(p[1]), p[0]))


def cc_uids(cc: TestClient, **params: Any) -> list[str]:
    return [u["uid"] for u in data(cc.get("/users", params={"perPage": 1000, **params}))]


@pytest.fixture
def cc_people(cc: TestClient) -> TestClient:
    for uid, name in CC_PEOPLE:
        data(cc.post("/users", json={"uid": uid, "name": name}))
    return cc


def test_cometchat_list_order_uses_folded_names(cc_people: TestClient) -> None:
    cc = cc_people
    expected = [uid for uid, _ in cc_order(CC_PEOPLE)]
    got = cc_uids(cc)
    assert got == expected
    # The spec's example: accented names sort among their base letters.
    position = {uid: i for i, uid in enumerate(got)}
    assert position["u-eda"] + 1 == position["u-emile"] == position["u-eve"] - 1
    assert position["u-olga"] < position["u-oy"] < position["u-oz"]
    assert position["u-adam"] < position["u-aes"] < position["u-afra"]
    assert position["u-luis"] < position["u-luk"] < position["u-luna"]
    assert position["u-same1"] + 1 == position["u-same2"]  # equal folded names: by uid
    # Pages cut the same order.
    walked: list[str] = []
    for page in range(1, 20):
        rows = cc_uids(cc, perPage=4, page=page)
        if not rows:
            break
        walked += rows
    assert walked == expected


@pytest.mark.parametrize(
    "key",
    [
        "jos",
        "JOS",
        "JOSÉ",
        "Jose\u0301",
        "jose ",
        "jose n",
        "JOSÉ NÚÑEZ",
        "\uff2a\uff4f\uff53",
        "zoe",
        "ZOË",
        "straße",
        "STRASS",
        "strasse o",
        "øy",
        "OY",
        "łuk",
        "LUK",
        "fi",
        "\ufb01",
        "ist",
        "İST",
        "æ",
        "aes",
        "é",
        "e",
        "th",
        "Þ",
        "đor",
        "oeu",
        "Œ",
        "nobody",
    ],
)
def test_cometchat_prefix_search_folds_the_key(cc_people: TestClient, key: str) -> None:
    folded = ref_fold(key)
    by_name = [uid for uid, name in cc_order(CC_PEOPLE) if ref_fold(name).startswith(folded)]
    by_uid = [uid for uid, _ in cc_order(CC_PEOPLE) if uid.startswith(folded)]
    both = [uid for uid, name in cc_order(CC_PEOPLE) if uid in by_name or uid in by_uid]
    assert cc_uids(cc_people, searchKey=key) == both
    assert cc_uids(cc_people, searchKey=key, searchIn="name") == by_name
    assert cc_uids(cc_people, searchKey=key, searchIn="uid") == by_uid


def test_cometchat_prefix_search_spec_examples(cc_people: TestClient) -> None:
    cc = cc_people
    jos = cc_uids(cc, searchKey="jos")
    assert "u-jn" in jos and "u-jp" in jos
    assert "u-jx" in cc_uids(cc, searchKey="JOSÉ")
    assert cc_uids(cc, searchKey="zoe") == ["u-zoe"]
    assert cc_uids(cc, searchKey="JOSÉ NÚÑEZ") == ["u-jn", "u-jnjr"]
    assert cc_uids(cc, searchKey="Ø") == ["u-oe", "u-olga", "u-oy", "u-oz"]
    assert cc_uids(cc, searchKey="\u00e9mi") == ["u-emile"]
    assert cc_uids(cc, searchKey="EMI") == ["u-emile"]


def test_cometchat_prefix_search_counts_and_pages(cc_people: TestClient) -> None:
    cc = cc_people
    expected = [uid for uid, n in cc_order(CC_PEOPLE) if ref_fold(n).startswith("jose")]
    assert len(expected) == 8
    body = cc.get("/users", params={"searchKey": "JOSÉ", "count": "true", "perPage": 3})
    assert body.status_code == 200, body.text
    assert body.json()["meta"]["pagination"]["total"] == len(expected)
    walked: list[str] = []
    for page in range(1, 5):
        walked += cc_uids(cc, searchKey="JOSÉ", perPage=3, page=page)
    assert walked == expected


def test_cometchat_prefix_search_follows_renames(cc_people: TestClient) -> None:
    cc = cc_people
    data(cc.put("/users/u-zed", json={"name": "Ångström"}))
    assert cc_uids(cc, searchKey="angs") == ["u-zed"]
    assert cc_uids(cc, searchKey="ÅNGSTRÖM") == ["u-zed"]
    assert cc_uids(cc, searchKey="zed", searchIn="name") == []
    assert "u-zed" not in cc_uids(cc, searchKey="z", searchIn="name")


# --------------------------------------------------------------------------- Sendbird prefix

SB_PEOPLE = [
    ("sb-1", "Núñez"),
    ("sb-2", "José Núñez"),
    ("sb-3", "José Núñez Jr"),
    ("sb-4", "NUNO"),
    ("sb-5", "Ñu"),
    ("sb-6", "jose nunez"),
    ("sb-7", "Jose\u0301 Nu\u0301n\u0303ez"),
    ("sb-8", "\uff2a\uff4f\uff53\uff45 \uff4e\uff55\uff4e\uff45\uff5a"),
    ("sb-9", "Øyvind"),
    ("sb-a", "Straße"),
    ("sb-b", "Bob"),
    ("nun-id", "Bob"),  # the user id is never searched by Sendbird's nickname filters
    ("A-upper", "Zoë"),
    ("ø-id", "Zoe"),
]


def sb_create(sb: TestClient, user_id: str, nickname: str, **fields: Any) -> None:
    body = {"user_id": user_id, "nickname": nickname, "profile_url": "", **fields}
    ok(sb.post("/users", json=body))


def sb_ids(sb: TestClient, **params: Any) -> list[str]:
    """Every user id the query lists, following `next` to the end."""
    found: list[str] = []
    token = ""
    for _ in range(200):
        query = {"limit": 100, **params}
        if token:
            query["token"] = token
        body = ok(sb.get("/users", params=query))
        found += [u["user_id"] for u in body["users"]]
        token = body["next"]
        if token == "":
            return found
    raise AssertionError("the walk does not end")


@pytest.fixture
def sb_people(sb: TestClient) -> TestClient:
    for user_id, nickname in SB_PEOPLE:
        sb_create(sb, user_id, nickname)
    return sb


def sb_order(people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(people)  # by user_id, code point (= UTF-8 byte) order


@pytest.mark.parametrize(
    "prefix",
    ["nun", "NUN", "Ñ", "núñ", "jose", "JOSÉ N", "\uff4e\uff55", "øy", "OY", "straß", "zoe", "Zoë"],
)
def test_sendbird_nickname_startswith_folds(sb_people: TestClient, prefix: str) -> None:
    folded = ref_fold(prefix)
    expected = [i for i, n in sb_order(SB_PEOPLE) if ref_fold(n).startswith(folded)]
    assert sb_ids(sb_people, nickname_startswith=prefix) == expected


def test_sendbird_prefix_spec_examples(sb_people: TestClient) -> None:
    sb = sb_people
    assert sb_ids(sb, nickname_startswith="nun") == ["sb-1", "sb-4"]
    assert sb_ids(sb, nickname_startswith="zoe") == ["A-upper", "ø-id"]
    assert sb_ids(sb, nickname_startswith="ø") == ["sb-9"]  # not the user id "ø-id"


@pytest.mark.parametrize(
    "nickname",
    ["jose nunez", "JOSÉ NÚÑEZ", "Jose\u0301 Nu\u0301n\u0303ez", "\uff2a\uff4f\uff53\uff45 nunez"],
)
def test_sendbird_nickname_exact_folds(sb_people: TestClient, nickname: str) -> None:
    # "José Núñez Jr" is not the whole nickname.
    assert sb_ids(sb_people, nickname=nickname) == ["sb-2", "sb-6", "sb-7", "sb-8"]


def test_sendbird_nickname_exact_spec_example_raw_query(sb_people: TestClient) -> None:
    body = ok(sb_people.get("/users?limit=100&nickname=jose%20nunez"))
    got = [u["user_id"] for u in body["users"]]
    assert "sb-2" in got and "sb-3" not in got
    assert got == ["sb-2", "sb-6", "sb-7", "sb-8"]
    assert ok(sb_people.get(f"/users?nickname={quote('ZOË')}"))["users"] != []
    zoe = [u["user_id"] for u in ok(sb_people.get(f"/users?nickname={quote('zoe')}"))["users"]]
    assert zoe == ["A-upper", "ø-id"]
    assert sb_ids(sb_people, nickname="strasse") == ["sb-a"]
    assert sb_ids(sb_people, nickname="nun") == []


# --------------------------------------------------------------------------- cross dialect


def test_prefix_search_across_dialects(cc: TestClient, sb: TestClient) -> None:
    sb_create(sb, "from-sb", "Ærø Łódź")
    data(cc.post("/users", json={"uid": "from-cc", "name": "Þórunn Ñandú"}))
    assert cc_uids(cc, searchKey="aero lo") == ["from-sb"]
    assert cc_uids(cc, searchKey="AERØ ŁÓ", searchIn="name") == ["from-sb"]
    assert sb_ids(sb, nickname_startswith="thorunn n") == ["from-cc"]
    assert sb_ids(sb, nickname="THÓRUNN NANDU") == ["from-cc"]
    assert sb_ids(sb, nickname="aero lodz") == ["from-sb"]


# A key of nothing but combining marks folds to nothing: like an empty key, it narrows nothing
# (every name starts with, and contains, the empty string).
ONLY_MARKS = "\u0301\u0308"


def test_cometchat_key_that_folds_to_nothing_narrows_nothing(cc_people: TestClient) -> None:
    everyone = cc_uids(cc_people)
    assert len(everyone) == len(CC_PEOPLE)
    assert cc_uids(cc_people, searchKey=ONLY_MARKS) == everyone
    assert cc_uids(cc_people, searchKey=ONLY_MARKS, searchMode="contains") == everyone
    assert cc_uids(cc_people, searchKey=ONLY_MARKS, searchIn="uid") == everyone


def test_sendbird_key_that_folds_to_nothing_narrows_nothing(sb_people: TestClient) -> None:
    everyone = sb_ids(sb_people)
    assert everyone == [i for i, _n in sb_order(SB_PEOPLE)]
    assert sb_ids(sb_people, nickname_startswith=ONLY_MARKS) == everyone
    assert sb_ids(sb_people, nickname_contains=ONLY_MARKS) == everyone
