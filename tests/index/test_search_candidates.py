"""Which lexical candidates are fused: the k best, together with every score that reaches the match floor."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.search import _candidates


@given(
    scores=st.lists(st.floats(0.5, 100.0, allow_nan=False, width=32), min_size=0, max_size=300, unique=True),
    k=st.integers(1, 120),
    share=st.floats(0.0, 1.0),
)
def test_candidates_are_the_top_k_and_every_score_reaching_the_floor(scores: list[float], k: int, share: float):
    values = np.asarray(scores, dtype=np.float32)
    floor = share * float(values.max()) if len(values) else np.inf
    chosen = _candidates(values, k, floor)
    top_k = set(np.argsort(-values)[:k].tolist())
    reaching = set(np.flatnonzero(values >= floor).tolist())
    assert set(chosen.tolist()) == top_k | reaching
    assert len(chosen) == len(set(chosen.tolist()))


def test_without_a_floor_only_the_top_k_are_chosen():
    values = np.asarray([5.0, 1.0, 4.0, 3.0, 2.0], dtype=np.float32)
    assert sorted(_candidates(values, 2, np.inf).tolist()) == [0, 2]
