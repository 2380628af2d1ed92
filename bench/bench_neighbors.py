"""Single-query exact top-10 by cosine over all 400k GloVe vectors.

``core.neighbors.NeighborIndex(vectors, "cosine").query_row(row, vectors, k=10)`` against faiss
``IndexFlatIP`` on unit vectors (1 OpenMP thread, and the default number), numpy brute force
(one matrix-vector product + argpartition) and scikit-learn
``NearestNeighbors(algorithm="brute", metric="cosine")``. Every side answers the same random rows,
asks for k+1 and drops the row itself; queries are interleaved (each row goes to every side in a
rotating order) so load on the machine is shared. Reported: median and 90th percentile ms.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

from bench._common import Report, Target, environment, log, timed

NAME = "neighbors"
K = 10
LIMIT_MS = 5.0
LIMIT_VS_FAISS = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--dataset", default="glove-400k", help="dataset (default glove-400k)")
    parser.add_argument("--queries", type=int, default=200, help="random rows to query (default 200)")
    parser.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn (the slow side)")


def _top(scores: np.ndarray, row: int, k: int) -> np.ndarray:
    """Indices of the k largest scores except ``row``, best first."""
    part = np.argpartition(-scores, k)[: k + 1]
    part = part[np.argsort(-scores[part], kind="stable")]
    return part[part != row][:k]


def run(args: argparse.Namespace) -> Report:
    """Build every index, then time interleaved single queries."""
    import faiss
    from sklearn.neighbors import NearestNeighbors

    from core import datasets
    from core.neighbors import NeighborIndex, _normalise

    started = environment()
    ds = datasets.load(args.dataset)
    x = ds.vectors
    default_threads = faiss.omp_get_max_threads()
    log(f"[neighbors] {ds.name}: {x.shape[0]:,} x {x.shape[1]}; faiss default threads {default_threads}")

    build: dict[str, float] = {}
    t = timed(lambda: NeighborIndex(x, "cosine"))
    core_index, build["core (auto)"] = t.value, t.wall
    log(f"[neighbors] core picks the {core_index.backend_name!r} backend")
    t = timed(lambda: NeighborIndex(x, "cosine", backend="numpy"))
    core_numpy, build["core (numpy backend)"] = t.value, t.wall

    def make_faiss() -> tuple[faiss.IndexFlatIP, np.ndarray]:
        xn = np.ascontiguousarray(_normalise(x), dtype=np.float32)
        index = faiss.IndexFlatIP(x.shape[1])
        index.add(xn)
        return index, xn

    t = timed(make_faiss)
    (flat, xn), build["faiss IndexFlatIP, 1 thread"] = t.value, t.wall
    build[f"faiss IndexFlatIP, {default_threads} threads"] = t.wall
    build["numpy brute force"] = t.wall  # same normalised copy
    sk = None
    if not args.no_sklearn:
        t = timed(lambda: NearestNeighbors(algorithm="brute", metric="cosine").fit(x))
        sk, build["sklearn NearestNeighbors brute"] = t.value, t.wall

    def faiss_with(threads: int) -> Callable[[int], np.ndarray]:
        def query(row: int) -> np.ndarray:
            faiss.omp_set_num_threads(threads)
            _, idx = flat.search(xn[row:row + 1], K + 1)
            faiss.omp_set_num_threads(default_threads)
            return idx[0][idx[0] != row][:K]
        return query

    sides: dict[str, Callable[[int], np.ndarray]] = {
        "core (auto)": lambda row: core_index.query_row(row, x, k=K).indices,
        "core (numpy backend)": lambda row: core_numpy.query_row(row, x, k=K).indices,
        "faiss IndexFlatIP, 1 thread": faiss_with(1),
        f"faiss IndexFlatIP, {default_threads} threads": faiss_with(default_threads),
        "numpy brute force": lambda row: _top(xn @ xn[row], row, K),
    }
    if sk is not None:
        def sk_query(row: int) -> np.ndarray:
            idx = sk.kneighbors(x[row:row + 1], n_neighbors=K + 1, return_distance=False)[0]
            return idx[idx != row][:K]
        sides["sklearn NearestNeighbors brute"] = sk_query

    rng = np.random.default_rng(0)
    rows = rng.choice(len(x), size=args.queries, replace=False)
    names = list(sides)
    for name in names:  # warm-up: first calls pay for lazy set-up
        for row in rows[:3]:
            sides[name](int(row))
    ms: dict[str, list[float]] = {name: [] for name in names}
    agree: dict[str, list[float]] = {name: [] for name in names}
    log(f"[neighbors] {args.queries} queries, interleaved across {len(names)} sides")
    for i, row in enumerate(rows):
        row = int(row)
        answers = {}
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            answers[name] = sides[name](row)
            ms[name].append((time.perf_counter() - t0) * 1000)
        ref = set(answers["faiss IndexFlatIP, 1 thread"].tolist())
        for name in names:
            agree[name].append(len(ref & set(answers[name].tolist())) / K)

    med = {name: float(np.median(v)) for name, v in ms.items()}
    faiss_names = [n for n in names if n.startswith("faiss")]
    best_faiss = min(faiss_names, key=lambda n: med[n])
    table_rows = [
        {"side": name, "median ms": med[name], "p90 ms": float(np.percentile(ms[name], 90)),
         "min ms": float(np.min(ms[name])), "vs best faiss": med[name] / med[best_faiss],
         "build s": build[name], "agreement": float(np.mean(agree[name]))}
        for name in names
    ]
    targets = [
        Target("core median ms per query", med["core (auto)"], "<=", LIMIT_MS),
        Target(f"core / best faiss ({best_faiss})", med["core (auto)"] / med[best_faiss], "<=", LIMIT_VS_FAISS),
    ]
    notes = [f"{x.shape[0]:,} x {x.shape[1]} vectors, top-{K} of {args.queries} random rows (seed 0); "
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
             "agreement: share of the top-10 that faiss (1 thread) also returns (ties may differ)"]
    details = {"n": int(x.shape[0]), "dim": int(x.shape[1]), "k": K, "rows": rows.tolist(), "ms": ms,
               "build_s": build, "faiss_default_threads": default_threads, "environment_at_start": started}
    return Report(NAME, f"Top-{K} cosine neighbours of single rows in {ds.name}",
                  ["side", "median ms", "p90 ms", "min ms", "vs best faiss", "build s", "agreement"],
                  table_rows, targets, notes, details)
