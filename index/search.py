"""Permission-aware hybrid search: the viewer's visible set filters both rankings before they are scored."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from sqlmodel import Session

from index.catalogue import Catalogue
from index.embedder import Embedder
from index.fusion import fuse_scores
from kb.queries import Filters, visible_rows
from kb.viewer import Viewer
from kb.vocabulary import Vocabulary


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
class VisibleSet:
    """The practices one kind of viewer may see under some filters, at one change sequence."""

    ids: np.ndarray
    host_shown: frozenset[int]
    everything: bool = False
    passages: np.ndarray | None = None
    host_shown_ids: np.ndarray | None = None

    def allows(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return a mask of which of the practice ids are in this (sorted) visible set."""
        if len(self.ids) == 0:
            return np.zeros(len(practice_ids), dtype=bool)
        where = np.searchsorted(self.ids, practice_ids).clip(max=len(self.ids) - 1)
        return self.ids[where] == practice_ids


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
        ranked = self._rank(query, visible, match_floor=match_floor) if query else self._browse_order(visible.ids)
        total = len(ranked)
        page = ranked[offset : offset + limit]
        texts = self.catalogue.passage_texts(session, [passage for _, _, passage, _, _ in page])
        hits = [
            Hit(practice_id=pid, score=score, host_shown=pid in visible.host_shown, passage=texts.get(passage, ""),
                dense=dense, lexical=lexical)
            for pid, score, passage, dense, lexical in page
        ]
        facets = self._facets(np.fromiter((r[0] for r in ranked), dtype=np.int64, count=total), visible) \
            if with_facets else {}
        return SearchResult(total=total, hits=hits, facets=facets)

    def _browse_order(self, ids: np.ndarray) -> list[tuple[int, float, int, float | None, float | None]]:
        facts = self.catalogue.facts
        ordered = sorted(ids.tolist(), key=lambda pid: (-(facts[pid].year if pid in facts else 0), pid))
        return [(pid, 0.0, -1, None, None) for pid in ordered]

    def dense_scores(self, query: str, ids: np.ndarray, k: int) -> tuple[dict[int, float], dict[int, int]]:
        """Return each practice's best passage similarity among the allowed ids, and that passage."""
        allowed = np.sort(np.asarray(ids, dtype=np.int64))
        visible = VisibleSet(ids=allowed, host_shown=frozenset(), passages=self.catalogue.allowed_passages(allowed))
        pids, scores, passages = self._dense(query, visible, k)
        return (dict(zip(pids.tolist(), scores.tolist(), strict=True)),
                dict(zip(pids.tolist(), passages.tolist(), strict=True)))

    def lexical_scores(self, query: str, ids: np.ndarray) -> dict[int, float]:
        """Return BM25 scores of the allowed practices that contain a query term."""
        return self.catalogue.lexical.scores(query, ids)

    def _dense(self, query: str, visible: VisibleSet, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (practice ids, best passage similarity, that passage) of the visible practices, best first."""
        vector = self.embedder.encode_query(query)
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

    def _rank(
        self, query: str, visible: VisibleSet, *, match_floor: bool = True
    ) -> list[tuple[int, float, int, float | None, float | None]]:
        """Return (practice, fused score, best passage id or -1, dense, lexical) of the matches, best first."""
        if len(visible.ids) == 0:
            return []
        dense_ids, dense, best_passage = self._dense(query, visible, self.candidates)
        lexical_ids, lexical = self.catalogue.lexical.score_arrays(query, None if visible.everything else visible.ids)
        top_lexical = float(lexical.max()) if len(lexical) else 0.0
        lexical_match = lexical >= self.lexical_floor * top_lexical if top_lexical > 0 else lexical > np.inf
        chosen = _top(lexical, self.candidates)
        if match_floor:
            chosen = np.union1d(chosen, np.flatnonzero(lexical_match))
        fused = fuse_scores(dense_ids, dense, lexical_ids, lexical, candidates=chosen)
        matched = np.ones(len(fused.ids), dtype=bool)
        if match_floor:
            with np.errstate(invalid="ignore"):
                matched = (fused.dense >= self.min_similarity) | (
                    (top_lexical > 0) & (fused.lexical >= self.lexical_floor * top_lexical)
                )
        ids = fused.ids[matched]
        order = np.argsort(dense_ids)  # the best passage of each fused id, by a sorted lookup
        where = np.searchsorted(dense_ids, ids, sorter=order).clip(max=max(len(dense_ids) - 1, 0))
        passages = np.full(len(ids), -1, dtype=np.int64)
        if len(dense_ids):
            found = dense_ids[order[where]] == ids
            passages[found] = best_passage[order[where[found]]]
        return [
            (pid, score, passage, None if d != d else d, None if lex != lex else lex)
            for pid, score, passage, d, lex in zip(ids.tolist(), fused.scores[matched].tolist(), passages.tolist(),
                                                   fused.dense[matched].tolist(), fused.lexical[matched].tolist(),
                                                   strict=True)
        ]

    def _facets(self, ids: np.ndarray, visible: VisibleSet) -> dict[str, dict[str, int]]:
        shown_ids = visible.host_shown_ids
        if shown_ids is None:
            shown_ids = np.asarray(sorted(visible.host_shown), dtype=np.int64)
        shown = VisibleSet(ids=shown_ids, host_shown=frozenset()).allows(ids)
        return self.catalogue.facet_table().counts(ids, shown)

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


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the positions of the k highest scores (in no particular order)."""
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]
