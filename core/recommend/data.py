"""Interactions of users with items, the matter of the recommendation lab.

:class:`Ratings` holds who rated what (one row per interaction: user, item, rating, time), the
items' titles and metadata and the users' attributes; :attr:`Ratings.matrix` is the users x items
sparse matrix every model of :mod:`core.recommend.models` is fitted on.

The built-in set is MovieLens 100k (943 users, 1,682 movies, 100,000 ratings from 1 to 5, September
1997 to April 1998), read from the ``recbole`` package where it ships (``pip install --no-deps
recbole``; the set-up command does it). The GroupLens terms let it be used for research and teaching
but not redistributed, so EmbedLab never copies it anywhere: it is read from the package each time.

Uploads (CSV of ``user``, ``item``, optional ``rating`` and ``timestamp``, optional item metadata)
are parsed, checked and kept by :mod:`core.recommend.uploads`.
"""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import InputError

MOVIELENS = "ml-100k"
MOVIELENS_PACKAGE = "recbole==1.2.1"
MOVIELENS_CREDIT = (
    "MovieLens 100k, GroupLens Research, University of Minnesota (F. M. Harper and J. A. Konstan, "
    "“The MovieLens Datasets: History and Context”, ACM TiiS 5(4), 2015); used under the GroupLens terms "
    "(research and teaching, no redistribution), read from the recbole package")
MOVIELENS_LABEL = "MovieLens 100k (943 users, 1,682 movies, 100,000 ratings)"
INSTALL_HINT = (f"the MovieLens 100k files ship inside the recbole package; install it with "
                f"`.venv/bin/pip install --no-deps {MOVIELENS_PACKAGE}` (the set-up command `make setup` does)")


@dataclass(frozen=True, eq=False)
class Ratings:
    """Users' interactions with items.

    Attributes
    ----------
    name : "ml-100k" or the id of an upload ("r-" and 12 hex digits)
    label : what people read
    user_ids, item_ids : the ids as given, in matrix row / column order
    users, items : (n,) int32 row and column of each interaction
    values : (n,) float32 ratings (1.0 for every interaction when the set has none)
    timestamps : (n,) int64 seconds since 1970, or None
    item_meta : one row an item (column order): ``title`` and, where known, ``year`` and ``genres``
        (a tuple of strings)
    user_meta : one row a user (row order), or None
    explicit : whether values are ratings (True) or mere interactions (False)
    rating_range : (lowest, highest) rating, (1, 1) when implicit
    """

    name: str
    label: str
    user_ids: list[str]
    item_ids: list[str]
    users: np.ndarray = field(repr=False)
    items: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    timestamps: np.ndarray | None = field(repr=False)
    item_meta: pd.DataFrame = field(repr=False)
    user_meta: pd.DataFrame | None = field(repr=False, default=None)
    explicit: bool = True
    credit: str = ""
    notes: tuple[str, ...] = ()

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def density(self) -> float:
        return self.n / max(1, self.n_users * self.n_items)

    @property
    def rating_range(self) -> tuple[float, float]:
        return (float(self.values.min()), float(self.values.max())) if self.n else (1.0, 1.0)

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """Users x items, float32, the rating where one was given (0 = none)."""
        return sp.csr_matrix((self.values, (self.users, self.items)), shape=(self.n_users, self.n_items),
                             dtype=np.float32)

    @cached_property
    def titles(self) -> list[str]:
        """Display titles: the title and, where known, the year in brackets."""
        meta = self.item_meta
        if "year" in meta and meta["year"].notna().any():
            return [f"{t} ({int(y)})" if pd.notna(y) else str(t) for t, y in zip(meta["title"], meta["year"],
                                                                                    strict=True)]
        return [str(t) for t in meta["title"]]

    @cached_property
    def _user_row(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.user_ids)}

    @cached_property
    def _item_col(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.item_ids)}

    def user_row(self, user) -> int:
        """The matrix row of a user id; an unknown id gets a message with close ones."""
        key = str(user).strip()
        if key in self._user_row:
            return self._user_row[key]
        close = difflib.get_close_matches(key, self.user_ids, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"there is no user {key!r} in {self.label} (ids run {self.user_ids[0]} … "
                         f"{self.user_ids[-1]}, {self.n_users:,} users).{hint}".rstrip("."))

    def item_col(self, item) -> int:
        """The matrix column of an item id; an unknown id gets a message with close titles."""
        key = str(item).strip()
        if key in self._item_col:
            return self._item_col[key]
        close = [self.item_ids[i] for i in self.find_items(key, k=3)]
        hint = f" Did you mean {', '.join(f'{c} ({self.titles[self._item_col[c]]})' for c in close)}?" if close else ""
        raise InputError(f"there is no item {key!r} in {self.label} ({self.n_items:,} items).{hint}".rstrip("."))

    def find_items(self, text: str, k: int = 10) -> list[int]:
        """Columns of the items whose title contains ``text`` (case-insensitive), most rated first; close
        titles when none contains it."""
        needle = str(text).strip().lower()
        if not needle:
            return []
        lowered = [t.lower() for t in self.titles]
        hits = [i for i, t in enumerate(lowered) if needle in t]
        if not hits:
            close = difflib.get_close_matches(needle, lowered, n=k, cutoff=0.5)
            where = {t: i for i, t in enumerate(lowered)}
            hits = [where[t] for t in close]
        counts = self.item_counts
        return sorted(hits, key=lambda i: -counts[i])[:k]

    @cached_property
    def item_counts(self) -> np.ndarray:
        """How many users interacted with each item."""
        return np.bincount(self.items, minlength=self.n_items)

    @cached_property
    def user_counts(self) -> np.ndarray:
        """How many items each user interacted with."""
        return np.bincount(self.users, minlength=self.n_users)

    def genres(self) -> list[str]:
        """Every genre of the items, most common first ([] when the set has none)."""
        if "genres" not in self.item_meta:
            return []
        counts = pd.Series([g for gs in self.item_meta["genres"] for g in gs]).value_counts()
        return counts.index.tolist()


