"""Retrieval quality of the product's lexical, dense and hybrid rankings on a BEIR-layout test collection.

    python bench/retrieval.py ../shared/data/beir/cranfield      # any folder with corpus.jsonl, queries.jsonl,
                                                                 # qrels/test.tsv
    python bench/retrieval.py --demo                             # the demo relevance set in fixtures/

The collection goes through the product itself: a temporary SQLite database migrated by `kb.migrate`, one
state and network from `kb.directory`, each document written as a practice record and loaded by
`ingest.pipeline.ingest_paths`, then ranked by `index.search.SearchService` for a curator. The last line
printed is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a clone

from bench.machine import machine_info
from index.embedder import Embedder, load_embedder
from index.search import SearchService
from index.service import open_search
from ingest.pipeline import ingest_paths
from kb import migrate
from kb.config import Settings
from kb.db import make_engine
from kb.directory import set_network_states, upsert_network, upsert_state
from kb.models import Role
from kb.queries import Filters
from kb.viewer import Viewer
from kb.vocabulary import load_vocabularies

ACTOR = "bench"
STATE = "ZZ"
CURATOR = Viewer(user_id=1, username="bench-curator", role=Role.curator)
DEPTH = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._:-]")

Ranking = Callable[[str], list[int]]


# -- the collection -------------------------------------------------------------------------------


def read_beir(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """Return the corpus, the queries that have judgements, and the judgements (query → doc → gain)."""
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line]
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / "test.tsv").open(encoding="utf-8") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows, None)
        for query_id, doc_id, score in rows:
            qrels.setdefault(query_id, {})[doc_id] = int(score)
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line:
            raw = json.loads(line)
            if str(raw["_id"]) in qrels:
                queries[str(raw["_id"])] = raw["text"]
    return corpus, queries, qrels


def split_text(title: str, text: str, *, summary_words: int) -> tuple[str, str]:
    """Split a document into a summary (the whole text when short, else its first sentences) and a body."""
    text = " ".join(text.split())
    if title and text.casefold().startswith(title.casefold()):
        text = text[len(title):].lstrip(" .:") or text  # many collections repeat the title in the text
    if len(text.split()) <= summary_words and len(text) <= 2000:
        return text, ""
    summary: list[str] = []
    sentences = _SENTENCE_END.split(text)
    while sentences and (not summary or len(" ".join([*summary, sentences[0]]).split()) <= summary_words // 2):
        summary.append(sentences.pop(0))
    first = " ".join(summary)
    if len(first) > 2000:
        first, rest = first[:2000].rsplit(" ", 1)[0], first[len(first[:2000].rsplit(" ", 1)[0]):]
        sentences.insert(0, rest.strip())
    return first, " ".join(sentences)


def practice_record(doc: dict, external_id: str, *, summary_words: int) -> dict:
    """Return a document as a practice record, with neutral tags, hosted by the bench state, public."""
    text = str(doc.get("text") or "")
    title = " ".join(str(doc.get("title") or "").split())
    if not title:
        title = " ".join(text.split()[:12]) or external_id
    title = title[:300]
    summary, body = split_text(title, text, summary_words=summary_words)
    return {
        "id": external_id, "kind": "good_practice", "title": title, "summary": summary or title, "body": body,
        "host_state": STATE, "source": {"type": "peer_exchange", "year": 2020},
        "domain": ["safety"], "sector": ["transport"], "topic": ["international_cooperation"],
        "status": "published", "authorisation": {"scope": "public", "attribution": "named"},
    }


def load_collection(
    corpus: list[dict], *, folder: Path, embedder: Embedder
) -> tuple[SearchService, Engine, dict[str, str]]:
    """Load the corpus into a fresh product database; return its search service, engine and external → BEIR ids."""
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder / "data")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        upsert_state(session, code=STATE, name="Benchmark state", actor=ACTOR)
        network = upsert_network(session, code="BENCH", name="Benchmark network", actor=ACTOR)
        set_network_states(session, network=network, states=[STATE], actor=ACTOR)
    back: dict[str, str] = {}
    files: list[Path] = []
    for start in range(0, len(corpus), 5000):
        path = folder / f"corpus-{start:08d}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for number, doc in enumerate(corpus[start : start + 5000], start=start):
                external_id = _UNSAFE_ID.sub("_", f"D{number}-{doc['_id']}")[:80]
                back[external_id] = str(doc["_id"])
                record = practice_record(doc, external_id, summary_words=settings.passage_words)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        files.append(path)
    vocabularies = load_vocabularies(settings.vocabulary_dir)
    report = ingest_paths(files, engine=engine, embedder=embedder, vocabularies=vocabularies,
                          passage_words=settings.passage_words, actor=ACTOR)
    if not report.ok:
        raise SystemExit("ingest failed: " + "; ".join(str(e) for e in report.errors[:5]))
    return open_search(settings, engine, embedder), engine, back


# -- rankings through the product -------------------------------------------------------------------


def rankers(service: SearchService, session: Session) -> dict[str, Ranking]:
    """Return the product's lexical, dense and hybrid rankings (practice ids, best first) for a curator."""
    ids = service.visible_set(session, CURATOR, Filters()).ids

    def lexical(query: str) -> list[int]:
        scores = service.lexical_scores(query, ids)
        return [pid for pid, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:DEPTH]]

    def dense(query: str) -> list[int]:
        scores, _ = service.dense_scores(query, ids, service.candidates)
        return [pid for pid, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:DEPTH]]

    def hybrid(query: str) -> list[int]:
        result = service.search(session, CURATOR, query, limit=DEPTH, with_facets=False, match_floor=False)
        return [hit.practice_id for hit in result.hits]

    return {"lexical": lexical, "dense": dense, "hybrid": hybrid}


