"""UMAP of the most frequent GloVe words: EmbedLab vs umap-learn called directly.

``core.embed.project(ds, "umap", use_cache=False)`` against ``umap.UMAP(random_state=0)`` on the
same array, in one process. Both sides are warmed up first (numba compiles, or loads from its disk
cache: core's path with :func:`core.embed.warmup.warmup`, umap-learn's own path, which goes through
pynndescent, with one small fit), then they alternate (A B B A ...) and the best of each is kept;
the numba compilations during every timed run are counted, so none is charged to a side unseen.
Each embedding's trustworthiness (k=10) is reported too: core builds UMAP on an exact k-NN graph
(faiss), umap-learn on pynndescent's approximate one, so the two pictures differ.

Then a NEW interpreter times its first UMAP fit, to show that numba's on-disk cache spares it the
compilation; ``--cold`` also times one with an empty numba cache, for contrast.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import Report, Target, Timing, best, environment, glove, log, run_python, timed

NAME = "umap"
FIRST_FIT_OVERHEAD_LIMIT = 5.0  # seconds a new process may spend above a warm fit ("a few seconds")

FIRST_FIT_CODE = """
import json, os, time, warnings
t0 = time.perf_counter()
from bench._common import glove
from core.embed import project
from core.embed.warmup import umap_module
umap_module()
from numba.core import event
t1 = time.perf_counter()
ds = glove({n})
t2 = time.perf_counter()
out = {{"import_s": t1 - t0, "load_s": t2 - t1, "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR")}}
for label in ("first", "second"):
    with event.install_recorder("numba:compile") as rec, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        project(ds, "umap", use_cache=False)
        out[label + "_fit_s"] = time.perf_counter() - t
    out[label + "_compiles"] = sum(1 for _, e in rec.buffer if e.is_end)
print(json.dumps(out))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--n", type=int, default=20_000, help="number of GloVe words (most frequent first)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side, alternating order; best is kept")
    parser.add_argument("--cold", action="store_true",
                        help="also time a first fit in a new process with an EMPTY numba cache (slow)")
    parser.add_argument("--no-quality", action="store_true", help="skip the trustworthiness of each side")


def _cache_files(folder: str | None) -> int:
    return sum(1 for _ in Path(folder).rglob("*.nbi")) if folder and Path(folder).is_dir() else 0


def _timed_counting(fn: Callable[[], Any]) -> tuple[Timing, int]:
    """Time ``fn()`` and count the numba compilations it triggered."""
    from numba.core import event

    with event.install_recorder("numba:compile") as rec:
        t = timed(fn)
    return t, sum(1 for _, e in rec.buffer if e.is_end)


