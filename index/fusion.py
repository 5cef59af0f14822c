"""Fusing the dense and lexical rankings into one."""

from __future__ import annotations

RRF_K = 60


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {pid: rank for rank, (pid, _) in enumerate(ordered, start=1)}


def fuse(dense: dict[int, float], lexical: dict[int, float], *, k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of two score maps; returns fused scores, best first."""
    fused: dict[int, float] = {}
    for ranking in (_ranks(dense), _ranks(lexical)):
        for pid, rank in ranking.items():
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return dict(sorted(fused.items(), key=lambda item: (-item[1], item[0])))
