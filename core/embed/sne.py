"""The inner steps of SNE and t-SNE, written out for the lesson: affinities, the map's kernel, the KL cost.

>>> import numpy as np
>>> from core.embed import sne
>>> X = np.random.default_rng(0).normal(size=(100, 5))
>>> P_cond, sigmas = sne.conditional_p(X, perplexity=10)
>>> bool(np.allclose(sne.row_perplexity(P_cond), 10))
True

Everything here is dense (n x n) numpy, meant for the few hundred points a lesson shows; the tests
check each step against scikit-learn's and openTSNE's own code. :func:`tsne_trace` runs openTSNE itself
and records the map every few iterations, so a page can replay the optimisation.

Conventions
-----------
* High-dimensional affinity: ``p(j|i) = exp(-beta_i d_ij^2) / sum_k exp(-beta_i d_ik^2)`` with
  ``beta_i = 1 / (2 sigma_i^2)``; ``beta_i`` is found by binary search so that the row's perplexity
  ``2^H`` (``H`` its Shannon entropy in bits) equals the one asked for.
* Map kernels (:data:`KERNELS`): Student-t with one degree of freedom ``(1 + d^2)^-1`` (t-SNE) and
  Gaussian ``exp(-d^2)`` (SNE, whose map uses a fixed ``sigma = 1/sqrt(2)``).
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core.checks import check_whole
from core.embed.projectors import Progress, _check_X, _usable_cpus
from core.errors import InputError

if TYPE_CHECKING:
    import scipy.sparse

MAX_DENSE = 5000  # rows of the dense (n x n) matrices built here: 5000^2 float64 is 200 MB each
MAX_SNAPSHOTS = 1000  # maps a trace keeps (n x 2 float32 each)
_BLOCK = 1024  # rows searched together by conditional_p (bounds the temporaries at 1024 x n)


def _dense_points(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < 3:
        raise InputError(f"{name} must be a 2-D array (points x dimensions) of at least 3 rows, got shape {X.shape}")
    if len(X) > MAX_DENSE:
        raise InputError(f"{name} has {len(X)} rows; this step builds a dense n x n matrix and takes at most "
                         f"{MAX_DENSE} rows: take a sample first")
    if not np.isfinite(X).all():
        raise InputError(f"{name} contains NaN or infinite values; remove or fill them first")
    return X


def _check_perplexity(perplexity: float, n: int) -> None:
    top = (n - 1) / 3  # the same bound as core.embed.projectors.TSNE (openTSNE wants 3 * perplexity neighbours)
    if not isinstance(perplexity, numbers.Real) or isinstance(perplexity, bool) or not 1 <= perplexity <= top:
        raise InputError(f"perplexity={perplexity!r} must be between 1 and (n-1)/3={top:g} for n={n}")


def _squared_distances(X: np.ndarray) -> np.ndarray:
    sq = (X * X).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.maximum(d2, 0.0, out=d2)  # rounding can leave tiny negatives
    np.fill_diagonal(d2, 0.0)
    return d2


def _search_block(d2: np.ndarray, rows: np.ndarray, target: float, tol: float,
                  max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Binary search of beta for a block of rows at once; returns their p(j|i) and the betas used."""
    m = len(rows)
    own = (np.arange(m), rows)
    # Shifting each row by its smallest distance leaves p(j|i) unchanged and keeps exp() from
    # underflowing to all zeros when distances are large (the nearest neighbour always gets exp(0) = 1).
    d = d2[rows].copy()
    d[own] = np.inf
    d -= d.min(axis=1, keepdims=True)
    d[own] = 0.0
    beta, lo, hi = np.ones(m), np.zeros(m), np.full(m, np.inf)
    used, P = np.ones(m), np.zeros_like(d)
    active = np.arange(m)
    for _ in range(max_iter):
        e = np.exp(-beta[active, None] * d[active])
        e[np.arange(len(active)), rows[active]] = 0.0
        total = e.sum(axis=1)
        p = e / total[:, None]
        entropy = np.log(total) + beta[active] * (p * d[active]).sum(axis=1)  # in nats
        P[active], used[active] = p, beta[active]
        diff = entropy - target
        done = np.abs(diff) <= tol
        flat, peaked = (diff > 0) & ~done, (diff < 0) & ~done  # too flat: raise beta; too peaked: lower it
        lo[active[flat]] = beta[active[flat]]
        hi[active[peaked]] = beta[active[peaked]]
        a = active
        grow = np.where(np.isinf(hi[a]), beta[a] * 2.0, (beta[a] + hi[a]) / 2.0)
        beta[a] = np.where(flat, grow, np.where(peaked, (beta[a] + lo[a]) / 2.0, beta[a]))
        active = active[~done]
        if not len(active):
            break
    return P, used


