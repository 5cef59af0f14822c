"""Wire the search side of one process: embedder, identifying terms, catalogue (loaded or rebuilt), search service."""

from __future__ import annotations

import gc
import logging
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session

from index.catalogue import Catalogue
from index.embedder import Embedder, load_embedder
from index.search import SearchService
from index.store import PassageWriter
from kb.config import Settings
from kb.identifying import TermsSource
from kb.vocabulary import Vocabulary, load_vocabularies

log = logging.getLogger("kb.index")


def vocabulary_labels(vocabularies: dict[str, Vocabulary]) -> dict[str, dict[str, str]]:
    return {name: {t.id: t.label for t in v.terms.values()} for name, v in vocabularies.items()}


def passage_writer(settings: Settings, embedder: Embedder, terms: TermsSource | None = None) -> PassageWriter:
    """Return what embeds practices' passages (as written, and as outsiders read anonymous ones) for this setup."""
    return PassageWriter(embedder=embedder, vocabularies=load_vocabularies(settings.vocabulary_dir),
                         words=settings.passage_words, terms=terms or TermsSource(settings.vocabulary_dir))


def open_search(settings: Settings, engine: Engine, embedder: Embedder | None = None) -> SearchService:
    """Load the embedder and the catalogue for this database and return the search service."""
    started = time.perf_counter()
    embedder = embedder or load_embedder(
        settings.embedding_model, batch_size=settings.embed_batch_size, cache_size=settings.query_cache_size
    )
    vocabularies = load_vocabularies(settings.vocabulary_dir)
    terms = TermsSource(settings.vocabulary_dir)
    catalogue = Catalogue(embedder=embedder, data_dir=settings.data_dir,
                          vocabulary_labels=vocabulary_labels(vocabularies), terms=terms)
    with Session(engine) as session:
        catalogue.load(session)
    # The catalogue is millions of long-lived objects; left to the collector, every full collection walks them
    # all in the middle of some request. Frozen, they are never scanned (later changes are collected as usual).
    gc.collect()
    gc.freeze()
    log.info("search ready: %d practices, %d passages in %.1f s", len(catalogue.facts),
             len(catalogue.passage_owner), time.perf_counter() - started)
    return SearchService(catalogue=catalogue, embedder=embedder, vocabularies=vocabularies,
                         writer=passage_writer(settings, embedder, terms), min_similarity=settings.min_similarity)
