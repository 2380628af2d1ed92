"""BM25 over the FOLDOC corpus: EmbedLab vs bm25s vs rank_bm25, same tokens, same queries.

``core.search.lexical`` (eager scoring into a sparse matrix, one query at a time) beside ``bm25s``
(also eager; its batched ``retrieve`` with one thread, and one query at a time through ``get_scores``
plus the same top-k) and ``rank_bm25.BM25Okapi`` (scores every document per query). Every side gets
the same pre-tokenised documents and queries (``core.search.lexical.tokenize``), k1 = 1.5, b = 0.75,
top 10. The queries are titles of FOLDOC entries (1-6 words), sampled with a fixed seed. Index build
is timed from tokens for the peers and from text for EmbedLab (its tokenising included).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log

NAME = "bm25"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--queries", type=int, default=2000, help="queries per side (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side (best is reported)")
    parser.add_argument("--rank-bm25-queries", type=int, default=200, help="queries for rank_bm25 (slow)")


def _top(scores: np.ndarray, k: int = 10) -> np.ndarray:
    hits = np.argpartition(-scores, k - 1)[:k]
    return hits[np.argsort(-scores[hits], kind="stable")]


def run(args: argparse.Namespace) -> Report:
    """Build every index, time the queries, compare the top 10s."""
    import bm25s
    from rank_bm25 import BM25Okapi

    from core.search.corpus import load_corpus
    from core.search.lexical import Index, make_ranker, tokenize

    started = environment()
    corpus = load_corpus("foldoc")
    tokens = [tokenize(t) for t in corpus.texts]
    rng = np.random.default_rng(0)
    queries = [q for q in (corpus.titles[i] for i in rng.choice(corpus.n, args.queries * 2, replace=False))
               if tokenize(q)][:args.queries]
    q_tokens = [list(dict.fromkeys(tokenize(q))) for q in queries]
    log(f"[bm25] FOLDOC: {corpus.n:,} documents, {sum(map(len, tokens)):,} tokens; {len(queries)} queries")

    def core_build():
        return make_ranker("bm25", Index.build(corpus.texts))

    def bm25s_build():
        model = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        model.index(tokens, show_progress=False)
        return model

    builds = interleaved({"core index": core_build, "bm25s index": bm25s_build}, repeat=args.repeat, log=log)
    ours, peer = best(builds["core index"]).value, best(builds["bm25s index"]).value
    okapi_build = interleaved({"rank_bm25 index": lambda: BM25Okapi(tokens, k1=1.5, b=0.75)}, repeat=1, log=log)
    okapi = okapi_build["rank_bm25 index"][0].value

    def core_queries():
        return [ours.search(q, k=10).rows for q in queries]

    def bm25s_batch():
        docs, _ = peer.retrieve(q_tokens, k=10, show_progress=False, n_threads=1)
        return list(docs)

    def bm25s_single():
        return [_top(peer.get_scores(t)) for t in q_tokens]

    few = q_tokens[:args.rank_bm25_queries]

    def rank_bm25_single():
        return [_top(okapi.get_scores(t)) for t in few]

    runs = interleaved({"core, one query at a time": core_queries, "bm25s retrieve (batch, 1 thread)": bm25s_batch,
                        "bm25s get_scores, one at a time": bm25s_single}, repeat=args.repeat, log=log)
    runs |= interleaved({"rank_bm25 BM25Okapi, one at a time": rank_bm25_single}, repeat=1, log=log)
    counts = {name: (len(few) if "rank_bm25" in name else len(queries)) for name in runs}
    qps = {name: counts[name] / best(ts).wall for name, ts in runs.items()}
    core_top = best(runs["core, one query at a time"]).value
    peer_top = best(runs["bm25s retrieve (batch, 1 thread)"]).value
    agree = np.mean([len(set(a[:10].tolist()) & set(np.asarray(b).tolist())) / 10 for a, b in zip(
        core_top, peer_top, strict=True) if len(a) == 10])
    core_qps = qps["core, one query at a time"]
    rows = [{"side": name, "queries/s": v, "core / this": core_qps / v, "ms per query": 1000 / v}
            for name, v in qps.items()]
    rows += [{"side": name, "index build s": best(ts).wall} for name, ts in (builds | okapi_build).items()]
    peer_best = max(qps["bm25s retrieve (batch, 1 thread)"], qps["bm25s get_scores, one at a time"])
    build_s = best(builds["core index"]).wall
    targets = [
        Target("core BM25 queries per second", core_qps, ">=", 3000),
        Target("core time per query / bm25s's, its faster mode (x)", peer_best / core_qps, "<=", 1.2),
        Target("core index build from text (s)", build_s, "<=", 1.0),
        Target("top-10 agreement with bm25s (share of documents)", float(agree), ">=", 0.99),
    ]
    notes = [f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
             "ties at the 10th place may order differently between libraries; agreement counts shared documents"]
    return Report(NAME, "BM25 over FOLDOC: EmbedLab vs bm25s vs rank_bm25",
                  ["side", "queries/s", "ms per query", "core / this", "index build s"], rows, targets, notes,
                  {"queries": len(queries), "environment": started})