def conditional_p(X, perplexity: float = 30.0, tol: float = 1e-5, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """SNE's conditional affinities p(j|i) with a Gaussian per point whose width matches the perplexity.

    Parameters
    ----------
    X : (n, d) points in the original space, n <= 5000 (the result is dense)
    perplexity : the effective number of neighbours, 2^H with H the entropy of row i in bits;
        between 1 and (n-1)/3 as for :class:`core.embed.projectors.TSNE`
    tol : how close the entropy (in nats, as scikit-learn) must come to log(perplexity)
    max_iter : binary-search steps per row at most; a row that has not converged keeps its last step
        (this happens when more than ``perplexity`` points share one position)

    Returns
    -------
    P_cond : (n, n) float64, row i is p(.|i): rows sum to 1, zero diagonal
    sigmas : (n,) the Gaussian's standard deviation per row, sqrt(1 / (2 beta_i))
    """
    X = _dense_points(X)
    _check_perplexity(perplexity, len(X))
    if not tol > 0:
        raise InputError(f"tol={tol!r} must be a positive number (1e-5 is scikit-learn's)")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise InputError(f"max_iter={max_iter!r} must be a whole number of at least 1 (100 is scikit-learn's)")
    n = len(X)
    d2 = _squared_distances(X)
    P, beta = np.zeros((n, n)), np.ones(n)
    for start in range(0, n, _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, n))
        P[rows], beta[rows] = _search_block(d2, rows, float(np.log(perplexity)), float(tol), int(max_iter))
    return P, np.sqrt(1.0 / (2.0 * beta))


def row_perplexity(P_cond: np.ndarray) -> np.ndarray:
    """Perplexity 2^H of every row (H its entropy in bits): the effective number of neighbours."""
    P = np.asarray(P_cond, dtype=np.float64)
    logs = np.log2(P, out=np.zeros_like(P), where=P > 0)
    return np.exp2(-(P * logs).sum(axis=1))


def joint_p(P_cond: np.ndarray) -> np.ndarray:
    """t-SNE's symmetric affinities p_ij = (p(j|i) + p(i|j)) / 2n; they sum to 1 over all pairs.

    Parameters
    ----------
    P_cond : (n, n) conditional affinities from :func:`conditional_p` (rows sum to 1)
    """
    P = np.asarray(P_cond, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise InputError(f"P_cond must be a square (n, n) matrix, got shape {P.shape}; make it with conditional_p")
    if not np.isfinite(P).all() or (P < 0).any():
        raise InputError("P_cond must hold finite, non-negative probabilities; make it with conditional_p")
    return (P + P.T) / (2.0 * len(P))


def _student_t(d2: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + d2)


def _gaussian(d2: np.ndarray) -> np.ndarray:
    # the shift cancels in the normalisation and keeps the nearest point at exp(0) = 1
    return np.exp(-(d2 - d2.min()))


KERNELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"t": _student_t, "gaussian": _gaussian}


def conditional_q(Y, i: int, kernel: str = "t") -> np.ndarray:
    """The map's conditional similarities q(j|i) of every point j to point ``i``.

    Parameters
    ----------
    Y : (n, k) map coordinates
    i : the point whose neighbours are scored
    kernel : "t" for t-SNE's Student-t (1 + d^2)^-1, "gaussian" for SNE's exp(-d^2)

    Returns
    -------
    (n,) q(j|i), summing to 1 over j != i, with q(i|i) = 0
    """
    if kernel not in KERNELS:
        raise InputError(f"kernel={kernel!r} is not known; choose one of {', '.join(KERNELS)}")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or len(Y) < 2 or not np.isfinite(Y).all():
        raise InputError(f"Y must be a finite 2-D array (points x map dimensions) of at least 2 rows, got {Y.shape}")
    if not isinstance(i, (int, np.integer)) or not 0 <= i < len(Y):
        raise InputError(f"i={i!r} must be a point index from 0 to {len(Y) - 1}")
    d2 = ((Y - Y[i]) ** 2).sum(axis=1)
    d2[i] = np.inf
    w = KERNELS[kernel](d2)
    return w / w.sum()


def joint_q(Y) -> np.ndarray:
    """t-SNE's map similarities q_ij = (1 + |y_i - y_j|^2)^-1 / Z over all pairs i != j (dense (n, n))."""
    Y = _dense_points(Y, "Y")
    W = 1.0 / (1.0 + _squared_distances(Y))
    np.fill_diagonal(W, 0.0)
    return W / W.sum()