def run(args: argparse.Namespace) -> Report:
    """Warm up, fit both sides alternately, score them, then time first fits in new processes."""
    from core.embed import project
    from core.embed.warmup import umap_module, warmup
    from core.metrics import trustworthiness

    started = environment()
    umap = umap_module()  # sets NUMBA_CACHE_DIR before numba is imported; both sides share it
    cache_dir = os.environ.get("NUMBA_CACHE_DIR")
    ds = glove(args.n)
    x = ds.vectors
    log(f"[umap] {ds.name}: {x.shape[0]:,} x {x.shape[1]}; numba cache {cache_dir} ({_cache_files(cache_dir)} entries)")

    def umap_fit(data: np.ndarray, **kw: Any) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(umap.UMAP(random_state=0, **kw).fit_transform(data), dtype=np.float32)

    log("[umap] warm-up of both sides (charged to nobody)")
    warm_core, warm_core_compiles = _timed_counting(warmup)
    noise = np.random.default_rng(0).normal(size=(5000, 16)).astype(np.float32)  # > 4,096 rows: NN-descent
    warm_peer, warm_peer_compiles = _timed_counting(lambda: umap_fit(noise, n_epochs=20))
    log(f"  core warm-up {warm_core.wall:.2f} s ({warm_core_compiles} numba compiles), "
        f"umap-learn warm-up {warm_peer.wall:.2f} s ({warm_peer_compiles} compiles)")

    sides: dict[str, Callable[[], np.ndarray]] = {
        "core": lambda: project(ds, "umap", use_cache=False).coords,
        "umap-learn": lambda: umap_fit(x),
    }
    log(f"[umap] core and umap-learn, alternating, {args.repeat} each")
    times: dict[str, list[Timing]] = {name: [] for name in sides}
    compiles: dict[str, list[int]] = {name: [] for name in sides}
    names = list(sides)
    for r in range(args.repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            t, c = _timed_counting(sides[name])
            times[name].append(t)
            compiles[name].append(c)
            log(f"  {name}: {t.wall:.2f} s (cpu {t.cpu:.2f} s, {c} numba compiles), run {r + 1}/{args.repeat}")
    picked = {name: best(ts) for name, ts in times.items()}
    coords = {name: times[name][-1].value for name in names}  # seeded: every run gives the same picture

    trust: dict[str, float] = {}
    if not args.no_quality:
        for name in names:
            log(f"[umap] trustworthiness of {name}")
            trust[name] = trustworthiness(x, coords[name], k=10)

    log("[umap] first fit in a new process (numba disk cache warm)")
    first, first_wall = run_python(FIRST_FIT_CODE.format(n=args.n))
    log(f"  first fit {first['first_fit_s']:.2f} s ({first['first_compiles']} compiles), "
        f"second {first['second_fit_s']:.2f} s, whole process {first_wall:.2f} s")

    rows: list[dict[str, Any]] = [
        {"side": name, "seconds": t.wall, "cpu s": t.cpu, "vs umap-learn": t.wall / picked["umap-learn"].wall,
         "all runs s": " ".join(f"{r.wall:.2f}" for r in times[name]),
         "numba compiles": " ".join(str(c) for c in compiles[name]), "trustworthiness@10": trust.get(name)}
        for name, t in picked.items()
    ]
    rows.append({"side": "core, 1st fit in new process", "seconds": first["first_fit_s"],
                 "vs umap-learn": first["first_fit_s"] / picked["umap-learn"].wall,
                 "all runs s": f"2nd: {first['second_fit_s']:.2f}",
                 "numba compiles": f"{first['first_compiles']} {first['second_compiles']}"})
    details: dict[str, Any] = {
        "n": int(x.shape[0]), "dim": int(x.shape[1]), "warmup_core_s": warm_core.wall,
        "warmup_umap_learn_s": warm_peer.wall, "runs": {name: [t.wall for t in ts] for name, ts in times.items()},
        "numba_compiles": compiles, "trustworthiness": trust, "new_process": {**first, "process_wall_s": first_wall},
        "numba_cache_entries": _cache_files(cache_dir), "environment_at_start": started,
    }

    if args.cold:
        log("[umap] first fit in a new process with an EMPTY numba cache (cold compile)")
        with tempfile.TemporaryDirectory(prefix="bench-numba-cold-") as empty:
            cold, cold_wall = run_python(FIRST_FIT_CODE.format(n=args.n), env={"NUMBA_CACHE_DIR": empty})
        rows.append({"side": "core, 1st fit, empty numba cache", "seconds": cold["first_fit_s"],
                     "vs umap-learn": cold["first_fit_s"] / picked["umap-learn"].wall,
                     "all runs s": f"2nd: {cold['second_fit_s']:.2f}",
                     "numba compiles": f"{cold['first_compiles']} {cold['second_compiles']}"})
        details["new_process_cold"] = {**cold, "process_wall_s": cold_wall}
        log(f"  cold first fit {cold['first_fit_s']:.2f} s ({cold['first_compiles']} compiles)")

    overhead = first["first_fit_s"] - picked["core"].wall
    targets = [
        Target("core / umap-learn time", picked["core"].wall / picked["umap-learn"].wall, "<=", 1.1),
        Target("new process: 1st fit - warm fit (s)", overhead, "<=", FIRST_FIT_OVERHEAD_LIMIT,
               note=f"1st fit {first['first_fit_s']:.2f} s with {first['first_compiles']} numba compiles; "
                    f"imports {first['import_s']:.2f} s, whole process {first_wall:.2f} s"),
    ]
    notes = [f"{x.shape[0]:,} words, {x.shape[1]}-d; best of {args.repeat}; warm-ups: core {warm_core.wall:.2f} s, "
             f"umap-learn {warm_peer.wall:.2f} s; load average at start {started['loadavg_1_5_15'][0]:.2f} "
             f"on {os.cpu_count()} cores",
             "core fits on an exact k-NN graph (faiss), umap-learn on pynndescent's approximate one; "
             f"same coordinates: {bool(np.allclose(coords['core'], coords['umap-learn']))}",
             f"numba cache: {cache_dir} ({_cache_files(cache_dir)} index files)"]
    return Report(NAME, f"UMAP of {ds.name} ({x.shape[0]:,} GloVe words)",
                  ["side", "seconds", "cpu s", "vs umap-learn", "all runs s", "numba compiles", "trustworthiness@10"],
                  rows, targets, notes, details)
