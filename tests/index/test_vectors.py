"""The vector index: float32 below the size threshold, float16 above it, and the same neighbours either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.vectors import HALF_PRECISION_FROM, load_vector_index, new_vector_index


def unit_vectors(count: int, dim: int = 64, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_factory_stores_float16_only_from_the_threshold() -> None:
    assert not new_vector_index(64, size=HALF_PRECISION_FROM - 1).half  # type: ignore[attr-defined]
    assert new_vector_index(64, size=HALF_PRECISION_FROM).half  # type: ignore[attr-defined]


def test_float16_finds_the_same_neighbours_within_the_allow_list_and_survives_removal_and_saving(
    tmp_path: Path,
) -> None:
    data, queries = unit_vectors(3000), unit_vectors(50, seed=4)
    ids = np.arange(10, 3010, dtype=np.int64)
    exact, half = new_vector_index(64), new_vector_index(64, size=HALF_PRECISION_FROM)
    for index in (exact, half):
        index.add(ids, data)
        index.remove(ids[:100])
    allowed = ids[100::7]
    for query in queries:
        for allow in (None, allowed):
            exact_ids, exact_scores = exact.search(query, 10, allow)
            half_ids, half_scores = half.search(query, 10, allow)
            true_scores = data[half_ids - 10] @ query  # what float32 says of the neighbours float16 found
            assert len(set(half_ids.tolist()) & set(exact_ids.tolist())) >= 9  # at most a near-tie swapped
            assert true_scores.min() >= exact_scores.min() - 2e-3
            assert np.allclose(half_scores, true_scores, atol=2e-3)
            assert not set(half_ids.tolist()) & set(ids[:100].tolist())
            if allow is not None:
                assert set(half_ids.tolist()) <= set(allowed.tolist())
    half.save(tmp_path / "v.faiss")
    loaded = load_vector_index(tmp_path / "v.faiss")
    assert loaded.half and len(loaded) == len(half) == 2900  # type: ignore[attr-defined]
    assert loaded.search(queries[0], 5, None)[0].tolist() == half.search(queries[0], 5, None)[0].tolist()
