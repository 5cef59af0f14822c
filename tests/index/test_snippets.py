"""Snippets: whole sentences that match, headings left out, only content words and their stems marked."""

from __future__ import annotations

from index.snippets import ROOM, SNIPPETS, cut_at_word, sentences, split_sentences

BODY = """## Context
Airport workers held badges that opened every airside door. Nobody noticed when a badge was lent.

## What was done
- Badges now open only the doors of the holder's shift.
- A guard reports every lent badge to the security manager, e.g. by radio.

**Results**
Lent badges fell from 40 a month to 2. The auditors noted the change."""
SUMMARY = "The hub airport tied badge rights to shifts and made guards report lent badges."


def marked(text: str, query: str) -> list[str]:
    return [text[start:end] for start, end in SNIPPETS.marks(text, query)]


def test_headings_are_left_out_and_never_run_into_the_text() -> None:
    texts = [s.text for s in sentences(SUMMARY, BODY)]
    assert "Airport workers held badges that opened every airside door." in texts
    assert not any(t.startswith(("Context", "What was done", "Results", "**")) for t in texts), texts
    assert "Badges now open only the doors of the holder's shift." in texts


def test_sentences_are_not_split_after_abbreviations() -> None:
    assert split_sentences("A guard reports it, e.g. by radio. Then it stops.") == [
        "A guard reports it, e.g. by radio.", "Then it stops."]


def test_the_best_matching_sentence_is_chosen_whole() -> None:
    chosen = SNIPPETS.choose(query="guards do not report lent badges", summary="Short.", body=BODY)
    assert chosen.startswith("A guard reports every lent badge"), chosen
    assert chosen in " ".join(s.text for s in sentences("Short.", BODY))


def test_the_model_passage_breaks_ties_between_sentences() -> None:
    body = "Alarms are tested weekly.\n\nAlarms are tested weekly at the gate."
    assert SNIPPETS.choose(query="alarms tested", summary="", body=body,
                           passage="Title (Tags). Alarms are tested weekly at the gate.") == \
        "Alarms are tested weekly at the gate."


def test_nothing_matching_gives_the_summary_opening() -> None:
    assert SNIPPETS.choose(query="chlorine", summary=SUMMARY, body=BODY) == SUMMARY


def test_stop_words_are_never_marked_and_not_does_not_mark_noted() -> None:
    text = "The auditors noted the change and did not report it."
    assert marked(text, "do not report the change") == ["change", "report"]


def test_stems_and_cyber_are_marked() -> None:
    assert marked("Guards reported two cybersecurity incidents and a cyber-attack.", "guard report cyber attacks") \
        == ["Guards", "reported", "cybersecurity", "cyber", "attack"]


def test_a_long_sentence_is_cut_at_word_boundaries_around_the_match() -> None:
    words = " ".join(f"word{n}" for n in range(200))
    text = f"{words} airport workers {words}."
    matches = SNIPPETS.matcher("airport")
    cut = cut_at_word(text, ROOM, matches)
    assert cut.startswith("…word") and cut.endswith("…")
    assert "airport workers" in cut and len(cut) <= ROOM + 2
    inner = cut.strip("…")
    assert all(w.startswith("word") or w in ("airport", "workers") for w in inner.split()), cut
    assert text.find(inner) >= 0 and text[text.find(inner) - 1] == " "
