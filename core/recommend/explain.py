"""Recommendations put into words: a model's :meth:`~core.recommend.models.Recommender.explain` with titles,
a user's genre profile, and the users most like a user."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_AXES = {"items": "contribution of each rated item to the score", "users": "weight of each similar user",
         "factors": "agreement of each rated item with this one (factors)", "popularity": "users who rated it"}


@dataclass(frozen=True)
class Reason:
    """One recommendation explained: ``short`` for a table cell, ``sentence`` for a paragraph, and the
    contributors as bar labels and weights."""

    short: str
    sentence: str
    labels: list[str]
    weights: list[float]
    axis: str
    total: float = 0.0  # the model's score, or what the contributors explain (see Explanation.total)
    kind: str = ""


def _stars(value: float, explicit: bool) -> str:
    return f" ({value:g}★)" if explicit else ""


def reasons(model, data, user, item: int, k: int = 3) -> Reason:
    """Why ``model`` recommends ``item`` to ``user`` (a row of ``data``, or a visitor's 1 x n_items row)."""
    exp = model.explain(user, int(item), k=k)
    row = data.matrix[user] if isinstance(user, (int, np.integer)) else sp.csr_matrix(user)
    rated = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    title = data.titles[int(item)]
    contributors = [(int(i), float(w)) for i, w in exp.contributors]
    if exp.kind in ("items", "factors"):
        labels = [data.titles[i] + _stars(rated.get(i, 0), data.explicit and i in rated) for i, _ in contributors]
        short = "you rated " + "; ".join(labels[:2]) if labels else exp.text
        sentence = (f"**{title}** is recommended because of items the user rated: "
                    + ", ".join(f"*{lab}*" for lab in labels[:3]) + f". {exp.text[:1].upper()}{exp.text[1:]}."
                    if labels else f"**{title}**: {exp.text}.")
    elif exp.kind == "users":
        labels = [f"user {data.user_ids[u]}" for u, _ in contributors]
        short = f"{len(labels)} similar users liked it" if labels else exp.text
        sentence = (f"**{title}** is recommended because similar users rated it: "
                    + ", ".join(labels[:3]) + f". {exp.text[:1].upper()}{exp.text[1:]}." if labels
                    else f"**{title}**: {exp.text}.")
    else:
        labels = []
        count = int(data.item_counts[int(item)])
        short = f"{count:,} users rated it"
        sentence = f"**{title}** is one of the most rated items ({count:,} users): popularity knows nothing else."
    return Reason(short, sentence, labels, [w for _, w in contributors] if labels else [],
                  _AXES.get(exp.kind, "weight"), float(exp.total), exp.kind)


def genre_profile(data, cols) -> dict[str, float]:
    """The share of each genre among the items ``cols`` (an item with 3 genres counts a third to each)."""
    if "genres" not in data.item_meta or not len(cols):
        return {}
    counts: Counter = Counter()
    for c in cols:
        genres = data.item_meta["genres"].iloc[int(c)]
        for g in genres:
            counts[g] += 1 / len(genres)
    total = sum(counts.values()) or 1.0
    return {g: counts[g] / total for g in data.genres() if counts[g]}


@dataclass(frozen=True)
class SimilarUsers:
    users: np.ndarray
    scores: np.ndarray
    overlap: np.ndarray  # items both rated
    tips: list[list[int]]  # per neighbour: items they rated highest that the user has not seen


def similar_users(X: sp.csr_matrix, row: int, k: int = 10, tips: int = 3) -> SimilarUsers:
    """The ``k`` users whose rating rows are closest to ``row``'s by cosine."""
    X = sp.csr_matrix(X, dtype=np.float32)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    me = X[row]
    sims = np.asarray((X @ me.T).todense()).ravel() / (norms * norms[row])
    sims[row] = -np.inf
    k = min(k, X.shape[0] - 1)
    top = np.argpartition(-sims, k - 1)[:k] if k > 0 else np.array([], dtype=int)
    top = top[np.argsort(-sims[top], kind="stable")]
    mine = set(me.indices.tolist())
    B = (X != 0).astype(np.float32)
    overlap = np.asarray(B[top] @ B[row].T.toarray()).ravel().astype(int)
    out = []
    for v in top:
        items, values = X.indices[X.indptr[v]:X.indptr[v + 1]], X.data[X.indptr[v]:X.indptr[v + 1]]
        order = np.argsort(-values, kind="stable")
        out.append([int(items[j]) for j in order if int(items[j]) not in mine][:tips])
    return SimilarUsers(top, sims[top], overlap, out)
