"""Load test: many concurrent clients against a running server, while a curator keeps changing sharing.

    python bench/load.py --url http://127.0.0.1:8000 --clients 32 --seconds 30
    KB_DATABASE_URL=postgresql://... python bench/load.py --url ... --curator-every 1.0

Clients search with the demo relevance queries (80 %) and open practices through /api/v1/practices/{id}
(20 %). The curator (when the server's database is reachable through `KB_DATABASE_URL`) withdraws and
re-grants a public practice's authorisation every `--curator-every` seconds straight in the database, so
every process must catch up from the change log while under load. A 404 for a practice is an answer (it may
just have been withdrawn); any other non-200, timeout or connection error counts as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a clone

from fixtures.load import relevance_set


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    edits: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def client(http: httpx.AsyncClient, *, queries: list[str], ids: list[str], deadline: float,
                 tally: Tally, seed: int) -> None:
    """Search and browse until the deadline, recording every request."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        params: dict[str, str | int]
        if rng.random() < 0.8 or not ids:
            path, params, allowed = "/api/v1/search", {"q": rng.choice(queries), "limit": 10}, {200}
        else:
            path, params, allowed = f"/api/v1/practices/{rng.choice(ids)}", {}, {200, 404}
        started = time.perf_counter()
        try:
            response = await http.get(path, params=params)
        except httpx.HTTPError as exc:
            tally.error(exc.__class__.__name__)
            continue
        tally.latencies.append(time.perf_counter() - started)
        if response.status_code not in allowed:
            tally.error(f"HTTP {response.status_code}")


def curator(stop: threading.Event, every: float, tally: Tally) -> None:
    """Withdraw and re-grant the newest public practice's authorisation, over and over, in the database."""
    from sqlmodel import Session, col, select

    from kb.authorisations import current_authorisation, grant, withdraw
    from kb.config import Settings
    from kb.db import make_engine
    from kb.models import Authorisation, Practice, Scope

    engine = make_engine(Settings())
    with Session(engine) as session:
        practice = session.exec(
            select(Practice).join(Authorisation, col(Authorisation.practice_id) == Practice.id)
            .where(Authorisation.scope == Scope.public).order_by(col(Practice.id))
        ).first()
    if practice is None:
        return
    while not stop.wait(every):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if current_authorisation(session, practice.id or 0) is None:
                grant(session, practice=practice, scope=Scope.public, by="load-test", entered_by="load-test",
                      entered_via="bench")
            else:
                withdraw(session, practice=practice, by="load-test", via="bench")
        tally.edits += 1
    engine.dispose()


async def run(url: str, clients: int, seconds: float, curator_every: float | None) -> dict[str, object]:
    queries = [item["query"] for item in relevance_set()]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        listing = await http.get("/api/v1/search", params={"limit": 100})
        listing.raise_for_status()
        ids = [hit["id"] for hit in listing.json()["results"]]
        tally = Tally()
        stop = threading.Event()
        editor = None
        if curator_every:
            editor = threading.Thread(target=curator, args=(stop, curator_every, tally), daemon=True)
            editor.start()
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(client(http, queries=queries, ids=ids, deadline=deadline, tally=tally, seed=n)
                               for n in range(clients)))
        elapsed = time.monotonic() - started
        stop.set()
        if editor is not None:
            editor.join(timeout=30)
    requests = len(tally.latencies) + sum(tally.errors.values())
    ms = [value * 1000 for value in tally.latencies]
    return {
        "url": url, "clients": clients, "seconds": round(elapsed, 1), "requests": requests,
        "throughput_per_s": round(requests / elapsed, 1), "p50_ms": round(percentile(ms, 0.50), 1),
        "p95_ms": round(percentile(ms, 0.95), 1), "p99_ms": round(percentile(ms, 0.99), 1),
        "errors": sum(tally.errors.values()), "error_kinds": tally.errors, "curator_edits": tally.edits,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="A running server on 127.0.0.1")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--curator-every", type=float, default=None,
                        help="Seconds between curator edits in the database named by KB_DATABASE_URL")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON")
    args = parser.parse_args()
    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("the load test only drives a server on this machine (127.0.0.1)")
    result = asyncio.run(run(args.url, args.clients, args.seconds, args.curator_every))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['clients']} clients for {result['seconds']} s against {result['url']}: "
          f"{result['requests']} requests, {result['throughput_per_s']} req/s, "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
          f"{result['errors']} errors {result['error_kinds'] or ''}, {result['curator_edits']} curator edits")
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
