"""Permission-aware hybrid search: the viewer's visible set filters both rankings before they are scored."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sqlmodel import Session

from index.catalogue import Catalogue
from index.embedder import Embedder
from index.fusion import Standardised, fuse_standardised, standardise
from kb.queries import Filters, visible_rows
from kb.viewer import Viewer
from kb.vocabulary import Vocabulary

_SCANS = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="kb-scan")
"""The process's vector scans run here, beside the BM25 scoring of the request thread (one pool: cores are shared)."""


@dataclass
class Hit:
    practice_id: int
    score: float
    host_shown: bool
    passage: str = ""
    dense: float | None = None
    lexical: float | None = None


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
    dense: np.ndarray  # raw similarity, NaN when absent from the dense ranking
    lexical: np.ndarray  # raw BM25 score, NaN when absent from the lexical ranking

    @classmethod
    def empty(cls) -> Ranking:
        nothing = np.zeros(0)
        return cls(ids=np.zeros(0, dtype=np.int64), scores=nothing, passages=np.zeros(0, dtype=np.int64),
                   dense=nothing, lexical=nothing)


@dataclass(frozen=True)
class VisibleSet:
    """The practices one kind of viewer may see under some filters, at one change sequence."""

    ids: np.ndarray
    host_shown: frozenset[int]
    everything: bool = False
    passages: np.ndarray | None = None
    host_shown_ids: np.ndarray | None = None

    def allows(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return a mask of which of the practice ids are in this visible set."""
        return _members(self._visible_mask, practice_ids)

    def shows_host(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return a mask of which of the practice ids this viewer may see the host of."""
        return _members(self._shown_mask, practice_ids)

    @cached_property
    def _visible_mask(self) -> np.ndarray:
        return _mask_of(self.ids)

    @cached_property
    def _shown_mask(self) -> np.ndarray:
        shown = self.host_shown_ids
        return _mask_of(np.fromiter(self.host_shown, dtype=np.int64) if shown is None else shown)


def _mask_of(ids: np.ndarray) -> np.ndarray:
    """Return a boolean array indexed by id, true for the given ids (database ids are small and dense)."""
    mask = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=bool)
    mask[ids] = True
    return mask


