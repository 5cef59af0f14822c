"""Speed and scale on synthetic knowledge bases of 10,000 and 100,000 practices, measured in one run.

    python bench/latency.py                       # 10,000 and 100,000 practices
    python bench/latency.py --sizes 2000          # a quick look
    python bench/latency.py --faiss               # also compare FAISS index types at each size

Practices are generated deterministically by recombining sentences from the demo fixtures and written by the
product's own ingest (JSONL files of records through `ingest.pipeline`, passages by the passage writer).
Embedding 100,000 practices' passages with the real model would take most of an hour on two cores, so a few
thousand distinct passages are embedded with the real model and every synthetic passage's vector is a
deterministic, re-normalised mix of two of them plus noise (said again in the output). Queries are embedded
by the real model, always. The database is then served by a live `kb serve`. The machine and its load
average before and after are printed, so a run on a busy machine shows itself.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a clone

from bench.machine import machine_info
from fixtures import PRACTICES
from index.embedder import Embedder
from kb.config import Settings

MODEL = "all-MiniLM-L6-v2"
DISTINCT_PASSAGES = 3000
RECORDS_PER_FILE = 5000  # each file is one transaction of the ingest, well under its size limit
QUERIES = 240
PUBLIC_SHARE = 0.05
SECTORS = ["nuclear_power", "research_reactors", "fuel_cycle", "radioactive_sources", "chemical_industry",
           "transport", "aviation", "radioactive_waste"]
TOPICS = ["physical_protection", "insider_threat", "computer_security", "security_culture", "safety_culture",
          "emergency_preparedness", "training_qualification", "legal_regulatory_framework", "detection", "response"]


def percentiles(samples: list[float]) -> dict[str, float]:
    """Return p50, p95 and p99 in milliseconds."""
    values = np.asarray(samples) * 1000
    return {f"p{p}": round(float(np.percentile(values, p)), 2) for p in (50, 95, 99)}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# -- synthetic text ---------------------------------------------------------------------------------


def fixture_sentences() -> list[str]:
    """Return the distinct sentences of the demo practices (their vocabulary is the synthetic corpus's)."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(PRACTICES.rglob("*")) if p.is_file())
    text = re.sub(r"[\"{}\[\]#*|]+|\b\w+:\s", " ", text)
    sentences = {" ".join(s.split()) for s in re.split(r"(?<=[.!?])\s+|\n", text)}
    return sorted(s for s in sentences if 8 <= len(s.split()) <= 40)


class Generator:
    """Deterministic practices: titles, summaries and bodies recombined from fixture sentences."""

    def __init__(self, sentences: list[str], seed: int = 7) -> None:
        self.sentences = sentences
        self.words = sorted({w for s in sentences for w in re.findall(r"[a-z]{5,}", s.casefold())})
        self.random = random.Random(seed)

    def sentence(self) -> str:
        words = self.random.choice(self.sentences).split()
        if self.random.random() < 0.5:  # swap in a word, so that sentences vary beyond the fixtures
            words[self.random.randrange(len(words))] = self.random.choice(self.words)
        return " ".join(words)

    def practice(self, number: int) -> dict[str, object]:
        title = " ".join(self.random.sample(self.words, 4)).capitalize() + f" ({number})"
        summary = " ".join(self.sentence() for _ in range(self.random.randint(2, 4)))
        body = "\n\n".join(" ".join(self.sentence() for _ in range(6)) for _ in range(self.random.choice([0, 1, 2])))
        return {"title": title, "summary": summary, "body": body,
                "sector": self.random.choice(SECTORS), "topic": self.random.choice(TOPICS),
                "year": 2005 + number % 20, "public": self.random.random() < PUBLIC_SHARE}


# -- building the database --------------------------------------------------------------------------


class MixedEmbedder:
    """The real model for queries; for passages, a deterministic re-normalised mix of two real embeddings.

    It is an `index.embedder.Embedder`, so the synthetic knowledge base is written by the product's own ingest
    and passage writer; only the passage vectors are made up (embedding 100,000 practices for real would take
    most of an hour on two cores).
    """

    def __init__(self, real: Embedder, base: np.ndarray) -> None:
        self.real = real
        self.base = base
        self.name = real.name
        self.dim = real.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's mixed vector, the same for the same text."""
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            mix = np.random.default_rng(zlib.crc32(text.encode("utf-8")))
            a, b = mix.integers(0, len(self.base), 2)
            vector = self.base[a] + 0.5 * self.base[b] + 0.05 * mix.standard_normal(self.dim).astype(np.float32)
            vectors[row] = vector / np.linalg.norm(vector)
        return vectors

    def encode_query(self, text: str, *, requester: str | None = None) -> np.ndarray:
        return self.real.encode_query(text, requester=requester)


@dataclass(frozen=True)
class Built:
    settings: Settings
    token: str
    passages: int
    public: int


def synthetic_records(size: int, generator: Generator) -> Iterator[dict[str, object]]:
    """Yield `size` practice records as a file would carry them, published, 5 % of them shared publicly."""
    for number in range(1, size + 1):
        p = generator.practice(number)
        yield {"id": f"SYN-{number:07d}", "kind": "good_practice", "title": p["title"], "summary": p["summary"],
               "body": p["body"], "host_state": "AA", "source": {"type": "peer_exchange", "year": p["year"]},
               "domain": ["security"], "sector": [p["sector"]], "topic": [p["topic"]], "status": "published",
               "authorisation": {"scope": "public" if p["public"] else "host_only", "attribution": "named",
                                 "granted_by": "bench", "granted_at": "2024-01-01"}}


def build_database(folder: Path, size: int, generator: Generator, embedder: MixedEmbedder) -> Built:
    """Write `size` practices through the product's ingest (files of records, passages by the passage writer)."""
    from sqlmodel import Session, func, select

    from index.service import passage_writer
    from ingest.pipeline import ingest_paths
    from kb import migrate
    from kb.accounts import issue_token, save_user
    from kb.db import make_engine
    from kb.directory import upsert_state
    from kb.models import Authorisation, Passage, Role, Scope
    from kb.vocabulary import load_vocabularies

    settings = Settings(database_url=f"sqlite:///{folder / 'kb.db'}", data_dir=folder / "data", demo=True)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        upsert_state(session, code="AA", name="Host state", actor="bench")
        upsert_state(session, code="BB", name="Reader state", actor="bench")
        curator = save_user(session, username="curator", role=Role.curator, state_code=None, password=None,
                            actor="bench")
        token = issue_token(session, user=curator, label="bench", actor="bench")
    records = synthetic_records(size, generator)
    paths: list[Path] = []
    while chunk := [json.dumps(r) for r in itertools.islice(records, RECORDS_PER_FILE)]:
        paths.append(folder / f"records-{len(paths):03d}.jsonl")
        paths[-1].write_text("\n".join(chunk), encoding="utf-8")
    report = ingest_paths(paths, engine=engine, writer=passage_writer(settings, embedder),
                          vocabularies=load_vocabularies(settings.vocabulary_dir), actor="bench")
    if not report.ok:
        raise SystemExit(f"the synthetic records did not ingest: {[str(e) for e in report.errors[:3]]}")
    with Session(engine) as session:
        passages = session.exec(select(func.count()).select_from(Passage)).one()
        public = session.exec(select(func.count()).select_from(Authorisation)
                              .where(Authorisation.scope == Scope.public)).one()
    engine.dispose()
    return Built(settings=settings, token=token, passages=int(passages), public=int(public))


# -- measuring ----------------------------------------------------------------------------------------


def timed(fn: Callable[[str], object], repeat: list[str]) -> list[float]:
    samples = []
    for item in repeat:
        started = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - started)
    return samples


