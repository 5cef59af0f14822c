"""Retrieval quality of the product's lexical, dense and hybrid rankings beside three plain baselines.

    python bench/retrieval.py ../shared/data/beir/cranfield      # any folder with corpus.jsonl, queries.jsonl,
                                                                 # qrels/test.tsv
    python bench/retrieval.py --demo                             # the demo relevance sets in fixtures/relevance/

The collection goes through the product itself: a temporary SQLite database migrated by `kb.migrate`, one
state and network from `kb.directory`, each document written as a practice record and loaded by
`ingest.pipeline.ingest_paths`, then ranked by `index.search.SearchService` for a curator. In the same run
the plain baselines of `bench/baselines.py` rank the same documents: bm25s defaults with English stop words
over "title text" (no stemming), one all-MiniLM-L6-v2 vector per document over "title text", and RRF (k = 60)
of the two. Every ranking is reported overall and by query length (<= 20 words, 21-50, > 50) with the number
of queries in each bucket. The machine and its load average are printed before and after; the last line
printed is JSON.

Every call into the product's search service is in `product_rankings` (its interface is changing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a clone

from bench.baselines import (
    BUCKETS,
    Rankings,
    clean_text,
    evaluate,
    length_bucket,
    plain_bm25,
    plain_dense,
    plain_rrf,
    read_beir,
)
from bench.machine import machine_info
from index.embedder import Embedder, load_embedder
from index.search import Ranking as ProductRanking
from index.search import SearchService
from index.service import open_search, passage_writer
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
"""A query → practice ids, best first."""
BASELINES = ("plain-bm25", "plain-dense", "plain-rrf")
PRODUCT = ("lexical", "dense", "hybrid")


# -- the collection -------------------------------------------------------------------------------


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
    text = clean_text(doc.get("text"))
    title = " ".join(clean_text(doc.get("title")).split())
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
    report = ingest_paths(files, engine=engine, writer=passage_writer(settings, embedder), vocabularies=vocabularies,
                          actor=ACTOR)
    if not report.ok:
        raise SystemExit("ingest failed: " + "; ".join(str(e) for e in report.errors[:5]))
    return open_search(settings, engine, embedder), engine, back


# -- the product's search service: every call into it is here ------------------------------------


def product_rankings(service: SearchService, session: Session) -> dict[str, Ranking]:
    """Return the product's rankings (practice ids, best first) for a curator.

    lexical and dense are the service's own BM25 and best-passage scores over everything; hybrid is its search
    without the match floor (the raw ranking); portal is the search as the portal runs it, match floor included.
    """
    visible = service.visible_set(session, CURATOR, Filters())

    def best_first(ranking: ProductRanking) -> list[int]:  # equal scores by id: figures repeat run after run
        order = sorted(zip(ranking.ids.tolist(), ranking.scores.tolist(), strict=True), key=lambda i: (-i[1], i[0]))
        return [pid for pid, _ in order[:DEPTH]]

    def lexical(query: str) -> list[int]:
        return best_first(service.rank_lexical(query, visible))

    def dense(query: str) -> list[int]:
        return best_first(service.rank_dense(query, visible))

    def hybrid(query: str) -> list[int]:
        result = service.search(session, CURATOR, query, limit=DEPTH, with_facets=False, match_floor=False)
        return [hit.practice_id for hit in result.hits]

    def portal(query: str) -> list[int]:
        return [hit.practice_id for hit in service.search(session, CURATOR, query, limit=10, with_facets=False).hits]

    return {"lexical": lexical, "dense": dense, "hybrid": hybrid, "portal": portal}


# -- running and reporting -------------------------------------------------------------------------


def run_rankings(rank: Ranking, queries: dict[str, str], name_of: dict[int, str]) -> tuple[Rankings, float]:
    """Run every query through a product ranking; return the rankings (collection ids) and ms per query."""
    started = time.perf_counter()
    found = {qid: [name_of[pid] for pid in rank(text) if pid in name_of] for qid, text in queries.items()}
    return found, round(1000 * (time.perf_counter() - started) / max(len(queries), 1), 2)


def timed(make: Callable[[], Rankings], queries: dict[str, str]) -> tuple[Rankings, float]:
    started = time.perf_counter()
    found = make()
    return found, round(1000 * (time.perf_counter() - started) / max(len(queries), 1), 2)


def baseline_rankings(
    documents: list[dict], queries: dict[str, str], embedder: Embedder, depth: int = DEPTH
) -> dict[str, tuple[Rankings, float]]:
    """Return the three plain baselines (ms per query includes indexing and embedding the documents)."""
    bm25 = timed(lambda: plain_bm25(documents, queries, depth), queries)
    dense = timed(lambda: plain_dense(documents, queries, embedder, depth), queries)
    fused = timed(lambda: plain_rrf(bm25[0], dense[0], depth), queries)
    return {"plain-bm25": bm25, "plain-dense": dense, "plain-rrf": fused}


def _cell(found: dict, measures: tuple[str, ...]) -> str:
    return "/".join(f"{found[m]:.4f}" for m in measures) if found["queries"] else "-"


def report(results: dict[str, dict], queries: dict[str, str], measures: tuple[str, ...], title: str) -> None:
    """Print one line per ranking: the measures overall and by query length bucket."""
    counts = {b: sum(1 for q in queries.values() if length_bucket(q) == b) for b in BUCKETS}
    names = "/".join(measures)
    print(f"{title}: {len(queries)} queries; each cell {names}")
    print(f"{'ranking':12} {'all':>20} " + " ".join(f"{f'{b} words (n={counts[b]})':>22}" for b in BUCKETS)
          + "  ms/query")
    for name, found in results.items():
        print(f"{name:12} {_cell(found, measures):>20} "
              + " ".join(f"{_cell(found[b], measures):>22}" for b in BUCKETS) + f"  {found.get('ms_per_query', '')}")


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def run_beir(folder: Path, embedder: Embedder) -> dict[str, object]:
    """Benchmark a BEIR-layout folder; print the report and return the summary."""
    corpus, queries, qrels = read_beir(folder)
    print(f"collection {folder}: {len(corpus)} documents, {len(queries)} judged queries")
    graded = any(g > 1 for gains in qrels.values() for g in gains.values())
    measures = ("ndcg@10", "recall@100", "ndcg@10-exp") if graded else ("ndcg@10", "recall@100")
    results: dict[str, dict] = {}
    for name, (found, ms) in baseline_rankings(corpus, queries, embedder).items():
        results[name] = {**evaluate(found, queries, qrels, measures), "ms_per_query": ms}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        started = time.perf_counter()
        service, engine, back = load_collection(corpus, folder=Path(tmp), embedder=embedder)
        load_seconds = time.perf_counter() - started
        with Session(engine) as session:
            practices, passages = _counts(session)
            print(f"loaded through ingest in {load_seconds:.1f} s: {practices} practices, {passages} passages")
            name_of = _names(session, back)
            ranks = product_rankings(service, session)
            for name in PRODUCT:
                found, ms = run_rankings(ranks[name], queries, name_of)
                results[name] = {**evaluate(found, queries, qrels, measures), "ms_per_query": ms}
        engine.dispose()
    report(results, queries, measures, f"{folder.name}")
    if graded:
        print("graded judgements: ndcg@10 has linear gains (as always here); ndcg@10-exp has 2^gain - 1, the gains "
              "of the collection's README figures")
    best_single = max(results["lexical"]["ndcg@10"], results["dense"]["ndcg@10"])
    print(f"hybrid - best product single = {results['hybrid']['ndcg@10'] - best_single:+.4f} nDCG@10; "
          f"lexical - plain-bm25 = {results['lexical']['ndcg@10'] - results['plain-bm25']['ndcg@10']:+.4f}; "
          f"dense - plain-dense = {results['dense']['ndcg@10'] - results['plain-dense']['ndcg@10']:+.4f}")
    return {"dataset": folder.name, **results, "load_seconds": round(load_seconds, 1)}


def _counts(session: Session) -> tuple[int, int]:
    from sqlmodel import func, select

    from kb.models import Passage, Practice

    return (int(session.exec(select(func.count()).select_from(Practice)).one()),
            int(session.exec(select(func.count()).select_from(Passage)).one()))


def _names(session: Session, back: dict[str, str]) -> dict[int, str]:
    from sqlmodel import col, select

    from kb.models import Practice

    rows = session.exec(select(col(Practice.id), Practice.external_id))
    return {int(pid): back[ext] for pid, ext in rows if pid is not None and ext in back}


# -- the demo relevance sets ----------------------------------------------------------------------


def read_judgements(paths: list[Path], prefix: str) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Read relevance YAML files: `relevant: [ids]` (each grade 2) or `answers: {id: grade}`.

    Returns the queries and their judgements, keyed `prefix-file-number`.
    """
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for path in paths:
        for number, item in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [], start=1):
            gains = {str(doc): 2 for doc in item.get("relevant") or []}
            gains.update({str(doc): int(grade) for doc, grade in (item.get("answers") or {}).items()})
            if not gains or not str(item.get("query") or "").strip():
                continue
            qid = f"{prefix}-{path.stem}-{number}"
            queries[qid] = clean_text(item["query"])
            qrels[qid] = gains
    return queries, qrels


