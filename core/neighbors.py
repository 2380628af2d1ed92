"""Exact k-nearest neighbours in the ORIGINAL space, by cosine or euclidean distance.

``NeighborIndex(vectors, metric)`` builds once and answers single queries (a row, or a free
vector) in milliseconds; :func:`knn_graph` answers every row at once (for the quality metrics).
Backends by name, all exact: ``"pruned"`` (a bounded scan that reads about half the bytes; big
sets), ``"faiss"`` (flat index), ``"kdtree"`` (2-D/3-D projections) and ``"numpy"`` (brute force, the
reference the tests hold the others to). ``"auto"`` picks by the data's shape (see NeighborIndex).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

METRICS = ("cosine", "euclidean")


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


class _NumpyBackend:
    """Brute force on inner products: cosine on unit vectors, euclidean via |a|^2 - 2ab + |b|^2."""

    def __init__(self, base: np.ndarray, metric: str) -> None:
        self.base, self.metric = base, metric
        self.sq = (base * base).sum(axis=1) if metric == "euclidean" else None

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ip = q @ self.base.T
        score = -ip if self.metric == "cosine" else self.sq[None, :] - 2 * ip  # smaller is nearer
        k = min(k, score.shape[1])
        part = np.argpartition(score, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(score, part, 1).argsort(axis=1, kind="stable")
        idx = np.take_along_axis(part, order, 1)
        s = np.take_along_axis(score, idx, 1)
        if self.metric == "cosine":
            return idx, 1.0 + s  # 1 - cos
        return idx, np.sqrt(np.maximum(s + (q * q).sum(axis=1, keepdims=True), 0))


@contextlib.contextmanager
def _faiss_threads(n: int | None):
    import faiss

    before = faiss.omp_get_max_threads()
    if n:
        faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class _FaissBackend:
    def __init__(self, base: np.ndarray, metric: str) -> None:
        import faiss

        self.metric = metric
        self.index = faiss.IndexFlatIP(base.shape[1]) if metric == "cosine" else faiss.IndexFlatL2(base.shape[1])
        self.index.add(base)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        # One thread answers a single query about twice as fast as two (measured); batches use all.
        with _faiss_threads(1 if len(q) < 16 else None):
            d, idx = self.index.search(q, min(k, self.index.ntotal))
        if self.metric == "cosine":
            return idx, 1.0 - d
        return idx, np.sqrt(np.maximum(d, 0))


class _KDTreeBackend:
    """scipy's k-d tree: exact, and ~25x faster than a flat scan on 2-D/3-D projections."""

    def __init__(self, base: np.ndarray, metric: str) -> None:
        from scipy.spatial import cKDTree

        if metric != "euclidean":
            raise InputError("the k-d tree backend answers euclidean queries only; use faiss or numpy for cosine")
        self.tree = cKDTree(base)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.tree.n)
        dist, idx = self.tree.query(q, k=k)
        return idx.reshape(len(q), k).astype(np.int64), dist.reshape(len(q), k)


