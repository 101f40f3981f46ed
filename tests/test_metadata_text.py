"""Metadata as Sendbird shows it: every value a string, non-string values as their JSON text.

`as_text_json` sends metadata whose values are all strings as stored, without building a map;
these tests hold it to the rule (`as_text`) on metadata of every shape and spacing, including
text inside strings that looks like a non-string value.
"""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import pytest

from roster.core.metadata_service import as_text, as_text_json

_TRICKY_TEXT = ['":5', '\\":{', '" : [', "a:b", '":"', " ", "", "\\", '"', "é ✓", "\n\t"]


def _value(rng: random.Random, text_only: bool) -> Any:
    if text_only or rng.random() < 0.6:
        return rng.choice(_TRICKY_TEXT) + rng.choice(["", "x", '"1']) + rng.choice(_TRICKY_TEXT)
    return rng.choice([0, -1.5, True, False, None, [], [1, "a"], {}, {"k": "v"}, {"k": 1}])


def _metadata(rng: random.Random, text_only: bool) -> str:
    items = {
        rng.choice(_TRICKY_TEXT) + str(n): _value(rng, text_only) for n in range(rng.randint(0, 4))
    }
    spacing = rng.choice(
        [
            {"separators": (",", ":")},
            {"separators": (", ", ": ")},
            {"separators": (" ,", " : ")},
            {"indent": 2},
            {"indent": "\t", "separators": (",\n", "\n:\n")},
        ]
    )
    return json.dumps(items, ensure_ascii=rng.random() < 0.5, **spacing)


@pytest.mark.parametrize("text_only", [True, False])
def test_any_metadata_reads_as_its_decoded_text(text_only):
    rng = random.Random(16 + text_only)
    for _ in range(3000):
        stored = _metadata(rng, text_only)
        shown = msgspec.json.decode(bytes(as_text_json(stored)))
        assert shown == as_text(stored), stored


def test_text_metadata_goes_out_as_stored():
    stored = '{"plan": "pro", "note":"x\\":5 {\\"a\\": 1}"}'
    assert bytes(as_text_json(stored)) == stored.encode()


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ('{"n":1}', {"n": "1"}),
        ('{"n" :\n {"k": "v"}}', {"n": '{"k":"v"}'}),
        ('{"a":"b","t":true}', {"a": "b", "t": "true"}),
        ('{"z" : null}', {"z": "null"}),
        ('{"l":\t["x"]}', {"l": '["x"]'}),
    ],
)
def test_non_text_values_become_their_json_text(stored, shown):
    assert msgspec.json.decode(bytes(as_text_json(stored))) == shown


@pytest.mark.parametrize("stored", [None, "", "{}", "{ }"])
def test_empty_metadata_is_an_empty_object(stored):
    assert msgspec.json.decode(bytes(as_text_json(stored))) == {}
