"""Passages are escaped and only the description's content words are marked in them."""

from web.rendering import highlight


def test_content_words_and_their_stems_are_marked_and_the_text_escaped() -> None:
    html = str(highlight("Guards <b>noted</b> the reported doors.", "guards do not report"))
    assert html == "<mark>Guards</mark> &lt;b&gt;noted&lt;/b&gt; the <mark>reported</mark> doors."


def test_a_long_text_is_cut_at_a_word_boundary() -> None:
    html = str(highlight("alpha " * 100 + "door", "door", limit=60))
    assert html.endswith("<mark>door</mark>") and html.startswith("…alpha ")
