"""The SNE / t-SNE lesson's hand-written steps, checked against scikit-learn's and openTSNE's own code."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from scipy.spatial.distance import cdist, squareform

from core.datasets.toys import make_toy
from core.embed import sne
from core.errors import InputError
from core.viz import sne as viz


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(size=(40, 8)) + shift for shift in (0, 4, 9)])


@pytest.fixture(scope="module")
def traced() -> tuple[sne.TsneTrace, list[float]]:
    fractions: list[float] = []
    x = make_toy("cluster-distances", n=300).vectors
    out = sne.tsne_trace(x, perplexity=30, n_iter=150, every=10, early_exaggeration_iter=100,
                         progress=fractions.append)
    return out, fractions


@pytest.fixture(scope="module")
def trace(traced) -> sne.TsneTrace:
    return traced[0]


def test_conditional_p_matches_scikit_learn(blobs):
    from sklearn.manifold._utils import _binary_search_perplexity

    P, sigmas = sne.conditional_p(blobs, perplexity=15)
    ref = _binary_search_perplexity(cdist(blobs, blobs, "sqeuclidean").astype(np.float32), 15, 0)
    np.testing.assert_allclose(P, ref, atol=1e-4)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.all(np.diag(P) == 0)
    np.testing.assert_allclose(sne.row_perplexity(P), 15, rtol=1e-4)
    # the sigmas returned are the ones P was made with: p(j|i) is proportional to exp(-d^2 / 2 sigma_i^2)
    d2 = cdist(blobs, blobs, "sqeuclidean")
    w = np.exp(-d2 / (2 * sigmas[:, None] ** 2))
    np.fill_diagonal(w, 0)
    np.testing.assert_allclose(P, w / w.sum(axis=1, keepdims=True), atol=1e-12)


def test_conditional_p_keeps_the_perplexity_at_any_scale(blobs):
    # at 1000x the distances, exp(-d^2) underflows to 0 for every neighbour unless rows are shifted first
    for scale in (1e-3, 1e3):
        P, sigmas = sne.conditional_p(blobs * scale, perplexity=10)
        np.testing.assert_allclose(sne.row_perplexity(P), 10, rtol=1e-4)
        assert np.all(np.isfinite(sigmas)) and sigmas.mean() == pytest.approx(sne.conditional_p(blobs, 10)[1].mean()
                                                                              * scale, rel=1e-3)


def test_conditional_p_refuses_bad_input(blobs):
    with pytest.raises(InputError, match=r"perplexity=50 must be between 1 and \(n-1\)/3=39.6667 for n=120"):
        sne.conditional_p(blobs, perplexity=50)
    with pytest.raises(InputError, match="perplexity='30' must be between 1"):
        sne.conditional_p(blobs, perplexity="30")
    with pytest.raises(InputError, match="at most 5000 rows: take a sample"):
        sne.conditional_p(np.zeros((5001, 2)), perplexity=30)
    with pytest.raises(InputError, match="NaN"):
        sne.conditional_p(np.where(blobs > 8, np.nan, blobs), perplexity=10)
    with pytest.raises(InputError, match="max_iter"):
        sne.conditional_p(blobs, perplexity=10, max_iter=0)


def test_joint_p_matches_scikit_learn(blobs):
    from sklearn.manifold._t_sne import _joint_probabilities

    d2 = cdist(blobs, blobs, "sqeuclidean")
    J = sne.joint_p(sne.conditional_p(blobs, perplexity=15)[0])
    np.testing.assert_allclose(squareform(J, checks=False), _joint_probabilities(d2, 15, 0), atol=1e-7)
    np.testing.assert_allclose(J, J.T)
    assert J.sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="square"):
        sne.joint_p(np.ones((3, 4)))


def test_conditional_q_by_hand():
    Y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    # Student-t weights 1/(1+1) and 1/(1+4); Gaussian weights exp(-1) and exp(-4)
    np.testing.assert_allclose(sne.conditional_q(Y, 0), [0, 5 / 7, 2 / 7])
    e1, e4 = np.exp(-1), np.exp(-4)
    np.testing.assert_allclose(sne.conditional_q(Y, 0, kernel="gaussian"), [0, e1 / (e1 + e4), e4 / (e1 + e4)])
    # far apart, the Gaussian's weights would all underflow; the shift keeps them
    q = sne.conditional_q(Y * 100, 0, kernel="gaussian")
    assert q.sum() == pytest.approx(1.0) and q[1] == pytest.approx(1.0)
    with pytest.raises(InputError, match="choose one of t, gaussian"):
        sne.conditional_q(Y, 0, kernel="cauchy")
    with pytest.raises(InputError, match="i=3 must be a point index from 0 to 2"):
        sne.conditional_q(Y, 3)


def test_joint_q_is_the_normalised_student_t():
    Y = np.random.default_rng(1).normal(size=(30, 2))
    Q = sne.joint_q(Y)
    assert Q.sum() == pytest.approx(1.0) and np.all(np.diag(Q) == 0)
    np.testing.assert_allclose(Q, Q.T)
    assert Q[3, 7] / Q[3, 9] == pytest.approx((1 + np.sum((Y[3] - Y[9]) ** 2)) / (1 + np.sum((Y[3] - Y[7]) ** 2)))


def test_kl_divergence_matches_scikit_learn(blobs):
    from sklearn.manifold._t_sne import _joint_probabilities, _kl_divergence

    P_condensed = _joint_probabilities(cdist(blobs, blobs, "sqeuclidean"), 15, 0)
    Y = np.random.default_rng(2).normal(size=(len(blobs), 2))
    ref, _ = _kl_divergence(Y.ravel(), P_condensed, 1, len(blobs), 2)
    P = squareform(P_condensed)
    assert sne.kl_divergence(P, Y) == pytest.approx(ref, rel=1e-9)
    assert sne.kl_divergence(scipy.sparse.csr_matrix(P), Y) == pytest.approx(ref, rel=1e-9)
    assert sne.kl_divergence(P, Y) > 0
    assert sne.kl_divergence(sne.joint_q(Y), Y) == pytest.approx(0.0, abs=1e-12)  # KL(Q || Q)
    with pytest.raises(InputError, match=r"must be \(120, 120\)"):
        sne.kl_divergence(P[:10, :10], Y)
    with pytest.raises(InputError, match="summing to 1"):
        sne.kl_divergence(P * 2, Y)


def test_tsne_trace_records_both_phases(traced):
    trace, fractions = traced
    its = trace.iterations
    assert its[0] == 10 and its[-1] == 250 and np.all(np.diff(its) == 10)  # 100 exaggerated + 150 more
    assert trace.exaggeration_end == 100 and trace.perplexity == 30
    assert trace.snapshots.shape == (len(its), 300, 2) and trace.snapshots.dtype == np.float32
    assert trace.embedding.shape == (300, 2) and np.all(np.isfinite(trace.kl))
    # the snapshots are copies: early maps are small (openTSNE starts from a tiny PCA), late ones spread out
    assert np.ptp(trace.snapshots[0]) < np.ptp(trace.snapshots[-1])
    after = its > trace.exaggeration_end
    assert trace.kl[after][-1] < trace.kl[after][0]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert trace.affinities.sum() == pytest.approx(1.0) and trace.seconds > 0


def test_tsne_trace_kl_is_the_exact_kl_up_to_barnes_hut(trace):
    from openTSNE.tsne import kl_divergence_bh

    final = trace.embedding.astype(np.float64)
    exact = sne.kl_divergence(trace.affinities, final)
    # with theta=0 openTSNE's Barnes-Hut sums every pair: its KL is then exactly ours
    bh_exact, _ = kl_divergence_bh(final.copy(), trace.affinities, dof=1, bh_params={"theta": 0.0},
                                   should_eval_error=True)
    assert bh_exact == pytest.approx(exact, rel=1e-9)
    # At theta=0.5 only the normalisation Z is approximated (the attractive sum runs over the same sparse P
    # exactly), so the gap is |log(Z_BH / Z)|; Barnes-Hut at theta=0.5 keeps Z within about 1% -> 0.01 nats.
    # Measured here: 0.004. The same holds mid-run, for each snapshot and the KL recorded with it.
    assert trace.final_kl == pytest.approx(exact, abs=0.02)
    k = int(np.flatnonzero(trace.iterations == 200)[0])
    assert trace.kl[k] == pytest.approx(sne.kl_divergence(trace.affinities, trace.snapshots[k]), abs=0.02)


def test_tsne_trace_refuses_bad_parameters():
    x = make_toy("noise", n=60).vectors
    with pytest.raises(InputError, match="set every to at least"):
        sne.tsne_trace(x, perplexity=10, n_iter=5000, every=1)
    with pytest.raises(InputError, match="n_iter=10 must be a whole number from 50 to 5,000"):
        sne.tsne_trace(x, perplexity=10, n_iter=10)
    with pytest.raises(InputError, match="perplexity"):
        sne.tsne_trace(x, perplexity=30)


def test_crowding_medians_follow_the_volume():
    radii = sne.crowding(dims=(2, 10, 50), n=2000, seed=0)
    assert list(radii) == [2, 10, 50]
    for d, r in radii.items():
        assert r.shape == (2000,) and r.max() <= 1.0
        m = 0.5 ** (1 / d)
        sd = 1 / (2 * d * m ** (d - 1) * np.sqrt(len(r)))  # standard error of a sample median, density d r^(d-1)
        assert np.median(r) == pytest.approx(m, abs=4 * sd)
    np.testing.assert_array_equal(sne.crowding((3,), 100, seed=1)[3], sne.crowding((3,), 100, seed=1)[3])
    with pytest.raises(InputError, match="dims"):
        sne.crowding(dims=())


def test_matched_distance():
    d = np.array([0.0, np.sqrt(2 * np.log(2)), 1.0, 3.0])
    y = sne.matched_distance(d)
    np.testing.assert_allclose(y, [0.0, 1.0, np.sqrt(np.exp(0.5) - 1), 9.434889], rtol=1e-6)
    np.testing.assert_allclose(1 / (1 + y**2), np.exp(-(d**2) / 2))  # same similarity under each kernel
    assert sne.matched_distance(3) > 3 > sne.matched_distance(1) and isinstance(sne.matched_distance(3), float)
    with pytest.raises(InputError, match="non-negative"):
        sne.matched_distance(-1)


def test_affinity_figure_colours_by_p_and_q(blobs):
    P, _ = sne.conditional_p(blobs, perplexity=10)
    Y = np.random.default_rng(3).normal(size=(len(blobs), 2))
    q = sne.conditional_q(Y, 5)
    fig = viz.affinity_figure(Y, P[5], q, 5, labels=["a"] * len(Y))
    assert len(fig.data) == 4
    left, star, right, _ = fig.data
    np.testing.assert_allclose(np.asarray(left.marker.color), P[5][np.asarray(left.customdata)], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(np.asarray(right.marker.color), q[np.asarray(right.customdata)], rtol=1e-6, atol=1e-30)
    assert left.marker.cmax == right.marker.cmax == pytest.approx(max(P[5].max(), q.max()))
    assert star.marker.symbol == "star" and star.x[0] == pytest.approx(Y[5, 0])
    assert [a.text for a in fig.layout.annotations] == ["p(j|i): neighbours in the original space",
                                                       "q(j|i): neighbours in the map"]
    two = viz.affinity_figure(blobs[:, :2], P[5], q, 5, map_coords=Y)
    assert np.allclose(np.sort(two.data[2].x), np.sort(Y[:, 0]))
    with pytest.raises(InputError, match="one value per point"):
        viz.affinity_figure(Y, P[5][:10], q, 5)


def test_pq_bars_figure_shows_the_nearest_by_p():
    p = np.array([0.0, 0.1, 0.5, 0.3, 0.1])
    q = np.array([0.0, 0.2, 0.2, 0.4, 0.2])
    fig = viz.pq_bars_figure(p, q, top=3, names=list("abcde"))
    assert len(fig.data) == 2 and fig.layout.barmode == "group"
    assert list(fig.data[0].x) == ["c (#2)", "d (#3)", "b (#1)"]
    assert list(fig.data[0].y) == [0.5, 0.3, 0.1] and list(fig.data[1].y) == [0.2, 0.4, 0.2]
    with pytest.raises(InputError, match="top=9"):
        viz.pq_bars_figure(p, q, top=9)


def test_kernel_figure():
    fig = viz.kernel_figure(max_distance=5)
    gauss, student, same, matched = fig.data
    assert gauss.y[0] == student.y[0] == 1.0 and gauss.y[-1] < student.y[-1]  # the t's heavy tail
    np.testing.assert_allclose(matched.y, sne.matched_distance(np.asarray(matched.x)))
    assert len(fig.layout.annotations) == 4  # two subplot titles, two notes


def test_crowding_figure():
    radii = sne.crowding(dims=(2, 50), n=500)
    fig = viz.crowding_figure(radii)
    assert [t.name for t in fig.data] == ["2-D", "50-D"]
    np.testing.assert_allclose(np.asarray(fig.data[1].x), radii[50], rtol=1e-6)
    assert [s.x0 for s in fig.layout.shapes] == pytest.approx([np.median(radii[2]), np.median(radii[50])], rel=1e-6)


def test_kl_figure(trace):
    fig = viz.kl_figure(trace, mark=200)
    assert len(fig.data) == 1 and list(fig.data[0].x) == list(trace.iterations)
    np.testing.assert_allclose(fig.data[0].y, trace.kl)
    assert [s.x0 for s in fig.layout.shapes] == [100, 200] and fig.layout.shapes[0].line.dash == "dash"


def test_small_multiples_figure():
    rng = np.random.default_rng(4)
    panels = [(f"perplexity {p}", rng.normal(size=(90, 2))) for p in (2, 5, 30, 50, 100)]
    labels = np.repeat(["A", "B", "C"], 30)
    fig = viz.small_multiples_figure(panels, labels, columns=3)
    assert len(fig.data) == 5 * 3 and sum(t.showlegend for t in fig.data) == 3
    assert [a.text for a in fig.layout.annotations] == [t for t, _ in panels]
    assert fig.layout.yaxis5.scaleanchor == "x5" and fig.layout.height == 2 * 220 + 60
    b_in_4th = fig.data[3 * 3 + 1]
    np.testing.assert_allclose(b_in_4th.x, panels[3][1][30:60, 0], rtol=1e-6)
    assert len({t.marker.color for t in fig.data}) == 3  # one colour per class, the same in every panel
    numeric = viz.small_multiples_figure(panels[:2], np.linspace(0, 1, 90))
    assert len(numeric.data) == 2 and [t.marker.showscale for t in numeric.data] == [True, False]
    with pytest.raises(InputError, match=r"every panel needs \(90, 2\)"):
        viz.small_multiples_figure([("x", np.zeros((10, 2)))], labels)
