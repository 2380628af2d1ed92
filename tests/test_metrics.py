"""Trustworthiness and k-NN recall: equal to scikit-learn, right on a hand-worked example, per point and global."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness

from core import metrics
from core.errors import InputError

# A hand-worked example: 6 points on a line, and a 1-D "projection" that keeps some neighbourhoods.
#   original  x = 0, 1, 3, 7, 15, 31   -> 2-NN: {1,2} {0,2} {0,1} {2,1} {3,2} {4,3}
#   projected y = 0, 4, 1, 9, 21, 12   -> 2-NN: {2,1} {2,0} {0,1} {5,1} {5,3} {3,1}
# recall per point: 1, 1, 1, 1/2, 1/2, 1/2 -> 0.75
# trustworthiness: the intruders are 5 for point 3 (original rank 5), 5 for point 4 (rank 5) and 1 for
# point 5 (rank 4); penalties (rank - k) 3, 3, 2; per point 1 - p * 2 / (k (2n - 3k - 1)) = 1 - p / 5.
X_LINE = np.array([[0], [1], [3], [7], [15], [31]], dtype=np.float64)
Y_LINE = np.array([[0], [4], [1], [9], [21], [12]], dtype=np.float64)


def test_hand_worked_recall():
    per_point = metrics.knn_recall(X_LINE, Y_LINE, k=2, per_point=True)
    np.testing.assert_allclose(per_point, [1, 1, 1, 0.5, 0.5, 0.5])
    assert metrics.knn_recall(X_LINE, Y_LINE, k=2) == pytest.approx(0.75)


def test_hand_worked_trustworthiness():
    per_point = metrics.trustworthiness_per_point(X_LINE, Y_LINE, k=2)
    np.testing.assert_allclose(per_point, [1, 1, 1, 0.4, 0.4, 0.6])
    assert metrics.trustworthiness(X_LINE, Y_LINE, k=2) == pytest.approx(1 - 8 / 30)
    assert metrics.trustworthiness(X_LINE, Y_LINE, k=2) == pytest.approx(sk_trustworthiness(X_LINE, Y_LINE,
                                                                                             n_neighbors=2))


def test_identity_projection_is_perfect():
    x = np.random.default_rng(0).normal(size=(100, 3))
    assert metrics.knn_recall(x, x, k=10) == 1.0
    assert metrics.trustworthiness(x, x, k=10) == pytest.approx(1.0)
    # a rotation and a scaling keep every neighbourhood too
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    assert metrics.knn_recall(x, 3 * x @ q, k=10) == 1.0
    assert metrics.trustworthiness(x, 3 * x @ q, k=10) == pytest.approx(1.0)


def _cases():
    rng = np.random.default_rng(42)
    out = []
    for n, d, seed in [(60, 5, 0), (150, 12, 1), (257, 30, 2)]:
        x = np.random.default_rng(seed).normal(size=(n, d))
        x[: n // 3] += 4  # some structure
        out.append((f"pca-{n}", x, x[:, :2] + 0.1 * rng.normal(size=(n, 2))))
        out.append((f"random-{n}", x, rng.normal(size=(n, 2))))
        out.append((f"3d-{n}", x, x[:, [0, 2, 4]] * 2 + rng.normal(size=(n, 3))))
    return out


CASES = _cases()


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("k", [1, 5, 12])
@pytest.mark.parametrize("name, x, y", CASES, ids=[c[0] for c in CASES])
def test_trustworthiness_equals_sklearn(name, x, y, k, metric):
    ours = metrics.trustworthiness(x, y, k=k, metric=metric)
    theirs = sk_trustworthiness(x, y, n_neighbors=k, metric=metric)
    assert abs(ours - theirs) < 1e-6, (ours, theirs)


def test_trustworthiness_in_many_small_blocks_is_the_same(monkeypatch):
    _, x, y = CASES[4]
    whole = metrics.trustworthiness(x, y, k=7)
    monkeypatch.setattr(metrics, "BLOCK_CELLS", 2000)  # 2000 // (150 * 7) = 1 row at a time
    assert metrics.trustworthiness(x, y, k=7) == pytest.approx(whole, abs=1e-12)
    assert abs(whole - sk_trustworthiness(x, y, n_neighbors=7)) < 1e-6


def test_trustworthiness_on_float32_input():
    _, x, y = CASES[1]
    ours = metrics.trustworthiness(x.astype(np.float32), y.astype(np.float32), k=5)
    assert abs(ours - sk_trustworthiness(x, y, n_neighbors=5)) < 1e-6


def test_recall_of_a_random_projection_is_low_and_of_a_good_one_high():
    _, x, y_random = CASES[1]
    assert metrics.knn_recall(x, y_random, k=5) < 0.2
    assert metrics.knn_recall(x, x[:, :10], k=5) > metrics.knn_recall(x, x[:, :2], k=5)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_quality_per_point_shapes_and_means(metric):
    _, x, y = CASES[3]
    q = metrics.quality(x, y, k=10, metric=metric)
    n = len(x)
    assert q.k == 10
    assert q.trustworthiness_per_point.shape == (n,) and q.knn_recall_per_point.shape == (n,)
    assert q.trustworthiness == pytest.approx(q.trustworthiness_per_point.mean(), abs=1e-12)
    assert q.knn_recall == pytest.approx(q.knn_recall_per_point.mean(), abs=1e-12)
    assert q.trustworthiness == pytest.approx(metrics.trustworthiness(x, y, 10, metric), abs=1e-12)
    assert q.knn_recall == pytest.approx(metrics.knn_recall(x, y, 10, metric), abs=1e-12)
    np.testing.assert_allclose(q.trustworthiness_per_point, metrics.trustworthiness_per_point(x, y, 10, metric))
    np.testing.assert_allclose(q.knn_recall_per_point, metrics.knn_recall(x, y, 10, metric, per_point=True))
    assert set(np.round(q.knn_recall_per_point * 10).astype(int)) <= set(range(11))  # multiples of 1/k
    assert (q.trustworthiness_per_point <= 1).all()
    assert abs(q.trustworthiness - sk_trustworthiness(x, y, n_neighbors=10, metric=metric)) < 1e-6


def test_cosine_differs_from_euclidean_when_norms_vary():
    rng = np.random.default_rng(3)
    directions = rng.normal(size=(80, 4))
    x = directions * rng.uniform(0.1, 10, size=(80, 1))  # lengths vary a lot; cosine ignores them
    y = directions[:, :2]
    cos = metrics.knn_recall(x, y, k=5, metric="cosine")
    euc = metrics.knn_recall(x, y, k=5, metric="euclidean")
    assert cos != euc
    assert abs(metrics.trustworthiness(x, y, 5, "cosine") - sk_trustworthiness(x, y, n_neighbors=5,
                                                                                metric="cosine")) < 1e-6


@pytest.mark.parametrize("k", [0, 3, 4, 2.5])
def test_k_must_be_below_half_of_n(k):
    x = np.random.default_rng(0).normal(size=(6, 2))
    with pytest.raises(InputError, match=rf"k={k!r} must be a whole number from 1 to below n/2=3 for n=6 points"):
        metrics.quality(x, x, k=k)
    with pytest.raises(InputError, match="must be a whole number from 1 to below n/2"):
        metrics.trustworthiness(x, x, k=k)
    with pytest.raises(InputError, match="must be a whole number from 1 to below n/2"):
        metrics.knn_recall(x, x, k=k)


def test_quality_of_big_data_is_estimated_on_a_sample():
    from core.metrics import quality

    rng = np.random.default_rng(11)
    x = rng.normal(size=(1200, 8)).astype(np.float32)
    y = x[:, :2] + 0.1 * rng.normal(size=(1200, 2)).astype(np.float32)
    full = quality(x, y, k=10)
    est = quality(x, y, k=10, sample_above=500, sample_size=400)
    assert full.sampled is None and est.sampled == 400
    scored = ~np.isnan(est.trustworthiness_per_point)
    assert scored.sum() == 400 and np.isnan(est.knn_recall_per_point).sum() == 800
    np.testing.assert_allclose(est.trustworthiness_per_point[scored], full.trustworthiness_per_point[scored])
    np.testing.assert_allclose(est.knn_recall_per_point[scored], full.knn_recall_per_point[scored])
    assert est.trustworthiness == pytest.approx(full.trustworthiness, abs=0.02)
    assert est.knn_recall == pytest.approx(full.knn_recall, abs=0.05)