def measure_in_process(settings: Settings, embedder: Embedder, queries: list[str]) -> dict[str, object]:
    """Time the parts of a search inside one process: embedding, vector, lexical, fused, service."""
    from sqlmodel import Session

    from index.service import open_search
    from kb.db import make_engine
    from kb.models import Role
    from kb.queries import Filters
    from kb.viewer import Viewer

    visitor = Viewer(requester="visitor:bench")  # the public, with a session (its query cache is per visitor)

    engine = make_engine(settings)
    started = time.perf_counter()
    service = open_search(settings, engine, embedder)  # no saved index yet: a cold build of the whole catalogue
    cold = time.perf_counter() - started
    curator = Viewer(user_id=1, role=Role.curator, requester="user:1")
    catalogue = service.catalogue
    with Session(engine) as session:
        started = time.perf_counter()
        catalogue.rebuild_vectors(session)  # the vector index alone, from the vectors stored in the database
        rebuild = time.perf_counter() - started
    out: dict[str, object] = {"rebuild_from_stored_vectors_s": round(rebuild, 2),
                              "vector_index": type(catalogue.vectors).__name__
                              + (" float16" if getattr(catalogue.vectors, "half", False) else " float32"),
                              "cold_catalogue_build_s": round(cold, 2)}
    with Session(engine) as session:
        visible = service.visible_set(session, curator, Filters())
        view = visible.audience.lexical  # the curator's BM25 statistics, made once per change as the product does
        vectors = {q: embedder.encode([q])[0] for q in queries}  # embedded once, so the scan is timed alone
        for viewer in (curator, visitor):  # the service's query cache, as for a user searching again
            for q in queries:
                service.embedder.encode_query(q, requester=viewer.requester)
        out["query_embedding_ms"] = percentiles(timed(lambda q: embedder.encode([q]), queries))
        out["vector_scan_ms"] = percentiles(timed(lambda q: catalogue.vectors.search(vectors[q], service.candidates,
                                                                                    None), queries))
        out["lexical_ms"] = percentiles(timed(lambda q: catalogue.lexical.score_arrays(q, view), queries))
        out["fused_rank_ms"] = percentiles(timed(lambda q: service.rank(q, visible, encoded={q: vectors[q]}),
                                                 queries))
        out["service_ms"] = percentiles(timed(lambda q: service.search(session, curator, q), queries))
        out["service_restricted_ms"] = percentiles(timed(lambda q: service.search(session, visitor, q),
                                                         queries))
    engine.dispose()
    return out


