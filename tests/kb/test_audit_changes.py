"""The audit log's before and after, said field by field."""

from __future__ import annotations

from kb.audit import FieldChange, field_changes


def test_only_the_fields_that_changed_are_listed_flat_and_in_words() -> None:
    before = {"title": "Old", "summary": "One\r\nTwo", "source": {"year": 2020, "type": "ippas"},
              "topic": ["a", "b"], "withdrawn": False}
    after = {"title": "Old", "summary": "One\r\nThree", "source": {"year": 2021, "type": "ippas"},
             "topic": ["a"], "withdrawn": True, "networks": []}
    assert field_changes(before, after) == [
        FieldChange("summary", "One\nTwo", "One\nThree"),
        FieldChange("source.year", "2020", "2021"),
        FieldChange("topic", "a, b", "a"),
        FieldChange("withdrawn", "no", "yes"),
        FieldChange("networks", None, "(none)"),
    ]


def test_a_creation_lists_every_field_as_new() -> None:
    assert field_changes(None, {"name": "Network"}) == [FieldChange("name", None, "Network")]
    assert field_changes({"a": 1}, {"a": 1}) == []