def _members(mask: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Look ids up in a mask made by `_mask_of`; ids outside it are not members."""
    ids = np.asarray(ids, dtype=np.int64)
    inside = (ids >= 0) & (ids < len(mask))
    found = np.zeros(len(ids), dtype=bool)
    found[inside] = mask[ids[inside]]
    return found


class SearchService:
    """Search over the catalogue, always inside the viewer's visible set."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        embedder: Embedder,
        vocabularies: dict[str, Vocabulary],
        min_similarity: float,
        candidates: int = 1000,
        lexical_floor: float = 0.5,
    ) -> None:
        self.catalogue = catalogue
        self.embedder = embedder
        self.vocabularies = vocabularies
        self.min_similarity = min_similarity
        self.candidates = candidates
        self.lexical_floor = lexical_floor
        self._visible_cache: OrderedDict[tuple[object, ...], VisibleSet] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- the visible set ------------------------------------------------------------------------

    def visible_set(self, session: Session, viewer: Viewer, filters: Filters) -> VisibleSet:
        """Return what the viewer may see under the filters, as of the database now."""
        seq = self.catalogue.catch_up(session)
        key = (seq, viewer.cache_key, filters.key())
        with self._cache_lock:
            cached = self._visible_cache.get(key)
            if cached is not None:
                self._visible_cache.move_to_end(key)
                return cached
        rows = visible_rows(session, viewer, filters, self.vocabularies)
        ids = np.asarray(sorted(pid for pid, _ in rows), dtype=np.int64)
        everything = self.catalogue.is_everything(ids)
        found = VisibleSet(
            ids=ids,
            host_shown=frozenset(pid for pid, shown in rows if shown),
            everything=everything,
            passages=None if everything else self.catalogue.allowed_passages(ids),
            host_shown_ids=np.asarray(sorted(pid for pid, shown in rows if shown), dtype=np.int64),
        )
        with self._cache_lock:
            stale = [k for k in self._visible_cache if k[0] != seq]
            for k in stale:
                del self._visible_cache[k]
            self._visible_cache[key] = found
            while len(self._visible_cache) > 256:
                self._visible_cache.popitem(last=False)
        return found

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
    ) -> SearchResult:
        """Rank the practices the viewer may see for a problem description (or list them, without one).

        With `match_floor` (the default) only practices that match the query well enough count and are
        returned; without it, every ranked candidate is (benchmarks measure the raw ranking this way).
        """
        filters = filters or Filters()
        visible = self.visible_set(session, viewer, filters)
        query = query.strip()
        ranking = self.rank(query, visible, match_floor=match_floor) if query else self._browse_order(visible.ids)
        page = slice(offset, offset + limit)
        texts = self.catalogue.passage_texts(session, ranking.passages[page].tolist())
        hits = [
            Hit(practice_id=pid, score=score, host_shown=pid in visible.host_shown, passage=texts.get(passage, ""),
                dense=_number(dense), lexical=_number(lexical))
            for pid, score, passage, dense, lexical in zip(
                ranking.ids[page].tolist(), ranking.scores[page].tolist(), ranking.passages[page].tolist(),
                ranking.dense[page].tolist(), ranking.lexical[page].tolist(), strict=True)
        ]
        facets = self._facets(ranking.ids, visible) if with_facets else {}
        return SearchResult(total=len(ranking.ids), hits=hits, facets=facets)

    def _browse_order(self, ids: np.ndarray) -> Ranking:
        """Without a query: newest source first, then by id."""
        years = self.catalogue.facet_table().years_of(ids)
        order = np.lexsort((ids, -years))
        nothing = np.full(len(ids), np.nan)
        return Ranking(ids=ids[order], scores=np.zeros(len(ids)), passages=np.full(len(ids), -1, dtype=np.int64),
                       dense=nothing, lexical=nothing)

    def dense_scores(self, query: str, ids: np.ndarray, k: int) -> tuple[dict[int, float], dict[int, int]]:
        """Return each practice's best passage similarity among the allowed ids, and that passage."""
        allowed = np.sort(np.asarray(ids, dtype=np.int64))
        visible = VisibleSet(ids=allowed, host_shown=frozenset(), passages=self.catalogue.allowed_passages(allowed))
        pids, scores, passages = self._dense(self.embedder.encode_query(query), visible, k)
        return (dict(zip(pids.tolist(), scores.tolist(), strict=True)),
                dict(zip(pids.tolist(), passages.tolist(), strict=True)))

    def lexical_scores(self, query: str, ids: np.ndarray) -> dict[int, float]:
        """Return BM25 scores of the allowed practices that contain a query term."""
        return self.catalogue.lexical.scores(query, ids)

    def _dense(self, vector: np.ndarray, visible: VisibleSet, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (practice ids, best passage similarity, that passage) of the visible practices, best first."""
        allowed = None if visible.everything else visible.passages
        if allowed is None and not visible.everything:
            allowed = self.catalogue.allowed_passages(visible.ids)
        passage_ids, scores = self.catalogue.vectors.search(vector, k, allowed)
        owners = self.catalogue.owners_of(passage_ids)
        keep = (owners >= 0) & visible.allows(owners)  # never score a practice outside the visible set
        owners, scores, passage_ids = owners[keep], scores[keep], passage_ids[keep]
        _, first = np.unique(owners, return_index=True)  # results are best first: first passage is the best
        first.sort()
        return owners[first], scores[first].astype(np.float64), passage_ids[first]

    def _split_by_host(self, visible: VisibleSet) -> tuple[VisibleSet, VisibleSet] | None:
        """Split the visible set by whether the viewer may see the host; None when every host is shown."""
        shown = visible.shows_host(visible.ids)
        if shown.all():
            return None
        parts = []
        for ids in (visible.ids[shown], visible.ids[~shown]):
            parts.append(VisibleSet(ids=ids, host_shown=visible.host_shown, host_shown_ids=visible.host_shown_ids,
                                    passages=self.catalogue.allowed_passages(ids)))
        return parts[0], parts[1]

    def _without_words(self, query: str, terms: set[str]) -> str:
        """Return the query without the words that contain any of these (tokenized) terms."""
        tokenize = self.catalogue.lexical.tokenize
        return " ".join(word for word in query.split() if not terms.intersection(tokenize(word)))

    def _parts(self, query: str, visible: VisibleSet) -> list[tuple[str, VisibleSet]]:
        """Return which practices to rank by which text.

        Normally the whole visible set by the query. When the query names a state and the viewer has hidden
        hosts in view: shown-host practices by the query, hidden-host ones by the query without the words
        naming a state ("Aldoria's" goes whole, "s" and all).
        """
        named = self.catalogue.state_words.intersection(self.catalogue.lexical.tokenize(query))
        split = self._split_by_host(visible) if named else None
        if split is None:
            return [(query, visible)]
        return [(query, split[0]), (self._without_words(query, named), split[1])]

    def _dense_ranking(
        self, parts: list[tuple[np.ndarray, VisibleSet]]
    ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], Standardised]:
        """Scan each part with its vector, merge best first and standardise (run on the scan thread)."""
        ranked = [self._dense(vector, part, self.candidates) for vector, part in parts]
        ids, scores, passages = ranked[0]
        if len(ranked) > 1:
            ids, scores, passages = (np.concatenate(column) for column in zip(*ranked, strict=True))
            order = np.argsort(-scores, kind="stable")[: self.candidates]
            ids, scores, passages = ids[order], scores[order], passages[order]
        return (ids, scores, passages), standardise(ids, scores)

    def rank(self, query: str, visible: VisibleSet, *, match_floor: bool = True) -> Ranking:
        """Rank the visible practices for a query: fused dense and lexical scores of the matches, best first.

        The vector scan runs on a worker thread while this one scores BM25 (FAISS and numpy release the
        interpreter lock), so a search costs about the embedding plus the longer of the two, not the sum.
        Words naming a state count only for practices whose host the viewer may see: the others are ranked
        by the query without them, so a host's name in an anonymous entry cannot find it.
        """
        if len(visible.ids) == 0:
            return Ranking.empty()
        parts = self._parts(query, visible)
        scan = _SCANS.submit(self._dense_ranking,
                             [(self.embedder.encode_query(text), part) for text, part in parts if text])
        try:
            scored = [self.catalogue.lexical.score_arrays(text, None if part.everything else part.ids)
                      for text, part in parts]
            lexical_ids, lexical = scored[0]
            if len(scored) > 1:
                lexical_ids, lexical = (np.concatenate(column) for column in zip(*scored, strict=True))
            top_lexical = float(lexical.max()) if len(lexical) else 0.0
            lexical_floor = self.lexical_floor * top_lexical if top_lexical > 0 else np.inf
            chosen = _candidates(lexical, self.candidates, lexical_floor if match_floor else np.inf)
            lexical_side = standardise(lexical_ids, lexical, chosen)
        finally:
            (dense_ids, _, best_passage), dense_side = scan.result()
        fused = fuse_standardised(dense_side, lexical_side)
        matched = np.ones(len(fused.ids), dtype=bool)
        if match_floor:
            with np.errstate(invalid="ignore"):
                matched = (fused.dense >= self.min_similarity) | (fused.lexical >= lexical_floor)
        ids = fused.ids[matched]
        order = np.argsort(dense_ids)  # the best passage of each fused id, by a sorted lookup
        where = np.searchsorted(dense_ids, ids, sorter=order).clip(max=max(len(dense_ids) - 1, 0))
        passages = np.full(len(ids), -1, dtype=np.int64)
        if len(dense_ids):
            found = dense_ids[order[where]] == ids
            passages[found] = best_passage[order[where[found]]]
        return Ranking(ids=ids, scores=fused.scores[matched], passages=passages, dense=fused.dense[matched],
                       lexical=fused.lexical[matched])

    def _facets(self, ids: np.ndarray, visible: VisibleSet) -> dict[str, dict[str, int]]:
        return self.catalogue.facet_table().counts(ids, visible.shows_host(ids))

    def related(self, session: Session, viewer: Viewer, practice_id: int, *, limit: int = 5) -> list[Hit]:
        """Return the nearest practices the viewer may see, by the practice's own passages."""
        visible = self.visible_set(session, viewer, Filters())
        if not np.isin(practice_id, visible.ids):  # never rank by the text of a practice the viewer cannot see
            return []
        own = self.catalogue.passages_of.get(practice_id)
        others = visible.ids[visible.ids != practice_id]
        if own is None or len(own) == 0 or len(others) == 0:
            return []
        first = self.catalogue.passage_texts(session, [int(own[0])]).get(int(own[0]), "")
        dense, best_passage = self.dense_scores(first, others, max(limit * 4, 20))
        ranked = sorted(dense.items(), key=lambda item: -item[1])[:limit]
        texts = self.catalogue.passage_texts(session, [best_passage.get(pid, -1) for pid, _ in ranked])
        return [
            Hit(practice_id=pid, score=score, host_shown=pid in visible.host_shown,
                passage=texts.get(best_passage.get(pid, -1), ""), dense=score)
            for pid, score in ranked
        ]


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


def _number(value: float) -> float | None:
    """Return a score, or None for NaN (absent from that ranking)."""
    return None if value != value else value
