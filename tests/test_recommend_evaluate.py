"""core.recommend.evaluate: the ranking measures by hand and against scikit-learn, batched top-k lists,
and the whole evaluation of the registry on MovieLens 100k."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from core.errors import InputError
from core.recommend.data import load_movielens, split
from core.recommend.evaluate import evaluate, evaluate_all, ranking_metrics, rmse, top_k
from core.recommend.models import MODELS, make_model


@pytest.fixture(scope="module")
def table():
    return evaluate_all(load_movielens())


@pytest.fixture
def small():
    rng = np.random.default_rng(11)
    dense = (rng.random((40, 25)) < 0.3) * rng.integers(1, 6, size=(40, 25))
    return split(sp.csr_matrix(dense.astype(np.float32)), seed=2)


def test_ranking_metrics_by_hand():
    test = sp.csr_matrix((np.ones(7), ([0, 0, 1, 3, 3, 3, 3], [1, 4, 0, 2, 3, 5, 0])), shape=(4, 6))
    recommended = np.array([[1, 2, 4], [2, 5, 0], [5, 4, 3], [4, -1, -1]])
    got = ranking_metrics(recommended, test, k=3)
    ndcg0 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))  # hits at ranks 1 and 3 of 2 relevant
    ndcg1 = (1 / math.log2(4)) / 1  # a hit at rank 3 of 1 relevant
    assert got == pytest.approx({"precision@3": (2 / 3 + 1 / 3 + 0) / 3, "recall@3": (1 + 1 + 0) / 3,
                                 "ndcg@3": (ndcg0 + ndcg1 + 0) / 3, "coverage": 5 / 6, "users": 3})


def test_ndcg_matches_sklearn_and_longer_lists_are_cut_at_k():
    rng = np.random.default_rng(0)
    n_users, n_items, k = 60, 40, 5
    test = sp.csr_matrix(rng.random((n_users, n_items)) < 0.15)
    recommended = np.array([rng.permutation(n_items)[:8] for _ in range(n_users)])
    users = np.flatnonzero(np.diff(test.indptr))
    y_score = np.zeros((n_users, n_items))
    for u in range(n_users):
        y_score[u, recommended[u, :k]] = np.arange(k, 0, -1)
    expected = ndcg_score(test.toarray()[users], y_score[users], k=k)
    assert ranking_metrics(recommended, test, k=k)["ndcg@5"] == pytest.approx(expected, rel=1e-9)


def test_ranking_metrics_errors():
    test = sp.csr_matrix(np.eye(3))
    with pytest.raises(InputError, match=r"one list of at least k=3 items per user of the test matrix \(3 x 3\), "
                                         r"not shape \(2, 3\)"):
        ranking_metrics(np.zeros((2, 3), dtype=int), test, k=3)
    with pytest.raises(InputError, match="whole numbers"):
        ranking_metrics(np.zeros((3, 3)), test, k=3)
    with pytest.raises(InputError, match="holds no interaction"):
        ranking_metrics(np.zeros((3, 3), dtype=int), sp.csr_matrix((3, 3)), k=3)


def test_top_k_matches_recommend_and_pads(small):
    model = make_model("ease", l2=10.0).fit(small.train)
    lists = top_k(model, np.arange(40), k=6, batch=7)
    for user in range(40):
        assert lists[user].tolist() == model.recommend(user, k=6).items.tolist()
    tiny = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 0, 0, 1], [0, 1, 1, 1]], dtype=np.float32))
    popular = make_model("popularity").fit(tiny)
    assert top_k(popular, [0, 1], k=3).tolist() == [[3, -1, -1], [1, 2, -1]]
    assert top_k(popular, [0], k=2, exclude_seen=False).tolist() == [[0, 1]]


def test_rmse_of_the_rating_predictor(small):
    model = make_model("mf", factors=4, epochs=5).fit(small.train)
    coo = small.test.tocoo()
    expected = np.sqrt(np.mean((model.predict(coo.row, coo.col) - coo.data) ** 2))
    assert rmse(model, small.test) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(InputError, match="does not predict ratings"):
        rmse(make_model("popularity").fit(small.train), small.test)


def test_evaluate_takes_models_and_names(small):
    calls = []
    item_knn = make_model("item-knn", k=5)
    frame = evaluate({"item-knn k=5": item_knn, "mf": "mf"}, small, k=5,
                     progress=lambda done, total: calls.append((done, total)))
    assert list(frame.columns) == ["model", "label", "precision@5", "recall@5", "ndcg@5", "coverage", "rmse", "fit_s",
                                   "users"]
    assert frame["model"].tolist() == ["item-knn k=5", "mf"]
    assert frame["label"].tolist() == [MODELS["item-knn"].label, MODELS["mf"].label]
    assert math.isnan(frame["rmse"][0]) and frame["rmse"][1] > 0
    assert calls == [(1, 2), (2, 2)]
    assert item_knn.X_.nnz == small.train.nnz  # fitted on the training part only
    assert (frame["users"] == len(small.test_users)).all()
    lists = np.full((40, 5), -1)
    lists[small.test_users] = top_k(item_knn, small.test_users, k=5)
    assert frame["ndcg@5"][0] == pytest.approx(ranking_metrics(lists, small.test, k=5)["ndcg@5"])


def test_evaluate_errors(small):
    with pytest.raises(InputError, match="no model to evaluate"):
        evaluate({}, small)
    with pytest.raises(InputError, match="model 'svd' is not known"):
        evaluate({"svd": "svd"}, small)
    with pytest.raises(InputError, match="k=0 must be a whole number between 1 and the number of items"):
        evaluate({"ease": "ease"}, small, k=0)


def test_the_whole_registry_on_movielens(table):
    assert list(table.columns) == ["model", "label", "precision@10", "recall@10", "ndcg@10", "coverage", "rmse",
                                   "fit_s", "users"]
    assert table["model"].tolist() == list(MODELS)
    assert (table["users"] == 943).all()
    ndcg = dict(zip(table["model"], table["ndcg@10"], strict=True))
    assert 0.15 <= ndcg["popularity"] <= 0.30
    assert max(ndcg.values()) >= 0.38
    assert ndcg["ease"] >= 0.38 and ndcg["implicit-als"] >= 0.38
    assert min(ndcg["user-knn"], ndcg["item-knn"], ndcg["bpr"]) > ndcg["popularity"]
    rmse_by_model = dict(zip(table["model"], table["rmse"], strict=True))
    assert rmse_by_model["mf"] < 0.95
    assert all(math.isnan(v) for name, v in rmse_by_model.items() if name != "mf")
    assert table["coverage"].between(0, 1).all() and table["precision@10"].between(0, 1).all()
    assert table.set_index("model")["coverage"]["popularity"] < 0.05  # everyone gets much the same list
