"""Each BM25 document's words as written: counted for exactly the documents asked for."""

from index.words import WordIndex, words_of


def test_words_leave_out_stop_words_numbers_and_short_words() -> None:
    assert words_of("The 2 guards did not see it at Gate-7B") == ["guards", "see", "gate"]


def test_counts_are_over_the_documents_asked_for_and_follow_replacements_and_removals() -> None:
    index = WordIndex()
    index.add(1, "Badge audits at the store")
    index.add(-1, "Badge audits at the [state] store")
    index.add(2, "Zirconflux seals")
    assert index.counts([1, -1]) == {"badge": 2, "audits": 2, "store": 2, "state": 1}
    assert "zirconflux" not in index.counts([1, -1])
    index.add(1, "Seal checks")
    assert index.counts([1]) == {"seal": 1, "checks": 1}
    index.remove(2)
    assert index.counts([2]) == {}
