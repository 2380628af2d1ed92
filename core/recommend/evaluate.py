"""How well each recommender ranks what users went on to watch: top-k lists scored against held-out
interactions, one row per model.

>>> from core.recommend.data import load_movielens
>>> from core.recommend.evaluate import evaluate_all
>>> evaluate_all(load_movielens())                                           # doctest: +SKIP

The protocol
------------
* Every user's interactions are split at random, 80 % to train and 20 % to test (per user, seed 0:
  :func:`core.recommend.data.split`); every model is fitted on the training matrix only.
* Every held-out interaction is relevant, whatever its rating: a 1-star rating still says the user
  chose to watch the film, and the lab asks "what will they watch?", not "what will they like?".
* Every item not in the user's training row is a candidate (all 1,682 films minus those seen in
  training, test items among them); the top k of the model's scores form the list.
* The measures are averaged over the users with at least one test item: precision@k (hits / k),
  recall@k (hits / the user's test items), NDCG@k (binary gains, discount ``1 / log2(rank + 1)``,
  ideal DCG over ``min(test items, k)`` hits, as ``sklearn.metrics.ndcg_score``), and coverage, the share
  of all items that appear in at least one list. Rating predictors (``mf``) also get their RMSE on the
  test ratings (predictions clipped to the rating scale).

Lists are scored in batches of users (:func:`top_k`), so a whole evaluation of the seven models on
MovieLens 100k takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import InputError
from core.recommend.data import Ratings, Split, split
from core.recommend.models import MODELS, Recommender, make_model

Progress = Callable[[int, int], None]
BATCH = 256


def top_k(model: Recommender, users, k: int = 10, exclude_seen: bool = True, batch: int = BATCH) -> np.ndarray:
    """(len(users), k) int64: each user's ``k`` best items by ``model.score``, best first, without the items
    of their training row when ``exclude_seen``; -1 pads a list when fewer items are left."""
    users = np.asarray(users, dtype=np.int64)
    out = np.full((len(users), k), -1, dtype=np.int64)
    for start in range(0, len(users), batch):
        chunk = users[start:start + batch]
        scores = model.score(chunk).astype(np.float64)
        if exclude_seen:
            seen = model.X_[chunk]
            scores[np.repeat(np.arange(len(chunk)), np.diff(seen.indptr)), seen.indices] = -np.inf
        kk = min(k, scores.shape[1])
        best = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.argsort(-best_scores, axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        best[~np.isfinite(np.take_along_axis(best_scores, order, axis=1))] = -1
        out[start:start + len(chunk), :kk] = best
    return out


def ranking_metrics(recommended: np.ndarray, test: sp.spmatrix, k: int = 10) -> dict[str, float]:
    """Precision, recall and NDCG at ``k`` and coverage of top-k lists against held-out interactions.

    Parameters
    ----------
    recommended : (n_users, >= k) int array, row u the list of user u, best first (-1 = no item)
    test : users x items sparse matrix of held-out interactions (any nonzero value is relevant)

    Returns
    -------
    ``{"precision@k", "recall@k", "ndcg@k", "coverage", "users"}``, averaged over the users with at least
    one test item (``users`` counts them); coverage = distinct items in their lists / n_items.
    """
    test = sp.csr_matrix(test)
    recommended = np.asarray(recommended)
    if recommended.ndim != 2 or recommended.shape[0] != test.shape[0] or recommended.shape[1] < k:
        raise InputError(f"recommended must be one list of at least k={k} items per user of the test matrix "
                         f"({test.shape[0]} x {k}), not shape {recommended.shape}")
    if not np.issubdtype(recommended.dtype, np.integer):
        raise InputError(f"recommended must hold item columns (whole numbers), not {recommended.dtype}")
    lists = recommended[:, :k]
    n_test = np.diff(test.indptr)
    users = np.flatnonzero(n_test)
    if len(users) == 0:
        raise InputError("the test matrix holds no interaction; there is nothing to evaluate against")
    lists = lists[users]
    valid = lists >= 0
    relevant = test.astype(bool)[np.repeat(users, k), np.where(valid, lists, 0).ravel()]
    hits = np.asarray(relevant).reshape(len(users), k) & valid
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discount)[np.minimum(n_test[users], k) - 1]
    n_hits = hits.sum(axis=1)
    shown = np.unique(lists[valid])
    return {
        f"precision@{k}": float(np.mean(n_hits / k)),
        f"recall@{k}": float(np.mean(n_hits / n_test[users])),
        f"ndcg@{k}": float(np.mean((hits * discount).sum(axis=1) / ideal)),
        "coverage": len(shown) / test.shape[1],
        "users": int(len(users)),
    }


def rmse(model: Recommender, test: sp.spmatrix) -> float:
    """Root mean squared error of ``model.predict`` on the ratings of ``test``."""
    coo = sp.coo_matrix(test)
    if coo.nnz == 0:
        raise InputError("the test matrix holds no rating; there is nothing to compute an RMSE on")
    errors = model.predict(coo.row, coo.col).astype(np.float64) - coo.data
    return float(np.sqrt(np.mean(errors ** 2)))


def evaluate(models: Mapping[str, Recommender | str], split: Split, k: int = 10,
             progress: Progress | None = None) -> pd.DataFrame:
    """Fit every model on ``split.train`` and score its top-k lists against ``split.test``.

    Parameters
    ----------
    models : {key: a model or a registry name}; a name is built with :func:`make_model` (defaults). The key
        is the row's ``model`` (use the registry name unless the same model appears twice).
    split : the held-out split (:func:`core.recommend.data.split`)
    progress : called ``progress(done, total)`` after each model

    Returns
    -------
    One row per model: ``model``, ``label``, ``precision@k``, ``recall@k``, ``ndcg@k``, ``coverage``,
    ``rmse`` (NaN unless the model predicts ratings), ``fit_s`` (seconds to fit) and ``users`` (users with
    a test item).
    """
    if not models:
        raise InputError(f"no model to evaluate; name some of {', '.join(MODELS)}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= split.train.shape[1]:
        raise InputError(f"k={k!r} must be a whole number between 1 and the number of items ({split.train.shape[1]})")
    users = split.test_users
    rows = []
    for done, (key, model) in enumerate(models.items(), start=1):
        model = make_model(model) if isinstance(model, str) else model
        start = time.perf_counter()
        model.fit(split.train)
        fit_s = time.perf_counter() - start
        lists = np.full((split.train.shape[0], k), -1, dtype=np.int64)
        lists[users] = top_k(model, users, k)
        spec = MODELS[model.name]
        rows.append({"model": key, "label": spec.label, **ranking_metrics(lists, split.test, k),
                     "rmse": rmse(model, split.test) if spec.predicts_ratings else float("nan"), "fit_s": fit_s})
        if progress:
            progress(done, len(models))
    columns = ["model", "label", f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "coverage", "rmse", "fit_s", "users"]
    return pd.DataFrame(rows)[columns]


def evaluate_all(ratings: Ratings | sp.spmatrix, k: int = 10, test_fraction: float = 0.2, seed: int = 0,
                 progress: Progress | None = None) -> pd.DataFrame:
    """:func:`evaluate` of every model of the registry, with its defaults, on a fresh per-user split."""
    return evaluate({name: name for name in MODELS}, split(ratings, test_fraction, seed), k=k, progress=progress)