def demo_sets(relevance: Path) -> dict[str, tuple[dict[str, str], dict[str, dict[str, int]]]]:
    """Return the demo's "short" set (relevance/*.yaml and relevance/hard/*.yaml) and "long" set (long/*.yaml)."""
    short = read_judgements(sorted(relevance.glob("*.yaml")), "short")
    hard = read_judgements(sorted((relevance / "hard").glob("*.yaml")), "hard")
    sets = {"short": ({**short[0], **hard[0]}, {**short[1], **hard[1]}),
            "long": read_judgements(sorted((relevance / "long").glob("*.yaml")), "long")}
    return {name: found for name, found in sets.items() if found[0]}


def run_demo(embedder: Embedder, relevance: Path | None = None) -> dict[str, object]:
    """Benchmark the demo relevance sets: nDCG@10, recall@10 and P@5 of every ranking for a curator."""
    from sqlmodel import select

    from fixtures import RELEVANCE
    from fixtures.load import load_demo
    from kb.models import Practice

    sets = demo_sets(relevance or RELEVANCE)
    measures = ("ndcg@10", "recall@10", "p@5")
    summary: dict[str, object] = {"dataset": "demo"}
    with tempfile.TemporaryDirectory(prefix="kb-bench-demo-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", data_dir=Path(tmp) / "data")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        load_demo(engine, writer=passage_writer(settings, embedder))
        service = open_search(settings, engine, embedder)
        with Session(engine) as session:
            practices = session.exec(select(Practice)).all()
            name_of = {int(p.id): p.external_id for p in practices if p.id is not None}
            documents = [{"_id": p.external_id, "title": p.title, "text": f"{p.summary} {p.body}".strip()}
                         for p in practices]
            ranks = product_rankings(service, session)
            for set_name, (queries, qrels) in sets.items():
                results: dict[str, dict] = {}
                for name, (found, ms) in baseline_rankings(documents, queries, embedder).items():
                    results[name] = {**evaluate(found, queries, qrels, measures), "ms_per_query": ms}
                for name in (*PRODUCT, "portal"):
                    found, ms = run_rankings(ranks[name], queries, name_of)
                    results[name] = {**evaluate(found, queries, qrels, measures), "ms_per_query": ms}
                report(results, queries, measures, f"demo {set_name}")
                summary[set_name] = {"queries": len(queries), **results}
        engine.dispose()
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="BEIR-layout folder (or 'fixtures' for the demo set)")
    parser.add_argument("--demo", action="store_true", help="Run on the demo relevance sets in fixtures/relevance/")
    parser.add_argument("--relevance", type=Path, help="With --demo: read the relevance sets from this folder")
    args = parser.parse_args(argv)
    if not args.demo and args.folder is None:
        parser.error("give a BEIR folder or --demo")
    for key, value in machine_info().items():
        print(f"{key}: {value}")
    load_before = loadavg()
    print(f"load average before: {load_before}")
    started = time.perf_counter()
    embedder = load_embedder("all-MiniLM-L6-v2")
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    demo = args.demo or args.folder.name == "fixtures"
    summary = run_demo(embedder, args.relevance) if demo else run_beir(args.folder, embedder)
    load_after = loadavg()
    print(f"load average after: {load_after}")
    print(f"total {time.perf_counter() - started:.1f} s")
    print(json.dumps({**summary, "load_average": {"before": load_before, "after": load_after}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
