"""The in-memory BM25 index: stemming, stop words, in-place edits, views and the allow-list."""

import numpy as np

from index.lexical import LexicalIndex


def index_of(**documents: str) -> LexicalIndex:
    index = LexicalIndex()
    for doc_id, text in documents.items():
        index.add(int(doc_id[1:]), text)
    return index


def test_stemmed_terms_match_and_stop_words_do_not():
    index = index_of(d1="Guards patrolling the perimeter fences", d2="The training of inspectors")
    assert set(index.scores("patrol the fence")) == {1}
    assert index.scores("the of") == {}


def test_a_rarer_term_weighs_more():
    index = index_of(d1="badge access badge", d2="badge readers", d3="badge cameras", d4="tamper seals")
    found = index.scores("badge tamper")
    assert max(found, key=found.get) == 4


def test_editing_a_document_replaces_it_and_removing_forgets_it():
    index = index_of(d1="radiography source stolen from a truck", d2="fire door propped open")
    index.add(1, "chlorine drums parked overnight")
    assert index.scores("radiography") == {}
    assert set(index.scores("chlorine")) == {1}
    index.remove(2)
    assert index.scores("fire door") == {}
    assert len(index) == 1


def test_only_allowed_ids_are_scored():
    index = index_of(d1="insider threat", d2="insider vetting", d3="insider culture")
    ids, scores = index.score_arrays("insider", allowed_ids=np.asarray([1, 3], dtype=np.int64))
    assert sorted(ids.tolist()) == [1, 3] and len(scores) == 2
    assert index.score_arrays("insider", allowed_ids=np.asarray([], dtype=np.int64))[0].tolist() == []


def test_scores_in_a_view_depend_on_nothing_outside_it():
    """Document frequencies and lengths of hidden documents must not move a visible score (issue 10.4)."""
    index = index_of(d1="insider threat at the store", d2="insider vetting of contractors", d3="tamper seals")
    view = index.view(np.asarray([1, 3], dtype=np.int64))
    before = index.scores("insider seals", view)
    index.add(2, "insider insider insider seals seals, and a much longer text about other things entirely")
    index.add(4, "insider")
    assert index.scores("insider seals", index.view(np.asarray([1, 3], dtype=np.int64))) == before
    alone = index_of(d1="insider threat at the store", d3="tamper seals")
    assert before == alone.scores("insider seals")  # exactly the index of the visible documents alone
    assert index.scores("insider seals") != before  # the control: over everything, the statistics differ


def test_the_index_grows_past_its_first_capacity():
    index = LexicalIndex()
    for doc_id in range(3000):
        index.add(doc_id, f"entry number{doc_id} shared")
    assert set(index.scores("number2999")) == {2999}
    assert len(index.scores("shared")) == 3000


def test_a_view_made_after_edits_scores_exactly_as_a_fresh_index():
    """A view keeps a common term's weights between queries; a view made after edits must not reuse them."""
    rng = np.random.default_rng(3)
    words = ["reactor", "guard", "badge", "drill", "fence", "audit"]
    texts = {d: "common " + " ".join(rng.choice(words, size=int(rng.integers(1, 6)))) for d in range(2000)}
    index = LexicalIndex()
    index.add_many(texts.items())
    first = index.everything()
    before = index.scores("common guard", first)  # "common" has 2,000 postings: its weights are now cached
    assert "common" in first.weights
    for d in range(0, 2000, 7):
        index.remove(d)
        del texts[d]
    for d in range(2000, 2100):
        texts[d] = "common common guard"
        index.add(d, texts[d])
    after = index.scores("common guard")
    fresh = LexicalIndex()
    fresh.add_many(texts.items())
    assert after == fresh.scores("common guard")  # bit-identical to an index built from the final texts
    assert after != {d: s for d, s in before.items() if d in texts}


def test_a_term_said_twice_in_the_query_counts_twice():
    """A paragraph repeats what it is about: the entry matching the repeated word must come first."""
    index = index_of(d1="perimeter fence inspection", d2="tamper seal inspection", d3="badge readers")
    found = index.scores("the fence and the seal, the seal above all")
    assert found[2] > found[1]
    assert found[2] == index.scores("fence seal seal")[2] == index.scores("seal seal")[2]


def test_pronouns_auxiliaries_and_contraction_fragments_match_nothing():
    """'we', 'our', 'not' and the 'd' of "I'd" are function words, not what a description is about."""
    index = index_of(d1="We did not report our findings", d2="Computer synthesis of holograms for 3-D display")
    assert index.scores("we our not") == {}
    assert index.scores("I'd say we have not") == {}
    assert set(index.scores("I'd like a 3-D hologram")) == {2}  # the content words still match
