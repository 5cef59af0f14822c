"""Fusing dense and lexical rankings: agreement wins, each ranking's scores are kept, ties go by the opaque order."""

import numpy as np

from index.fusion import Fused, fuse_standardised, standardise, standardised


def ids(*values: int) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def scores(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def by_id_order(found: np.ndarray) -> np.ndarray:
    return found  # ties broken by the id itself: enough for these tests, where no tie is at stake


def fuse(dense_ids: np.ndarray, dense: np.ndarray, lexical_ids: np.ndarray, lexical: np.ndarray,
         candidates: np.ndarray | None = None, tiebreak=by_id_order) -> Fused:
    return fuse_standardised(standardise(dense_ids, dense), standardise(lexical_ids, lexical, candidates), tiebreak)


def test_a_practice_both_rankings_like_beats_one_only_one_likes():
    fused = fuse(ids(1, 2, 3), scores(0.80, 0.79, 0.30), ids(2, 4, 1), scores(9.0, 8.0, 1.0))
    assert fused.ids[0] == 2


def test_candidates_missing_from_a_ranking_take_its_lowest_score_and_keep_nan_as_raw_score():
    fused = fuse(ids(1, 2), scores(0.9, 0.5), ids(3,), scores(4.0))
    by_id = dict(zip(fused.ids.tolist(), range(len(fused.ids)), strict=True))
    assert np.isnan(fused.lexical[by_id[1]]) and np.isnan(fused.dense[by_id[3]])
    assert fused.dense[by_id[1]] == 0.9 and fused.lexical[by_id[3]] == 4.0
    assert fused.ids[0] == 1


def test_only_the_chosen_lexical_candidates_are_fused_but_statistics_use_the_whole_list():
    fused = fuse(ids(1,), scores(0.9), ids(5, 6, 7), scores(3.0, 2.0, 1.0), candidates=np.asarray([0]))
    assert sorted(fused.ids.tolist()) == [1, 5]


def test_one_empty_ranking_leaves_the_other_order_alone():
    fused = fuse(ids(), scores(), ids(4, 5, 6), scores(1.0, 3.0, 2.0))
    assert fused.ids.tolist() == [5, 6, 4]


def test_equal_scores_are_ordered_by_the_tiebreak_not_by_id():
    reverse = lambda found: -found  # noqa: E731  (a stand-in for the opaque order)
    fused = fuse(ids(1, 2, 3), scores(0.5, 0.5, 0.5), ids(), scores(), tiebreak=reverse)
    assert fused.ids.tolist() == [3, 2, 1]


def test_scores_that_do_not_vary_standardise_to_zero():
    assert standardised(scores(2.0, 2.0)).tolist() == [0.0, 0.0]
    assert abs(float(standardised(scores(1.0, 2.0, 3.0)).mean())) < 1e-12
