"""The recommenders of core.recommend.models: the contract on MovieLens 100k, the hand-written parts
against libraries (scikit-learn's cosine, a direct inverse for EASE, implicit's explain), error texts."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity

from core.errors import InputError
from core.recommend.data import load_movielens, split
from core.recommend.evaluate import rmse
from core.recommend.models import EASE, MODELS, ItemKNN, Recommendations, UserKNN, make_model

ORDER = ["popularity", "user-knn", "item-knn", "ease", "mf", "implicit-als", "bpr"]
FACTOR_MODELS = ["mf", "implicit-als", "bpr"]


@pytest.fixture(scope="module")
def ratings():
    return load_movielens()


@pytest.fixture(scope="module")
def parts(ratings):
    return split(ratings)


@pytest.fixture(scope="module")
def fitted(parts):
    return {name: make_model(name).fit(parts.train) for name in ORDER}


@pytest.fixture
def tiny():
    rng = np.random.default_rng(3)
    dense = rng.integers(1, 6, size=(30, 12)) * (rng.random((30, 12)) < 0.4)
    dense[0, :3] = [5, 4, 1]  # every user and item gets something
    return sp.csr_matrix(dense.astype(np.float32))


def _row_dict(X, user, n=None):
    row = X[user]
    return {int(j): float(v) for j, v in list(zip(row.indices, row.data, strict=True))[:n]}


# --- the registry ---------------------------------------------------------------------------------------


def test_registry_order_kinds_and_defaults():
    assert list(MODELS) == ORDER
    assert [s.kind for s in MODELS.values()] == ["baseline", "neighbours", "neighbours", "linear", "factors",
                                                 "factors", "factors"]
    assert [n for n, s in MODELS.items() if s.predicts_ratings] == ["mf"]
    for name, spec in MODELS.items():
        signature = inspect.signature(spec.cls.__init__).parameters
        assert {p.name: p.default for p in spec.params} == {k: v.default for k, v in signature.items() if k != "self"}
        assert make_model(name).get_params() == {p.name: p.default for p in spec.params}
        for p in spec.params:
            assert p.choices is not None or p.low <= p.default <= p.high, (name, p.name)
        assert spec.summary and spec.label


def test_make_model_checks_names_and_parameters():
    with pytest.raises(InputError, match="model 'svd' is not known; choose one of popularity, user-knn, item-knn"):
        make_model("svd")
    with pytest.raises(InputError, match="k=0 must be a whole number between 1 and 1000"):
        make_model("item-knn", k=0)
    with pytest.raises(InputError, match=r"k=2\.5 must be a whole number"):
        make_model("user-knn", k=2.5)
    with pytest.raises(InputError, match="similarity='jaccard' is not known; choose one of 'cosine', 'adjusted-co"):
        make_model("item-knn", similarity="jaccard")
    with pytest.raises(InputError, match="ease has no parameter 'alpha'; its parameters are l2"):
        make_model("ease", alpha=3)
    with pytest.raises(InputError, match="popularity has no parameter 'k'; its parameters are none"):
        make_model("popularity", k=3)
    with pytest.raises(InputError, match="lr=nan must be a number between"):
        make_model("mf", lr=float("nan"))
    assert make_model("item-knn", k=12.0).k == 12 and isinstance(make_model("item-knn", k=12.0).k, int)


def test_parameters_are_checked_at_fit_too(tiny):
    with pytest.raises(InputError, match="l2=-1 must be a number between 1 and 5000"):
        EASE(l2=-1).fit(tiny)
    model = ItemKNN().set_params(similarity="pearson")
    with pytest.raises(InputError, match="similarity='pearson' is not known"):
        model.fit(tiny)
    with pytest.raises(InputError, match="item-knn has no parameter 'l2'"):
        ItemKNN().set_params(l2=3)


def test_unfitted_model_says_fit_first():
    model = make_model("ease")
    for call in (lambda: model.recommend(0), lambda: model.score([0]), lambda: model.score_new({1: 5.0}),
                 lambda: model.explain(0, 1), lambda: model.similar_items(1)):
        with pytest.raises(InputError, match="fit the model first"):
            call()


def test_fit_rejects_a_bad_matrix():
    with pytest.raises(InputError, match="negative, NaN or infinite"):
        make_model("popularity").fit(sp.csr_matrix(np.array([[1.0, -1.0], [0.0, 2.0]])))
    with pytest.raises(InputError, match="at least 2 users, 2 items"):
        make_model("popularity").fit(sp.csr_matrix((1, 5)))
    with pytest.raises(InputError, match="users x items matrix"):
        make_model("popularity").fit([[1, 2], [3, 4]])


# --- the contract on MovieLens 100k ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ORDER)
def test_recommend_excludes_seen_items_sorted_and_k_long(fitted, parts, name):
    model = fitted[name]
    assert (model.n_users, model.n_items) == (943, 1682)
    for user in (0, 17, 942):
        recs = model.recommend(user, k=10)
        seen = set(parts.train[user].indices)
        assert isinstance(recs, Recommendations) and len(recs) == 10 and len(set(recs.items)) == 10
        assert not seen & set(recs.items.tolist())
        assert np.all(np.diff(recs.scores) <= 0)
        np.testing.assert_allclose(recs.scores, model.score([user])[0, recs.items], rtol=1e-6)
        # the best unseen item beats every unseen item left out
        unseen = np.setdiff1d(np.arange(model.n_items), list(seen))
        assert recs.scores[0] == pytest.approx(model.score([user])[0, unseen].max(), rel=1e-6)
    everything = model.recommend(0, k=5, exclude_seen=False)
    assert everything.scores[0] == pytest.approx(model.score([0])[0].max(), rel=1e-6)


@pytest.mark.parametrize("name", ORDER)
def test_scores_are_float32_users_by_items(fitted, name):
    model = fitted[name]
    scores = model.score([3, 1, 4])
    assert scores.shape == (3, 1682) and scores.dtype == np.float32 and np.isfinite(scores).all()
    np.testing.assert_allclose(scores[1], model.score(np.array([1]))[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ORDER)
def test_recommend_new_excludes_the_visitor_items(fitted, parts, name):
    model = fitted[name]
    visitor = _row_dict(parts.train, 10, n=15)
    recs = model.recommend_new(visitor, k=20)
    assert len(recs) == 20 and not set(visitor) & set(recs.items.tolist())
    assert np.all(np.diff(recs.scores) <= 0)
    scores = model.score_new(visitor)
    assert scores.shape == (1682,) and scores.dtype == np.float32
    np.testing.assert_allclose(recs.scores, scores[recs.items], rtol=1e-6)
    as_row = sp.csr_matrix((list(visitor.values()), ([0] * len(visitor), list(visitor))), shape=(1, 1682))
    np.testing.assert_allclose(model.score_new(as_row), scores, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["popularity", "item-knn", "ease"])
def test_item_models_score_a_visitor_as_a_user(fitted, parts, name):
    model = fitted[name]
    np.testing.assert_allclose(model.score_new(parts.train[25]), model.score([25])[0], rtol=1e-5, atol=1e-5)


def test_user_knn_scores_a_visitor_by_the_nearest_users(fitted, parts):
    # as a visitor, user 25 is their own nearest neighbour (cosine 1), then come their k - 1 nearest
    visitor = parts.train[25]
    own = visitor.toarray()[0] > 0
    fewer = UserKNN(k=79).fit(parts.train)
    np.testing.assert_allclose(fitted["user-knn"].score_new(visitor) - own, fewer.score([25])[0], atol=1e-5)


def test_implicit_als_fold_in_is_the_exact_user_solve(fitted, parts):
    model = fitted["implicit-als"]
    for user in (2, 300):
        np.testing.assert_allclose(model.score_new(parts.train[user]), model.score([user])[0], atol=1e-4)


@pytest.mark.parametrize("name", FACTOR_MODELS)
def test_factor_models_fold_in_agrees_with_the_trained_users(fitted, parts, name):
    model = fitted[name]
    overlaps = [len(set(model.recommend(u, k=10).items) & set(model.recommend_new(parts.train[u], k=10).items))
                for u in range(0, 940, 47)]
    assert np.mean(overlaps) >= 5, overlaps


@pytest.mark.parametrize("name", ["item-knn", "ease", "user-knn", "implicit-als"])
def test_explain_contributions_add_up_to_the_score(fitted, parts, name):
    model = fitted[name]
    for user in (0, 99):
        item = int(model.recommend(user, k=1).items[0])
        full = model.explain(user, item, k=2000)
        assert full.total == pytest.approx(float(model.score([user])[0, item]), rel=1e-5)
        assert sum(v for _, v in full.contributors) == pytest.approx(full.total, rel=1e-4)
        top = model.explain(user, item, k=3)
        assert top.contributors == full.contributors[:3] and top.kind == full.kind
        assert "(" not in top.text and top.text
        if name in ("item-knn", "ease", "implicit-als"):
            assert top.kind in ("items", "factors")
            assert {j for j, _ in full.contributors} <= set(parts.train[user].indices)
    visitor = _row_dict(parts.train, 5, n=20)
    item = int(model.recommend_new(visitor, k=1).items[0])
    new = model.explain(visitor, item, k=2000)
    assert new.total == pytest.approx(float(model.score_new(visitor)[item]), rel=1e-5)
    assert sum(v for _, v in new.contributors) == pytest.approx(new.total, rel=1e-4)


def test_item_knn_explanation_is_rating_times_similarity(fitted, parts):
    model = fitted["item-knn"]
    item = int(model.recommend(0, k=1).items[0])
    (j, share), = model.explain(0, item, k=1).contributors
    assert share == pytest.approx(parts.train[0, j] * model.similarity_[j, item], rel=1e-6)


def test_implicit_als_explanation_matches_implicit(fitted, parts):
    model = fitted["implicit-als"]
    binary = parts.train.copy()
    binary.data[:] = 1
    user, item = 7, int(model.recommend(7, k=1).items[0])
    ours = model.explain(user, item, k=5)
    total, top, _ = model.model_.explain(user, binary, item, N=5)
    assert ours.total == pytest.approx(total, rel=1e-4)
    assert [j for j, _ in ours.contributors] == [j for j, _ in top]
    np.testing.assert_allclose([v for _, v in ours.contributors], [v for _, v in top], rtol=1e-3)


def test_other_explanations(fitted, parts, ratings):
    star_wars = ratings.titles.index("Star Wars (1977)")
    pop = fitted["popularity"].explain(0, star_wars)
    assert pop.kind == "popularity" and pop.contributors == []
    assert pop.total == parts.train[:, star_wars].nnz and f"{int(pop.total):,} users" in pop.text
    for name in ("mf", "bpr"):
        exp = fitted[name].explain(0, star_wars, k=4)
        assert exp.kind == "factors" and len(exp.contributors) == 4
        assert {j for j, _ in exp.contributors} <= set(parts.train[0].indices)
        assert exp.total == pytest.approx(float(fitted[name].score([0])[0, star_wars]), rel=1e-5)


@pytest.mark.parametrize("name", ORDER)
def test_similar_items_excludes_the_item_and_finds_the_sequel(fitted, ratings, name):
    star_wars = ratings.titles.index("Star Wars (1977)")
    similar = fitted[name].similar_items(star_wars, k=10)
    assert len(similar) == 10 and star_wars not in similar.items and np.all(np.diff(similar.scores) <= 0)
    assert "Return of the Jedi (1983)" in [ratings.titles[i] for i in similar.items]


def test_item_knn_most_similar_to_star_wars_is_return_of_the_jedi(fitted, ratings):
    first = fitted["item-knn"].similar_items(ratings.titles.index("Star Wars (1977)"), k=1).items[0]
    assert ratings.titles[first] == "Return of the Jedi (1983)"


def test_factors_and_history(fitted):
    for name in ORDER:
        model = fitted[name]
        if MODELS[name].kind == "factors":
            assert model.item_factors_.shape == (1682, model.factors) and model.item_factors_.dtype == np.float32
        else:
            assert model.item_factors_ is None
        assert (len(model.history_) == model.epochs) if name == "mf" else model.history_ == []
    history = fitted["mf"].history_
    assert history[-1] < history[0]


def test_predict_ratings_only_for_mf(fitted, parts):
    test = parts.test.tocoo()
    predicted = fitted["mf"].predict(test.row[:50], test.col[:50])
    assert predicted.shape == (50,) and predicted.min() >= 1 and predicted.max() <= 5
    with pytest.raises(InputError, match="ranks items; it does not predict ratings.*rating predictor \\(mf\\)"):
        fitted["ease"].predict([0], [1])
    with pytest.raises(InputError, match="items must be whole numbers, one per user"):
        fitted["mf"].predict([0, 1], [1])


def test_mf_rmse_beats_the_mean_and_the_biases(fitted, parts):
    train, test = parts.train.tocoo(), parts.test.tocoo()
    mu = train.data.mean()
    item_bias = np.bincount(train.col, train.data - mu, 1682) / (np.bincount(train.col, minlength=1682) + 25)
    user_bias = np.bincount(train.row, train.data - mu - item_bias[train.col], 943) / (
        np.bincount(train.row, minlength=943) + 10)
    biases = np.clip(mu + user_bias[test.row] + item_bias[test.col], 1, 5)
    rmse_biases = np.sqrt(np.mean((biases - test.data) ** 2))
    rmse_mean = np.sqrt(np.mean((mu - test.data) ** 2))
    ours = rmse(fitted["mf"], parts.test)
    assert ours < rmse_biases < rmse_mean
    assert ours < 0.93


@pytest.mark.parametrize("name", ["mf", "implicit-als", "bpr"])
def test_fits_are_deterministic(fitted, parts, name):
    again = make_model(name).fit(parts.train)
    if getattr(again, "device_", "cpu") == "cpu":
        np.testing.assert_array_equal(again.item_factors_, fitted[name].item_factors_)
        np.testing.assert_array_equal(again.score([0, 500]), fitted[name].score([0, 500]))
    else:  # CUDA adds up the gradients of shared rows with atomics, in no fixed order
        np.testing.assert_allclose(again.score([0, 500]), fitted[name].score([0, 500]), atol=1e-3)


def test_progress_is_reported(parts, tiny):
    calls = []
    make_model("mf", epochs=3).fit(parts.train, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    calls.clear()
    make_model("implicit-als", iterations=2, factors=4).fit(tiny, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]
    calls.clear()
    make_model("ease").fit(tiny, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 1)]


def test_bad_users_items_rows_and_k(fitted):
    model = fitted["item-knn"]
    with pytest.raises(InputError, match="user=943 is out of range: the model knows users 0 … 942"):
        model.recommend(943)
    with pytest.raises(InputError, match="user=True must be a whole number"):
        model.recommend(True)
    with pytest.raises(InputError, match="item=1682 is out of range"):
        model.similar_items(1682)
    with pytest.raises(InputError, match="item=-1 is out of range"):
        model.explain(0, -1)
    with pytest.raises(InputError, match="k=0 must be a whole number of at least 1"):
        model.recommend(0, k=0)
    with pytest.raises(InputError, match="users must be rows 0 … 942"):
        model.score([0, 5000])
    with pytest.raises(InputError, match="the visitor has rated no item yet"):
        model.recommend_new({})
    with pytest.raises(InputError, match="a visitor's ratings must be a dict"):
        model.recommend_new([1, 2, 3])
    with pytest.raises(InputError, match="item=99999 is out of range"):
        model.recommend_new({99999: 4.0})
    with pytest.raises(InputError, match="must be positive numbers"):
        model.score_new({3: -2.0})


# --- hand-written parts against libraries, on small matrices ------------------------------------------------


def test_item_knn_cosine_matches_sklearn(tiny):
    model = ItemKNN(k=100).fit(tiny)
    expected = cosine_similarity(tiny.T.toarray())
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(model.similarity_.toarray(), expected, rtol=1e-5, atol=1e-6)


def test_item_knn_adjusted_cosine_and_shrinkage_by_hand(tiny):
    dense = tiny.toarray().astype(np.float64)
    rated = dense > 0
    centred = np.where(rated, dense - dense.sum(1, keepdims=True) / rated.sum(1, keepdims=True), 0)
    expected = cosine_similarity(centred.T)
    np.fill_diagonal(expected, 0)
    model = ItemKNN(similarity="adjusted-cosine", k=100).fit(tiny)
    np.testing.assert_allclose(model.similarity_.toarray(), np.maximum(expected, 0), rtol=1e-5, atol=1e-6)
    norms = np.linalg.norm(dense, axis=0)
    shrunk = dense.T @ dense / (np.outer(norms, norms) + 10)
    np.fill_diagonal(shrunk, 0)
    np.testing.assert_allclose(ItemKNN(shrink=10.0, k=100).fit(tiny).similarity_.toarray(), shrunk, rtol=1e-5)


def test_item_knn_keeps_k_neighbours_per_item(tiny, fitted):
    model = ItemKNN(k=3).fit(tiny)
    full = cosine_similarity(tiny.T.toarray())
    np.fill_diagonal(full, 0)
    S = model.similarity_.toarray()
    for item in range(tiny.shape[1]):
        kept = np.flatnonzero(S[:, item])
        assert len(kept) == 3 and set(kept) == set(np.argsort(-full[:, item])[:3])
    assert np.diff(fitted["item-knn"].similarity_.tocsc().indptr).max() <= 200


def test_user_knn_neighbours_match_sklearn(tiny):
    model = UserKNN(k=4).fit(tiny)
    full = cosine_similarity(tiny.toarray())
    np.fill_diagonal(full, 0)
    for user in range(tiny.shape[0]):
        row = model.similarity_[user]
        assert user not in row.indices and len(row.indices) == 4
        np.testing.assert_allclose(np.sort(row.data)[::-1], np.sort(full[user])[::-1][:4], rtol=1e-5)
    binary = (tiny.toarray() > 0).astype(np.float64)
    np.testing.assert_allclose(model.score([2])[0], model.similarity_[2].toarray()[0] @ binary, rtol=1e-5)


def test_ease_matches_the_direct_inverse(tiny):
    X = (tiny.toarray() > 0).astype(np.float64)
    P = np.linalg.inv(X.T @ X + 7.0 * np.eye(X.shape[1]))
    B = np.eye(X.shape[1]) - P @ np.diag(1 / np.diag(P))
    model = EASE(l2=7.0).fit(tiny)
    np.testing.assert_allclose(model.weights_, B, atol=1e-6)
    assert np.allclose(np.diag(model.weights_), 0)
    np.testing.assert_allclose(model.score(np.arange(5)), X[:5] @ B, rtol=1e-5, atol=1e-6)


def test_a_short_list_when_few_items_are_left():
    X = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 0, 0, 1], [0, 1, 1, 1]], dtype=np.float32))
    model = make_model("popularity").fit(X)
    recs = model.recommend(0, k=10)
    assert recs.items.tolist() == [3]
    assert model.recommend(1, k=10).items.tolist() == [1, 2]  # equal counts: the lower column first
