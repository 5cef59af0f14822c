"""Passages are shown without the title-and-tags context they carry for embedding."""

from web.rendering import passage_text


def test_context_with_parenthesised_tag_labels_is_stripped() -> None:
    passage = "Door alarms (Radioactive sources (medical and industrial), Physical protection). A hospital fitted."
    assert passage_text(passage, "Door alarms") == "A hospital fitted."


def test_a_passage_without_context_is_left_alone() -> None:
    assert passage_text("Something else entirely.", "Door alarms") == "Something else entirely."
