"""t-SNE of the most frequent GloVe words: EmbedLab vs openTSNE called directly vs scikit-learn.

``core.embed.project(ds, "tsne", use_cache=False)`` against ``openTSNE.TSNE`` with the same
parameters (perplexity 30, 250 early-exaggeration + 500 iterations, FFT gradients, same n_jobs,
random_state 0) and against ``sklearn.manifold.TSNE(random_state=0, n_jobs=...)`` with its own
defaults (Barnes-Hut, 1,000 iterations). All three run in this one process; each projection's
trustworthiness (k=10, euclidean, as t-SNE's metric) comes from ``core.metrics.trustworthiness``.
"""

from __future__ import annotations

import argparse
import functools
import os
import warnings
from typing import Any

import numpy as np

from bench._common import Report, Target, best, environment, glove, interleaved, log, timed

NAME = "tsne"
TRUST_TOLERANCE = 0.005
PARAMS: dict[str, Any] = {"perplexity": 30.0, "n_iter": 500, "early_exaggeration_iter": 250,
                          "negative_gradient_method": "fft", "random_state": 0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--n", type=int, default=20_000, help="number of GloVe words (most frequent first)")
    parser.add_argument("--jobs", type=int, default=2, help="n_jobs for every side (default 2)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of core and openTSNE each, alternating order; best is kept (sklearn runs once)")
    parser.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn (the slow side)")


def run(args: argparse.Namespace) -> Report:
    """Fit all sides, score them, return the report."""
    from openTSNE import TSNE as OpenTSNE

    from core.embed import project
    from core.metrics import trustworthiness

    started = environment()
    ds = glove(args.n)
    x = ds.vectors
    log(f"[tsne] {ds.name}: {x.shape[0]:,} x {x.shape[1]}, n_jobs={args.jobs}")

    # Warm-up on a small slice: imports, FFTW/annoy set-up; charged to nobody.
    small = np.ascontiguousarray(x[:600])
    OpenTSNE(n_iter=50, early_exaggeration_iter=50, n_jobs=args.jobs, random_state=0, verbose=False).fit(small)

    results: dict[str, np.ndarray] = {}

    def core_side() -> np.ndarray:
        results["core"] = project(ds, "tsne", params={"n_jobs": args.jobs}, use_cache=False).coords
        return results["core"]

    def opentsne_side() -> np.ndarray:
        model = OpenTSNE(n_components=2, metric="euclidean", n_jobs=args.jobs, verbose=False, **PARAMS)
        results["openTSNE"] = np.asarray(model.fit(x), dtype=np.float32)
        return results["openTSNE"]

    log("[tsne] core and openTSNE, alternating")
    times = interleaved({"core": core_side, "openTSNE": opentsne_side}, repeat=args.repeat, log=log)
    picked = {name: best(ts) for name, ts in times.items()}

    if not args.no_sklearn:
        from sklearn.manifold import TSNE as SkTSNE

        log("[tsne] scikit-learn (Barnes-Hut, its default 1,000 iterations)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = timed(lambda: SkTSNE(random_state=0, n_jobs=args.jobs).fit_transform(x).astype(np.float32))
        results["sklearn"] = t.value
        picked["sklearn"] = t
        log(f"  sklearn: {t.wall:.2f} s (cpu {t.cpu:.2f} s)")

    rows: list[dict[str, Any]] = []
    trust: dict[str, float] = {}
    for name, t in picked.items():
        log(f"[tsne] trustworthiness of {name}")
        tt = timed(functools.partial(trustworthiness, x, results[name], k=10))
        trust[name] = tt.value
        rows.append({"side": name, "seconds": t.wall, "cpu s": t.cpu, "vs core": t.wall / picked["core"].wall,
                     "trustworthiness@10": tt.value, "trust calc s": tt.wall})

    ratio = picked["core"].wall / picked["openTSNE"].wall
    targets = [Target("core / openTSNE time", ratio, "<=", 1.2)]
    notes = [f"{x.shape[0]:,} words, {x.shape[1]}-d; best of {args.repeat} for core and openTSNE; "
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores"]
    if "sklearn" in picked:
        targets.append(Target("sklearn / core time", picked["sklearn"].wall / picked["core"].wall, ">=", 2.0))
        targets.append(Target("core - sklearn trustworthiness", trust["core"] - trust["sklearn"], ">=",
                              -TRUST_TOLERANCE, note=f"core >= sklearn - {TRUST_TOLERANCE}"))
    same = bool(np.allclose(results["core"], results["openTSNE"]))
    notes.append(f"core and openTSNE coordinates identical (allclose): {same}")
    details = {"n": int(x.shape[0]), "dim": int(x.shape[1]), "jobs": args.jobs, "openTSNE_params": PARAMS,
               "runs": {name: [t.wall for t in ts] for name, ts in times.items()},
               "trust_tolerance": TRUST_TOLERANCE, "core_equals_openTSNE": same, "environment_at_start": started}
    return Report(NAME, f"t-SNE of {ds.name} ({x.shape[0]:,} GloVe words)",
                  ["side", "seconds", "cpu s", "vs core", "trustworthiness@10", "trust calc s"],
                  rows, targets, notes, details)
