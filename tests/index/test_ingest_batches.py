"""Ingest writes a file's practices, tags and passages in batches; the result is what one-by-one writes give.

The same records are loaded twice into one database — once through the pipeline (batched), once a record at a
time through `upsert_practice` and `sync_passages` — first as new practices, then as edits, and every row they
leave (practice, tags, authorisations, passages and their vectors, audit events) must match.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ingest.pipeline import ingest_paths, known_names, parse_file
from kb.models import AuditEvent, Authorisation, Passage, Practice, PracticeTag
from kb.practices import upsert_practice
from kb.vocabulary import Vocabulary
from tests.factories import writer_for
from tests.fakes import FakeEmbedder

LONG_BODY = "\n\n".join(f"Paragraph {n}: guards rehearsed the response to a vehicle approach. " * 14 for n in range(3))


def records(prefix: str, *, edited: bool) -> list[dict]:
    out = []
    for n in range(12):
        record = {
            "id": f"{prefix}-{n}", "kind": "good_practice",
            "title": f"Practice {n} on {'revised ' if edited and n % 2 else ''}perimeter detection",
            "summary": f"Summary {n}: what the operator changed and why.", "body": LONG_BODY if n % 3 == 0 else "",
            "host_state": "XA", "source": {"type": "peer_exchange", "year": 2010 + n}, "domain": ["security"],
            "sector": ["transport", "nuclear_power"] if n % 4 == 0 else ["nuclear_power"],
            "topic": ["physical_protection"] if not (edited and n % 2) else ["insider_threat", "detection"],
        }
        if n % 2 == 0:
            record["authorisation"] = {"scope": "networks" if edited and n % 4 == 0 else "public",
                                       **({"networks": ["NSSN"]} if edited and n % 4 == 0 else {}),
                                       "granted_by": "focal point",
                                       # a changed decision is a newer one (an older one would be refused)
                                       "granted_at": "2021-03-04" if edited and n % 4 == 0 else "2020-01-02"}
        out.append(record)
    return out


def write(folder: Path, prefix: str, *, edited: bool) -> Path:
    path = folder / f"{prefix}-{'edited' if edited else 'new'}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records(prefix, edited=edited)), encoding="utf-8")
    return path


def one_by_one(engine: Engine, path: Path, vocabularies: dict[str, Vocabulary], embedder: FakeEmbedder) -> None:
    with Session(engine) as session:
        known = known_names(session, vocabularies)
    parsed, errors, _ = parse_file(path, known)
    assert not errors
    writer = writer_for(embedder)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        for item in parsed:
            origin = f"file {path.name}, line {item.line}"
            _, practice = upsert_practice(session, record=item.record, actor="ingest", origin=origin)
            writer.sync(session, [practice])


def rows_of(engine: Engine, prefix: str) -> dict[str, list]:
    """Every row the practices with this id prefix left, with the prefix and database ids taken out."""
    def plain(value: object) -> str:
        return json.dumps(value, default=str, sort_keys=True).replace(f"{prefix}-", "X-")

    with Session(engine) as session:
        mine = select(Practice).where(Practice.external_id.startswith(f"{prefix}-"))
        practices = {p.id: p for p in session.exec(mine)}
        ids = list(practices)
        name = {pid: p.external_id.replace(f"{prefix}-", "X-") for pid, p in practices.items()}
        return {
            "practices": sorted(plain([str(getattr(p, field)) for field in Practice.model_fields
                                       if field not in ("id", "public_id", "content_hash", "created_at",
                                                        "updated_at", "submitted_at")]
                                      + [f"submitted: {p.submitted_at is not None}"])  # a time, like created_at
                                for p in practices.values()),
            "tags": sorted((name[t.practice_id], t.vocabulary, t.term)
                           for t in session.exec(select(PracticeTag).where(PracticeTag.practice_id.in_(ids)))),
            "authorisations": sorted((name[a.practice_id], a.scope, a.attribution, a.granted_by, str(a.granted_at),
                                      a.superseded_at is None, a.entered_via.replace(f"{prefix}-", "X-"))
                                     for a in session.exec(select(Authorisation)
                                                           .where(Authorisation.practice_id.in_(ids)))),
            "passages": sorted((name[p.practice_id], p.variant, p.position, p.text, p.model, p.vector)
                               for p in session.exec(select(Passage).where(Passage.practice_id.in_(ids)))),
            "audit": [(e.action, plain(e.object_id), plain(without_id(e.before)), plain(without_id(e.after)))
                      for e in session.exec(select(AuditEvent).where(AuditEvent.object_id.startswith(f"{prefix}-"))
                                            .order_by(AuditEvent.id))],
        }


def without_id(snapshot: dict | None) -> dict | None:
    return None if snapshot is None else {k: v for k, v in snapshot.items() if k not in ("id", "public_id")}


def test_batched_ingest_leaves_the_rows_one_by_one_writing_leaves(
    directory_engine: Engine, vocabularies: dict[str, Vocabulary], tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    for edited in (False, True):
        report = ingest_paths([write(tmp_path, "A", edited=edited)], engine=directory_engine,
                              writer=writer_for(embedder), vocabularies=vocabularies)
        assert report.ok and report.added + report.updated == (9 if edited else 12)
        one_by_one(directory_engine, write(tmp_path, "B", edited=edited), vocabularies, embedder)
        batched, single = rows_of(directory_engine, "A"), rows_of(directory_engine, "B")
        assert batched["passages"] and batched["audit"] and batched["authorisations"]
        for kind in batched:
            assert batched[kind] == single[kind], kind
