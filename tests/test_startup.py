"""Start-up loads the stored vectors: the model embeds nothing but the queries people ask."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from index.embedder import Embedder
from index.service import open_search
from kb.config import Settings
from kb.models import Passage
from web.app import create_app


class CountingEmbedder:
    """The real embedder, counting every text it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0
        self.queries = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)

    def encode_query(self, text: str, *, requester: str | None = None) -> np.ndarray:
        self.queries += 1
        return self.inner.encode_query(text, requester=requester)


def fresh_folder(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"data_dir": folder})


def test_start_up_builds_the_index_from_stored_vectors_then_reuses_the_saved_file(
    demo_settings: Settings, demo_engine: Engine, embedder: Embedder, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counting = CountingEmbedder(embedder)
    settings = fresh_folder(demo_settings, tmp_path)
    with Session(demo_engine) as session:
        stored = session.exec(select(func.count()).select_from(Passage)).one()
    with caplog.at_level(logging.INFO, logger="kb.index"):
        first = open_search(settings, demo_engine, counting)
    assert len(first.catalogue.vectors) == stored > 100
    assert "rebuilding vector index from stored vectors: no saved index" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kb.index"):
        second = open_search(settings, demo_engine, counting)
    assert "rebuilding" not in caplog.text
    assert len(second.catalogue.vectors) == stored
    assert (counting.texts, counting.queries) == (0, 0)


def test_the_app_starts_without_embedding_and_embeds_one_query_per_search(
    demo_settings: Settings, demo_engine: Engine, embedder: Embedder, tmp_path: Path
) -> None:
    counting = CountingEmbedder(embedder)
    with TestClient(create_app(fresh_folder(demo_settings, tmp_path), embedder=counting)) as client:
        assert (counting.texts, counting.queries) == (0, 0)
        response = client.get("/api/v1/search", params={"q": "insider threat at a reactor"})
        assert response.status_code == 200 and response.json()["total"] > 0
    assert (counting.texts, counting.queries) == (0, 1)
