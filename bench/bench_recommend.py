"""Recommenders on MovieLens 100k: EmbedLab's models beside ``implicit`` called directly.

Fit: ``make_model("implicit-als").fit`` (implicit's ALS, 64 factors, 15 iterations, plus the exact user
re-solve after them) and ``make_model("mf").fit`` (torch) vs ``implicit.als.AlternatingLeastSquares(
factors=64, iterations=15, random_state=0).fit`` on the same binarised training matrix (one BLAS thread
for both, as implicit asks), interleaved, best of 5 (``--repeat``); one untimed fit of each first (torch
starts up in the first one: its time is noted). Per-user latency: ``model.recommend(user, k=10)`` of every
registry model and ``recommend_new`` of a visitor (20 of that user's training ratings, ``--visitor``,
folded in without refitting) vs implicit's ``model.recommend(user, user_items[user], N=10)``, the sides
alternating user by user over 300 users (``--users``); median and p99 ms; and the fold-in of the longest
training row (590 ratings) for every model. Quality and the whole evaluation: ``core.recommend.evaluate.evaluate_all``
(fit all seven models, score every user's top 10) timed once, its NDCG@10 per model.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log, timed

NAME = "recommend"
PEER = "implicit ALS direct (64 factors, 15 it.)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--repeat", type=int, default=5, help="timed fits per side (best is reported)")
    parser.add_argument("--users", type=int, default=300, help="users whose recommendations are timed")
    parser.add_argument("--visitor", type=int, default=20, help="ratings of a timed visitor")


def _ms(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000
    return float(np.median(arr)), float(np.percentile(arr, 99))


def run(args: argparse.Namespace) -> Report:
    """Time the fits, the per-user recommendations and the whole evaluation."""
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from core.recommend.data import load_movielens, split
    from core.recommend.evaluate import evaluate_all
    from core.recommend.models import MODELS, make_model

    started = environment()
    ratings = load_movielens()
    parts = split(ratings)
    binary = parts.train.copy()
    binary.data[:] = 1
    log(f"[recommend] {ratings.label}; train {parts.train.nnz:,} / test {parts.test.nnz:,} interactions")

    def direct_als():
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(factors=64, iterations=15, random_state=0)
            model.fit(binary, show_progress=False)
        return model

    first_mf = timed(lambda: make_model("mf").fit(parts.train))
    direct_als()
    make_model("implicit-als").fit(parts.train)
    runs = interleaved({
        "core implicit-als": lambda: make_model("implicit-als").fit(parts.train),
        "core mf": lambda: make_model("mf").fit(parts.train),
        PEER: direct_als,
    }, repeat=args.repeat, log=log)
    fit_s = {name: best(ts).wall for name, ts in runs.items()}

    models = {name: make_model(name).fit(parts.train) for name in MODELS}
    peer = best(runs[PEER]).value
    users = np.random.default_rng(0).choice(parts.train.shape[0], size=min(args.users, parts.train.shape[0]),
                                            replace=False)
    per_user: dict[str, list[float]] = {name: [] for name in [*models, PEER]}
    per_visitor: dict[str, list[float]] = {name: [] for name in models}
    rng = np.random.default_rng(1)
    for user in users:
        row = parts.train[user]
        picked = rng.choice(row.nnz, size=min(args.visitor, row.nnz), replace=False)
        visitor = {int(row.indices[i]): float(row.data[i]) for i in picked}
        for name, model in models.items():
            per_user[name].append(timed(lambda m=model, u=user: m.recommend(int(u), k=10)).wall)
            per_visitor[name].append(timed(lambda m=model, v=visitor: m.recommend_new(v, k=10)).wall)
        per_user[PEER].append(timed(lambda u=user, r=row: peer.recommend(int(u), r, N=10)).wall)
    longest = parts.train[int(np.argmax(np.diff(parts.train.indptr)))]
    longest_ms = {name: 1000 * min(timed(lambda m=model: m.recommend_new(longest, k=10)).wall for _ in range(3))
                  for name, model in models.items()}

    log("[recommend] evaluate_all (fit the seven models, top 10 of every user)")
    whole = timed(lambda: evaluate_all(ratings))
    table = whole.value.set_index("model")

    rows = []
    for name in models:
        median, p99 = _ms(per_user[name])
        visitor_median, visitor_p99 = _ms(per_visitor[name])
        rows.append({"side": name, "fit s": fit_s.get(f"core {name}", float(table["fit_s"][name])),
                     "recommend median ms": median, "recommend p99 ms": p99,
                     "visitor median ms": visitor_median, "visitor p99 ms": visitor_p99,
                     "ndcg@10": float(table["ndcg@10"][name]), "recall@10": float(table["recall@10"][name]),
                     "coverage": float(table["coverage"][name]), "rmse": float(table["rmse"][name])})
    peer_median, peer_p99 = _ms(per_user[PEER])
    rows.append({"side": PEER, "fit s": fit_s[PEER], "recommend median ms": peer_median, "recommend p99 ms": peer_p99})

    best_model = str(table["ndcg@10"].idxmax())
    worst_p99 = max(rows[:-1], key=lambda r: r["recommend p99 ms"])
    worst_visitor = max(rows[:-1], key=lambda r: r["visitor p99 ms"])
    targets = [
        Target("core mf fit on ML-100k (s)", fit_s["core mf"], "<=", 1.0),
        Target("core implicit-als fit on ML-100k (s)", fit_s["core implicit-als"], "<=", 1.0),
        Target(f"slowest recommend p99 ({worst_p99['side']}, ms)", worst_p99["recommend p99 ms"], "<=", 20),
        Target(f"slowest visitor recommend p99 ({worst_visitor['side']}, {args.visitor} ratings, ms)",
               worst_visitor["visitor p99 ms"], "<=", 20),
        Target("whole evaluate_all (7 models, s)", whole.wall, "<=", 60),
        Target(f"best NDCG@10 ({best_model})", float(table["ndcg@10"].max()), ">=", 0.38),
    ]
    notes = [f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
             f"fit ratios: core implicit-als / implicit direct {fit_s['core implicit-als'] / fit_s[PEER]:.2f}, "
             f"core mf / implicit direct {fit_s['core mf'] / fit_s[PEER]:.2f} (implicit direct uses its default "
             "regularization and alpha; core's differ, which changes no step count)",
             f"first mf fit in the process (torch starts up): {first_mf.wall:.2f} s",
             "fit s of popularity, user-knn, item-knn, ease and bpr: evaluate_all's single fit",
             f"recommend ratio core implicit-als / implicit: {_ms(per_user['implicit-als'])[0] / peer_median:.2f} "
             "(medians)",
             f"visitor with the longest training row ({longest.nnz} ratings), fastest of 3: "
             + ", ".join(f"{name} {ms:.1f} ms" for name, ms in longest_ms.items())]
    return Report(NAME, "Recommenders on MovieLens 100k: EmbedLab vs implicit",
                  ["side", "fit s", "recommend median ms", "recommend p99 ms", "visitor median ms", "visitor p99 ms",
                   "ndcg@10", "recall@10", "coverage", "rmse"], rows, targets, notes,
                  {"evaluate_all_s": whole.wall, "fit_runs": {k: [t.wall for t in v] for k, v in runs.items()},
                   "first_mf_fit_s": first_mf.wall, "longest_visitor_ms": longest_ms,
                   "table": whole.value.to_dict(orient="records"), "environment": started})
