"""Permission-aware hybrid search: what a viewer may see filters both rankings before anything is scored.

Each viewer is ranked within their *audience*: exactly the practices they may see, each in the form they see it
(as written, or — where the host shares anonymously and the viewer is not the host — as outsiders read it), with
BM25 statistics of that audience alone. So nothing a viewer receives depends on what they may not see.

A query is ranked in one part or two: normally one, the whole visible set. When the query itself names a state
(any spelling: kb.anonymity) and some hosts are hidden from the viewer, words naming a state count only for the
practices whose host the viewer sees: those are ranked by the query, and the others keep the places they have
when the whole visible set is ranked by the query without those words. So naming a state cannot find, nor move,
its anonymous entries: their scores are the same whichever state the query names. Each part is ranked alone —
its own candidates, standardisation and match floor — and the parts merged by score.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from sqlmodel import Session

from index.catalogue import Catalogue
from index.embedder import Embedder
from index.fusion import fuse_standardised, standardise
from index.lexical import LexicalView
from index.lru import LRU
from index.spelling import LazySpeller, Speller, vocabulary_words
from index.store import PassageWriter
from kb.anonymity import without_redactions
from kb.queries import Filters, Sort, visible_rows
from kb.viewer import Viewer
from kb.vocabulary import Vocabulary

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def scan_pool() -> ThreadPoolExecutor:
    """Return the process's pool for vector scans (made on first use; one per process, as cores are shared)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="kb-scan")
        return _pool