def serve(settings: Settings, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """Start `kb serve` on 127.0.0.1 and return it with its start-up time (until it answers a search)."""
    import httpx

    env = {**os.environ, "KB_DATABASE_URL": settings.database_url, "KB_DATA_DIR": str(settings.data_dir),
           "KB_LOG_LEVEL": "WARNING", "KB_DEMO": "true"}
    kb = Path(sys.executable).parent / "kb"
    started = time.perf_counter()
    process = subprocess.Popen([str(kb), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": ""}, timeout=1).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit("kb serve exited")
        time.sleep(0.1)


def measure_http(port: int, token: str, queries: list[str]) -> dict[str, object]:
    """Search over HTTP as a curator (sees everything) and as the public (sees 5 %): p50/p95/p99."""
    import httpx

    out: dict[str, object] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for name, headers in (("unrestricted", {"Authorization": f"Bearer {token}"}), ("restricted_5pct", {})):
            samples = []
            for number, q in enumerate(queries):
                query = f"{q} {name} {number}"  # distinct per user, so no query is a cache hit
                started = time.perf_counter()
                response = client.get("/api/v1/search", params={"q": query}, headers=headers)
                samples.append(time.perf_counter() - started)
                response.raise_for_status()
            out[f"http_{name}_ms"] = percentiles(samples)
    return out


def measure_ingest(embedder: Embedder, generator: Generator, count: int) -> dict[str, object]:
    """Ingest `count` generated records through the real pipeline, beside bare encoding of the same passages."""
    from fixtures.load import load_directory
    from index.passages import passage_texts
    from index.service import passage_writer
    from ingest.pipeline import ingest_paths
    from kb import migrate
    from kb.db import make_engine
    from kb.vocabulary import load_vocabularies

    with tempfile.TemporaryDirectory(prefix="kb-ingest-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'kb.db'}", data_dir=Path(tmp) / "data")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        load_directory(engine)
        vocabularies = load_vocabularies(settings.vocabulary_dir)
        records, texts = [], []
        for number in range(count):
            p = generator.practice(number)
            records.append({"id": f"ING-{number}", "kind": "good_practice", "title": p["title"],
                            "summary": p["summary"], "body": p["body"], "host_state": "XA",
                            "source": {"type": "peer_exchange", "year": p["year"]}, "domain": ["security"],
                            "sector": [p["sector"]], "topic": [p["topic"]]})
            labels = [vocabularies["sector"].label_of(str(p["sector"])),
                      vocabularies["topic"].label_of(str(p["topic"]))]
            texts += passage_texts(title=str(p["title"]), summary=str(p["summary"]), body=str(p["body"]),
                                   tag_labels=labels, words=settings.passage_words)
        path = Path(tmp) / "sample.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        # Bare encoding before and after the ingest, averaged, so a change in machine load during the run
        # weighs on both sides alike.
        started = time.perf_counter()
        embedder.encode(texts)
        bare_before = time.perf_counter() - started
        started = time.perf_counter()
        report = ingest_paths([path], engine=engine, writer=passage_writer(settings, embedder),
                              vocabularies=vocabularies)
        full = time.perf_counter() - started
        started = time.perf_counter()
        embedder.encode(texts)
        bare_after = time.perf_counter() - started
        bare = (bare_before + bare_after) / 2
        engine.dispose()
    assert report.ok, report.errors[:3]
    return {"sample_practices": count, "sample_passages": len(texts), "embedded": report.embedded,
            "bare_encode_passages_per_s": round(len(texts) / bare, 1),
            "ingest_passages_per_s": round(report.embedded / full, 1),
            "bare_before_s": round(bare_before, 2), "ingest_s": round(full, 2), "bare_after_s": round(bare_after, 2),
            "ingest_share_of_bare": round(bare / full, 3)}


def compare_indexes(base: np.ndarray, sizes: list[int], queries: np.ndarray) -> list[dict[str, object]]:
    """Measure exact flat (float32, float16) against HNSW and IVF, for everyone and for a 5 % allow-list.

    Build time; search time at k=10 and at k=1000 (what the product asks for); recall against float32 flat.
    """
    import faiss

    rows: list[dict[str, object]] = []
    mix = np.random.default_rng(1)
    dim = base.shape[1]
    for n in sizes:
        a, b = mix.integers(0, len(base), n), mix.integers(0, len(base), n)
        data = base[a] + 0.5 * base[b] + 0.05 * mix.standard_normal((n, dim)).astype(np.float32)
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        allowed = np.sort(mix.choice(n, max(1, n // 20), replace=False)).astype(np.int64)
        builders: dict[str, Callable[[], Any]] = {
            "flat": lambda: faiss.IndexFlatIP(dim),
            "flat_fp16": lambda: faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                                            faiss.METRIC_INNER_PRODUCT),
            "hnsw32_ef128": lambda: _hnsw(faiss, dim),
            "ivf_4sqrt_n": functools.partial(_ivf, faiss, dim, n, data, mix),
        }
        truth: dict[tuple[str, int], np.ndarray] = {}
        for name, build in builders.items():
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # building may use every core
            started = time.perf_counter()
            index = build()
            index.add(data)
            build_s = time.perf_counter() - started
            faiss.omp_set_num_threads(1)  # one query at a time, as the product searches
            for who, selector in (("everyone", None), ("5pct", allowed)):
                params = None if selector is None else _params(faiss, index, faiss.IDSelectorBatch(selector))
                row: dict[str, object] = {"vectors": n, "index": name, "viewer": who, "build_s": round(build_s, 2)}
                for k in (10, 1000):
                    samples, found = [], []
                    for q in queries:
                        started = time.perf_counter()
                        _, ids = index.search(q.reshape(1, -1), k, params=params)
                        samples.append(time.perf_counter() - started)
                        found.append(ids[0])
                    if name == "flat":
                        truth[(who, k)] = np.asarray(found)
                    recall = np.mean([len(set(f[f >= 0]) & set(t[t >= 0])) / max(1, int((t >= 0).sum()))
                                      for f, t in zip(found, truth[(who, k)], strict=True)])
                    row[f"k{k}_ms_p50"] = round(float(np.percentile(samples, 50)) * 1000, 2)
                    row[f"recall@{k}"] = round(float(recall), 4)
                rows.append(row)
    return rows


def _params(faiss, index, selector):  # type: ignore[no-untyped-def]
    """Search parameters carrying the allow-list, of the type each index wants."""
    if isinstance(index, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe)
    if isinstance(index, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=selector, efSearch=index.hnsw.efSearch)
    return faiss.SearchParameters(sel=selector)


def _hnsw(faiss, dim: int):  # type: ignore[no-untyped-def]
    index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = 128
    return index


def _ivf(faiss, dim: int, n: int, data: np.ndarray, mix: np.random.Generator):  # type: ignore[no-untyped-def]
    nlist = max(16, int(4 * np.sqrt(n)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(data[mix.choice(n, min(n, 40 * nlist), replace=False)])
    index.nprobe = max(8, nlist // 16)
    return index


def target_lines(summary: dict[str, Any], sizes: list[int]) -> list[str]:
    """Return each size's figures against the targets of the speed issue (set for 100,000 practices)."""
    ingest = summary["ingest"]["ingest_share_of_bare"]
    lines = []
    for size in sizes:
        r = summary[str(size)]
        embed, scan = r["query_embedding_ms"]["p50"], r["vector_scan_ms"]["p50"]
        checks = [("ingest >= 85 % of bare encode", f"{ingest:.1%}", ingest >= 0.85)]
        for who, name in (("curator", "http_unrestricted_ms"), ("public", "http_restricted_5pct_ms")):
            http = r[name]
            checks += [
                (f"{who} HTTP search p95 <= 60 ms", f"{http['p95']:.1f} ms", http["p95"] <= 60),
                (f"{who} end-to-end p50 <= 1.5 x (embedding + scan)",
                 f"{http['p50']:.1f} / ({embed:.1f} + {scan:.1f}) = {http['p50'] / (embed + scan):.2f} x",
                 http["p50"] <= 1.5 * (embed + scan)),
            ]
        checks += [
            ("restricted p95 <= 1.2 x unrestricted",
             f"{r['http_restricted_5pct_ms']['p95'] / r['http_unrestricted_ms']['p95']:.2f} x",
             r["http_restricted_5pct_ms"]["p95"] <= 1.2 * r["http_unrestricted_ms"]["p95"]),
            ("rebuild from stored vectors <= 10 s", f"{r['rebuild_from_stored_vectors_s']} s",
             r["rebuild_from_stored_vectors_s"] <= 10),
            ("resident memory <= 1.5 GB", f"{r['server_rss_mb']:.0f} MB", r["server_rss_mb"] <= 1536),
        ]
        lines += [f"target at {size:,}: {name}: {value} -> {'met' if ok else 'NOT MET'}" for name, value, ok in checks]
    return lines


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages (runnable processes; the machine's cores are printed too)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--ingest-sample", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=DISTINCT_PASSAGES, help="Passages embedded for real")
    parser.add_argument("--queries", type=int, default=QUERIES, help="Distinct queries (at least 200 for the targets)")
    parser.add_argument("--keep", type=Path, help="Keep the synthetic databases in this folder")
    parser.add_argument("--ingest-only", action="store_true", help="Measure ingest beside bare encoding, only")
    parser.add_argument("--faiss", action="store_true", help="Also compare FAISS index types (flat, fp16, HNSW, IVF)")
    args = parser.parse_args(argv)
    machine = machine_info()
    for key, value in machine.items():
        print(f"{key}: {value}")
    before = load_average()
    print(f"load average before: {before}")
    from index.embedder import load_embedder

    embedder = load_embedder(MODEL)
    generator = Generator(fixture_sentences())
    distinct = [generator.sentence() + " " + generator.sentence() for _ in range(args.distinct)]
    queries = [" ".join(generator.random.sample(generator.words, 3)) + " " + generator.sentence()
               for _ in range(args.queries)]
    summary: dict[str, Any] = {"machine": machine, "vectors": "mixed from real embeddings",
                               "load_average_before": before}
    summary["ingest"] = measure_ingest(embedder, generator, args.ingest_sample)
    print("ingest:", summary["ingest"])
    if not args.ingest_only:
        measure_sizes(args, embedder, generator, distinct, queries, summary)
    summary["load_average_after"] = after = load_average()
    print(f"load average after: {after}")
    print(json.dumps(summary))
    return 0


def measure_sizes(args: argparse.Namespace, embedder: Embedder, generator: Generator, distinct: list[str],
                  queries: list[str], summary: dict[str, Any]) -> None:
    """Build and measure each size (and compare the FAISS index types with --faiss)."""
    started = time.perf_counter()
    base = embedder.encode(distinct)
    print(f"embedded {len(distinct)} distinct passages with the real model in {time.perf_counter() - started:.1f} s; "
          "synthetic passage vectors are deterministic re-normalised mixes of two of them plus noise")
    mixed = MixedEmbedder(embedder, base)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kb-latency-"))
    for size in args.sizes:
        where = folder / f"kb-{size}"
        where.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        built = build_database(where, size, Generator(generator.sentences, seed=size), mixed)
        result: dict[str, Any] = {"practices": size, "passages": built.passages, "public": built.public,
                                  "generate_s": round(time.perf_counter() - started, 1)}
        result.update(measure_in_process(built.settings, embedder, queries))
        process, startup = serve(built.settings, args.port)
        try:
            result["startup_s"] = round(startup, 2)
            result.update(measure_http(args.port, built.token, queries))
            result["server_rss_mb"] = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
        print(json.dumps(result))
        summary[str(size)] = result
    for line in target_lines(summary, args.sizes):
        print(line)
    if args.faiss:
        summary["index_choice"] = compare_indexes(base, [s * 3 // 2 for s in args.sizes],
                                                  embedder.encode(queries[:100]))
        for row in summary["index_choice"]:
            print("index:", row)


if __name__ == "__main__":
    sys.exit(main())
