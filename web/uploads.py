"""Ingesting one uploaded file, whole or not at all, through the same pipeline as `kb ingest`."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine

from index.search import SearchService
from ingest.pipeline import IngestReport, ingest_paths
from ingest.readers import SUPPORTED
from ingest.validate import IngestError

ACCEPTED = ",".join(sorted(SUPPORTED))  # for the file input's `accept`
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ingest_upload(engine: Engine, search: SearchService, *, filename: str, content: bytes, actor: str,
                  max_bytes: int, check_only: bool = False) -> IngestReport:
    """Ingest (or only check) one uploaded file; errors name it by the name it was uploaded with."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        report = IngestReport()
        report.errors.append(IngestError.at(filename, None, f"unsupported file type {suffix or '(none)'}; use one "
                                                            f"of {', '.join(sorted(SUPPORTED))}", field="file"))
        return report
    with tempfile.TemporaryDirectory(prefix="kb-upload-") as folder:
        path = Path(folder) / (_UNSAFE.sub("_", Path(filename).stem)[:60] + suffix)
        path.write_bytes(content)
        return ingest_paths([path], engine=engine, writer=search.writer, vocabularies=search.vocabularies,
                            actor=actor, check_only=check_only, max_bytes=max_bytes, names={path: filename})