@dataclass
class Hit:
    practice_id: int
    score: float
    host_shown: bool
    passage: str = ""


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranking:
    """Matches best first as parallel arrays; only the page shown becomes objects."""

    ids: np.ndarray
    scores: np.ndarray
    passages: np.ndarray  # each match's best passage id, -1 when the dense ranking did not reach it

    @classmethod
    def empty(cls) -> Ranking:
        return cls(ids=np.zeros(0, dtype=np.int64), scores=np.zeros(0), passages=np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Audience:
    """What one kind of viewer may see at one change sequence, and the BM25 statistics of exactly that."""

    ids: np.ndarray  # sorted practice ids
    shown: np.ndarray  # aligned with ids: may the viewer see the host?
    docs: np.ndarray  # sorted BM25 documents of these practices, as this audience reads them
    lexical: LexicalView  # BM25 statistics of exactly those documents
    speller: LazySpeller  # "did you mean" from the words of exactly these practices, as this audience reads them
    seq: int = 0  # the change sequence it was made at


@dataclass(frozen=True)
class VisibleSet:
    """The practices a viewer may see under some filters (a subset of their audience)."""

    ids: np.ndarray
    shown: np.ndarray
    audience: Audience
    everything: bool = False  # every practice, every host shown

    def shows_host(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return a mask of which of the practice ids this viewer may see the host of."""
        return _lookup(self.ids, self.shown, practice_ids)

    def allows(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return a mask of which of the practice ids are in this visible set."""
        return _lookup(self.ids, np.ones(len(self.ids), dtype=bool), practice_ids)

    def without(self, practice_id: int) -> VisibleSet:
        keep = self.ids != practice_id
        return VisibleSet(ids=self.ids[keep], shown=self.shown[keep], audience=self.audience)


def _lookup(sorted_ids: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    wanted = np.asarray(wanted, dtype=np.int64)
    if len(sorted_ids) == 0:
        return np.zeros(len(wanted), dtype=bool)
    where = np.searchsorted(sorted_ids, wanted).clip(max=len(sorted_ids) - 1)
    return (sorted_ids[where] == wanted) & values[where]


@dataclass(frozen=True)
class Part:
    """Practices ranked together by one text (see the module docstring)."""

    query: str  # what the embedder reads
    lexical_query: str  # what BM25 reads (the same text, except for the words BM25 leaves out)
    ids: np.ndarray
    passages: np.ndarray | None  # allow-list of the vector scan; None: every vector, no allow-list needed
    docs: np.ndarray  # the BM25 documents, sorted
    keep: np.ndarray | None = None  # of the ranking, keep only these practices (None: all)


@dataclass(frozen=True)
class _Dense:
    ids: np.ndarray
    scores: np.ndarray
    passages: np.ndarray


class SearchService:
    """Search over the catalogue, always inside the viewer's audience."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        embedder: Embedder,
        vocabularies: dict[str, Vocabulary],
        writer: PassageWriter,
        min_similarity: float,
        candidates: int = 1000,
        lexical_floor: float = 0.5,
    ) -> None:
        self.catalogue = catalogue
        self.embedder = embedder
        self.vocabularies = vocabularies
        self.writer = writer
        self.min_similarity = min_similarity
        self.candidates = candidates
        self.lexical_floor = lexical_floor
        self._audiences: LRU[tuple[int, tuple[object, ...]], Audience] = LRU(64)
        self._visible: LRU[tuple[int, tuple[object, ...], Filters], VisibleSet] = LRU(256)

    # -- who sees what ---------------------------------------------------------------------------

    def visible_set(self, session: Session, viewer: Viewer, filters: Filters) -> VisibleSet:
        """Return what the viewer may see under the filters, as of the database now."""
        seq = self.catalogue.catch_up(session)
        self._audiences.drop_where(lambda key: key[0] != seq)
        self._visible.drop_where(lambda key: key[0] != seq)
        audience = self._audiences.get_or_build((seq, viewer.cache_key),
                                                lambda: self._audience(session, viewer, seq))
        if filters.is_empty():
            return self._visible.get_or_build((seq, viewer.cache_key, filters),
                                              lambda: self._everything_or(audience, audience.ids, audience.shown))

        def build() -> VisibleSet:
            rows = sorted(visible_rows(session, viewer, filters, self.vocabularies))
            ids = np.asarray([pid for pid, _ in rows], dtype=np.int64)
            return self._everything_or(audience, ids, np.asarray([shown for _, shown in rows], dtype=bool))

        return self._visible.get_or_build((seq, viewer.cache_key, filters), build)

    def _audience(self, session: Session, viewer: Viewer, seq: int) -> Audience:
        rows = sorted(visible_rows(session, viewer, Filters(), self.vocabularies))
        ids = np.asarray([pid for pid, _ in rows], dtype=np.int64)
        shown = np.asarray([flag for _, flag in rows], dtype=bool)
        docs = self.catalogue.lexical_docs(ids[shown], ids[~shown])
        speller = LazySpeller(lambda: Speller(self.catalogue.words.counts(docs.tolist()),
                                              vocabulary_words(self.vocabularies)))
        return Audience(ids=ids, shown=shown, docs=docs, lexical=self.catalogue.lexical.view(docs), speller=speller,
                        seq=seq)

    def _everything_or(self, audience: Audience, ids: np.ndarray, shown: np.ndarray) -> VisibleSet:
        everything = bool(shown.all()) and self.catalogue.is_everything(ids)
        return VisibleSet(ids=ids, shown=shown, audience=audience, everything=everything)

    def suggest(self, session: Session, viewer: Viewer, query: str) -> str | None:
        """Return the description corrected towards the words of the practices the viewer may see, if any change."""
        for _ in range(3):  # an audience made just before a change is rebuilt rather than trusted
            audience = self.visible_set(session, viewer, Filters()).audience
            speller = audience.speller.get()
            if self.catalogue.seq == audience.seq:
                return speller.suggest(query)
        return None

    # -- searching ------------------------------------------------------------------------------

    def search(
        self,
        session: Session,
        viewer: Viewer,
        query: str = "",
        filters: Filters | None = None,
        *,
        limit: int = 10,
        offset: int = 0,
        with_facets: bool = True,
        match_floor: bool = True,
        sort: Sort = "relevance",
    ) -> SearchResult:
        """Rank the practices the viewer may see for a problem description (or list them, without one).

        With `match_floor` (the default) only practices that match the query well enough count and are
        returned; without it, every ranked candidate is (benchmarks measure the raw ranking this way).
        `sort` orders the matches by relevance, or by source year newest or oldest first (relevance within
        a year). Facets count as people expect: a facet with values chosen counts its values over the
        matches of every other filter (so its other values stay listed); the rest over the matches.
        """
        filters = filters or Filters()
        query = query.strip()
        visible = self.visible_set(session, viewer, filters)
        encoded: dict[str, np.ndarray] = {}  # a chosen facet ranks the same description again: embed it once
        ranking = self._matches(viewer, query, visible, match_floor, encoded)
        facets = self._facets(ranking.ids, visible) if with_facets else {}
        for name in filters.chosen_facets() if with_facets else ():
            others = self.visible_set(session, viewer, filters.without(name))
            facets[name] = self._facets(self._matches(viewer, query, others, match_floor, encoded).ids, others)[name]
        ranking = self._sorted(ranking, sort)
        page = slice(offset, offset + limit)
        texts = self.catalogue.passage_texts(session, ranking.passages[page].tolist())
        shown = visible.shows_host(ranking.ids[page])
        hits = [
            Hit(practice_id=pid, score=score, host_shown=bool(host), passage=texts.get(passage, ""))
            for pid, score, passage, host in zip(ranking.ids[page].tolist(), ranking.scores[page].tolist(),
                                                 ranking.passages[page].tolist(), shown.tolist(), strict=True)
        ]
        return SearchResult(total=len(ranking.ids), hits=hits, facets=facets)

    def _matches(self, viewer: Viewer, query: str, visible: VisibleSet, match_floor: bool,
                 encoded: dict[str, np.ndarray]) -> Ranking:
        """Return the visible practices that match the query, best first (all of them, newest first, without)."""
        if query:
            return self.rank(query, visible, requester=viewer.requester, match_floor=match_floor, encoded=encoded)
        return self._browse_order(visible.ids)

    def _sorted(self, ranking: Ranking, sort: Sort) -> Ranking:
        """Return the ranking by source year when asked, keeping its order within a year."""
        if sort == "relevance":
            return ranking
        years = self.catalogue.facet_table().years_of(ranking.ids)
        order = np.lexsort((np.arange(len(years)), -years if sort == "newest" else years))
        return Ranking(ids=ranking.ids[order], scores=ranking.scores[order], passages=ranking.passages[order])

    def _browse_order(self, ids: np.ndarray) -> Ranking:
        """Without a query: newest source first, then in the order of the opaque ids."""
        table = self.catalogue.facet_table()
        order = np.lexsort((table.tiebreaks_of(ids), -table.years_of(ids)))
        return Ranking(ids=ids[order], scores=np.zeros(len(ids)), passages=np.full(len(ids), -1, dtype=np.int64))

    def parts(self, query: str, visible: VisibleSet) -> list[Part]:
        """Return which practices to rank by which text (see the module docstring)."""
        hidden = ~visible.shown
        if not hidden.any():
            passages = None if visible.everything and not self.catalogue.holds_redacted_passages() else \
                self.catalogue.passages_for(visible.ids, visible.ids[:0])
            return [Part(query, query, visible.ids, passages, visible.ids)]
        redacted = self.catalogue.terms.redacted(query)
        if redacted == query:
            return [self._part(query, query, visible.ids[visible.shown], visible.ids[hidden])]
        unnamed = " ".join(without_redactions(redacted).split())
        parts = [self._part(query, query, visible.ids[visible.shown], visible.ids[:0])]
        if unnamed:
            whole = self._part(unnamed, unnamed, visible.ids[visible.shown], visible.ids[hidden])
            parts.append(Part(whole.query, whole.lexical_query, whole.ids, whole.passages, whole.docs,
                              keep=visible.ids[hidden]))
        return parts

    def _part(self, query: str, lexical_query: str, shown: np.ndarray, hidden: np.ndarray) -> Part:
        return Part(query, lexical_query, np.sort(np.concatenate([shown, hidden])),
                    self.catalogue.passages_for(shown, hidden), self.catalogue.lexical_docs(shown, hidden))

    def rank(self, query: str, visible: VisibleSet, *, requester: str | None = None,
             match_floor: bool = True, encoded: dict[str, np.ndarray] | None = None) -> Ranking:
        """Rank the visible practices for a query: fused dense and lexical scores of the matches, best first.

        The vector scans run on a worker thread while this one scores BM25 (FAISS and numpy release the
        interpreter lock), so a search costs about the embedding plus the longer of the two, not the sum.
        """
        if len(visible.ids) == 0:
            return Ranking.empty()
        parts = [part for part in self.parts(query, visible) if len(part.ids)]
        encoded = {} if encoded is None else encoded  # the vectors of texts already embedded for this request
        for part in parts:
            if part.query not in encoded:
                encoded[part.query] = self.embedder.encode_query(part.query, requester=requester)
        vectors = [encoded[part.query] for part in parts]
        scan = scan_pool().submit(lambda: [self._dense(v, part) for v, part in zip(vectors, parts, strict=True)])
        try:
            lexical = [self._lexical(part, visible.audience) for part in parts]
        finally:
            dense = scan.result()
        return self._merge([self._kept(self._fuse(d, lx, match_floor), part)
                            for d, lx, part in zip(dense, lexical, parts, strict=True)])

    def rank_dense(self, query: str, visible: VisibleSet) -> Ranking:
        """Rank by the dense side alone (the benchmarks measure it beside the fused ranking)."""
        parts = [part for part in self.parts(query, visible) if len(part.ids)]
        found = [self._dense(self.embedder.encode_query(part.query), part) for part in parts]
        return self._merge([self._kept(Ranking(d.ids, d.scores, d.passages), part)
                            for d, part in zip(found, parts, strict=True)])

    def rank_lexical(self, query: str, visible: VisibleSet) -> Ranking:
        """Rank by BM25 alone (the benchmarks measure it beside the fused ranking)."""
        parts = [part for part in self.parts(query, visible) if len(part.ids)]
        found = [self._lexical(part, visible.audience) for part in parts]
        return self._merge([self._kept(Ranking(ids, scores.astype(np.float64), np.full(len(ids), -1, dtype=np.int64)),
                                       part) for (ids, scores), part in zip(found, parts, strict=True)])

    def _dense(self, vector: np.ndarray, part: Part) -> _Dense:
        """Return each practice of the part by its best passage similarity (and that passage), best first."""
        passage_ids, scores = self.catalogue.vectors.search(vector, self.candidates, part.passages)
        owners = self.catalogue.owners_of(passage_ids)
        keep = (owners >= 0) & _lookup(part.ids, np.ones(len(part.ids), dtype=bool), owners)  # nothing outside
        owners, scores, passage_ids = owners[keep], scores[keep], passage_ids[keep]
        _, first = np.unique(owners, return_index=True)  # results are best first: first passage is the best
        first.sort()
        return _Dense(owners[first], scores[first].astype(np.float64), passage_ids[first])

    def _lexical(self, part: Part, audience: Audience) -> tuple[np.ndarray, np.ndarray]:
        """Return (practice ids, BM25 scores) of the part's practices that contain a query term."""
        whole = len(part.docs) == len(audience.docs) and np.array_equal(part.docs, audience.docs)
        allowed = None if whole else part.docs  # the audience's view holds exactly its documents: no allow-list
        docs, scores = self.catalogue.lexical.score_arrays(part.lexical_query, audience.lexical, allowed)
        return np.abs(docs), scores

    def _fuse(self, dense: _Dense, lexical: tuple[np.ndarray, np.ndarray], match_floor: bool) -> Ranking:
        """Fuse one part's two rankings over its own candidates, keeping the matches."""
        lexical_ids, lexical_scores = lexical
        top_lexical = float(lexical_scores.max()) if len(lexical_scores) else 0.0
        floor = self.lexical_floor * top_lexical if top_lexical > 0 else np.inf
        chosen = _candidates(lexical_scores, self.candidates, floor if match_floor else np.inf)
        fused = fuse_standardised(standardise(dense.ids, dense.scores),
                                  standardise(lexical_ids, lexical_scores, chosen), self._tiebreaks)
        matched = np.ones(len(fused.ids), dtype=bool)
        if match_floor:
            with np.errstate(invalid="ignore"):
                matched = (fused.dense >= self.min_similarity) | (fused.lexical >= floor)
        ids = fused.ids[matched]
        return Ranking(ids=ids, scores=fused.scores[matched], passages=_best_passages(ids, dense))

    @staticmethod
    def _kept(ranking: Ranking, part: Part) -> Ranking:
        if part.keep is None:
            return ranking
        keep = _lookup(np.sort(part.keep), np.ones(len(part.keep), dtype=bool), ranking.ids)
        return Ranking(ranking.ids[keep], ranking.scores[keep], ranking.passages[keep])

    def _merge(self, rankings: list[Ranking]) -> Ranking:
        """Merge parts ranked on their own into one ranking, best first, ties in the opaque order."""
        if not rankings:
            return Ranking.empty()
        if len(rankings) == 1:
            return rankings[0]
        ids, scores, passages = (np.concatenate(column) for column in
                                 zip(*((r.ids, r.scores, r.passages) for r in rankings), strict=True))
        order = np.lexsort((self._tiebreaks(ids), -scores))
        return Ranking(ids=ids[order], scores=scores[order], passages=passages[order])

    def _tiebreaks(self, ids: np.ndarray) -> np.ndarray:
        return self.catalogue.facet_table().tiebreaks_of(ids)

    def _facets(self, ids: np.ndarray, visible: VisibleSet) -> dict[str, dict[str, int]]:
        return self.catalogue.facet_table().counts(ids, visible.shows_host(ids))

    def related(self, session: Session, viewer: Viewer, practice_id: int, *, limit: int = 5) -> list[Hit]:
        """Return the nearest practices the viewer may see, by the practice's first passage as the viewer reads it."""
        visible = self.visible_set(session, viewer, Filters())
        if not visible.allows(np.asarray([practice_id]))[0]:  # never rank by the text of a hidden practice
            return []
        shown = bool(visible.shows_host(np.asarray([practice_id]))[0])
        own = (self.catalogue.raw_passages if shown else self.catalogue.redacted_passages).get(practice_id)
        others = visible.without(practice_id)
        if own is None or len(own) == 0 or len(others.ids) == 0:
            return []
        first = self.catalogue.passage_texts(session, [int(own[0])]).get(int(own[0]), "")
        parts = [part for part in self.parts(first, others) if len(part.ids)]
        ranking = self._merge([
            self._kept(Ranking(d.ids, d.scores, d.passages), part) for d, part in
            zip((self._dense(self.embedder.encode_query(part.query, requester=viewer.requester), part)
                 for part in parts), parts, strict=True)
        ])
        top = slice(0, limit)
        texts = self.catalogue.passage_texts(session, ranking.passages[top].tolist())
        hosts = others.shows_host(ranking.ids[top])
        return [Hit(practice_id=pid, score=score, host_shown=bool(host), passage=texts.get(passage, ""))
                for pid, score, passage, host in zip(ranking.ids[top].tolist(), ranking.scores[top].tolist(),
                                                     ranking.passages[top].tolist(), hosts.tolist(), strict=True)]


def _best_passages(ids: np.ndarray, dense: _Dense) -> np.ndarray:
    """Return the best passage of each id by a sorted lookup in the dense ranking (-1 where it did not reach)."""
    passages = np.full(len(ids), -1, dtype=np.int64)
    if len(dense.ids) == 0:
        return passages
    order = np.argsort(dense.ids)
    where = np.searchsorted(dense.ids, ids, sorter=order).clip(max=len(dense.ids) - 1)
    found = dense.ids[order[where]] == ids
    passages[found] = dense.passages[order[where[found]]]
    return passages


def _candidates(scores: np.ndarray, k: int, floor: float) -> np.ndarray:
    """Return the positions of the k highest scores together with every score at or above the floor.

    When k or more scores reach the floor, the k highest are among them and no partial sort is needed.
    """
    if len(scores) <= k:
        return np.arange(len(scores))
    reaching = np.flatnonzero(scores >= floor)
    if len(reaching) >= k:
        return reaching
    return np.argpartition(-scores, k)[:k]  # fewer than k reach the floor: they are all in the top k
