"""Exact nearest neighbours: faiss agrees with the numpy reference and with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from core.errors import InputError
from core.neighbors import NeighborIndex, knn_graph


def data(n=200, d=16, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("seed", [0, 1])
def test_faiss_equals_numpy(metric, seed):
    x = data(seed=seed)
    queries = data(n=25, seed=seed + 100)
    fa = NeighborIndex(x, metric=metric, backend="faiss")
    nu = NeighborIndex(x, metric=metric, backend="numpy")
    assert (fa.backend_name, nu.backend_name) == ("faiss", "numpy")
    for q in queries:
        a, b = fa.query_vector(q, k=10), nu.query_vector(q, k=10)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_allclose(a.distances, b.distances, rtol=1e-4, atol=1e-5)
    for row in (0, 57, 199):
        a, b = fa.query_row(row, x, k=7), nu.query_row(row, x, k=7)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_allclose(a.distances, b.distances, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(knn_graph(x, 8, metric, backend="faiss"), knn_graph(x, 8, metric, backend="numpy"))


@pytest.mark.parametrize("backend", ["faiss", "numpy"])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_distances_are_the_true_ones(backend, metric):
    x = data(n=50, d=5)
    q = data(n=1, d=5, seed=9)[0]
    res = NeighborIndex(x, metric=metric, backend=backend).query_vector(q, k=50)
    if metric == "euclidean":
        true = np.linalg.norm(x - q, axis=1)
    else:
        true = 1 - (x @ q) / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))
    order = np.argsort(true)
    np.testing.assert_array_equal(res.indices, order)
    np.testing.assert_allclose(res.distances, true[order], rtol=1e-4, atol=1e-5)
    assert (np.diff(res.distances) >= 0).all()


def test_auto_picks_faiss():
    assert NeighborIndex(data(n=10), backend="auto").backend_name == "faiss"


def test_hand_made_example():
    x = np.array([[0, 0], [1, 0], [3, 0], [0, 2], [10, 10]], dtype=np.float32)
    res = NeighborIndex(x, metric="euclidean").query_row(0, x, k=3)
    assert res.indices.tolist() == [1, 3, 2]
    np.testing.assert_allclose(res.distances, [1, 2, 3])
    res = NeighborIndex(x, metric="euclidean").query_vector([2.9, 0.1], k=2)
    assert res.indices.tolist() == [2, 1]


@pytest.mark.parametrize("backend", ["faiss", "numpy"])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_query_row_excludes_the_row_itself(backend, metric):
    x = data(n=60)
    index = NeighborIndex(x, metric=metric, backend=backend)
    for row in range(0, 60, 7):
        res = index.query_row(row, x, k=5)
        assert row not in res.indices
        assert len(res.indices) == 5 and len(set(res.indices.tolist())) == 5
        full = index.query_vector(x[row], k=6)
        assert full.indices[0] == row  # itself first when asked as a free vector
        np.testing.assert_array_equal(res.indices, full.indices[1:])


@pytest.mark.parametrize("backend", ["faiss", "numpy"])
def test_exact_duplicates_still_exclude_the_row(backend):
    x = np.vstack([np.ones((4, 3)), data(n=6, d=3)]).astype(np.float32)
    index = NeighborIndex(x, metric="euclidean", backend=backend)
    for row in range(4):
        res = index.query_row(row, x, k=3)
        assert row not in res.indices
        assert sorted(res.indices.tolist()) == sorted(set(range(4)) - {row})
        np.testing.assert_allclose(res.distances, 0, atol=1e-5)
    graph = knn_graph(x, 3, "euclidean", backend=backend)
    for row in range(4):
        assert sorted(graph[row].tolist()) == sorted(set(range(4)) - {row})


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("k", [1, 5, 15])
def test_knn_graph_agrees_with_sklearn(metric, k):
    x = data(n=150, d=8, seed=k)
    ours = knn_graph(x, k, metric)
    ref = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(x.astype(np.float64))
    theirs = ref.kneighbors(return_distance=False)
    assert ours.shape == (150, k) and ours.dtype == np.int64
    np.testing.assert_array_equal(ours, theirs)


def test_knn_graph_in_blocks_matches_one_block():
    x = data(n=4200, d=4, seed=3)  # more rows than one search block (4096)
    graph = knn_graph(x, 3, "euclidean", backend="faiss")
    ref = NearestNeighbors(n_neighbors=3).fit(x).kneighbors(return_distance=False)
    assert (graph == ref).all(axis=1).mean() > 0.999  # float32 vs float64: at most a near-tie or two
    assert not (graph == np.arange(4200)[:, None]).any()


def test_zero_vectors_do_not_break_cosine():
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    res = NeighborIndex(x, metric="cosine").query_row(3, x, k=3)
    assert set(res.indices.tolist()) == {0, 1, 2}
    assert np.isfinite(res.distances).all()


@pytest.mark.parametrize("k", [0, -1, 50, 2.0, "3"])
def test_k_out_of_bounds_for_a_row(k):
    x = data(n=50)
    message = rf"k={k!r} must be a whole number between 1 and 49 \(the number of other points\)"
    with pytest.raises(InputError, match=message):
        NeighborIndex(x).query_row(0, x, k=k)


def test_k_bounds_for_a_free_vector_and_the_graph():
    x = data(n=50)
    assert len(NeighborIndex(x).query_vector(x[0], k=50).indices) == 50  # every row may be asked for
    with pytest.raises(InputError, match=r"k=51 must be a whole number between 1 and 50"):
        NeighborIndex(x).query_vector(x[0], k=51)
    with pytest.raises(InputError, match=r"k=50 must be a whole number between 1 and 49"):
        knn_graph(x, 50)
    assert knn_graph(x, 49).shape == (50, 49)


def test_bad_rows_queries_metrics_and_backends():
    x = data(n=20)
    index = NeighborIndex(x)
    with pytest.raises(InputError, match=r"row 20 is out of range; the dataset has 20 rows"):
        index.query_row(20, x, k=3)
    with pytest.raises(InputError, match=r"row -1 is out of range"):
        index.query_row(-1, x, k=3)
    with pytest.raises(InputError, match=r"the query vector contains NaN or infinite values"):
        index.query_vector(np.full(16, np.nan), k=3)
    with pytest.raises(InputError, match=r"metric='manhattan' is not known; choose one of cosine, euclidean"):
        NeighborIndex(x, metric="manhattan")
    with pytest.raises(InputError, match=r"backend='annoy' is not known; choose one of auto, faiss, numpy"):
        NeighborIndex(x, backend="annoy")


@pytest.mark.parametrize("dims", [2, 3])
def test_kdtree_equals_numpy_on_projections(dims):
    x = data(n=500, d=dims, seed=4)
    assert NeighborIndex(x, metric="euclidean").backend_name == "kdtree"  # auto picks it for 2-D/3-D
    np.testing.assert_array_equal(knn_graph(x, 10, "euclidean", backend="kdtree"),
                                  knn_graph(x, 10, "euclidean", backend="numpy"))
    a = NeighborIndex(x, "euclidean", backend="kdtree").query_row(7, x, k=5)
    b = NeighborIndex(x, "euclidean", backend="numpy").query_row(7, x, k=5)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.distances, b.distances, rtol=1e-4, atol=1e-5)


def test_kdtree_refuses_cosine():
    with pytest.raises(InputError, match="euclidean queries only"):
        NeighborIndex(data(n=20, d=2), metric="cosine", backend="kdtree")
    assert NeighborIndex(data(n=20, d=2), metric="cosine").backend_name == "faiss"


def structured(n=3000, d=24, seed=5):
    """Low-rank data plus noise: like real embeddings, the head of the PCA basis carries most variance."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 6)) @ rng.normal(size=(6, d)) + 0.3 * rng.normal(size=(n, d))).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_pruned_scan_is_exact(metric):
    x = structured()
    pruned = NeighborIndex(x, metric, backend="pruned")
    ref = NeighborIndex(x, metric, backend="numpy")
    for row in range(0, 3000, 97):  # single queries: the pruning path
        a, b = pruned.query_row(row, x, k=10), ref.query_row(row, x, k=10)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_allclose(a.distances, b.distances, rtol=1e-4, atol=1e-4)
    # a batch: the dense path
    np.testing.assert_array_equal(knn_graph(x[:400], 7, metric, backend="pruned"),
                                  knn_graph(x[:400], 7, metric, backend="numpy"))


