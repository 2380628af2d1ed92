"""Recommenders of the recommendation lab: seven models behind one contract and one registry.

>>> from core.recommend.data import load_movielens, split
>>> from core.recommend.models import make_model
>>> ratings = load_movielens()                                               # doctest: +SKIP
>>> model = make_model("ease").fit(split(ratings).train)                     # doctest: +SKIP
>>> model.recommend(0, k=5).items                                            # doctest: +SKIP

Every model is fitted on a users x items sparse matrix ``X`` (float32; ratings, or 1 for a bare
interaction) and follows scikit-learn's estimator contract: ``__init__`` stores the parameters,
:meth:`Recommender.fit` checks them and learns, learned state ends in ``_``. A fitted model scores
every item for a user of ``X`` (:meth:`~Recommender.score`) or for a visitor who is not in it and rated a
few items (:meth:`~Recommender.score_new`, without refitting), recommends the best unseen items, says
why it scores an item (:meth:`~Recommender.explain`) and which items resemble one
(:meth:`~Recommender.similar_items`).

The models (:data:`MODELS`, in this order)
------------------------------------------
``popularity``
    How many users interacted with each item; the same list for everyone.
``user-knn``
    The k users whose rating rows are closest by cosine; an item scores the sum of their similarities
    over the neighbours who interacted with it.
``item-knn``
    Item-item cosine (or adjusted cosine: ratings centred by each user's mean) between the items'
    columns, each item keeping its k most similar items (positive similarities only), optionally
    shrunk towards 0 when two items share few users; a user's score is ``x_u @ S``.
``ease``
    Steck's EASE^R (WWW 2019): a dense item-item weight matrix in closed form, ``P = (XᵀX + λI)⁻¹``,
    ``B = I − P / diag(P)`` (so ``diag(B) = 0``), on the binarised ``X``; score ``x_u @ B``.
``mf``
    Biased matrix factorisation of the ratings, ``r̂ = μ + b_u + b_i + p_u·q_i``, trained in torch with
    Adam on mini-batches of 16,384 ratings (squared error plus ``reg`` times the squared norms of the
    parameters each rating touches). The only model that predicts ratings.
``implicit-als``
    Implicit-feedback ALS (Hu, Koren and Volinsky 2008) through the ``implicit`` library, on the binarised
    ``X`` with confidence ``alpha`` for every interaction; after its iterations the user factors are
    solved once more, exactly, against the final item factors, so :meth:`~Recommender.explain` decomposes
    the score exactly.
``bpr``
    Bayesian personalised ranking (Rendle et al. 2009) through the ``implicit`` library: factors trained
    so that a user's items outrank the others, pair by sampled pair (one thread, so the fit is the same
    every time; item biases are kept apart from the factors).

Visitors (fold-in)
------------------
The neighbour and linear models score a visitor's row directly, as they score a user's. The factor
models keep their item factors and solve for the visitor's vector alone: ``mf`` by the ridge regression
that minimises its own training loss for that one user (user bias included); ``implicit-als`` by the
weighted least-squares solve of its own half-step; ``bpr`` by Newton's method on its own objective, the
mean ``−ln σ(s_j − s_k)`` over every pair of a rated ``j`` and an unrated ``k`` plus ``reg/2 |p|²``
(every pair rather than sampled ones, so it is exact and repeatable).

Explanations and similar items
------------------------------
``item-knn`` and ``ease`` split a score exactly over the user's items (``x_uj · S_ji``; ``B_ji``),
``user-knn`` over the neighbours who interacted with the item, ``implicit-als`` exactly over the user's
items as ``implicit``'s own ``explain`` does (``c_j · y_iᵀ A_u⁻¹ y_j``); ``mf`` and ``bpr`` rank the user's
items by how well their factors agree with the item's (cosine; for ``mf`` times how much more the user
liked the item than the biases expected), which is no decomposition of the score; ``popularity`` counts
users. Similar items come from the similarity column (``item-knn``), the weight column (``ease``) or the
cosine of the item factors; ``popularity`` and ``user-knn`` have no item representation and fall back on
the cosine of the items' columns of the binarised ``X`` (co-rating).

Defaults
--------
The defaults were chosen by NDCG@10 (``mf``: RMSE) on MovieLens 100k, on a validation split of the
TRAINING part only: :func:`core.recommend.data.split` of the 80 % training matrix again (20 % held out,
seed 1), never the test part. On that split (where the items held out for the test count as misses, hence
lower figures than the test's): ``user-knn`` k 80 (0.252; 0.247 at 50, 0.251 at 200, binary votes beat
rating-weighted ones), ``item-knn`` cosine, k 200, no shrinkage (0.253; k 100 0.238; adjusted cosine
0.18 at best), ``ease`` l2 500 (0.274; 0.259 at 100, 0.270 at 1200), ``implicit-als`` regularization 40,
alpha 5 (0.283; implicit's defaults 0.01 and 1: 0.22), ``bpr`` learning rate 0.005, regularization 0.002,
100 iterations (0.212; longer training overfits: 0.12 after 300 at rate 0.01), ``mf`` 32 factors, 10 epochs,
lr 0.05, reg 0.15 (RMSE 0.917; the damped-mean biases alone 0.94). Fits are deterministic: every random
start is seeded with :data:`SEED`.
The item-item models (``item-knn``, ``ease``) hold an items x items matrix; EASE refuses more than
:data:`EASE_MAX_ITEMS` items (its inverse is cubic in them).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from core.errors import InputError

Progress = Callable[[int, int], None]
SEED = 0
EASE_MAX_ITEMS = 20_000
MF_BATCH = 16384
BPR_FOLD_IN_STEPS = 20
_BLOCK = 1024  # rows of a dense similarity block


# ------------------------------------------------------------------------------------------------ specs
@dataclass(frozen=True)
class Param:
    """What a page needs to build a widget for one parameter, and the check of a value."""

    name: str
    default: object
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple | None = None
    help: str = ""

    def check(self, value):
        """The value as the model uses it (a whole number stays an ``int``); :class:`InputError` naming the
        parameter and what it allows otherwise."""
        if self.choices is not None:
            if value not in self.choices:
                raise InputError(f"{self.name}={value!r} is not known; choose one of "
                                 f"{', '.join(repr(c) for c in self.choices)}")
            return value
        whole = isinstance(self.default, int)
        allowed = f"{'a whole number' if whole else 'a number'} between {self.low:g} and {self.high:g}"
        numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if (not numeric or not math.isfinite(value) or (whole and value != int(value))
                or not self.low <= value <= self.high):
            raise InputError(f"{self.name}={value!r} must be {allowed}")
        return int(value) if whole else float(value)


@dataclass(frozen=True)
class ModelSpec:
    """One entry of :data:`MODELS`: what a page shows about a model and how to build it."""

    name: str
    label: str
    cls: type
    summary: str
    params: tuple[Param, ...]
    predicts_ratings: bool
    kind: str  # "baseline" | "neighbours" | "factors" | "linear"


@dataclass(frozen=True)
class Recommendations:
    """Items (matrix columns) and their scores, best first."""

    items: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Explanation:
    """Why a model scores an item for a user.

    ``kind`` says what ``contributors`` are: ``"items"`` (the user's items, with their share of the
    score), ``"users"`` (neighbour users), ``"factors"`` (the user's items whose factors agree with the
    item) or ``"popularity"`` (none: ``total`` is the number of users). ``text`` names no title; the page
    adds them.
    """

    kind: str
    contributors: list[tuple[int, float]]
    total: float
    text: str


# ------------------------------------------------------------------------------------------------ helpers
def _binary(X: sp.csr_matrix) -> sp.csr_matrix:
    out = X.copy()
    out.data[:] = 1.0
    return out


def _unit_rows(X: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to length 1 (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ X)


def _keep_top(block: np.ndarray, k: int) -> sp.csr_matrix:
    """Each row's ``k`` largest POSITIVE entries of a dense block, as a sparse matrix."""
    k = min(k, block.shape[1])
    cols = np.argpartition(-block, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(block, cols, axis=1)
    rows = np.repeat(np.arange(block.shape[0]), k)
    keep = vals.ravel() > 0
    return sp.csr_matrix((vals.ravel()[keep], (rows[keep], cols.ravel()[keep])), shape=block.shape,
                         dtype=np.float32)


def _top(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> Recommendations:
    """The ``k`` best finite scores (fewer when fewer are left), ties broken by the lower column."""
    s = np.asarray(scores, dtype=np.float64).copy()
    if exclude is not None and len(exclude):
        s[exclude] = -np.inf
    candidates = np.flatnonzero(np.isfinite(s))
    if len(candidates) > k:
        candidates = candidates[np.argpartition(-s[candidates], k - 1)[:k]]
    order = np.lexsort((candidates, -s[candidates]))
    items = candidates[order]
    return Recommendations(items.astype(np.int64), s[items])


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k={k!r} must be a whole number of at least 1")
    return int(k)


def _check_matrix(X) -> sp.csr_matrix:
    if not (sp.issparse(X) or isinstance(X, np.ndarray)) or X.ndim != 2:
        raise InputError(f"X must be a users x items matrix (scipy.sparse or 2-D numpy), not {type(X).__name__}")
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    X.eliminate_zeros()
    if X.shape[0] < 2 or X.shape[1] < 2 or X.nnz == 0:
        raise InputError(f"X has shape {X.shape} and {X.nnz} interactions; a recommender needs at least 2 users, "
                         "2 items and some interactions")
    if not np.isfinite(X.data).all() or (X.data < 0).any():
        raise InputError("X holds negative, NaN or infinite values; use ratings or interaction counts (> 0), "
                         "0 for none")
    X.sort_indices()
    return X


def _as_index(value, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{what}={value!r} must be a whole number, a row or column of the matrix")
    if not 0 <= value < n:
        raise InputError(f"{what}={value} is out of range: the model knows {what}s 0 … {n - 1}")
    return int(value)


# ------------------------------------------------------------------------------------------------ base
class Recommender:
    """The contract every model follows (see the module docstring); subclasses fill in ``_fit`` and
    ``_score_rows``, and override the rest where they know better."""

    name: ClassVar[str] = ""

    @property
    def spec(self) -> ModelSpec:
        return MODELS[self.name]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters and their values (scikit-learn's contract)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params) -> Recommender:
        """Change parameters (checked at the next :meth:`fit`)."""
        known = self.get_params()
        for key, value in params.items():
            if key not in known:
                raise InputError(f"{self.name} has no parameter {key!r}; its parameters are "
                                 f"{', '.join(known) or 'none'}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitting
    def fit(self, X, progress: Progress | None = None) -> Recommender:
        """Learn from ``X`` (users x items, ratings or 1s); ``progress(done, total)`` is called as training
        goes (epochs or iterations; once at the end for the closed-form models). Returns ``self``."""
        params = {p.name: p.check(getattr(self, p.name)) for p in self.spec.params}
        self.X_ = _check_matrix(X)
        self.item_factors_ = None
        self.history_ = []
        self._fit(self.X_, progress or (lambda done, total: None), **params)
        return self

    def _fit(self, X: sp.csr_matrix, progress: Progress, **params) -> None:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "X_"):
            raise InputError(f"the {self.spec.label} model is not fitted yet: fit the model first (model.fit(X))")

    @property
    def n_users(self) -> int:
        self._check_fitted()
        return self.X_.shape[0]

    @property
    def n_items(self) -> int:
        self._check_fitted()
        return self.X_.shape[1]

    # -- checks of what callers pass
    def _user(self, user) -> int:
        return _as_index(user, self.n_users, "user")

    def _item(self, item) -> int:
        return _as_index(item, self.n_items, "item")

    def _users(self, users) -> np.ndarray:
        arr = np.atleast_1d(np.asarray(users))
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise InputError(f"users must be a list of whole numbers (matrix rows), not {users!r}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.n_users):
            raise InputError(f"users must be rows 0 … {self.n_users - 1} of the matrix; got {arr.min()} … {arr.max()}")
        return arr.astype(np.int64)

    def _row(self, row) -> sp.csr_matrix:
        """A visitor's ratings as a 1 x n_items float32 CSR row."""
        self._check_fitted()
        n = self.n_items
        if isinstance(row, Mapping):
            cols = list(row)
            for c in cols:
                _as_index(c, n, "item")
            vals = np.array([row[c] for c in cols], dtype=np.float64) if cols else np.zeros(0)
            out = sp.csr_matrix((vals, (np.zeros(len(cols), dtype=np.int64), np.array(cols, dtype=np.int64))),
                                shape=(1, n), dtype=np.float32)
        elif sp.issparse(row) and row.shape == (1, n):
            out = sp.csr_matrix(row, dtype=np.float32, copy=True)
        else:
            shape = getattr(row, "shape", None)
            raise InputError(f"a visitor's ratings must be a dict {{item column: rating}} or a 1 x {n} sparse row, "
                             f"not {type(row).__name__}{f' of shape {shape}' if shape else ''}")
        out.sum_duplicates()
        out.eliminate_zeros()
        if out.nnz == 0:
            raise InputError("the visitor has rated no item yet: rate at least one to get recommendations")
        if not np.isfinite(out.data).all() or (out.data < 0).any():
            raise InputError("a visitor's ratings must be positive numbers")
        out.sort_indices()
        return out

    # -- scoring
    def score(self, users) -> np.ndarray:
        """(len(users), n_items) float32 scores, higher is better; items the users rated are NOT masked."""
        self._check_fitted()
        return np.asarray(self._score_users(self._users(users)), dtype=np.float32)

    def score_new(self, row) -> np.ndarray:
        """(n_items,) float32 scores for a visitor not in ``X`` (``row``: a dict {column: rating} or a
        1 x n_items sparse row); the model is not refitted."""
        return np.asarray(self._score_rows(self._row(row))[0], dtype=np.float32)

    def _score_users(self, users: np.ndarray) -> np.ndarray:
        return self._score_rows(self.X_[users])

    def _score_rows(self, rows: sp.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings; only rating predictors have them."""
        predictors = ", ".join(name for name, spec in MODELS.items() if spec.predicts_ratings)
        raise InputError(f"the {self.spec.label} model ranks items; it does not predict ratings. Use score() or "
                         f"recommend(), or a rating predictor ({predictors})")

    # -- lists
    def recommend(self, user: int, k: int = 10, exclude_seen: bool = True) -> Recommendations:
        """The ``k`` best items for a user of ``X``, never one they rated when ``exclude_seen``."""
        self._check_fitted()
        user, k = self._user(user), _check_k(k)
        seen = self.X_.indices[self.X_.indptr[user]:self.X_.indptr[user + 1]] if exclude_seen else None
        return _top(self.score([user])[0], k, seen)

    def recommend_new(self, row, k: int = 10) -> Recommendations:
        """The ``k`` best items for a visitor, never one in ``row``."""
        row, k = self._row(row), _check_k(k)
        return _top(self._score_rows(row)[0], k, row.indices)

    def similar_items(self, item: int, k: int = 10) -> Recommendations:
        """The ``k`` items most like ``item`` by the model's item representation (the item itself excluded)."""
        self._check_fitted()
        item, k = self._item(item), _check_k(k)
        return _top(self._item_similarities(item), k, np.array([item]))

    def _item_similarities(self, item: int) -> np.ndarray:
        """Co-rating cosine: the models without an item representation of their own fall back on it."""
        B = _binary(self.X_).tocsc()
        col = B[:, [item]]
        co = np.asarray((col.T @ B).todense()).ravel()
        counts = np.diff(B.indptr).astype(np.float64)
        return np.divide(co, np.sqrt(counts * counts[item]), out=np.zeros_like(co), where=counts > 0)

    # -- explanations
    def explain(self, user_or_row, item: int, k: int = 3) -> Explanation:
        """Why the model scores ``item`` for a user (a row index) or a visitor (a dict or a sparse row):
        the ``k`` largest contributors, the score, and a sentence without titles."""
        self._check_fitted()
        item, k = self._item(item), _check_k(k)
        if isinstance(user_or_row, (int, np.integer)) and not isinstance(user_or_row, bool):
            user = self._user(user_or_row)
            row, total = self.X_[user], float(self.score([user])[0, item])
        else:
            user, row = None, self._row(user_or_row)
            total = float(self._score_rows(row)[0, item])
        return self._explain(row, user, item, k, total)

    def _explain(self, row: sp.csr_matrix, user: int | None, item: int, k: int, total: float) -> Explanation:
        raise NotImplementedError


def _largest(items: np.ndarray, values: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` largest nonzero (item, value) pairs, largest first."""
    keep = values != 0
    items, values = items[keep], values[keep]
    order = np.lexsort((items, -values))[:k]
    return [(int(items[i]), float(values[i])) for i in order]


# ------------------------------------------------------------------------------------------------ baseline
class Popularity(Recommender):
    """Interaction counts: every user gets the most popular items they have not seen."""

    name = "popularity"

    def __init__(self):
        pass

    def _fit(self, X, progress):
        self.counts_ = np.diff(X.tocsc().indptr).astype(np.float32)
        progress(1, 1)

    def _score_rows(self, rows):
        return np.tile(self.counts_, (rows.shape[0], 1))

    def _explain(self, row, user, item, k, total):
        return Explanation("popularity", [], total, f"{int(total):,} users interacted with this item; the same "
                                                    "score for everyone")


# ------------------------------------------------------------------------------------------------ neighbours
class UserKNN(Recommender):
    """User-based k-NN: the ``k`` users whose rating rows are closest by cosine vote with their similarity."""

    name = "user-knn"

    def __init__(self, k: int = 80):
        self.k = k

    def _fit(self, X, progress, *, k):
        self.unit_ = _unit_rows(X)
        self.votes_ = _binary(X)
        self.similarity_ = self._neighbours(self.unit_, k, own=np.arange(X.shape[0]))
        self.k_ = k
        progress(1, 1)

    def _neighbours(self, unit: sp.csr_matrix, k: int, own: np.ndarray | None = None) -> sp.csr_matrix:
        """The top-k cosine neighbours of each row of ``unit`` among the training users (``own``: the row's
        own index, left out)."""
        blocks = []
        for start in range(0, unit.shape[0], _BLOCK):
            sims = (unit[start:start + _BLOCK] @ self.unit_.T).toarray()
            if own is not None:
                sims[np.arange(len(sims)), own[start:start + _BLOCK]] = 0
            blocks.append(_keep_top(sims, k))
        return sp.vstack(blocks, format="csr")

    def _score_users(self, users):
        return (self.similarity_[users] @ self.votes_).toarray()

    def _score_rows(self, rows):
        return (self._neighbours(_unit_rows(rows), self.k_) @ self.votes_).toarray()

    def _explain(self, row, user, item, k, total):
        sims = self.similarity_[user] if user is not None else self._neighbours(_unit_rows(row), self.k_)
        neighbours = sims.indices
        rated = self.votes_[neighbours, item].toarray().ravel()
        top = _largest(neighbours, sims.data * rated, k)
        return Explanation("users", top, total, f"{int((rated > 0).sum())} of the {len(neighbours)} most similar "
                                                "users interacted with this item; each adds their similarity")


class ItemKNN(Recommender):
    """Item-based k-NN: ``score = x_u @ S`` with ``S`` the item-item similarity, each item keeping its ``k``
    most similar items (column ``i`` of ``S`` holds item ``i``'s neighbours)."""

    name = "item-knn"

    def __init__(self, similarity: str = "cosine", k: int = 200, shrink: float = 0.0):
        self.similarity = similarity
        self.k = k
        self.shrink = shrink

    def _fit(self, X, progress, *, similarity, k, shrink):
        vectors = ITEM_SIMILARITIES[similarity](X).tocsc()
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=0)).ravel())
        n = X.shape[1]
        blocks = []
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            dots = (vectors[:, start:stop].T @ vectors).toarray()
            denom = np.outer(norms[start:stop], norms) + shrink
            sims = np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)
            sims[np.arange(stop - start), np.arange(start, stop)] = 0
            blocks.append(_keep_top(sims, k))
        # row i of the stack holds item i's neighbours; S is its transpose, so that x_u @ S sums over them
        self.similarity_ = sp.vstack(blocks, format="csr").T.tocsr()
        progress(1, 1)

    def _score_rows(self, rows):
        return (rows @ self.similarity_).toarray()

    def _item_similarities(self, item):
        return self.similarity_[:, [item]].toarray().ravel()

    def _explain(self, row, user, item, k, total):
        contributions = row.data * self.similarity_[row.indices, item].toarray().ravel()
        return Explanation("items", _largest(row.indices, contributions, k), total,
                           "rated items similar to this one; each adds its rating times the similarity")


def _cosine_vectors(X: sp.csr_matrix) -> sp.csr_matrix:
    return X


def _adjusted_cosine_vectors(X: sp.csr_matrix) -> sp.csr_matrix:
    """Ratings minus each user's mean rating (over the items they rated)."""
    counts = np.diff(X.indptr)
    means = np.divide(np.asarray(X.sum(axis=1)).ravel(), counts, out=np.zeros(X.shape[0]), where=counts > 0)
    out = X.copy()
    out.data = (out.data - np.repeat(means, counts)).astype(np.float32)
    return out


ITEM_SIMILARITIES: dict[str, Callable[[sp.csr_matrix], sp.csr_matrix]] = {
    "cosine": _cosine_vectors,
    "adjusted-cosine": _adjusted_cosine_vectors,
}


# ------------------------------------------------------------------------------------------------ linear
class EASE(Recommender):
    """Steck's EASE^R: ``B = I − P / diag(P)`` with ``P = (XᵀX + l2·I)⁻¹`` on the binarised X."""

    name = "ease"

    def __init__(self, l2: float = 500.0):
        self.l2 = l2

    def _fit(self, X, progress, *, l2):
        if X.shape[1] > EASE_MAX_ITEMS:
            raise InputError(f"EASE inverts an items x items matrix and {X.shape[1]:,} items are too many (at most "
                             f"{EASE_MAX_ITEMS:,}); use item-knn or implicit-als")
        B = _binary(X)
        gram = (B.T @ B).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += l2
        P = np.linalg.inv(gram)
        W = P / -np.diag(P)  # column j divided by -P_jj
        W[np.diag_indices_from(W)] = 0.0
        self.weights_ = W.astype(np.float32)
        progress(1, 1)

    def _score_rows(self, rows):
        return _binary(rows) @ self.weights_

    def _item_similarities(self, item):
        return self.weights_[:, item].copy()

    def _explain(self, row, user, item, k, total):
        return Explanation("items", _largest(row.indices, self.weights_[row.indices, item], k), total,
                           "rated items whose learned weights towards this one add up to the score")


# ------------------------------------------------------------------------------------------------ factors
class _Factors(Recommender):
    """A model that scores ``U @ Qᵀ + user_offset + item_offset``; visitors get a vector by ``_fold_in``."""

    def _score_users(self, users):
        return self._scores(self.user_factors_[users], self.user_offset_[users])

    def _scores(self, U: np.ndarray, offset: np.ndarray) -> np.ndarray:
        return U @ self.item_factors_.T + offset[:, None] + self.item_offset_[None, :]

    def _score_rows(self, rows):
        vectors, offsets = zip(*(self._fold_in(rows[r]) for r in range(rows.shape[0])), strict=True)
        return self._scores(np.vstack(vectors), np.array(offsets, dtype=np.float32))

    def _fold_in(self, row: sp.csr_matrix) -> tuple[np.ndarray, float]:
        raise NotImplementedError

    def _item_similarities(self, item):
        Q = self.item_factors_
        norms = np.linalg.norm(Q, axis=1)
        return np.divide(Q @ Q[item], norms * norms[item], out=np.zeros(len(Q), dtype=np.float32),
                         where=norms > 0)

    def _agreement(self, row: sp.csr_matrix, weights: np.ndarray, item: int, k: int, total: float,
                   text: str) -> Explanation:
        """The rated items ranked by ``weight × cosine(q_j, q_item)`` (not a decomposition of the score)."""
        agree = self._item_similarities(item)[row.indices]
        return Explanation("factors", _largest(row.indices, weights * agree, k), total, text)


class MF(_Factors):
    """Biased matrix factorisation of explicit ratings, trained in torch on the device
    :func:`core.device.resolve_device` picks (bit-for-bit repeatable on the CPU; on CUDA the gradients of
    shared rows are added up in no fixed order, so two fits differ in the last digits)."""

    name = "mf"

    def __init__(self, factors: int = 32, epochs: int = 10, lr: float = 0.05, reg: float = 0.15):
        self.factors = factors
        self.epochs = epochs
        self.lr = lr
        self.reg = reg

    def _fit(self, X, progress, *, factors, epochs, lr, reg):
        import torch
        import torch.nn.functional as F

        from core.device import resolve_device

        self.device_ = resolve_device()
        coo = X.tocoo()
        gen = torch.Generator().manual_seed(SEED)
        users = torch.as_tensor(coo.row.astype(np.int64), device=self.device_)
        items = torch.as_tensor(coo.col.astype(np.int64), device=self.device_)
        ratings = torch.as_tensor(coo.data, device=self.device_)
        mu = float(coo.data.mean())
        P = (0.1 * torch.randn(X.shape[0], factors, generator=gen)).to(self.device_).requires_grad_()
        Q = (0.1 * torch.randn(X.shape[1], factors, generator=gen)).to(self.device_).requires_grad_()
        bu = torch.zeros(X.shape[0], 1, device=self.device_, requires_grad=True)
        bi = torch.zeros(X.shape[1], 1, device=self.device_, requires_grad=True)
        optimiser = torch.optim.Adam([P, Q, bu, bi], lr=lr)
        n = len(ratings)
        for epoch in range(epochs):
            order = torch.randperm(n, generator=gen).to(self.device_)
            total = torch.zeros((), device=self.device_)
            for start in range(0, n, MF_BATCH):
                batch = order[start:start + MF_BATCH]
                u, i = users[batch], items[batch]
                p, q = F.embedding(u, P), F.embedding(i, Q)  # its backward is a little faster than indexing's
                b_u, b_i = F.embedding(u, bu)[:, 0], F.embedding(i, bi)[:, 0]
                err = mu + b_u + b_i + (p * q).sum(1) - ratings[batch]
                loss = (err * err).mean() + reg * ((p * p).sum(1) + (q * q).sum(1) + b_u * b_u + b_i * b_i).mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += loss.detach() * len(batch)
            self.history_.append(float(total) / n)
            progress(epoch + 1, epochs)
        self.mean_ = mu
        self.user_factors_ = P.detach().cpu().numpy()
        self.item_factors_ = Q.detach().cpu().numpy()
        self.user_offset_ = (mu + bu.detach().cpu().numpy()[:, 0]).astype(np.float32)
        self.item_offset_ = bi.detach().cpu().numpy()[:, 0].astype(np.float32)
        self.reg_ = reg
        self.rating_range_ = (float(X.data.min()), float(X.data.max()))

    def _fold_in(self, row):
        """The ridge solve of the training loss for one user: ``[1, q_j]·[b_u, p] ≈ r_j − μ − b_j`` with
        penalty ``reg · n_rated · (b_u² + |p|²)`` (each rating brings its share of the penalty)."""
        J, r = row.indices, row.data.astype(np.float64)
        A = np.hstack([np.ones((len(J), 1)), self.item_factors_[J].astype(np.float64)])
        target = r - self.mean_ - self.item_offset_[J]
        w = np.linalg.solve(A.T @ A + self.reg_ * len(J) * np.eye(A.shape[1]), A.T @ target)
        return w[1:].astype(np.float32), float(self.mean_ + w[0])

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of (user, item) pairs, clipped to the training ratings' range."""
        self._check_fitted()
        users = self._users(users)
        items = np.atleast_1d(np.asarray(items))
        if items.shape != users.shape or (items.size and not np.issubdtype(items.dtype, np.integer)):
            raise InputError(f"items must be whole numbers, one per user ({len(users)}), not {items!r}")
        if items.size and (items.min() < 0 or items.max() >= self.n_items):
            raise InputError(f"items must be columns 0 … {self.n_items - 1}; got {items.min()} … {items.max()}")
        raw = (self.user_offset_[users] + self.item_offset_[items]
               + np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[items]))
        return np.clip(raw, *self.rating_range_).astype(np.float32)

    def _explain(self, row, user, item, k, total):
        surprise = row.data - self.mean_ - self.item_offset_[row.indices]
        return self._agreement(row, surprise, item, k, total,
                               "rated items whose factors point the way this item's do, weighted by how much more "
                               "(or less) the user liked them than expected")


def _threadpool_limits():
    """One BLAS thread around ``implicit`` (it warns otherwise: nested thread pools slow it down badly)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, "blas")


class ImplicitALS(_Factors):
    """Implicit-feedback ALS through ``implicit``; user factors re-solved exactly after the last iteration."""

    name = "implicit-als"

    def __init__(self, factors: int = 64, iterations: int = 15, regularization: float = 40.0, alpha: float = 5.0):
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.alpha = alpha

    def _fit(self, X, progress, *, factors, iterations, regularization, alpha):
        import implicit.gpu
        from implicit.als import AlternatingLeastSquares

        with _threadpool_limits():
            model = AlternatingLeastSquares(factors=factors, iterations=iterations, regularization=regularization,
                                            alpha=alpha, random_state=SEED, use_gpu=implicit.gpu.HAS_CUDA)
            model.fit(_binary(X), show_progress=False, callback=lambda it, *_: progress(it + 1, iterations))
        self.model_ = model.to_cpu() if implicit.gpu.HAS_CUDA else model
        self.item_factors_ = np.asarray(self.model_.item_factors, dtype=np.float32)
        self.gram_ = self.item_factors_.T.astype(np.float64) @ self.item_factors_ + regularization * np.eye(factors)
        self.alpha_ = alpha
        # implicit's own exact (Cholesky) solve of every user against the final item factors: the same
        # system as _fold_in, in native code
        self.user_factors_ = np.asarray(self.model_.recalculate_user(np.arange(X.shape[0]), _binary(X)),
                                        dtype=np.float32)
        self.user_offset_ = np.zeros(X.shape[0], dtype=np.float32)
        self.item_offset_ = np.zeros(X.shape[1], dtype=np.float32)

    def _system(self, row: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``A = YᵀY + λI + Σ_j (c_j − 1) y_j y_jᵀ`` and the confidences ``c_j = alpha`` of the rated items
        (implicit's convention: preference 1, confidence alpha · value, 1 elsewhere)."""
        J = row.indices
        c = np.full(len(J), self.alpha_)
        Y = self.item_factors_[J].astype(np.float64)
        return self.gram_ + Y.T @ ((c - 1)[:, None] * Y), Y, c

    def _fold_in(self, row):
        A, Y, c = self._system(row)
        return np.linalg.solve(A, Y.T @ c).astype(np.float32), 0.0

    def _explain(self, row, user, item, k, total):
        # score = y_iᵀ A⁻¹ Σ_j c_j y_j: item j's share is c_j · y_iᵀ A⁻¹ y_j (as implicit's explain)
        A, Y, c = self._system(row)
        shares = c * (Y @ np.linalg.solve(A, self.item_factors_[item].astype(np.float64)))
        return Explanation("factors", _largest(row.indices, shares, k), total,
                           "items the user interacted with; each adds its exact share of the score")


class BPR(_Factors):
    """Bayesian personalised ranking through ``implicit`` (item biases kept apart from the factors)."""

    name = "bpr"

    def __init__(self, factors: int = 64, iterations: int = 100, learning_rate: float = 0.005,
                 regularization: float = 0.002):
        self.factors = factors
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.regularization = regularization

    def _fit(self, X, progress, *, factors, iterations, learning_rate, regularization):
        import implicit.gpu
        from implicit.bpr import BayesianPersonalizedRanking

        with _threadpool_limits():
            # one thread: several would update the factors in a race (Hogwild) and no two fits would agree
            model = BayesianPersonalizedRanking(factors=factors, iterations=iterations, learning_rate=learning_rate,
                                                regularization=regularization, random_state=SEED, num_threads=1,
                                                use_gpu=implicit.gpu.HAS_CUDA)
            model.fit(_binary(X), show_progress=False, callback=lambda epoch, *_: progress(epoch + 1, iterations))
        self.model_ = model.to_cpu() if implicit.gpu.HAS_CUDA else model
        # implicit keeps the item bias as a last factor, met by a constant 1 in every user's vector
        Q = np.asarray(self.model_.item_factors, dtype=np.float32)
        self.item_factors_, self.item_offset_ = Q[:, :-1].copy(), Q[:, -1].copy()
        self.user_factors_ = np.asarray(self.model_.user_factors, dtype=np.float32)[:, :-1].copy()
        self.user_offset_ = np.zeros(X.shape[0], dtype=np.float32)
        self.reg_ = regularization

    def _fold_in(self, row):
        """Newton's method on the mean ``−ln σ(s_j − s_k)`` over every (rated j, unrated k) pair plus
        ``reg/2 |p|²``, item factors fixed. The objective is convex in p; from p = 0 full Newton steps settle
        in a handful of iterations (it stops when the Newton decrement falls below 1e-7)."""
        rated = np.zeros(self.n_items, dtype=bool)
        rated[row.indices] = True
        Q, b = self.item_factors_, self.item_offset_
        QJ, QU = Q[rated], Q[~rated]
        m = QJ.shape[0] * QU.shape[0]
        ridge = self.reg_ * np.eye(Q.shape[1])
        p = np.zeros(Q.shape[1])
        for _ in range(BPR_FOLD_IN_STEPS if m else 0):  # m = 0: the visitor rated everything, nothing to rank
            s = Q @ p.astype(np.float32) + b
            d = s[rated][:, None] - s[~rated][None, :]
            w = 0.5 * (1 - np.tanh(d / 2))  # σ(−d), without overflow
            h = w * (1 - w)
            grad = -(QJ.T @ w.sum(1) - QU.T @ w.sum(0)).astype(np.float64) / m + self.reg_ * p
            cross = QJ.T @ h @ QU
            hess = (QJ.T @ (h.sum(1)[:, None] * QJ) + QU.T @ (h.sum(0)[:, None] * QU) - cross - cross.T) / m
            step = np.linalg.solve(hess.astype(np.float64) + ridge, grad)
            p -= step
            if grad @ step < 1e-7:
                break
        return p.astype(np.float32), 0.0

    def _explain(self, row, user, item, k, total):
        return self._agreement(row, np.ones(row.nnz), item, k, total,
                               "items the user interacted with whose factors point the way this item's do")


# ------------------------------------------------------------------------------------------------ registry
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("popularity", "Most popular", Popularity,
              "Scores every item by how many users interacted with it; everyone gets the same list, minus what "
              "they have seen.",
              (), False, "baseline"),
    ModelSpec("user-knn", "User-based k-NN", UserKNN,
              "Finds the k users whose ratings look most like yours (cosine) and scores each item by the summed "
              "similarity of those neighbours who interacted with it.",
              (Param("k", 80, 1, 500, 1, help="how many neighbour users vote"),), False, "neighbours"),
    ModelSpec("item-knn", "Item-based k-NN", ItemKNN,
              "Compares items by who rated them; an item scores the sum, over the items you rated, of your rating "
              "times its similarity to them.",
              (Param("similarity", "cosine", choices=tuple(ITEM_SIMILARITIES),
                     help="cosine of the rating columns, or adjusted cosine (ratings minus each user's mean)"),
               Param("k", 200, 1, 1000, 1, help="how many most similar items each item keeps"),
               Param("shrink", 0.0, 0.0, 200.0, 5.0,
                     help="added to the cosine's denominator: pulls similarities from few shared users towards 0")),
              False, "neighbours"),
    ModelSpec("ease", "EASE (linear item-item)", EASE,
              "Learns, in one closed-form step, how much each item you interacted with says about every other "
              "item; an item's score is the sum of those weights.",
              (Param("l2", 500.0, 1.0, 5000.0, 10.0,
                     help="ridge penalty: larger values give smoother, more popularity-like weights"),),
              False, "linear"),
    ModelSpec("mf", "Matrix factorisation (ratings)", MF,
              "Predicts a rating as the average plus a user bias, an item bias and the dot product of a user "
              "vector and an item vector, learnt by gradient descent on the known ratings.",
              (Param("factors", 32, 1, 256, 1, help="length of the user and item vectors"),
               Param("epochs", 10, 1, 200, 1, help="passes over the ratings"),
               Param("lr", 0.05, 0.0005, 0.5, 0.0005, help="Adam's learning rate"),
               Param("reg", 0.15, 0.0, 2.0, 0.01, help="penalty on the squared size of the vectors and biases")),
              True, "factors"),
    ModelSpec("implicit-als", "Implicit ALS", ImplicitALS,
              "Learns user and item vectors whose dot product is near 1 for what you interacted with and near 0 "
              "for the rest, trusting the interactions alpha times more; solved by alternating least squares.",
              (Param("factors", 64, 1, 256, 1, help="length of the user and item vectors"),
               Param("iterations", 15, 1, 100, 1, help="rounds of alternating user and item solves"),
               Param("regularization", 40.0, 0.0, 200.0, 0.5, help="ridge penalty on the vectors"),
               Param("alpha", 5.0, 0.1, 100.0, 0.1, help="confidence given to every interaction")),
              False, "factors"),
    ModelSpec("bpr", "Bayesian personalised ranking", BPR,
              "Learns user and item vectors so that, for sampled pairs, an item you interacted with scores above "
              "one you did not; trained by stochastic gradient ascent.",
              (Param("factors", 64, 1, 256, 1, help="length of the user and item vectors"),
               Param("iterations", 100, 1, 1000, 1, help="passes over the interactions"),
               Param("learning_rate", 0.005, 0.0005, 1.0, 0.0005, help="step size of the updates"),
               Param("regularization", 0.002, 0.0, 1.0, 0.001, help="penalty on the size of the vectors")),
              False, "factors"),
)}


def make_model(name: str, **params) -> Recommender:
    """A model of :data:`MODELS` by name, its parameters checked (unknown ones and bad values raise
    :class:`InputError` naming them and what is allowed)."""
    if name not in MODELS:
        raise InputError(f"model {name!r} is not known; choose one of {', '.join(MODELS)}")
    spec = MODELS[name]
    known = {p.name: p for p in spec.params}
    unknown = [key for key in params if key not in known]
    if unknown:
        raise InputError(f"{name} has no parameter {unknown[0]!r}; its parameters are {', '.join(known) or 'none'}")
    return spec.cls(**{key: known[key].check(value) for key, value in params.items()})
