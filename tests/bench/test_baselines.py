"""The plain baselines of bench/retrieval.py run on a tiny BEIR folder written here (no model, no database)."""

import json
from pathlib import Path

import pytest

from bench.baselines import (
    BUCKETS,
    clean_text,
    evaluate,
    length_bucket,
    ndcg_at,
    plain_bm25,
    plain_dense,
    plain_rrf,
    precision_at,
    read_beir,
)
from bench.retrieval import baseline_rankings, read_judgements
from tests.fakes import FakeEmbedder

DOCS = {
    "a": ("Fire door propped open", "Contractors keep propping open the fire door\x19 to the source store."),
    "b": ("Chlorine transport", "Trucks carrying chlorine drums park overnight at roadside cafes."),
    "c": ("Insider vetting", "Staff with access to dangerous material are vetted again every few\x85 years."),
    "d": ("Ransomware on plant networks", "Office malware could spread to the control system of the plant."),
}
LONG = ("our contractors keep leaving the fire door open when they carry things in and out of the store, "
        "and nobody notices the door is open until the end of the day when the guard walks round; "
        "the door alarm was switched off years ago because it went off all the time and the guards "
        "got tired of it, so now an open door could stay open for hours")
QUERIES = {"1": ("door left open by contractors", "a"), "2": ("chlorine lorry parking", "b"),
           "3": ("background checks of staff\x00", "c"), "4": ("malware reaching control systems", "d"),
           "5": (LONG, "a")}


@pytest.fixture
def beir(tmp_path: Path) -> Path:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in DOCS.items()) + "\n\n")
    (tmp_path / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "text": q}) for k, (q, _) in QUERIES.items()))
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{k}\t{d}\t1\n" for k, (_, d) in QUERIES.items()))
    return tmp_path


def test_control_characters_are_cleaned_not_fatal(beir: Path):
    corpus, queries, qrels = read_beir(beir)
    assert len(corpus) == 4 and set(queries) == set(qrels) == set(QUERIES)
    assert corpus[0]["text"] == "Contractors keep propping open the fire door  to the source store."
    assert "\x85" not in corpus[2]["text"] and "\x00" not in queries["3"]
    assert clean_text("tab\tand\nnewline\rstay\x7f") == "tab\tand\nnewline stay "


def test_plain_baselines_rank_the_right_documents_first(beir: Path):
    corpus, queries, qrels = read_beir(beir)
    bm25 = plain_bm25(corpus, queries, depth=100)
    assert {qid: ranked[0] for qid, ranked in bm25.items()} == {"1": "a", "2": "b", "3": "c", "4": "d", "5": "a"}
    dense = plain_dense(corpus, queries, FakeEmbedder(), depth=100)
    assert all(len(ranked) == 4 for ranked in dense.values())
    fused = plain_rrf(bm25, dense, depth=100)
    assert set(fused) == set(queries) and fused["2"][0] == "b"
    found = baseline_rankings(corpus, queries, FakeEmbedder())
    assert set(found) == {"plain-bm25", "plain-dense", "plain-rrf"}
    result = evaluate(found["plain-bm25"][0], queries, qrels)
    assert result["ndcg@10"] == 1.0 and result["recall@100"] == 1.0 and result["queries"] == 5
    assert [result[b]["queries"] for b in BUCKETS] == [4, 0, 1]


def test_a_query_with_no_known_term_ranks_nothing(beir: Path):
    corpus, _, _ = read_beir(beir)
    assert plain_bm25(corpus, {"x": "zzz qqq", "y": "the of"}, depth=10) == {"x": [], "y": []}


def test_measures_and_buckets():
    assert [length_bucket(" ".join(["w"] * n)) for n in (1, 20, 21, 50, 51)] == [
        "<=20", "<=20", "21-50", "21-50", ">50"]
    assert ndcg_at(["x", "a"], {"a": 2, "b": 1}) == pytest.approx((2 / 1.584962500721156) / (2 + 1 / 1.584962500721156))
    assert precision_at(["a", "x"], {"a": 1}, 5) == 0.2
    assert ndcg_at(["x", "a"], {"a": 2, "b": 1}, exponential=True) == pytest.approx(
        (3 / 1.584962500721156) / (3 + 1 / 1.584962500721156))
    assert ndcg_at(["a"], {"a": 1}, exponential=True) == ndcg_at(["a"], {"a": 1}) == 1.0


def test_demo_judgements_read_lists_and_graded_answers(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("- query: one\n  relevant: [X-1, X-2]\n"
                                     "- query: two\n  answers: {X-3: 2, X-4: 1}\n- query: ''\n  relevant: [X-9]\n")
    queries, qrels = read_judgements([tmp_path / "a.yaml"], "long")
    assert queries == {"long-a-1": "one", "long-a-2": "two"}
    assert qrels == {"long-a-1": {"X-1": 2, "X-2": 2}, "long-a-2": {"X-3": 2, "X-4": 1}}
