"""The vector index as a file in `KB_DATA_DIR`: saved with a manifest, loaded only when current, old files removed.

Processes sharing a data folder each write their own index file; the manifest, replaced atomically, names the
file it describes, so a reader never pairs one process's manifest with another's index.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from index.vectors import VectorIndex, load_vector_index

MANIFEST_FILE = "manifest.json"
LEGACY_INDEX_FILE = "vectors.faiss"


@dataclass(frozen=True)
class Manifest:
    """What a saved index was built from: the model, the change sequence and how many passages."""

    model: str
    dim: int
    seq: int
    passages: int
    practices: int
    index_file: str = LEGACY_INDEX_FILE


def save_index(folder: Path, vectors: VectorIndex, manifest: Manifest) -> None:
    """Write the vector index and its manifest (the manifest last, atomically), then remove unused files."""
    writer = f"{os.getpid()}-{threading.get_ident()}"
    index_file = f"vectors-{manifest.seq}-{writer}.faiss"
    vectors.save(folder / index_file)
    tmp = folder / f"{MANIFEST_FILE}.{writer}.tmp"
    tmp.write_text(json.dumps(asdict(manifest) | {"index_file": index_file}, indent=2))
    tmp.replace(folder / MANIFEST_FILE)
    remove_unused_index_files(folder)


def load_index(folder: Path, expected: Manifest) -> VectorIndex | str:
    """Return the saved index when it matches what is expected; otherwise the reason to rebuild it."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.exists():
        return "no saved index"
    try:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("model") != expected.model or manifest.get("dim") != expected.dim:
            return f"saved index was built with model {manifest.get('model')!r}"
        if manifest.get("seq") != expected.seq or manifest.get("passages") != expected.passages:
            return "saved index is stale"
        index_path = folder / Path(manifest.get("index_file", LEGACY_INDEX_FILE)).name
        if not index_path.exists():
            return "no saved index"
        vectors = load_vector_index(index_path)
    except Exception as exc:  # a corrupt cache file is rebuilt, whatever the error
        return f"saved index is unreadable ({exc.__class__.__name__}: {exc})"
    if len(vectors) != expected.passages:
        return "saved index does not match the stored passages"
    return vectors


def forget_index(folder: Path) -> None:
    """Make the saved index unusable (after re-embedding), so every process rebuilds from the database."""
    (folder / MANIFEST_FILE).unlink(missing_ok=True)


def remove_unused_index_files(folder: Path, grace_seconds: float = 60.0) -> None:
    """Delete saved indexes the manifest no longer names (after a grace period for concurrent writers)."""
    try:
        current = json.loads((folder / MANIFEST_FILE).read_text()).get("index_file")
    except (OSError, ValueError):
        return
    cutoff = time.time() - grace_seconds
    for path in [*folder.glob("vectors-*.faiss"), folder / LEGACY_INDEX_FILE]:
        try:
            if path.name != current and path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue
