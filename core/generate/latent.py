"""Walking a GAN's latent space: seeded samples, truncation, interpolation, arithmetic and 2-D slices.

All functions work on numpy arrays of latent vectors (one row per sample) so that the page, the CLI and the
tests share them; the generator itself is in :mod:`core.generate.models`.

- :func:`noise`: the latent vectors of a seed, N(0, I). The same seed always gives the same vectors.
- truncation ``psi``: every vector is pulled toward the centre of the prior, ``z * psi`` (the "truncation
  trick" of StyleGAN, with the prior's mean, 0, as the average). ``psi = 1`` changes nothing; smaller values
  trade variety for typical, cleaner images; ``psi = 0`` gives the one "average" image.
- :func:`lerp` and :func:`slerp`: straight-line and great-circle paths between two vectors. In high
  dimensions N(0, I) samples lie near a sphere of radius sqrt(d); the midpoint of a straight line falls
  inside it (norm about sqrt(d/2)), where the generator saw nothing in training, and slerp stays on it
  (White 2016, "Sampling generative networks").
- :func:`plane`: an evenly spaced grid on a 2-D plane through a centre vector, to decode as an image grid.
"""

from __future__ import annotations

import numpy as np

from core.checks import check_real, check_whole
from core.errors import InputError

MAX_SEED = 2**31 - 1
MAX_SAMPLES = 1024


def noise(n: int, z_dim: int, seed: int = 0, psi: float = 1.0) -> np.ndarray:
    """``n`` latent vectors of size ``z_dim`` from the seed, scaled by the truncation ``psi``: float32 (n, z_dim)."""
    check_whole("n", n, 1, MAX_SAMPLES)
    check_whole("seed", seed, 0, MAX_SEED)
    check_real("truncation", psi, 0.0, 2.0, "1 is none; smaller gives more typical images")
    z = np.random.default_rng(int(seed)).standard_normal((int(n), int(z_dim))).astype(np.float32)
    return (z * np.float32(psi)).astype(np.float32)


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise InputError(f"interpolation needs two vectors of the same size, got shapes {a.shape} and {b.shape}")
    return a, b


def _steps(n: int) -> np.ndarray:
    check_whole("steps", n, 2, 256)
    return np.linspace(0.0, 1.0, int(n))


def lerp(a, b, n: int) -> np.ndarray:
    """``n`` evenly spaced points on the straight line from ``a`` to ``b`` (both ends included)."""
    a, b = _pair(a, b)
    t = _steps(n)[:, None]
    return ((1 - t) * a + t * b).astype(np.float32)


def slerp(a, b, n: int) -> np.ndarray:
    """``n`` points on the great circle from ``a`` to ``b``, norms interpolated linearly (both ends included)."""
    a, b = _pair(a, b)
    t = _steps(n)[:, None]
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return lerp(a, b, n)
    ua, ub = a / na, b / nb
    omega = np.arccos(np.clip(ua @ ub, -1.0, 1.0))
    if omega < 1e-6:  # the same direction: the arc is the line
        return lerp(a, b, n)
    direction = (np.sin((1 - t) * omega) * ua + np.sin(t * omega) * ub) / np.sin(omega)
    return (direction * ((1 - t) * na + t * nb)).astype(np.float32)


PATHS = {"linear": lerp, "spherical": slerp}


def interpolate(a, b, n: int, path: str = "spherical") -> np.ndarray:
    if path not in PATHS:
        raise InputError(f"path={path!r} is not known; choose one of {', '.join(PATHS)}")
    return PATHS[path](a, b, n)


def arithmetic(a, b, c) -> np.ndarray:
    """``a - b + c``: e.g. (smiling woman - neutral woman + neutral man). Each may be one vector or a mean of rows."""
    parts = [np.asarray(v, dtype=np.float32) for v in (a, b, c)]
    parts = [p.mean(axis=0) if p.ndim == 2 else p for p in parts]
    if len({p.shape for p in parts}) != 1:
        raise InputError("latent arithmetic needs three vectors of the same size")
    return (parts[0] - parts[1] + parts[2]).astype(np.float32)


def plane(center, seed: int, n: int, extent: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A grid of ``n`` x ``n`` latent vectors on a random 2-D plane through ``center``.

    The plane is spanned by two orthonormal directions drawn from the seed (Gram-Schmidt). Returns
    (vectors (n*n, z_dim) row by row from the top, the horizontal coordinates, the vertical coordinates); a
    point at (x, y) of the plane is :func:`plane_point` ``(center, seed, x, y)``.
    """
    check_whole("grid size", n, 2, 24)
    check_real("extent", extent, 0.1, 10.0, "how far from the centre the grid reaches, in units of the prior")
    xs = np.linspace(-extent, extent, int(n))
    ys = xs[::-1]  # the top row is the largest y, as on a chart
    gx, gy = np.meshgrid(xs, ys)
    return plane_point(center, seed, gx.ravel(), gy.ravel()), xs, ys


def plane_axes(z_dim: int, seed: int) -> np.ndarray:
    """Two orthonormal directions (2, z_dim) drawn from the seed."""
    check_whole("seed", seed, 0, MAX_SEED)
    q, _ = np.linalg.qr(np.random.default_rng(int(seed)).standard_normal((int(z_dim), 2)))
    return q.T


def plane_point(center, seed: int, x, y) -> np.ndarray:
    """The latent vector(s) at plane coordinates (x, y): ``center + x * u + y * v``."""
    center = np.asarray(center, dtype=np.float64)
    if center.ndim != 1:
        raise InputError(f"the centre must be one latent vector, got shape {center.shape}")
    u, v = plane_axes(len(center), seed)
    x, y = np.atleast_1d(np.asarray(x, dtype=np.float64)), np.atleast_1d(np.asarray(y, dtype=np.float64))
    return (center + x[:, None] * u + y[:, None] * v).astype(np.float32)