class _PrunedBackend:
    """Exact search that reads about half the bytes of a flat scan, for single queries on big sets.

    The vectors are rotated by PCA (an orthogonal map: dot products and norms are unchanged) and
    split into a "head" of the first ``m`` dimensions and the rest. For a query q and a row x,
    Cauchy-Schwarz gives ``q.x <= head(q).head(x) + |tail(q)| |tail(x)|``. One scan of the head
    bounds every row; the rows with the best bounds give a threshold (the k-th best exact score
    among them), and only rows whose bound reaches it are scored exactly, so the answer is the
    exact one. On GloVe (400k x 50, m=28) under 1% of the rows need an exact score and a query
    takes about half the time of faiss's flat index. Batches (many queries) use one dense product.
    """

    HEAD_SHARE = 0.56
    EPS = 1e-5  # float32 slack on the bound, relative to the score's size

    def __init__(self, base: np.ndarray, metric: str) -> None:
        sample = base[:: max(1, len(base) // 50_000)].astype(np.float64)
        _, vecs = np.linalg.eigh(np.cov(sample.T))
        self.rot = np.ascontiguousarray(vecs[:, ::-1], dtype=np.float32)
        self.rotated = np.ascontiguousarray(base @ self.rot)
        self.m = max(1, round(base.shape[1] * self.HEAD_SHARE))
        self.head = np.ascontiguousarray(self.rotated[:, : self.m])
        self.tail_norm = np.linalg.norm(self.rotated[:, self.m:], axis=1).astype(np.float32)
        self.metric = metric
        # maximise q.x - offset(x): offset 0 on unit vectors (cosine), |x|^2 / 2 for euclidean
        self.offset = None if metric == "cosine" else 0.5 * (self.rotated * self.rotated).sum(axis=1)

    def _score(self, rows: np.ndarray, qr: np.ndarray) -> np.ndarray:
        s = self.rotated[rows] @ qr
        return s if self.offset is None else s - self.offset[rows]

    def _one(self, qr: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        bound = self.head @ qr[: self.m] + np.linalg.norm(qr[self.m:]) * self.tail_norm
        if self.offset is not None:
            bound -= self.offset
        # rows with the best bounds: those above the 3rd best of a 1-in-128 sample (cheap), else top 4k
        cut = np.partition(bound[::128], -3)[-3] if len(bound) >= 384 else -np.inf
        top = np.flatnonzero(bound >= cut)
        if len(top) < k:
            top = np.argpartition(bound, -min(len(bound), 4 * k))[-min(len(bound), 4 * k):]
        tau = np.partition(self._score(top, qr), -k)[-k]
        cand = np.flatnonzero(bound >= tau - self.EPS * (abs(tau) + 1.0))
        score = self._score(cand, qr)
        order = np.argsort(-score, kind="stable")[:k]
        return cand[order], score[order]

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self.rotated))
        qr_all = q @ self.rot
        if len(q) >= 16:  # a batch: one dense product beats per-query pruning
            scores = qr_all @ self.rotated.T
            if self.offset is not None:
                scores -= self.offset[None, :]
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            order = np.take_along_axis(-scores, part, 1).argsort(axis=1, kind="stable")
            idx = np.take_along_axis(part, order, 1)
            best = np.take_along_axis(scores, idx, 1)
        else:
            pairs = [self._one(qr, k) for qr in qr_all]
            idx = np.stack([p[0] for p in pairs])
            best = np.stack([p[1] for p in pairs])
        if self.metric == "cosine":
            return idx, 1.0 - best
        q_sq = (q * q).sum(axis=1, keepdims=True)
        return idx, np.sqrt(np.maximum(q_sq - 2.0 * best, 0))


PRUNE_MIN_ROWS, PRUNE_MIN_DIMS = 50_000, 16
BATCH_CELLS = 50_000_000  # a batch's score matrix stays under ~200 MB (numpy and pruned backends)


def _faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


BACKENDS = {"faiss": _FaissBackend, "numpy": _NumpyBackend, "kdtree": _KDTreeBackend, "pruned": _PrunedBackend}


@dataclass
class Neighbors:
    """Result of one query: row indices and distances, nearest first."""

    indices: np.ndarray
    distances: np.ndarray


class NeighborIndex:
    """Exact nearest-neighbour search over a fixed set of vectors.

    Parameters
    ----------
    vectors : array (n, d)
    metric : {"cosine", "euclidean"}
    backend : {"auto", "faiss", "numpy", "kdtree", "pruned"}
        ``"auto"``: a k-d tree for euclidean search in at most 3 dimensions (projections); the pruned
        exact scan for big sets (at least 50k rows of at least 16 dimensions); else faiss when
        installed, else numpy. All are exact.
    """

    def __init__(self, vectors: np.ndarray, metric: str = "cosine", backend: str = "auto") -> None:
        if metric not in METRICS:
            raise InputError(f"metric={metric!r} is not known; choose one of {', '.join(METRICS)}")
        if backend == "auto":
            n, d = np.shape(vectors) if np.ndim(vectors) == 2 else (0, 0)
            if metric == "euclidean" and d <= 3:
                backend = "kdtree"
            elif n >= PRUNE_MIN_ROWS and d >= PRUNE_MIN_DIMS:
                backend = "pruned"
            else:
                backend = "faiss" if _faiss_available() else "numpy"
        if backend not in BACKENDS:
            raise InputError(f"backend={backend!r} is not known; choose one of auto, {', '.join(BACKENDS)}")
        self.metric, self.backend_name = metric, backend
        base = np.ascontiguousarray(vectors, dtype=np.float32)
        self.n = len(base)
        self._prep = _normalise if metric == "cosine" else (lambda x: x)
        self._backend = BACKENDS[backend](np.ascontiguousarray(self._prep(base)), metric)

    def _check_k(self, k: int, exclude_self: bool) -> None:
        limit = self.n - 1 if exclude_self else self.n
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= limit:
            raise InputError(f"k={k!r} must be a whole number between 1 and {limit} (the number of other points)")

    def query_vector(self, vector: np.ndarray, k: int = 10) -> Neighbors:
        """The k rows nearest to a free vector (e.g. king - man + woman)."""
        self._check_k(k, exclude_self=False)
        q = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if not np.isfinite(q).all():
            raise InputError("the query vector contains NaN or infinite values")
        idx, dist = self._backend.search(np.ascontiguousarray(self._prep(q)), k)
        return Neighbors(idx[0], dist[0])

    def query_row(self, row: int, vectors: np.ndarray, k: int = 10) -> Neighbors:
        """The k rows nearest to row ``row`` of ``vectors`` (the indexed ones), itself excluded."""
        self._check_k(k, exclude_self=True)
        if not 0 <= row < self.n:
            raise InputError(f"row {row} is out of range; the dataset has {self.n} rows")
        res = self.query_vector(vectors[row], k + 1)
        keep = res.indices != row
        if keep.all():  # exact duplicates can push the row itself out of the top k+1
            keep[-1] = False
        return Neighbors(res.indices[keep][:k], res.distances[keep][:k])


def knn_table(x: np.ndarray, k: int, metric: str = "euclidean", backend: str = "auto",
              include_self: bool = False, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances (n, k) of each row's k nearest rows, nearest first, for every row at once.

    With ``include_self`` each row is its own first neighbour at distance 0 (UMAP's convention);
    without, the row itself is left out. ``rows`` limits the queries to those rows (the search still
    covers all of ``x``); the result then has ``len(rows)`` lines.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    index = NeighborIndex(x, metric=metric, backend=backend)
    index._check_k(k, exclude_self=not include_self)
    want = k if include_self else k + 1
    queries = np.arange(len(x)) if rows is None else np.asarray(rows, dtype=np.int64)
    out_idx = np.empty((len(queries), k), dtype=np.int64)
    out_dist = np.empty((len(queries), k), dtype=np.float32)
    q_all = np.ascontiguousarray(index._prep(x[queries]))
    step = max(16, min(4096, BATCH_CELLS // max(len(x), 1)))  # queries x rows scored at once
    for start in range(0, len(queries), step):
        idx, dist = index._backend.search(q_all[start:start + step], want)
        me = queries[start:start + len(idx)]
        is_self = idx == me[:, None]
        # put the row itself first (include_self) or drop it; where exact duplicates pushed it out of
        # the list, it replaces the farthest candidate
        where = np.where(is_self.any(axis=1), is_self.argmax(axis=1), want - 1)
        keep = np.ones_like(idx, dtype=bool)
        keep[np.arange(len(idx)), where] = False
        rest_idx = idx[keep].reshape(len(idx), want - 1)
        rest_dist = dist[keep].reshape(len(idx), want - 1)
        if include_self:
            rest_idx = np.concatenate([me[:, None], rest_idx], axis=1)
            rest_dist = np.concatenate([np.zeros((len(idx), 1), dtype=rest_dist.dtype), rest_dist], axis=1)
        out_idx[start:start + len(idx)] = rest_idx
        out_dist[start:start + len(idx)] = np.maximum(rest_dist, 0)
    return out_idx, out_dist


def knn_graph(x: np.ndarray, k: int, metric: str = "euclidean", backend: str = "auto",
              rows: np.ndarray | None = None) -> np.ndarray:
    """Indices (n, k) of each row's (or each of ``rows``') k nearest other rows, nearest first."""
    return knn_table(x, k, metric, backend, rows=rows)[0]
