"""Projections of a dataset to 2-D or 3-D: one entry point, :func:`project`, with a disk cache.

>>> from core import datasets, embed
>>> p = embed.project(datasets.load("iris"), "pca", dims=2)
>>> p.coords.shape
(150, 2)

The estimators themselves (:class:`PCA`, :class:`TSNE`, :class:`UMAP`) follow scikit-learn's
contract and can be used on any array from a notebook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from core.datasets.base import array_hash
from core.embed import cache
from core.embed.projectors import METHODS, PCA, TSNE, UMAP, Progress, make_projector


@dataclass
class Projection:
    """Coordinates of every row plus how they were made."""

    method: str
    params: dict
    coords: np.ndarray
    seconds: float
    cached: bool = False
    explained_variance_ratio: np.ndarray | None = field(default=None, repr=False)
    key: str = ""  # the disk-cache key: data content hash + method + parameters

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])


def project(data, method: str = "pca", dims: int = 2, seed: int | None = 0, params: dict | None = None,
            use_cache: bool = True, progress: Progress = None) -> Projection:
    """Project a :class:`~core.datasets.Dataset` (or a plain array) with a registered method.

    Parameters
    ----------
    data : Dataset or array (n, d)
    method : {"pca", "tsne", "umap"}
    dims : 2 or 3
    seed : random_state of the method
    params : extra estimator parameters (``perplexity``, ``n_neighbors``, ``axes``...)
    use_cache : read and write the disk cache
    progress : callable taking a fraction in [0, 1]
    """
    params = dict(params or {})
    if "axes" in params and params["axes"] is not None:
        params["axes"] = tuple(int(a) for a in params["axes"])
    estimator = make_projector(method, n_components=dims, random_state=seed, **params)
    vectors = getattr(data, "vectors", data)
    content_hash = data.content_hash() if hasattr(data, "content_hash") else array_hash(vectors)
    full_params = {k: v for k, v in estimator.get_params().items() if k != "n_jobs"}
    key = cache.cache_key(content_hash, method, full_params)
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            arrays, info = hit
            if progress:
                progress(1.0)
            return Projection(method, full_params, arrays["coords"], info["seconds"], cached=True,
                              explained_variance_ratio=arrays.get("explained_variance_ratio"), key=key)
    start = time.perf_counter()
    coords = estimator.fit_transform(vectors, progress=progress)
    seconds = time.perf_counter() - start
    evr = getattr(estimator, "explained_variance_ratio_", None)
    if use_cache:
        arrays = {"coords": coords}
        if evr is not None:
            arrays["explained_variance_ratio"] = evr
        cache.put(key, arrays, {"seconds": seconds, "method": method})
    return Projection(method, full_params, coords, seconds, explained_variance_ratio=evr, key=key)


def projection_quality(data, projection: Projection, k: int = 10, use_cache: bool = True):
    """Trustworthiness and k-NN recall of a projection (see :mod:`core.metrics`), cached beside it."""
    from core.metrics import Quality, quality

    key = cache.cache_key(projection.key, "quality", {"k": int(k), "metric": "euclidean"})
    if use_cache and projection.key:
        hit = cache.get(key)
        if hit is not None:
            arrays, info = hit
            return Quality(int(k), info["trustworthiness"], info["knn_recall"], arrays["trust"], arrays["recall"],
                           sampled=info.get("sampled"))
    q = quality(getattr(data, "vectors", data), projection.coords, k=k)
    if use_cache and projection.key:
        cache.put(key, {"trust": q.trustworthiness_per_point, "recall": q.knn_recall_per_point},
                  {"trustworthiness": q.trustworthiness, "knn_recall": q.knn_recall, "k": int(k),
                   "sampled": q.sampled})
    return q


__all__ = ["METHODS", "PCA", "TSNE", "UMAP", "Projection", "make_projector", "project", "projection_quality"]