def kl_divergence(P_joint, Y) -> float:
    """Exact KL(P || Q) = sum over pairs of p_ij log(p_ij / q_ij), with t-SNE's Q of the map ``Y``.

    Parameters
    ----------
    P_joint : (n, n) joint affinities summing to 1 (:func:`joint_p`), dense or scipy sparse
        (openTSNE's ``affinities.P``); pairs with p_ij = 0 add nothing
    Y : (n, k) map coordinates, n <= 5000
    """
    import scipy.sparse
    from scipy.spatial.distance import pdist

    Y = _dense_points(Y, "Y")
    n = len(Y)
    if scipy.sparse.issparse(P_joint):
        coo = scipy.sparse.coo_matrix(P_joint)
        shape, r, c, p = coo.shape, coo.row, coo.col, coo.data.astype(np.float64)
    else:
        P = np.asarray(P_joint, dtype=np.float64)
        shape = P.shape
    if shape != (n, n):
        raise InputError(f"P_joint has shape {shape} but Y has {n} points; P_joint must be ({n}, {n})")
    if not scipy.sparse.issparse(P_joint):
        r, c = np.nonzero(P)
        p = P[r, c]
    if not np.isfinite(p).all() or (p < 0).any() or abs(p.sum() - 1.0) > 1e-3:
        raise InputError(f"P_joint must hold non-negative probabilities summing to 1 (it sums to {p.sum():.4g}); "
                         "make it with joint_p")
    keep = (p > 0) & (r != c)
    r, c, p = r[keep], c[keep], p[keep]
    log_z = np.log(2.0 * np.sum(1.0 / (1.0 + pdist(Y, "sqeuclidean"))))  # Z sums both orders of each pair
    log_w = -np.log1p(((Y[r] - Y[c]) ** 2).sum(axis=1))
    return float(np.sum(p * (np.log(p) - log_w + log_z)))


@dataclass
class TsneTrace:
    """A t-SNE run recorded every few iterations, for replaying the optimisation.

    Attributes
    ----------
    iterations : (m,) int, iteration of each record, counted from the start of early exaggeration
    kl : (m,) KL(P || Q) openTSNE reported at each record (Barnes-Hut estimate; during early
        exaggeration openTSNE already converts it to the KL of the true, unexaggerated P)
    snapshots : (m, n, 2) float32, the map at each record (the one the KL was computed on)
    embedding : (n, 2) float32, the final map
    exaggeration_end : iteration at which early exaggeration stops
    perplexity : the perplexity of the affinities
    seconds : wall-clock time of the run
    final_kl : openTSNE's KL of the final map (``TSNEEmbedding.kl_divergence``)
    affinities : (n, n) scipy sparse joint P openTSNE optimised for (sums to 1)
    """

    iterations: np.ndarray
    kl: np.ndarray
    snapshots: np.ndarray = field(repr=False)
    embedding: np.ndarray = field(repr=False)
    exaggeration_end: int
    perplexity: float
    seconds: float
    final_kl: float
    affinities: scipy.sparse.csr_matrix | None = field(default=None, repr=False)


class _Recorder:
    """openTSNE callback: calls restart at 1 in each phase, so count phases through its start hook."""

    def __init__(self, early: int, total: int, progress: Progress):
        self.early, self.total, self.progress = early, total, progress
        self.phase = -1
        self.iterations: list[int] = []
        self.kl: list[float] = []
        self.snapshots: list[np.ndarray] = []

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> bool:
        step = int(iteration) + (self.early if self.phase >= 1 else 0)
        self.iterations.append(step)
        self.kl.append(float(error))
        self.snapshots.append(np.array(embedding, dtype=np.float32))  # openTSNE moves the array in place
        if self.progress:
            self.progress(min(0.99, step / self.total))
        return False  # never stop the optimisation


