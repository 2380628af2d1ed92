"""Projection cache: a t-SNE computed once reloads in a NEW process in well under a second.

Fits ``core.embed.project(glove-5k, "tsne", use_cache=True)`` once in a fresh cache (a temporary
EmbedLab home), then starts new interpreters that time, separately, the imports,
``core.datasets.load("glove-5k")`` and the ``project(...)`` call that hits the cache. The peer here
is the fit itself: the ratio is fit time / reload time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from bench._common import Report, Target, environment, log, run_python, timed

NAME = "cache"
LIMIT_S = 0.5

RELOAD_CODE = """
import json, time
t0 = time.perf_counter()
from core import datasets
from core.embed import project
t1 = time.perf_counter()
ds = datasets.load({dataset!r})
t2 = time.perf_counter()
p = project(ds, {method!r})
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "project_s": t3 - t2, "cached": p.cached,
                  "fit_seconds_recorded": p.seconds, "shape": list(p.coords.shape)}}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--dataset", default="glove-5k", help="dataset to project (default glove-5k)")
    parser.add_argument("--method", default="tsne", choices=["tsne", "umap", "pca"], help="projection method")
    parser.add_argument("--processes", type=int, default=3, help="new processes to time (median is reported)")


def run(args: argparse.Namespace) -> Report:
    """Fit once into a fresh cache, then reload it from new processes."""
    started = environment()
    base = Path(os.environ.get("EMBEDLAB_HOME") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="bench-cache-home-", dir=base))
    if args.method == "umap":  # keep the shared numba cache, not an empty one inside the temporary home
        from core.paths import numba_cache_dir

        os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
    old_home = os.environ.get("EMBEDLAB_HOME")
    os.environ["EMBEDLAB_HOME"] = str(home)  # an empty cache: the first project() really fits
    try:
        from core import datasets
        from core.embed import project

        ds = datasets.load(args.dataset)
        log(f"[cache] fitting {args.method} of {args.dataset} ({ds.n:,} x {ds.dim}) into {home}")
        fit = timed(lambda: project(ds, args.method, use_cache=True))
        if fit.value.cached:
            raise RuntimeError("the cache was not empty; the fit was not timed")
        same_process = timed(lambda: project(ds, args.method, use_cache=True))
        runs = []
        for i in range(args.processes):
            out, wall = run_python(RELOAD_CODE.format(dataset=args.dataset, method=args.method))
            if not out["cached"]:
                raise RuntimeError("the new process did not hit the cache")
            out["process_wall_s"] = wall
            runs.append(out)
            log(f"  process {i + 1}: imports {out['import_s']:.3f} s, load {out['load_s']:.3f} s, "
                f"project {out['project_s']:.3f} s, whole process {wall:.2f} s")
        entry_bytes = sum(p.stat().st_size for p in (home / "cache" / "projections").glob("*"))
    finally:
        if old_home is None:
            os.environ.pop("EMBEDLAB_HOME", None)
        else:
            os.environ["EMBEDLAB_HOME"] = old_home
        shutil.rmtree(home, ignore_errors=True)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    reload_s = statistics.median(r["load_s"] + r["project_s"] for r in runs)
    rows = [
        {"step": f"fit ({args.method}, use_cache=True, miss)", "seconds": fit.wall},
        {"step": "project() hit, same process", "seconds": same_process.wall},
        {"step": "new process: imports (core.datasets, core.embed)", "seconds": med("import_s")},
        {"step": f"new process: datasets.load({args.dataset!r})", "seconds": med("load_s")},
        {"step": "new process: project() hit", "seconds": med("project_s")},
        {"step": "new process: load + project()", "seconds": reload_s},
        {"step": "new process: whole (interpreter start to exit)", "seconds": med("process_wall_s")},
    ]
    for r in rows:
        r["fit / this"] = fit.wall / r["seconds"] if r["seconds"] > 0 else float("nan")
    targets = [
        Target("new process: project() hit (s)", med("project_s"), "<", LIMIT_S),
        Target("new process: load + project() (s)", reload_s, "<", LIMIT_S),
    ]
    notes = [f"median of {args.processes} new processes; cache entry {entry_bytes / 1e6:.2f} MB; "
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores"]
    details = {"dataset": args.dataset, "method": args.method, "fit_s": fit.wall, "processes": runs,
               "entry_bytes": entry_bytes, "environment_at_start": started}
    return Report(NAME, f"Projection cache: {args.method} of {args.dataset}, fit vs reload in a new process",
                  ["step", "seconds", "fit / this"], rows, targets, notes, details)
