"""Image collections as CNN features: EfficientNet-Lite0 vectors, "more like this", and a map snapped to a grid.

>>> from core.represent import images
>>> feats = images.image_features("faces")        # (400, 1280) float32; computed once, then read from disk
>>> rows, scores = images.more_like_this(feats, 0, k=5)
>>> cells = images.grid_layout(coords2d, *images.grid_shape(len(coords2d)))

Features
    Every image goes through EfficientNet-Lite0 (ImageNet weights, :mod:`core.embed.encoders`): RGB at 224x224,
    values in [-1, 1], the last feature map averaged to 1,280 numbers. Grey images are repeated on the three
    channels. The result is cached on disk under ``cache_dir()/image-features``, keyed by a SHA-256 of the
    pixels (shape and bytes) and :data:`FEATURES_VERSION`, so a collection already seen is never encoded again,
    in any process. Uploaded image datasets already carry these features, computed from the pictures as
    uploaded (a large JPEG decoded at a reduced scale of at least 224 pixels a side; the workspace keeps only
    64-pixel thumbnails), and those are used as they are.

More like this
    Exact cosine similarity between feature vectors, the image itself left out.

Grid view
    The 2-D map is stretched to the unit square and every image is given one cell of a ``rows x cols`` grid so
    that the sum of squared distances between points and their cells' centres is smallest: a linear assignment
    problem, solved exactly by :func:`scipy.optimize.linear_sum_assignment` (as IsoMatch, Fried et al. 2015, and
    RasterFairy do). Neighbours on the map stay neighbours on the grid as far as a grid allows.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

ENCODER = "efficientnet-lite0"
FEATURES_VERSION = 1  # part of every cache key: bump when the encoder or its preprocessing changes
DIM = 1280
MAX_K = 50


@dataclass(frozen=True)
class Collection:
    """A built-in image collection: rows of a built-in dataset (every ``step``-th one, up to ``limit``)."""

    name: str
    dataset: str
    description: str
    step: int = 1
    limit: int | None = None

    def rows(self, n: int) -> np.ndarray:
        return np.arange(0, n, self.step)[: self.limit]


COLLECTIONS: dict[str, Collection] = {c.name: c for c in (
    Collection("faces", "faces", "400 ORL/Olivetti faces: 40 people, 10 photos each (grey, 64x64)"),
    Collection("digits-500", "digits", "500 handwritten digits of scikit-learn (the first 500, 8x8 pixels)",
               limit=500),
    Collection("mnist-1k", "mnist-5k", "1,000 MNIST digits (every 5th of mnist-5k, 28x28 pixels)", step=5),
    Collection("mnist-5k", "mnist-5k", "5,000 MNIST digits, 500 of each (28x28 pixels; a few minutes to encode)"),
)}
DEFAULT = "faces"


def _workspace_image_ids() -> list[str]:
    """Uploaded datasets with pictures (feature datasets saved by this module left out: they repeat a collection)."""
    from core.datasets import workspace

    ids = []
    for ws_id in workspace.list_ids():
        try:
            manifest = workspace._manifest(ws_id)
        except InputError:  # one damaged upload must not hide the others
            continue
        if manifest.get("image_shape") and manifest.get("source") != SOURCE:
            ids.append(ws_id)
    return ids


def collection_names(include_workspace: bool = True) -> list[str]:
    """Built-in collections first, then uploaded image datasets of the workspace (by id)."""
    return list(COLLECTIONS) + (_workspace_image_ids() if include_workspace else [])


def load_collection(name: str):
    """The :class:`~core.datasets.Dataset` of a collection (its ``images`` are the pictures)."""
    from core import datasets
    from core.datasets import workspace

    if name in COLLECTIONS:
        spec = COLLECTIONS[name]
        full = datasets.load(spec.dataset)
        rows = spec.rows(full.n)
        ds = full.subset(rows, name=name)  # a copy: the loaded dataset may be shared
        ds.description = spec.description
        return ds
    if workspace.exists(name):
        ds = workspace.load(name)
        if ds.images is None:
            raise InputError(f"dataset {name!r} has no images; upload a zip or folder of .png/.jpg pictures instead")
        return ds
    raise InputError(f"image collection {name!r} does not exist; choose one of {', '.join(COLLECTIONS)} "
                     "or the id of an uploaded image dataset")


def carries_features(ds) -> bool:
    """An uploaded image dataset whose vectors are already EfficientNet-Lite0 features (of the full pictures)."""
    return ds.dim == DIM and "EfficientNet-Lite0" in (ds.description or "")


def images_hash(images: np.ndarray) -> str:
    """SHA-256 of the pixels (dtype, shape and bytes), the encoder and :data:`FEATURES_VERSION`."""
    pix = np.ascontiguousarray(images)
    head = f"{ENCODER}|v{FEATURES_VERSION}|{pix.dtype}|{pix.shape}|".encode()
    return hashlib.sha256(head + memoryview(pix).cast("B")).hexdigest()[:32]


def _cache_path(key: str):
    from core.paths import cache_dir

    root = cache_dir() / "image-features"
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{key}.npy"


def _read(path) -> np.ndarray | None:
    try:
        feats = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):  # missing or damaged: compute again
        return None
    return feats if feats.ndim == 2 and feats.shape[1] == DIM else None


def _encoder():
    """The loaded EfficientNet-Lite0 (tests replace this with a fake)."""
    from core.embed.encoders import get_encoder

    return get_encoder(ENCODER)


def encode_images(images: np.ndarray, progress: Callable[[float], None] | None = None) -> np.ndarray:
    """EfficientNet-Lite0 features of uint8 pictures (n, h, w) or (n, h, w, 3), no cache: (n, 1280) float32."""
    from PIL import Image

    pictures = [Image.fromarray(np.asarray(im, dtype=np.uint8)) for im in images]
    feats = np.asarray(_encoder()(pictures, progress=progress), dtype=np.float32)
    if feats.shape != (len(pictures), DIM):
        raise RuntimeError(f"the image encoder returned shape {feats.shape}, expected {(len(pictures), DIM)}")
    return feats


def features_cached(name: str) -> bool:
    """Whether :func:`image_features` of this collection will be read rather than computed."""
    ds = load_collection(name)
    return carries_features(ds) or _read(_cache_path(images_hash(ds.images))) is not None


def image_features(name: str, progress: Callable[[float], None] | None = None) -> np.ndarray:
    """EfficientNet-Lite0 features of every image of a collection, (n, 1280) float32, computed at most once.

    Parameters
    ----------
    name : a key of :data:`COLLECTIONS` or the id of an uploaded image dataset
    progress : callable taking the fraction done, called while images are encoded (and once with 1.0 on a hit)
    """
    ds = load_collection(name)
    if carries_features(ds):
        feats = ds.vectors
    else:
        path = _cache_path(images_hash(ds.images))
        feats = _read(path)
        if feats is None:
            feats = encode_images(ds.images, progress=progress)
            tmp = path.with_name(f".{uuid.uuid4().hex}.npy")
            np.save(tmp, feats)
            os.replace(tmp, path)  # atomic: another process never reads half a file
    if progress:
        progress(1.0)
    return np.ascontiguousarray(feats, dtype=np.float32)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def check_index(i, n: int) -> int:
    """``i`` as a row index of ``n`` images, or an InputError saying which are valid."""
    if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)) or not 0 <= int(i) < n:
        raise InputError(f"image index {i!r} is not an image of this collection; use a whole number from 0 to {n - 1}")
    return int(i)


def more_like_this(features: np.ndarray, i: int, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` images most similar to image ``i`` by cosine of their features (exact), most similar first.

    Returns the row indices (``i`` itself left out) and their cosine similarities. Ties go to the lower row.
    """
    feats = np.asarray(features, dtype=np.float32)
    n = len(feats)
    i = check_index(i, n)
    if not 1 <= k <= min(MAX_K, n - 1):
        raise InputError(f"k={k} must be between 1 and {min(MAX_K, n - 1)} (the other images, at most {MAX_K})")
    unit = _unit_rows(feats)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    order = np.lexsort((np.arange(n), -sims))[:k]
    return order, sims[order].astype(np.float32)


