"""Projection methods as scikit-learn-style estimators: PCA, t-SNE (openTSNE) and UMAP (umap-learn).

Each follows the estimator contract: ``__init__`` stores its keyword arguments, ``fit(X)`` validates,
learns and returns ``self``, learned state ends in ``_`` (``embedding_``), and randomness comes only
through ``random_state``. ``progress`` is an optional callable taking a fraction in [0, 1].
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.errors import InputError

Progress = Callable[[float], None] | None


def _usable_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _check_X(X) -> np.ndarray:
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) < 3:
        raise InputError(f"a projection needs a 2-D array of at least 3 rows, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise InputError("the vectors contain NaN or infinite values; remove or fill them first")
    return X


def _check_dims(n_components: int) -> None:
    if n_components not in (2, 3):
        raise InputError(f"n_components={n_components!r} must be 2 or 3")


class PCA(TransformerMixin, BaseEstimator):
    """Principal components. ``axes`` picks which components (1-based) become the plot's axes.

    Attributes
    ----------
    embedding_ : (n, n_components) coordinates on the chosen axes
    explained_variance_ratio_ : share of variance of every fitted component (1..max(axes, 10))
    """

    def __init__(self, n_components: int = 2, axes: tuple[int, ...] | None = None, random_state: int | None = 0):
        self.n_components = n_components
        self.axes = axes
        self.random_state = random_state

    def fit(self, X, y=None, progress: Progress = None):
        from sklearn.decomposition import PCA as SkPCA

        X = _check_X(X)
        _check_dims(self.n_components)
        axes = tuple(self.axes) if self.axes else tuple(range(1, self.n_components + 1))
        limit = min(X.shape)
        if len(axes) != self.n_components or any(not 1 <= int(a) <= limit for a in axes):
            raise InputError(
                f"axes={axes} must name {self.n_components} components, each between 1 and "
                f"min(n_samples, n_features)={limit}"
            )
        # at least 10 components (when there are), so the variance chart shows what the axes leave out
        self.pca_ = SkPCA(n_components=max(*axes, min(10, limit)), random_state=self.random_state).fit(X)
        self.explained_variance_ratio_ = self.pca_.explained_variance_ratio_
        self.axes_ = axes
        self.embedding_ = self.pca_.transform(X)[:, [a - 1 for a in axes]].astype(np.float32)
        if progress:
            progress(1.0)
        return self

    def transform(self, X):
        return self.pca_.transform(_check_X(X))[:, [a - 1 for a in self.axes_]].astype(np.float32)

    def fit_transform(self, X, y=None, progress: Progress = None):
        return self.fit(X, progress=progress).embedding_


class TSNE(BaseEstimator):
    """t-SNE through openTSNE (Barnes-Hut; FFT-accelerated from 10k points in 2-D)."""

    def __init__(self, n_components: int = 2, perplexity: float = 30.0, metric: str = "euclidean",
                 n_iter: int = 500, learning_rate: float | str = "auto", random_state: int | None = 0,
                 n_jobs: int = -1):
        self.n_components = n_components
        self.perplexity = perplexity
        self.learning_rate = learning_rate
        self.metric = metric
        self.n_iter = n_iter
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None, progress: Progress = None):
        from openTSNE import TSNE as OpenTSNE

        X = _check_X(X)
        _check_dims(self.n_components)
        top = (len(X) - 1) / 3
        if not 1 <= self.perplexity <= top:
            raise InputError(f"perplexity={self.perplexity!r} must be between 1 and (n-1)/3={top:g} for n={len(X)}")
        if self.metric not in ("euclidean", "cosine"):
            raise InputError(f"metric={self.metric!r} must be 'euclidean' or 'cosine'")
        if not 50 <= int(self.n_iter) <= 5000:
            raise InputError(f"n_iter={self.n_iter!r} must be between 50 and 5000")
        rate = self.learning_rate
        numeric = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
        if rate != "auto" and not (numeric and 1 <= rate <= 100_000):
            raise InputError(f"learning_rate={rate!r} must be 'auto' (n/12) or a number from 1 to 100000")
        early, every = 250, 25
        total = early + int(self.n_iter)
        state = {"done": 0}

        def tick(iteration, error, embedding):
            state["done"] += every
            if progress:
                progress(min(0.99, state["done"] / total))

        model = OpenTSNE(
            n_components=self.n_components,
            perplexity=self.perplexity,
            metric=self.metric,
            n_iter=int(self.n_iter),
            learning_rate=rate if rate == "auto" else float(rate),
            early_exaggeration_iter=early,
            # openTSNE's "auto": Barnes-Hut below 10k points (FFT's grid costs 10-30x more there), FFT above
            negative_gradient_method="auto" if self.n_components <= 2 else "bh",
            random_state=self.random_state,
            n_jobs=self.n_jobs if self.n_jobs != -1 else _usable_cpus(),
            callbacks=tick if progress else None,
            callbacks_every_iters=every,
            verbose=False,
        )
        self.embedding_ = np.asarray(model.fit(X), dtype=np.float32)
        if progress:
            progress(1.0)
        return self

    def fit_transform(self, X, y=None, progress: Progress = None):
        return self.fit(X, progress=progress).embedding_


class UMAP(BaseEstimator):
    """UMAP through umap-learn, on an exact k-NN graph.

    umap-learn finds neighbours with pynndescent, whose numba code is compiled anew in every process
    (about a minute on two cores) and cannot be cached on disk. The exact graph from
    :func:`core.neighbors.knn_table` (faiss) is handed over as ``precomputed_knn`` instead: no such
    compile, and neighbours that are exact rather than approximate. The rest of umap's numba code is
    cached on disk (see :mod:`core.embed.warmup`).
    """

    def __init__(self, n_components: int = 2, n_neighbors: int = 15, min_dist: float = 0.1,
                 metric: str = "euclidean", random_state: int | None = 0):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state

    def fit(self, X, y=None, progress: Progress = None):
        X = _check_X(X)
        _check_dims(self.n_components)
        if not 2 <= int(self.n_neighbors) < len(X):
            raise InputError(f"n_neighbors={self.n_neighbors!r} must be between 2 and n-1={len(X) - 1}")
        if not 0.0 <= float(self.min_dist) <= 1.0:
            raise InputError(f"min_dist={self.min_dist!r} must be between 0 and 1")
        if self.metric not in ("euclidean", "cosine"):
            raise InputError(f"metric={self.metric!r} must be 'euclidean' or 'cosine'")
        import warnings

        from core.embed.warmup import umap_module
        from core.neighbors import knn_table

        umap = umap_module()
        knn_idx, knn_dist = knn_table(X, int(self.n_neighbors), self.metric, include_self=True)
        if progress:
            progress(0.2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # n_jobs vs random_state, and "no search index for transform"
            model = umap.UMAP(n_components=self.n_components, n_neighbors=int(self.n_neighbors),
                              min_dist=float(self.min_dist), metric=self.metric, random_state=self.random_state,
                              precomputed_knn=(knn_idx, knn_dist, None))
            self.embedding_ = np.asarray(model.fit_transform(X), dtype=np.float32)
        if progress:
            progress(1.0)
        return self

    def fit_transform(self, X, y=None, progress: Progress = None):
        return self.fit(X, progress=progress).embedding_


METHODS: dict[str, type] = {"pca": PCA, "tsne": TSNE, "umap": UMAP}


def make_projector(method: str, n_components: int = 2, random_state: int | None = 0, **params):
    """Build the estimator registered under ``method``; unknown names and parameters are refused."""
    if method not in METHODS:
        raise InputError(f"method={method!r} is not known; choose one of {', '.join(METHODS)}")
    cls = METHODS[method]
    allowed = set(cls().get_params()) - {"n_components", "random_state"}
    unknown = set(params) - allowed
    if unknown:
        raise InputError(
            f"{method} has no parameter {', '.join(sorted(unknown))}; it takes {', '.join(sorted(allowed))}"
        )
    return cls(n_components=n_components, random_state=random_state, **params)
