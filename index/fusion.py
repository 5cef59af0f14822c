"""Fusing the dense and lexical rankings into one.

The default is distribution-based score fusion: each ranking's scores are standardised over its own
candidate list (z-scores), a candidate missing from one list takes that list's lowest score, and the two
are averaged with equal weight. Unlike reciprocal rank fusion it keeps how far ahead a candidate is, and
unlike min-max it does not hinge on the single best and worst scores. Equal weights: nothing is fitted.
Reciprocal rank fusion, the usual reference, is measured beside it in bench/retrieval.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DENSE_WEIGHT = 0.5


@dataclass(frozen=True)
class Fused:
    """Candidates best first, with their fused score and each ranking's raw score (NaN when absent)."""

    ids: np.ndarray
    scores: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray


def standardised(scores: np.ndarray) -> np.ndarray:
    """Return z-scores of a ranking's candidate scores (all zero when they do not vary)."""
    if len(scores) == 0:
        return scores.astype(np.float64)
    spread = float(scores.std())
    centred = scores.astype(np.float64) - float(scores.mean())
    return centred / spread if spread > 0 else np.zeros_like(centred)


@dataclass(frozen=True)
class Standardised:
    """One ranking's candidates: ids, raw scores, z-scores over its whole list, and the z-score of its last."""

    ids: np.ndarray
    raw: np.ndarray
    z: np.ndarray
    floor: float


def standardise(ids: np.ndarray, scores: np.ndarray, candidates: np.ndarray | None = None) -> Standardised:
    """Standardise a ranking over all its scores, keeping only the `candidates` positions (all by default)."""
    z = standardised(scores)
    floor = float(z.min()) if len(z) else 0.0
    if candidates is not None:
        ids, scores, z = ids[candidates], scores[candidates], z[candidates]
    return Standardised(ids=ids, raw=scores, z=z, floor=floor)


def fuse_standardised(dense: Standardised, lexical: Standardised, tiebreak: Callable[[np.ndarray], np.ndarray], *,
                      weight: float = DENSE_WEIGHT) -> Fused:
    """Fuse two standardised rankings by the weighted mean of their z-scores, best first; equal scores in the
    order of `tiebreak` (a meaningless number per practice, never an id that counts anything)."""
    ids, inverse = np.unique(np.concatenate([dense.ids, lexical.ids]), return_inverse=True)
    n_dense = len(dense.ids)
    dense_part = np.full(len(ids), dense.floor)
    lexical_part = np.full(len(ids), lexical.floor)
    raw_dense = np.full(len(ids), np.nan)
    raw_lexical = np.full(len(ids), np.nan)
    dense_part[inverse[:n_dense]] = dense.z
    raw_dense[inverse[:n_dense]] = dense.raw
    lexical_part[inverse[n_dense:]] = lexical.z
    raw_lexical[inverse[n_dense:]] = lexical.raw
    fused = weight * dense_part + (1.0 - weight) * lexical_part
    order = np.lexsort((tiebreak(ids), -fused))
    return Fused(ids=ids[order], scores=fused[order], dense=raw_dense[order], lexical=raw_lexical[order])
