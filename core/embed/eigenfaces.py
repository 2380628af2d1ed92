"""Eigenfaces: PCA of face photos by SVD, written out so a lesson can show each step.

>>> from core import datasets
>>> from core.embed.eigenfaces import Eigenfaces
>>> faces = datasets.load("faces")
>>> model = Eigenfaces(n_components=50).fit(faces.vectors)
>>> model.components_.shape
(50, 4096)

:class:`Eigenfaces` follows scikit-learn's estimator contract and agrees with
``sklearn.decomposition.PCA`` (tested): centre the photos on the mean face, take the SVD of the
centred matrix, keep the top right-singular vectors (the eigenfaces). ``svd="full"`` uses LAPACK's
full SVD, ``svd="randomized"`` scikit-learn's randomized range finder (Halko et al. 2011), which is
what makes large collections cheap; :func:`compare_svd` times both and compares their results.
The lesson's other questions (how few components identify a person? where does a new face land?)
are :func:`identification_curve` and :meth:`Eigenfaces.transform` + :func:`nearest_people`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.errors import InputError

SVD_SOLVERS = ("full", "randomized")
FACE_SHAPE = (64, 64)  # the ORL/Olivetti photos as they ship


def _check_faces(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3:  # (n, h, w) images
        X = X.reshape(len(X), -1)
    if X.ndim != 2 or len(X) < 2:
        raise InputError(f"eigenfaces need at least 2 photos as an (n, pixels) or (n, h, w) array, got {X.shape}")
    if not np.isfinite(X).all():
        raise InputError("the photos contain NaN or infinite pixel values")
    return X


class Eigenfaces(TransformerMixin, BaseEstimator):
    """PCA of face photos by SVD.

    Parameters
    ----------
    n_components : int, how many eigenfaces to keep (1 .. min(n_photos, n_pixels))
    svd : {"full", "randomized"}
    random_state : seed of the randomized SVD

    Attributes
    ----------
    mean_ : (pixels,) the mean face
    components_ : (n_components, pixels) the eigenfaces, unit length, strongest first
    singular_values_ : (n_components,)
    explained_variance_ : (n_components,) variance along each eigenface
    explained_variance_ratio_ : (n_components,) its share of the total variance
    """

    def __init__(self, n_components: int = 50, svd: str = "full", random_state: int | None = 0):
        self.n_components = n_components
        self.svd = svd
        self.random_state = random_state

    def fit(self, X, y=None):
        X = _check_faces(X)
        n, d = X.shape
        k = self.n_components
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(n, d):
            raise InputError(f"n_components={k!r} must be a whole number between 1 and min(n_photos, n_pixels)="
                             f"{min(n, d)}")
        if self.svd not in SVD_SOLVERS:
            raise InputError(f"svd={self.svd!r} is not known; choose one of {', '.join(SVD_SOLVERS)}")
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        if self.svd == "full":
            _, s, vt = np.linalg.svd(centred, full_matrices=False)
            s, vt = s[:k], vt[:k]
        else:
            from sklearn.utils.extmath import randomized_svd

            # 2 power iterations and 20 extra samples: within 1 % of the full SVD's reconstruction error
            # on the faces at a third of its time (bench/bench_eigenfaces.py)
            _, s, vt = randomized_svd(centred, k, n_oversamples=20, n_iter=2, random_state=self.random_state)
        vt = _fix_signs(vt)
        total = (centred ** 2).sum() / (n - 1)
        self.components_ = vt
        self.singular_values_ = s
        self.explained_variance_ = s ** 2 / (n - 1)
        self.explained_variance_ratio_ = self.explained_variance_ / total if total > 0 else np.zeros_like(s)
        self.n_features_in_ = d
        return self

    def _check_width(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(1, -1) if X.ndim == 1 else X.reshape(len(X), -1) if X.ndim == 3 else X
        if not np.isfinite(X).all():
            raise InputError("the photos contain NaN or infinite pixel values")
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise InputError(f"a photo here has {self.n_features_in_} pixels ({FACE_SHAPE[0]}x{FACE_SHAPE[1]}); "
                             f"got {X.shape[1]}: resize it first (see core.embed.eigenfaces.align_face)")
        return X

    def transform(self, X, k: int | None = None) -> np.ndarray:
        """Coordinates of the photos on the first ``k`` eigenfaces (all when None)."""
        X = self._check_width(X)
        return (X - self.mean_) @ self.components_[: self._k(k)].T

    def reconstruct(self, X, k: int | None = None) -> np.ndarray:
        """The photos rebuilt from their first ``k`` coordinates: mean + sum of weighted eigenfaces."""
        kk = self._k(k)
        return self.mean_ + self.transform(X, kk) @ self.components_[:kk]

    def reconstruction_error(self, X, k: int | None = None) -> np.ndarray:
        """Root-mean-square pixel error of each photo rebuilt from ``k`` components."""
        X = self._check_width(X)
        return np.sqrt(((X - self.reconstruct(X, k)) ** 2).mean(axis=1))

    def _k(self, k: int | None) -> int:
        top = len(self.components_)
        if k is None:
            return top
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= top:
            raise InputError(f"k={k!r} must be a whole number from 0 to the {top} fitted components")
        return int(k)


def _fix_signs(vt: np.ndarray) -> np.ndarray:
    """An SVD's signs are arbitrary: make each eigenface's largest-magnitude pixel positive, so full and
    randomized SVD (and sklearn) draw the same pictures."""
    flip = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    return vt * np.where(flip == 0, 1, flip)[:, None]


def split_by_shot(shots: np.ndarray, test_shots=(9, 10)) -> tuple[np.ndarray, np.ndarray]:
    """Rows for training and for testing: every person's photos ``test_shots`` are held out."""
    shots = np.asarray(shots)
    test = np.isin(shots, test_shots)
    if test.all() or not test.any():
        raise InputError(f"test_shots={tuple(test_shots)} must hold out some photos of each person, not none or all")
    return np.flatnonzero(~test), np.flatnonzero(test)


