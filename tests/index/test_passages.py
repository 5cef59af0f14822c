"""Passages: whole sentences, chunks of even length, every word of the entry kept once and in order."""

from __future__ import annotations

import random

from index.passages import passage_texts

WORDS = 160


def _sentence(rng: random.Random, length: int) -> str:
    vocabulary = ["guard", "source", "store", "door", "alarm", "shift", "report", "gauge"]
    words = [rng.choice(vocabulary) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random, lengths: list[int]) -> str:
    return " ".join(_sentence(rng, n) for n in lengths)


def _chunks(body: str) -> list[str]:
    passages = passage_texts(title="A title", summary="The summary.", body=body, words=WORDS)
    prefix = "A title. "
    assert all(p.startswith(prefix) for p in passages)
    return [p[len(prefix):] for p in passages[1:]]


def test_a_body_just_over_one_passage_is_halved_rather_than_left_with_a_stub() -> None:
    body = _body(random.Random(1), [20] * 8 + [10])  # 170 words
    assert sorted(len(c.split()) for c in _chunks(body)) == [80, 90]


def test_chunks_end_at_sentence_ends_and_keep_every_word_once_in_order() -> None:
    rng = random.Random(7)
    for _ in range(200):
        lengths = [rng.randint(3, 40) for _ in range(rng.randint(1, 30))]
        body = _body(rng, lengths)
        chunks = _chunks(body)
        assert " ".join(chunks).split() == body.split()
        assert all(len(c.split()) <= WORDS for c in chunks)
        assert all(c.endswith(".") for c in chunks)
        needed = -(-sum(lengths) // WORDS)
        assert len(chunks) <= needed + 1
        if len(chunks) > 1:
            assert min(len(c.split()) for c in chunks) >= 0.3 * sum(lengths) / len(chunks)


def test_only_a_sentence_longer_than_a_passage_is_cut_between_words() -> None:
    body = _body(random.Random(3), [400])
    chunks = _chunks(body)
    assert [len(c.split()) for c in chunks] == [160, 160, 80]
    assert " ".join(chunks).split() == body.split()


def test_paragraphs_and_markdown_are_read_as_plain_sentences() -> None:
    body = "## Context\n\nGuards lent badges, e.g. to cleaners. Nobody noticed.\n\n- Alarms were tested weekly."
    assert _chunks(body) == ["Context Guards lent badges, e.g. to cleaners. Nobody noticed. Alarms were tested weekly."]


def test_no_body_means_the_summary_alone() -> None:
    assert passage_texts(title="T", summary="S.", body="", tag_labels=["Safety"]) == ["T (Safety). S."]
