"""Eigenfaces: decomposing the 400 ORL faces, and randomized against full SVD at 50 components.

``core.embed.eigenfaces.Eigenfaces`` (full SVD, and randomized SVD with 2 power iterations and 20
extra samples) beside scikit-learn's ``PCA(svd_solver="full")`` and ``PCA(svd_solver="randomized")``
(its defaults) on the same float64 photos, interleaved, best of ``--repeat``. Reconstruction error is
the mean RMS pixel error of the 400 photos rebuilt from the components each side found.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log

NAME = "eigenfaces"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--components", type=int, default=50, help="eigenfaces kept (default 50)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per side (best is reported)")


def _error(x: np.ndarray, mean: np.ndarray, components: np.ndarray) -> float:
    c = x - mean
    return float(np.sqrt(((c - c @ components.T @ components) ** 2).mean(axis=1)).mean())


def run(args: argparse.Namespace) -> Report:
    """Time every side on the faces and compare their reconstruction errors."""
    from sklearn.decomposition import PCA

    from core import datasets
    from core.embed.eigenfaces import Eigenfaces

    started = environment()
    x = datasets.load("faces").vectors.astype(np.float64)
    k = args.components
    sides = {
        "core full SVD": lambda: Eigenfaces(k, svd="full").fit(x),
        "core randomized SVD": lambda: Eigenfaces(k, svd="randomized").fit(x),
        "sklearn PCA full": lambda: PCA(k, svd_solver="full").fit(x),
        "sklearn PCA randomized": lambda: PCA(k, svd_solver="randomized", random_state=0).fit(x),
    }
    log(f"[eigenfaces] {x.shape[0]} faces x {x.shape[1]} pixels, {k} components, best of {args.repeat}")
    runs = interleaved(sides, repeat=args.repeat, log=log)
    rows, seconds, errors = [], {}, {}
    for name, timings in runs.items():
        t = best(timings)
        model = t.value
        seconds[name] = t.wall
        errors[name] = _error(x, model.mean_, model.components_)
        rows.append({"side": name, "seconds": t.wall, "cpu s": t.cpu, "RMS error": errors[name],
                     "variance kept": float(model.explained_variance_ratio_.sum())})
    full, rand = seconds["core full SVD"], seconds["core randomized SVD"]
    gap = errors["core randomized SVD"] / errors["core full SVD"] - 1
    for r in rows:
        r["core full / this"] = full / r["seconds"]
    targets = [
        Target("decomposition of the 400 faces, core full SVD (s)", full, "<=", 1.0),
        Target(f"randomized SVD speed-up over full SVD, {k} components (x)", full / rand, ">=", 3.0),
        Target("randomized SVD extra reconstruction error (relative)", gap, "<=", 0.01),
    ]
    notes = [f"sklearn's own randomized PCA is {seconds['sklearn PCA full'] / seconds['sklearn PCA randomized']:.2f}x "
             "faster than its full PCA at its default 7 power iterations",
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores"]
    return Report(NAME, f"Eigenfaces: full vs randomized SVD, {k} components of the 400 ORL faces",
                  ["side", "seconds", "cpu s", "core full / this", "RMS error", "variance kept"], rows, targets,
                  notes, {"runs": {n: [t.wall for t in ts] for n, ts in runs.items()}, "environment": started})