def identification_curve(X, people, shots, ks=(1, 2, 5, 10, 20, 50, 100), test_shots=(9, 10),
                         svd: str = "full") -> dict[int, float]:
    """1-nearest-neighbour accuracy of naming the person in held-out photos, using ``k`` eigenfaces.

    The eigenfaces are fitted on the training photos only; each held-out photo is matched to its
    nearest training photo (euclidean, in the k-dimensional face space).
    """
    X = _check_faces(X)
    people = np.asarray(people)
    train, test = split_by_shot(shots, test_shots)
    top = max(ks)
    if top > min(len(train), X.shape[1]):
        raise InputError(f"k={top} is more components than the {len(train)} training photos allow")
    model = Eigenfaces(n_components=top, svd=svd).fit(X[train])
    z_train, z_test = model.transform(X[train]), model.transform(X[test])
    out = {}
    for k in ks:
        a, b = z_test[:, :k], z_train[:, :k]
        d = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
        out[int(k)] = float((people[train][d.argmin(axis=1)] == people[test]).mean())
    return out


def nearest_people(model: Eigenfaces, photo: np.ndarray, X, people, k: int | None = None, top: int = 5):
    """The rows of ``X`` nearest to ``photo`` in the face space of ``k`` eigenfaces: (rows, distances)."""
    z = model.transform(np.asarray(photo, dtype=np.float64).reshape(1, -1), k)
    zx = model.transform(X, k)
    d = np.sqrt(((zx - z) ** 2).sum(axis=1))
    order = np.argsort(d, kind="stable")[:top]
    return order, d[order]


def align_face(image, shape: tuple[int, int] = FACE_SHAPE) -> np.ndarray:
    """A photo (path, bytes, PIL image or array) as the dataset's photos are: grey, centre-cropped to
    their aspect, resized to ``shape``, pixel values in [0, 1], flattened."""

    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(image, (bytes, bytearray)):  # an upload: checked (size, format, damage) as every picture is
            from core.datasets.parsers import read_picture

            img = Image.fromarray(read_picture(bytes(image), "the photo", what="photo"))
        elif isinstance(image, np.ndarray):
            arr = image.astype(np.float64)
            img = Image.fromarray((255 * arr / max(arr.max(), 1e-12)).astype(np.uint8) if arr.max() <= 1
                                  else arr.astype(np.uint8))
        elif isinstance(image, Image.Image):
            img = image
        else:
            img = Image.open(image)
        img = img.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"the photo could not be read as an image ({exc}); use a PNG or JPEG") from None
    h, w = shape
    scale = min(img.width / w, img.height / h)
    cw, ch = int(w * scale), int(h * scale)
    left, top = (img.width - cw) // 2, (img.height - ch) // 2
    img = img.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
    return np.asarray(img, dtype=np.float64).reshape(-1) / 255.0


@dataclass
class SvdComparison:
    """Full against randomized SVD for the same number of components."""

    n_components: int
    full_seconds: float
    randomized_seconds: float
    full_error: float  # mean RMS reconstruction error of the photos from the components
    randomized_error: float
    component_similarity: np.ndarray  # |cos| between matching eigenfaces, 1 = the same picture

    @property
    def speedup(self) -> float:
        return self.full_seconds / self.randomized_seconds

    @property
    def error_gap(self) -> float:
        """Relative extra reconstruction error of the randomized SVD (0.01 = 1 % worse)."""
        return self.randomized_error / self.full_error - 1.0


def compare_svd(X, n_components: int = 50, repeat: int = 3, random_state: int = 0) -> SvdComparison:
    """Time full and randomized SVD (best of ``repeat``) and compare what they find."""
    X = _check_faces(X)
    best = {}
    models = {}
    for solver in SVD_SOLVERS:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            models[solver] = Eigenfaces(n_components, svd=solver, random_state=random_state).fit(X)
            times.append(time.perf_counter() - start)
        best[solver] = min(times)
    full, rand = models["full"], models["randomized"]
    sim = np.abs((full.components_ * rand.components_).sum(axis=1))
    return SvdComparison(n_components, best["full"], best["randomized"],
                         float(full.reconstruction_error(X).mean()), float(rand.reconstruction_error(X).mean()), sim)


def as_images(vectors: np.ndarray, shape: tuple[int, int] = FACE_SHAPE, stretch: bool = False) -> np.ndarray:
    """Rows as uint8 pictures: pixel values in [0, 1] as they are, or (``stretch``) each row's own
    range stretched to black..white (eigenfaces and residuals have negative values)."""
    v = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    if stretch:
        lo, hi = v.min(axis=1, keepdims=True), v.max(axis=1, keepdims=True)
        v = (v - lo) / np.where(hi > lo, hi - lo, 1)
    return (np.clip(v, 0, 1) * 255).round().astype(np.uint8).reshape(len(v), *shape)
