"""Plain reference rankings, measures and the BEIR reader shared by bench/retrieval.py and the experiments.

Nothing here calls the product's search: these are the yardsticks the product is compared with.

- plain BM25: bm25s defaults (k1 = 1.5, b = 0.75, Lucene idf) with its English stop words over "title text",
  no stemming; a query term counts as often as it occurs in the query (bm25s adds its score per occurrence).
- plain dense: one all-MiniLM-L6-v2 vector per document over "title text", exact inner product.
- plain RRF: reciprocal rank fusion (k = 60) of the two.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

RRF_K = 60
BUCKETS = ("<=20", "21-50", ">50")
"""Query length buckets, in words (whitespace-separated)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters other than tab and newline (CACM's abstracts had two U+0019)."""

Rankings = dict[str, list[str]]
"""Query id → document ids, best first."""


def clean_text(value: object) -> str:
    """Return the value as text with every control character other than tab and newline replaced by a space."""
    return _CONTROL.sub(" ", "" if value is None else str(value))


# -- the collection -------------------------------------------------------------------------------


class CollectionError(ValueError):
    """A BEIR file that cannot be read, named with its line and what to fix."""


def json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line of a JSON-lines file.

    Lines end at newline only (str.splitlines would also cut at U+001C-U+001E, U+0085 and U+2028 inside a
    text), and a raw control character inside a string is accepted, to be cleaned by `clean_text`.
    """
    text = path.read_text(encoding="utf-8-sig", errors="strict")
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, strict=False)
        except json.JSONDecodeError as exc:
            raise CollectionError(f"{path}:{number}: not a JSON object ({exc.msg} at column {exc.colno}); "
                                  "each line must be one JSON object") from None
        if not isinstance(value, dict) or "_id" not in value:
            raise CollectionError(f'{path}:{number}: a line must be a JSON object with an "_id" field')
        yield number, value


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Return the judgements (query → doc → gain) of a BEIR qrels TSV with a header line."""
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8-sig") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows, None)
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            try:
                qrels.setdefault(row[0].strip(), {})[row[1].strip()] = int(float(row[2]))
            except (IndexError, ValueError):
                raise CollectionError(f"{path}:{number}: expected query-id, corpus-id and a numeric score "
                                      f"separated by tabs, got {row!r}") from None
    return qrels


def read_beir(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """Return the corpus, the judged queries and the judgements (query → doc → gain) of a BEIR-layout folder.

    Titles, texts and queries are cleaned of control characters (real collections carry a few stray ones).
    """
    corpus = [{"_id": str(raw["_id"]), "title": clean_text(raw.get("title")), "text": clean_text(raw.get("text"))}
              for _, raw in json_lines(folder / "corpus.jsonl")]
    qrels = read_qrels(folder / "qrels" / "test.tsv")
    queries = {str(raw["_id"]): clean_text(raw.get("text"))
               for _, raw in json_lines(folder / "queries.jsonl") if str(raw["_id"]) in qrels}
    return corpus, queries, qrels


def document_text(doc: Mapping[str, object]) -> str:
    """Return "title text" of a BEIR document, as the plain baselines index it."""
    return f"{doc.get('title') or ''} {doc.get('text') or ''}".strip()


def length_bucket(query: str) -> str:
    """Return the length bucket of a query: ≤ 20 words, 21–50, > 50."""
    words = len(query.split())
    return BUCKETS[0] if words <= 20 else BUCKETS[1] if words <= 50 else BUCKETS[2]


# -- plain baselines ------------------------------------------------------------------------------


class PlainBM25:
    """bm25s with its defaults and English stop words, no stemming, over the given texts."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        self._bm25s = bm25s
        self.size = len(texts)
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(list(texts), stopwords="en", show_progress=False), show_progress=False)

    def tokens(self, query: str) -> list[str]:
        """Return the query's terms that the index knows, repeats kept (bm25s counts each occurrence)."""
        words = self._bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        return [w for w in words if w in self.retriever.vocab_dict]

    def scores(self, query: str) -> np.ndarray:
        """Return every document's score (zeros when no query term is in the index)."""
        tokens = self.tokens(query)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens))

    def rank(self, query: str, depth: int) -> list[int]:
        """Return the positions of the documents that score above zero, best first (ties by position)."""
        scores = self.scores(query)
        order = np.lexsort((np.arange(self.size), -scores))
        return [int(i) for i in order[:depth] if scores[i] > 0]


