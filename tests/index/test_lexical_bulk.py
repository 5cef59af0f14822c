"""A bulk load (postings compacted into arrays as it goes) scores exactly as documents added one at a time."""

from __future__ import annotations

import random

import numpy as np

from index.lexical import COMPACT_EVERY, LexicalIndex

WORDS = ["guard", "patrol", "fence", "badge", "insider", "vetting", "culture", "source", "radiography", "truck",
         "chlorine", "drum", "door", "alarm", "camera", "seal", "tamper", "training", "drill", "exercise",
         "inspector", "licence", "transport", "route", "escort"]


def documents(count: int) -> list[tuple[int, str]]:
    rng = random.Random(5)
    return [(number, " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))) for number in range(1, count + 1)]


def test_bulk_load_then_edits_score_as_adding_one_by_one() -> None:
    docs = documents(COMPACT_EVERY + 700)
    one_by_one, bulk = LexicalIndex(), LexicalIndex()
    for doc_id, text in docs:
        one_by_one.add(doc_id, text)
    bulk.add_many(docs)
    for index in (one_by_one, bulk):
        index.add(7, "chlorine chlorine escort")  # an edit after the load
        index.remove(9)
        index.add(len(docs) + 1, "tamper seal drill")
    for query in ("guard fence", "chlorine escort", "tamper seal drill", "insider culture training", "nothing"):
        expected_ids, expected = one_by_one.score_arrays(query)
        ids, scores = bulk.score_arrays(query)
        assert ids.tolist() == expected_ids.tolist()
        assert np.allclose(scores, expected)
    assert len(bulk) == len(one_by_one) == len(docs)
