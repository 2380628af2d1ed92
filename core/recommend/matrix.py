"""Looking at the user-item matrix: which block to show, in which order, and its long tail.

A 943 x 1,682 matrix that is 94 % empty shows nothing as a whole; the lesson shows a block of it. The
block is the most active users x the most rated items (where the data is), in one of the orders of
:data:`ORDERS`: by activity and popularity, by id, or clustered (rows and columns each put in the leaf
order of an average-linkage hierarchical clustering by cosine distance, scipy), which gathers users of
similar taste and items rated by the same people so that structure appears as blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.errors import InputError

MAX_BLOCK = 200  # rows or columns of a block a page may ask for


def _by_activity(X: sp.csr_matrix, n_users: int, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    user_counts = np.diff(X.indptr)
    item_counts = np.bincount(X.indices, minlength=X.shape[1])
    rows = np.argsort(-user_counts, kind="stable")[:n_users]
    cols = np.argsort(-item_counts, kind="stable")[:n_items]
    return rows, cols


def _by_id(X, n_users, n_items):
    rows, cols = _by_activity(X, n_users, n_items)
    return np.sort(rows), np.sort(cols)


def _leaf_order(M: np.ndarray) -> np.ndarray:
    """The leaf order of an average-linkage clustering of the rows of ``M`` by cosine distance."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import pdist

    if len(M) < 3:
        return np.arange(len(M))
    present = (M != 0).astype(np.float64)
    present[present.sum(axis=1) == 0, 0] = 1e-9  # an empty row has no direction; keep it finite
    d = pdist(present, "cosine")
    tree = linkage(d, "average")
    return leaves_list(optimal_leaf_ordering(tree, d))


def _clustered(X, n_users, n_items):
    rows, cols = _by_activity(X, n_users, n_items)
    block = X[rows][:, cols].toarray()
    return rows[_leaf_order(block)], cols[_leaf_order(block.T)]


def _random(X, n_users, n_items):
    """A seeded random sample of users and items (the matrix as it really is: mostly empty), most active first."""
    rng = np.random.default_rng(0)
    user_counts = np.diff(X.indptr)
    item_counts = np.bincount(X.indices, minlength=X.shape[1])
    rows = rng.choice(X.shape[0], size=n_users, replace=False)
    cols = rng.choice(X.shape[1], size=n_items, replace=False)
    return rows[np.argsort(-user_counts[rows], kind="stable")], cols[np.argsort(-item_counts[cols], kind="stable")]


ORDERS = {
    "random": ("a random sample of users and items, as sparse as the whole matrix", _random),
    "activity": ("most active users, most rated items first", _by_activity),
    "clustered": ("similar users and similar items next to each other (hierarchical clustering)", _clustered),
    "id": ("by id (the most active users and most rated items, in id order)", _by_id),
}


def block(X: sp.csr_matrix, n_users: int = 40, n_items: int = 40, order: str = "random"
          ) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the block of ``X`` to show: ``n_users`` x ``n_items``, in ``order``."""
    if order not in ORDERS:
        raise InputError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    for what, n in (("users", n_users), ("items", n_items)):
        if not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_BLOCK:
            raise InputError(f"the block needs 1 to {MAX_BLOCK} {what}, not {n}")
    n_users, n_items = min(n_users, X.shape[0]), min(n_items, X.shape[1])
    rows, cols = ORDERS[order][1](sp.csr_matrix(X), n_users, n_items)
    return np.asarray(rows), np.asarray(cols)


@dataclass(frozen=True)
class LongTail:
    """Items ranked by how many users interacted with them."""

    counts: np.ndarray  # sorted, most rated first
    head_items: int  # how many items make up the head
    head_share: float  # the head's share of all interactions
    unrated: int  # items nobody interacted with

    @property
    def n_items(self) -> int:
        return len(self.counts)


def long_tail(X: sp.csr_matrix, head_fraction_of_interactions: float = 0.5) -> LongTail:
    """The popularity curve, and the smallest head of items that gathers ``head_fraction`` of interactions."""
    counts = np.sort(np.bincount(sp.csr_matrix(X).indices, minlength=X.shape[1]))[::-1]
    total = counts.sum()
    cum = np.cumsum(counts) / max(total, 1)
    head = int(np.searchsorted(cum, head_fraction_of_interactions) + 1) if total else 0
    return LongTail(counts, head, float(cum[head - 1]) if head else 0.0, int((counts == 0).sum()))