def test_pruned_scan_handles_k_close_to_n_and_free_vectors():
    x = structured(n=40, d=20)
    index = NeighborIndex(x, "cosine", backend="pruned")
    assert sorted(index.query_row(3, x, k=39).indices.tolist()) == [i for i in range(40) if i != 3]
    q = x[5] + x[9]
    np.testing.assert_array_equal(index.query_vector(q, k=5).indices,
                                  NeighborIndex(x, "cosine", backend="numpy").query_vector(q, k=5).indices)


def test_auto_picks_the_pruned_scan_for_big_sets(monkeypatch):
    import core.neighbors as nb

    monkeypatch.setattr(nb, "PRUNE_MIN_ROWS", 1000)
    assert NeighborIndex(structured(), "cosine").backend_name == "pruned"
    assert NeighborIndex(structured(n=500), "cosine").backend_name == "faiss"


def test_pruned_scan_is_exact_on_real_glove():
    from core import datasets

    x = datasets.load("glove-20k").vectors
    pruned, flat = NeighborIndex(x, "cosine", backend="pruned"), NeighborIndex(x, "cosine", backend="faiss")
    for row in np.random.default_rng(0).integers(0, len(x), 60):
        a, b = pruned.query_row(int(row), x, k=10), flat.query_row(int(row), x, k=10)
        assert set(a.indices) == set(b.indices)
        np.testing.assert_allclose(np.sort(a.distances), np.sort(b.distances), atol=1e-4)