def tsne_trace(X, perplexity: float = 30.0, n_iter: int = 500, seed: int = 0, every: int = 10,
               early_exaggeration_iter: int = 250, progress: Progress = None) -> TsneTrace:
    """Run t-SNE (openTSNE, Barnes-Hut) and record the KL divergence and the map every ``every`` iterations.

    Parameters
    ----------
    X : (n, d) points, at most 5000 (Barnes-Hut; the lesson uses up to about 2000)
    perplexity : between 1 and (n-1)/3
    n_iter : iterations after early exaggeration, 50 to 5000
    seed : random state of openTSNE (PCA initialisation, neighbour search)
    every : record every this many iterations (in both phases)
    early_exaggeration_iter : iterations with P exaggerated 12 times, 0 to 1000
    progress : callable taking a fraction in [0, 1]
    """
    from openTSNE import TSNE as OpenTSNE

    X = _check_X(X)
    if len(X) > MAX_DENSE:
        raise InputError(f"X has {len(X)} rows; the trace runs Barnes-Hut t-SNE on at most {MAX_DENSE}: take a sample "
                         "or use core.embed.TSNE (FFT) for the map alone")
    _check_perplexity(perplexity, len(X))
    n_iter = check_whole("n_iter", n_iter, 50, 5000)
    early = check_whole("early_exaggeration_iter", early_exaggeration_iter, 0, 1000)
    every = check_whole("every", every, 1, n_iter)
    total = early + n_iter
    if total // every > MAX_SNAPSHOTS:
        raise InputError(f"every={every} would keep {total // every} maps; keep at most {MAX_SNAPSHOTS}: "
                         f"set every to at least {-(-total // MAX_SNAPSHOTS)}")
    recorder = _Recorder(early, total, progress)
    start = time.perf_counter()
    model = OpenTSNE(n_components=2, perplexity=float(perplexity), n_iter=n_iter, early_exaggeration_iter=early,
                     negative_gradient_method="bh", random_state=seed, n_jobs=_usable_cpus(), callbacks=recorder,
                     callbacks_every_iters=every, verbose=False)
    result = model.fit(X)
    seconds = time.perf_counter() - start
    if progress:
        progress(1.0)
    n = len(X)
    return TsneTrace(
        iterations=np.asarray(recorder.iterations, dtype=np.int64),
        kl=np.asarray(recorder.kl, dtype=np.float64),
        snapshots=np.asarray(recorder.snapshots, dtype=np.float32).reshape(-1, n, 2),
        embedding=np.asarray(result, dtype=np.float32),
        exaggeration_end=early,
        perplexity=float(perplexity),
        seconds=seconds,
        final_kl=float(result.kl_divergence),
        affinities=result.affinities.P,
    )


def crowding(dims: Iterable[int] = (2, 10, 50), n: int = 2000, seed: int = 0) -> dict[int, np.ndarray]:
    """Distances from the centre of ``n`` points drawn uniformly in the unit ball, per dimension.

    The volume within radius r is r^D of the whole, so P(R <= r) = r^D and the median distance is
    0.5^(1/D): in 50-D almost every point lies near the surface. A 2-D map has no room to keep all of
    them equally far from a centre point, which is the crowding problem t-SNE's heavy tail answers.

    Parameters
    ----------
    dims : dimensions D to sample (each 1 to 1000)
    n : points per dimension (10 to 1,000,000)
    seed : random seed

    Returns
    -------
    {D: (n,) distances from the centre}
    """
    dims = list(dims)
    if not dims:
        raise InputError("dims is empty; give at least one dimension, e.g. (2, 10, 50)")
    for d in dims:
        check_whole("each of dims", d, 1, 1000)
    n = check_whole("n", n, 10, 1_000_000)
    rng = np.random.default_rng(seed)
    out = {}
    for d in dims:
        # a uniform direction (normalised Gaussian) times a radius with P(R <= r) = r^D
        direction = rng.normal(size=(n, int(d)))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        points = direction * rng.uniform(size=(n, 1)) ** (1.0 / d)
        out[int(d)] = np.linalg.norm(points, axis=1)
    return out


def matched_distance(d_high):
    """Map distance at which the Student-t kernel gives the similarity a Gaussian gives at ``d_high``.

    Both kernels are 1 at distance 0: the Gaussian exp(-d^2 / 2) (sigma = 1) in the original space and
    the Student-t (1 + y^2)^-1 in the map. Solving (1 + y^2)^-1 = exp(-d^2 / 2) gives
    y = sqrt(exp(d^2 / 2) - 1): distances below about 1.6 sigma shrink a little (y ~ d / sqrt(2) near 0),
    larger ones are stretched fast (d = 3 -> y ~ 9.4), which is how t-SNE makes room in the map.

    Parameters
    ----------
    d_high : distance(s) in the original space, in units of sigma; non-negative

    Returns
    -------
    float or ndarray shaped like ``d_high`` (inf past d ~ 37.7, where exp overflows)
    """
    d = np.asarray(d_high, dtype=np.float64)
    if not np.all(np.isfinite(d)) or (d < 0).any():
        raise InputError("d_high must hold finite, non-negative distances")
    with np.errstate(over="ignore"):
        y = np.sqrt(np.expm1(d * d / 2.0))
    return float(y) if y.ndim == 0 else y
