"""Session data is stored as plain JSON when it can be, and reads back unchanged either way."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask.json.tag import TaggedJSONSerializer
from markupsafe import Markup

from portal.auth.sessions import SessionSerializer

serializer = SessionSerializer()


@pytest.mark.parametrize("value", [
    {},
    {"_user_id": "12", "_fresh": True, "n": 1, "f": 2.5, "none": None},
    {"contexts": {"tok": {"patient_id": "42", "display_name": "J. de Vries"}}, "offered": {"a": "1", "b": "2"}},
    {"list": [1, "x", None, True, {"nested": ["é", "😀"]}]},
])
def test_json_types_are_stored_plain_and_read_back(value):
    text = serializer.dumps(value)
    assert text.startswith(SessionSerializer.PLAIN)
    assert serializer.loads(text) == value


@pytest.mark.parametrize("value", [
    {"_flashes": [("success", "Opgeslagen")]},  # a flash message is a tuple
    {"b": b"\x00\x01"},
    {"at": datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)},
    {"m": Markup("<b>x</b>")},
    {"looks_tagged": {" t": [1, 2]}},  # a dict whose one key is a tag's
])
def test_other_values_are_stored_tagged_and_read_back_with_their_types(value):
    text = serializer.dumps(value)
    assert text.startswith("{")
    assert serializer.loads(text) == value
    assert type(next(iter(serializer.loads(text).values()))) is type(next(iter(value.values())))


def test_rows_written_before_read_as_before():
    value = {"_user_id": "7", "_flashes": [("info", "x")]}
    assert serializer.loads(TaggedJSONSerializer().dumps(value)) == value
