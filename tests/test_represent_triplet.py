"""Metric learning with the triplet loss: the loss and the mining on hand-made batches, the estimator, the lesson."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.represent import triplet as tr
from core.represent.triplet import TripletEmbedder, compare, example_triplets, knn_accuracy


@pytest.fixture(scope="module")
def mnist():
    return tr.pixels("mnist-5k")


@pytest.fixture(scope="module")
def fitted(mnist):
    """The page's default: 2-d, semi-hard, on the whole of MNIST-5k's training rows, with progress recorded."""
    calls = []
    model = TripletEmbedder("mnist-5k", dim=2, device="cpu").fit(*mnist, progress=lambda d, t: calls.append((d, t)))
    return model, calls


def _tiny():
    """Four 2-d points on a line, two classes: a hand-made batch whose distances are easy to read."""
    emb = torch.tensor([[0.0, 0.0], [0.3, 0.0], [0.5, 0.0], [1.0, 0.0]], requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    return emb, labels


# ---------------------------------------------------------------------------------- loss and mining
def test_triplet_loss_is_the_hinge_on_distances_and_matches_torch():
    emb, _ = _tiny()
    a, p, n = torch.tensor([0, 1, 2]), torch.tensor([1, 0, 3]), torch.tensor([2, 3, 0])
    margin = 0.3
    loss, active = tr.triplet_loss(emb, a, p, n, margin)
    # d(a,p), d(a,n): (0.3, 0.5) -> 0.1; (0.3, 0.7) -> 0 (easy); (0.5, 0.5) -> 0.3
    assert float(loss.detach()) == pytest.approx((0.1 + 0.0 + 0.3) / 3, abs=1e-6)
    assert active == pytest.approx(2 / 3)
    reference = torch.nn.TripletMarginLoss(margin=margin, p=2)(emb[a], emb[p], emb[n]).detach()
    assert float(loss.detach()) == pytest.approx(float(reference), abs=1e-5)  # torch adds eps=1e-6 inside its norm
    loss.backward()
    assert torch.isfinite(emb.grad).all() and emb.grad.abs().sum() > 0


def test_random_mining_on_a_real_batch_gives_torchs_triplet_margin_loss():
    gen = torch.Generator().manual_seed(3)
    emb = torch.nn.functional.normalize(torch.randn(24, 5, generator=gen), dim=1)
    labels = torch.arange(24) % 4
    a, p = tr.anchor_positive_pairs(labels)
    assert len(a) == 4 * 6 * 5 and (labels[a] == labels[p]).all() and (a != p).all()
    n = tr.MINING["random"].pick(tr.pairwise_distances(emb), labels, a, p, 0.3, gen)
    assert (labels[n] != labels[a]).all()
    assert len(set(n.tolist())) > 10  # drawn across the batch, not one fixed negative
    loss, _ = tr.triplet_loss(emb, a, p, n, 0.3)
    assert float(loss) == pytest.approx(float(torch.nn.TripletMarginLoss(margin=0.3)(emb[a], emb[p], emb[n])),
                                        abs=1e-5)


def test_semi_hard_picks_the_nearest_negative_inside_the_margin_else_the_hardest():
    # 1-d points: anchor 0 at 0, its positive at 0.3; negatives at 0.2 (hard), 0.45 and 0.6 (semi-hard with
    # margin 0.4: between 0.3 and 0.7), 0.9 (easy).
    emb = torch.tensor([[0.0], [0.3], [0.2], [0.45], [0.6], [0.9]])
    labels = torch.tensor([0, 0, 1, 1, 1, 1])
    a, p = torch.tensor([0, 1]), torch.tensor([1, 0])
    dist = tr.pairwise_distances(emb)
    n = tr.MINING["semi-hard"].pick(dist, labels, a, p, 0.4, None)
    assert n[0] == 3  # the nearest of 0.45 and 0.6, not the hard 0.2 nor the easy 0.9
    # anchor 1 (at 0.3), positive at distance 0.3: only 0.9 (0.6 away) lies in (0.3, 0.7)
    assert n[1] == 5
    # a tiny margin leaves anchor 0 no semi-hard negative: fall back to the hardest (nearest) one, at 0.2
    n = tr.MINING["semi-hard"].pick(dist, labels, a, p, 0.1, None)
    assert n[0] == 2


def test_batches_hold_several_classes_of_several_examples():
    labels = np.repeat(np.arange(10), 30)
    batches = list(tr.class_batches(labels, per_class=6, n_classes=4, rng=np.random.default_rng(0)))
    assert len(batches) == len(labels) // 24 + 1
    for rows in batches:
        counts = np.bincount(labels[rows], minlength=10)
        assert sorted(counts[counts > 0]) == [6, 6, 6, 6] and len(set(rows)) == len(rows)


# ---------------------------------------------------------------------------------------- estimator
def test_same_seed_same_embedding_other_seed_other(mnist):
    X, y = mnist[0][:600], mnist[1][:600]

    def run(seed):
        return TripletEmbedder(dim=3, epochs=2, random_state=seed, device="cpu").fit(X, y)

    first, again, other = run(0), run(0), run(1)
    np.testing.assert_array_equal(first.after_, again.after_)
    np.testing.assert_array_equal(first.before_, again.before_)
    assert first.loss_curve_ == again.loss_curve_
    assert not np.allclose(first.after_, other.after_)
    np.testing.assert_array_equal(first.test_rows_, other.test_rows_)  # the split does not move with the seed


def test_fit_learns_state_on_the_held_out_rows(fitted, mnist):
    model, calls = fitted
    X, _ = mnist
    n_test = len(model.test_rows_)
    assert n_test == 1000 and not set(model.test_rows_) & set(model.train_rows_)
    assert model.before_.shape == model.after_.shape == (n_test, 2)
    np.testing.assert_allclose(np.linalg.norm(model.after_, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(model.embed(X[model.test_rows_]), model.after_, atol=1e-6)
    np.testing.assert_allclose(model.embed(X[model.test_rows_], trained=False), model.before_, atol=1e-6)
    assert len(model.loss_curve_) == len(model.fraction_active_) == tr.RECIPES["mnist-5k"].epochs
    assert model.loss_curve_[-1] < 0.6 * model.loss_curve_[0]
    assert all(0 <= f <= 1 for f in model.fraction_active_)
    assert model.fraction_active_[-1] < model.fraction_active_[0]
    assert calls[-1][0] == calls[-1][1] and [d for d, _ in calls] == list(range(1, calls[-1][1] + 1))


def test_the_triplet_embedding_beats_pixels_and_the_untrained_net_at_2d(fitted):
    model, _ = fitted
    table = compare("mnist-5k", embedder=model).set_index("representation")["knn_accuracy"]
    assert table["triplet embedding"] > 0.8
    assert table["untrained network"] < 0.4
    assert table["pixels, PCA to 2-d"] < 0.6
    assert table["raw pixels"] > 0.85  # the 784-d pixels themselves: what 2 learned numbers come close to
    assert table["plain classifier features"] > 0.6


def test_example_triplets_report_the_distances_of_both_networks(fitted, mnist):
    model, _ = fitted
    X, y = mnist[0][model.test_rows_], mnist[1][model.test_rows_]
    rows = example_triplets(model, X, y, n=6, seed=2)
    assert len(rows) == 6 and rows == example_triplets(model, X, y, n=6, seed=2)
    before, after = model.embed(X, trained=False), model.embed(X)
    for r in rows:
        a, p, n = r["anchor"], r["positive"], r["negative"]
        assert y[a] == y[p] and y[a] != y[n] and a != p
        assert r["d_ap_before"] == pytest.approx(float(np.linalg.norm(before[a] - before[p])), abs=1e-5)
        assert r["d_an_after"] == pytest.approx(float(np.linalg.norm(after[a] - after[n])), abs=1e-5)
        assert r["loss_after"] == pytest.approx(max(0.0, r["d_ap_after"] - r["d_an_after"] + model.margin))
    assert np.mean([r["d_an_after"] - r["d_ap_after"] for r in rows]) > 0.2


def test_knn_accuracy_counts_majority_votes():
    train, labels = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]]), np.array([0, 0, 0, 1, 1, 1])
    assert knn_accuracy(train, labels, np.array([[0.05], [1.05], [0.9]]), np.array([0, 1, 0]), k=3) == \
        pytest.approx(2 / 3)


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(("params", "match"), [
    ({"source": "cifar"}, r"source='cifar'.*mnist-5k, faces"),
    ({"mining": "hardest"}, r"mining='hardest'.*random, semi-hard"),
    ({"margin": 3.0}, r"margin=3.0 must be a number from 0.01 to 2 \(distances lie in \[0, 2\]; try 0.2\)"),
    ({"margin": 0.0}, r"margin=0.0 must be a number from 0.01 to 2"),
    ({"dim": 65}, r"dim=65 must be a whole number from 2 to 64"),
    ({"dim": 1}, r"dim=1 must be a whole number from 2 to 64"),
    ({"epochs": 0}, r"epochs=0 must be a whole number from 1 to 500"),
    ({"lr": 1.0}, r"lr=1.0 must be a number from 0.00001 to 0.1 \(try 0.001\)"),
    ({"batch": 10, "per_class": 8}, r"batch=10 must hold at least two classes.*at least 16"),
])
def test_bad_parameters_name_the_parameter_and_the_range(params, match):
    with pytest.raises(InputError, match=match):
        TripletEmbedder(**params).fit(np.zeros((4, 3)), np.array([0, 0, 1, 1]))


def test_using_it_wrongly_says_how_to_fix_it(fitted):
    model, _ = fitted
    with pytest.raises(InputError, match="not trained yet"):
        TripletEmbedder().embed(np.zeros((1, 784)))
    with pytest.raises(InputError, match="rows have 10 pixels; this model was trained on 784"):
        model.embed(np.zeros((2, 10)))
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        model.embed(np.full((2, 784), 255.0))
    with pytest.raises(InputError, match="source='mnist'"):
        compare("mnist")
    with pytest.raises(InputError, match="trained on 'mnist-5k', not 'faces'"):
        compare("faces", embedder=model)