# -- measures -------------------------------------------------------------------------------------


def ndcg_at(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    """Return nDCG@k with linear gains (as BEIR's pytrec_eval)."""
    dcg = sum(gains.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], gains: dict[str, int], k: int) -> float:
    """Return the share of relevant documents in the first k."""
    relevant = {doc for doc, g in gains.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _parity(query_id: str) -> str:
    digits = re.sub(r"\D", "", query_id)
    return "odd" if digits and int(digits) % 2 else "even"


def evaluate(
    ranking: Ranking, queries: dict[str, str], qrels: dict[str, dict[str, int]], name_of: dict[int, str]
) -> dict[str, object]:
    """Run every query; return nDCG@10 and Recall@100 overall and for odd and even query ids, with timing."""
    per_query: dict[str, tuple[float, float]] = {}
    started = time.perf_counter()
    for query_id, text in queries.items():
        ranked = [name_of[pid] for pid in ranking(text) if pid in name_of]
        per_query[query_id] = (ndcg_at(ranked, qrels[query_id]), recall_at(ranked, qrels[query_id], DEPTH))
    elapsed = time.perf_counter() - started
    result: dict[str, object] = {
        "ndcg@10": _mean([v[0] for v in per_query.values()]),
        "recall@100": _mean([v[1] for v in per_query.values()]),
    }
    for parity in ("odd", "even"):
        chosen = [v for q, v in per_query.items() if _parity(q) == parity]
        result[parity] = {"ndcg@10": _mean([v[0] for v in chosen]), "recall@100": _mean([v[1] for v in chosen]),
                          "queries": len(chosen)}
    result["ms_per_query"] = round(1000 * elapsed / max(len(queries), 1), 2)
    return result


# -- the runs -------------------------------------------------------------------------------------


def run_beir(folder: Path, embedder: Embedder) -> dict[str, object]:
    """Benchmark a BEIR-layout folder; print the report and return the summary."""
    corpus, queries, qrels = read_beir(folder)
    print(f"collection {folder}: {len(corpus)} documents, {len(queries)} judged queries")
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        started = time.perf_counter()
        service, engine, back = load_collection(corpus, folder=Path(tmp), embedder=embedder)
        load_seconds = time.perf_counter() - started
        catalogue = service.catalogue
        print(f"loaded through ingest in {load_seconds:.1f} s: {len(catalogue.facts)} practices, "
              f"{len(catalogue.passage_owner)} passages")
        with Session(engine) as session:
            name_of = _names(session, back)
            ranks = rankers(service, session)
            results = {name: evaluate(rank, queries, qrels, name_of) for name, rank in ranks.items()}
        engine.dispose()
    for name, found in results.items():
        odd, even = found["odd"], found["even"]
        print(f"{name:8} nDCG@10 {found['ndcg@10']:.4f}  R@100 {found['recall@100']:.4f}  "
              f"(odd {odd['ndcg@10']:.4f}/{odd['recall@100']:.4f}, "  # type: ignore[index]
              f"even {even['ndcg@10']:.4f}/{even['recall@100']:.4f})  "  # type: ignore[index]
              f"{found['ms_per_query']} ms/query")
    best_single = max(results["lexical"]["ndcg@10"], results["dense"]["ndcg@10"])  # type: ignore[type-var]
    print(f"hybrid - best single = {results['hybrid']['ndcg@10'] - best_single:+.4f} nDCG@10")  # type: ignore[operator]
    return {"dataset": folder.name, **{name: found for name, found in results.items()},
            "load_seconds": round(load_seconds, 1)}


def _names(session: Session, back: dict[str, str]) -> dict[int, str]:
    from sqlmodel import select

    from kb.models import Practice

    return {int(pid): back[ext] for pid, ext in session.exec(select(Practice.id, Practice.external_id)) if ext in back}


def run_demo(embedder: Embedder) -> dict[str, object]:
    """Benchmark the demo relevance set: recall@10 of each ranking for a curator (target ≥ 0.9)."""
    from sqlmodel import select

    from fixtures.load import load_demo, relevance_set
    from kb.models import Practice

    judged = relevance_set()
    with tempfile.TemporaryDirectory(prefix="kb-bench-demo-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", data_dir=Path(tmp) / "data")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        vocabularies = load_vocabularies(settings.vocabulary_dir)
        load_demo(engine, embedder=embedder, vocabularies=vocabularies, passage_words=settings.passage_words)
        service = open_search(settings, engine, embedder)
        with Session(engine) as session:
            name_of = {int(pid): ext for pid, ext in session.exec(select(Practice.id, Practice.external_id))}
            ranks = rankers(service, session)

            def product(query: str) -> list[int]:  # the portal's own search, match floor included
                return [h.practice_id for h in service.search(session, CURATOR, query, limit=10,
                                                                with_facets=False).hits]

            ranks["hybrid"] = product
            results = {}
            for name, rank in ranks.items():
                recalls = []
                for item in judged:
                    got = [name_of[pid] for pid in rank(item["query"])[:10]]
                    recalls.append(len(set(item["relevant"]).intersection(got)) / len(item["relevant"]))
                results[name] = {"recall@10": _mean(recalls)}
        engine.dispose()
    for name, found in results.items():
        print(f"{name:8} recall@10 {found['recall@10']:.4f}")
    return {"dataset": "demo", "queries": len(judged), **results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="BEIR-layout folder (or 'fixtures' for the demo set)")
    parser.add_argument("--demo", action="store_true", help="Run on the demo relevance set in fixtures/")
    args = parser.parse_args(argv)
    if not args.demo and args.folder is None:
        parser.error("give a BEIR folder or --demo")
    for key, value in machine_info().items():
        print(f"{key}: {value}")
    started = time.perf_counter()
    embedder = load_embedder("all-MiniLM-L6-v2")
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    demo = args.demo or args.folder.name == "fixtures"
    summary = run_demo(embedder) if demo else run_beir(args.folder, embedder)
    print(f"total {time.perf_counter() - started:.1f} s")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