def plain_bm25(corpus: Sequence[Mapping[str, object]], queries: Mapping[str, str], depth: int) -> Rankings:
    """Rank the corpus by plain BM25 for every query."""
    index = PlainBM25([document_text(doc) for doc in corpus])
    ids = [str(doc["_id"]) for doc in corpus]
    return {qid: [ids[i] for i in index.rank(text, depth)] for qid, text in queries.items()}


def dense_rank(doc_vectors: np.ndarray, query_vectors: np.ndarray, depth: int) -> list[list[int]]:
    """Return, for each query vector, the positions of the `depth` nearest documents by inner product."""
    if len(doc_vectors) == 0:
        return [[] for _ in range(len(query_vectors))]
    scores = query_vectors @ doc_vectors.T
    out = []
    for row in scores:
        order = np.lexsort((np.arange(len(row)), -row))
        out.append([int(i) for i in order[:depth]])
    return out


def plain_dense(
    corpus: Sequence[Mapping[str, object]], queries: Mapping[str, str], embedder: object, depth: int
) -> Rankings:
    """Rank the corpus by one vector per document ("title text"); `embedder.encode` must give unit vectors."""
    ids = [str(doc["_id"]) for doc in corpus]
    doc_vectors = embedder.encode([document_text(doc) for doc in corpus])  # type: ignore[attr-defined]
    query_ids = list(queries)
    query_vectors = embedder.encode([queries[q] for q in query_ids])  # type: ignore[attr-defined]
    ranked = dense_rank(np.asarray(doc_vectors), np.asarray(query_vectors), depth)
    return {qid: [ids[i] for i in found] for qid, found in zip(query_ids, ranked, strict=True)}


def rrf(rankings: Iterable[Sequence[str]], depth: int, k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion of ranked lists (ties by first appearance)."""
    fused: dict[str, float] = {}
    for ranked in rankings:
        for rank, doc in enumerate(ranked, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    order = {doc: n for n, doc in enumerate(fused)}
    return sorted(fused, key=lambda doc: (-fused[doc], order[doc]))[:depth]


def plain_rrf(first: Rankings, second: Rankings, depth: int, k: int = RRF_K) -> Rankings:
    """RRF of two rankings of the same queries."""
    return {qid: rrf([first.get(qid, []), second.get(qid, [])], depth, k) for qid in first.keys() | second.keys()}


# -- measures -------------------------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], gains: Mapping[str, int], k: int = 10, *, exponential: bool = False) -> float:
    """Return nDCG@k with linear gains (as BEIR's pytrec_eval), or exponential ones (2^gain - 1).

    The two agree on binary judgements. On graded ones (Cranfield) they differ: the reference figures in
    Cranfield's README (BM25 0.3406, dense 0.3679) are exponential-gain figures (this code gives 0.3407 for
    bm25s), while this benchmark's product figures have always been linear (bm25s: 0.3520).
    """
    value = (lambda g: 2.0**g - 1.0) if exponential else float
    dcg = sum(value(gains.get(doc, 0)) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(value(g) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], gains: Mapping[str, int], k: int) -> float:
    """Return the share of relevant documents in the first k."""
    relevant = {doc for doc, g in gains.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def precision_at(ranked: Sequence[str], gains: Mapping[str, int], k: int) -> float:
    """Return the share of the first k places held by relevant documents (an empty place counts as not)."""
    return sum(1 for doc in ranked[:k] if gains.get(doc, 0) > 0) / k


def mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


MEASURES = {
    "ndcg@10": lambda ranked, gains: ndcg_at(ranked, gains, 10),
    "ndcg@10-exp": lambda ranked, gains: ndcg_at(ranked, gains, 10, exponential=True),
    "recall@100": lambda ranked, gains: recall_at(ranked, gains, 100),
    "recall@10": lambda ranked, gains: recall_at(ranked, gains, 10),
    "p@5": lambda ranked, gains: precision_at(ranked, gains, 5),
}


def evaluate(
    rankings: Rankings, queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]],
    measures: Sequence[str] = ("ndcg@10", "recall@100"),
) -> dict[str, object]:
    """Return the mean of each measure over the queries, overall and by query length bucket (with counts)."""
    per_query = {qid: {m: MEASURES[m](rankings.get(qid, []), qrels[qid]) for m in measures} for qid in queries}
    result: dict[str, object] = {m: mean([v[m] for v in per_query.values()]) for m in measures}
    result["queries"] = len(per_query)
    for bucket in BUCKETS:
        chosen = [v for qid, v in per_query.items() if length_bucket(queries[qid]) == bucket]
        result[bucket] = {"queries": len(chosen), **{m: mean([v[m] for v in chosen]) for m in measures}}
    return result
