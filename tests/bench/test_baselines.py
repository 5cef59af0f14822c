"""The plain baselines of bench/retrieval.py run on a tiny BEIR folder written here (no model, no database)."""

import json
from pathlib import Path

import pytest

from bench.baselines import (
    BUCKETS,
    CollectionError,
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


def test_a_file_with_raw_control_characters_is_read_and_cleaned(tmp_path: Path):
    """CACM's source had raw U+0019 in abstracts; U+001E and U+0085 would also cut a line if split naively."""
    (tmp_path / "qrels").mkdir()
    raw = '{"_id": "a", "title": "Fire\x0bdoor", "text": "propping open the door\x19 to the\x1e source\x85 store"}'
    assert "\x19" in raw and "\\u" not in raw  # raw characters, as the broken source had them
    (tmp_path / "corpus.jsonl").write_bytes((raw + "\n" + '{"_id": "b", "text": "chlorine"}\n').encode())
    (tmp_path / "queries.jsonl").write_bytes(b'{"_id": "1", "text": "open\x19door"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\ta\t1\n")
    corpus, queries, qrels = read_beir(tmp_path)
    assert [doc["_id"] for doc in corpus] == ["a", "b"]
    assert corpus[0] == {"_id": "a", "title": "Fire door", "text": "propping open the door  to the  source  store"}
    assert queries == {"1": "open door"} and qrels == {"1": {"a": 1}}


def test_a_broken_line_is_named_with_its_file_and_line(tmp_path: Path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\n\n{"_id": "b", "text": "y"\n')
    (tmp_path / "queries.jsonl").write_text('{"_id": "1", "text": "x"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\ta\t1\n")
    with pytest.raises(CollectionError, match=r"corpus\.jsonl:3: not a JSON object"):
        read_beir(tmp_path)
    (tmp_path / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\ta\tgood\n")
    with pytest.raises(CollectionError, match=r"test\.tsv:2: expected query-id, corpus-id and a numeric score"):
        read_beir(tmp_path)


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