# --- MovieLens 100k ------------------------------------------------------------------------------------


def movielens_dir() -> Path:
    """The folder of ``ml-100k.{inter,item,user}`` inside the installed recbole package."""
    spec = importlib.util.find_spec("recbole")  # finds the package without importing it (it needs torch & co)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"MovieLens 100k is not installed: {INSTALL_HINT}")
    root = Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k"
    missing = [f for f in ("ml-100k.inter", "ml-100k.item", "ml-100k.user") if not (root / f).is_file()]
    if missing:
        raise InputError(f"the recbole package at {root.parent.parent} lacks {', '.join(missing)}: {INSTALL_HINT}")
    return root


def _atomic(path: Path) -> pd.DataFrame:
    """A recbole atomic file: tab-separated, header fields ``name:type``."""
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [c.split(":", 1)[0] for c in frame.columns]
    return frame


def load_movielens(root: Path | None = None) -> Ratings:
    """MovieLens 100k from the recbole package: users and movies in id order (1..943, 1..1682)."""
    root = root or movielens_dir()
    inter = _atomic(root / "ml-100k.inter")
    items = _atomic(root / "ml-100k.item")
    users = _atomic(root / "ml-100k.user")
    items = items.assign(_k=items["item_id"].astype(int)).sort_values("_k").reset_index(drop=True)
    users = users.assign(_k=users["user_id"].astype(int)).sort_values("_k").reset_index(drop=True)
    item_ids, user_ids = items["item_id"].tolist(), users["user_id"].tolist()
    col = {v: i for i, v in enumerate(item_ids)}
    row = {v: i for i, v in enumerate(user_ids)}
    item_meta = pd.DataFrame({
        "title": items["movie_title"].str.strip(),
        "year": pd.to_numeric(items["release_year"], errors="coerce").astype("Int64"),
        "genres": [tuple(g for g in s.split() if g != "unknown") for s in items["class"]],
    })
    user_meta = pd.DataFrame({"age": users["age"].astype(int), "gender": users["gender"],
                              "occupation": users["occupation"], "zip": users["zip_code"]})
    return Ratings(
        name=MOVIELENS, label=MOVIELENS_LABEL, user_ids=user_ids, item_ids=item_ids,
        users=inter["user_id"].map(row).to_numpy(np.int32), items=inter["item_id"].map(col).to_numpy(np.int32),
        values=inter["rating"].astype(np.float32).to_numpy(),
        timestamps=inter["timestamp"].astype(float).astype(np.int64).to_numpy(),
        item_meta=item_meta, user_meta=user_meta, explicit=True, credit=MOVIELENS_CREDIT)


# --- the held-out split ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """A per-user random split: ``train`` and ``test`` are users x items matrices of the same shape that
    share no interaction; every user with at least 2 interactions keeps at least one on each side."""

    train: sp.csr_matrix
    test: sp.csr_matrix
    test_fraction: float
    seed: int

    @property
    def test_users(self) -> np.ndarray:
        return np.flatnonzero(np.diff(self.test.indptr))


def split(ratings: Ratings | sp.spmatrix, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Hold out ``test_fraction`` of every user's interactions at random (rounded, at least 1 and at most
    all but 1; users with fewer than 2 keep theirs in train)."""
    if not 0 < test_fraction < 1:
        raise InputError(f"the test fraction must lie between 0 and 1, not {test_fraction}")
    X = (ratings.matrix if isinstance(ratings, Ratings) else sp.csr_matrix(ratings)).astype(np.float32)
    X.sort_indices()
    rng = np.random.default_rng(seed)
    counts = np.diff(X.indptr)
    held = np.zeros(X.nnz, dtype=bool)
    for u in np.flatnonzero(counts >= 2):
        n = counts[u]
        m = min(n - 1, max(1, int(round(test_fraction * n))))
        held[X.indptr[u] + rng.choice(n, size=m, replace=False)] = True
    rows = np.repeat(np.arange(X.shape[0]), counts)

    def part(mask):
        return sp.csr_matrix((X.data[mask], (rows[mask], X.indices[mask])), shape=X.shape, dtype=np.float32)

    return Split(part(~held), part(held), float(test_fraction), int(seed))