def same_label_share(labels, i: int, rows: np.ndarray) -> float:
    """The share of ``rows`` whose label is image ``i``'s (how often "more like this" finds the same person/digit)."""
    labels = np.asarray(labels).astype(str)
    return float(np.mean(labels[np.asarray(rows)] == labels[i])) if len(rows) else 0.0


def grid_shape(n: int, aspect: float = 1.0) -> tuple[int, int]:
    """The smallest ``(rows, cols)`` grid with about ``cols / rows = aspect`` that holds ``n`` images."""
    if n < 1:
        raise InputError("a grid needs at least 1 image")
    cols = max(1, int(np.ceil(np.sqrt(n * aspect))))
    return int(np.ceil(n / cols)), cols


def grid_layout(coords2d: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Snap a 2-D map to a ``rows x cols`` grid: the cell of each point (``r * cols + c``, row 0 at the top).

    Each cell holds at most one point and the total squared distance between the points (stretched to the unit
    square) and their cells' centres is the smallest possible (an optimal linear assignment).
    """
    pts = np.asarray(coords2d, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputError(f"coords2d must be an (n, 2) array of map coordinates, got shape {pts.shape}")
    n = len(pts)
    if rows < 1 or cols < 1 or rows * cols < n:
        raise InputError(f"a {rows}x{cols} grid has {max(rows, 0) * max(cols, 0)} cells for {n} images; "
                         "use grid_shape(n) or a larger grid")
    from scipy.optimize import linear_sum_assignment

    lo, span = pts.min(axis=0), np.ptp(pts, axis=0)
    unit = (pts - lo) / np.where(span > 0, span, 1)
    cc, rr = np.meshgrid((np.arange(cols) + 0.5) / cols, 1 - (np.arange(rows) + 0.5) / rows)  # y up, row 0 on top
    centres = np.column_stack([cc.ravel(), rr.ravel()])
    cost = ((unit[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    point, cell = linear_sum_assignment(cost)
    out = np.empty(n, dtype=np.int64)
    out[point] = cell
    return out


def assignment_cost(coords2d: np.ndarray, cells: np.ndarray, rows: int, cols: int) -> float:
    """Total squared distance between the points (stretched to the unit square) and the centres of ``cells``."""
    pts = np.asarray(coords2d, dtype=np.float64)
    lo, span = pts.min(axis=0), np.ptp(pts, axis=0)
    unit = (pts - lo) / np.where(span > 0, span, 1)
    r, c = np.divmod(np.asarray(cells), cols)
    centres = np.column_stack([(c + 0.5) / cols, 1 - (r + 0.5) / rows])
    return float(((unit - centres) ** 2).sum())


SOURCE = "image-features"  # the workspace ``source`` of feature datasets saved for Explore


def features_dataset(name: str, features: np.ndarray):
    """A collection as a :class:`~core.datasets.Dataset` of its features, pictures kept (for Explore)."""
    from core.datasets import Dataset

    ds = load_collection(name)
    return Dataset(name=f"{name}-efficientnet", vectors=features, meta=ds.meta.copy(),
                   description=f"EfficientNet-Lite0 features (1,280-d) of {ds.description or name}",
                   credit=f"{ds.credit}; features by EfficientNet-Lite0 (ImageNet, Apache 2.0)", images=ds.images)
