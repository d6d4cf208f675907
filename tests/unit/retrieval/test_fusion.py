import numpy as np
import pytest

from retrieval.fusion import convex, minmax, ranks, rrf


def test_minmax_and_constant_scores() -> None:
    assert minmax(np.array([1.0, 3.0, 2.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([2.0, 2.0])).tolist() == [1.0, 1.0]
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([])).size == 0


def test_convex_weight_moves_between_legs() -> None:
    bm25 = np.array([10.0, 0.0, 5.0])
    dense = np.array([0.1, 0.9, 0.5])
    assert np.argmax(convex(bm25, dense, 0.0)) == 0
    assert np.argmax(convex(bm25, dense, 1.0)) == 1
    with pytest.raises(ValueError):
        convex(bm25, dense, 1.5)


def test_rrf_rewards_agreement() -> None:
    bm25 = np.array([3.0, 2.0, 0.0])
    dense = np.array([0.5, 0.9, 0.1])
    fused = rrf(bm25, dense, k=60)
    assert fused[1] > fused[2] and fused[0] > fused[2]
    assert ranks(np.array([0.2, 0.9, 0.5])).tolist() == [3, 1, 2]
    with pytest.raises(ValueError):
        rrf(bm25, dense, k=0)
