"""Semantic search over FOLDOC: EmbedLab's corpus encoder vs sentence-transformers' default ``encode``.

Embedding speed: ``core.search.semantic.CorpusEncoder`` (token-count batches, the first 128 tokens, int8
linear layers on the CPU, one batch per thread) beside ``SentenceTransformer.encode(texts,
normalize_embeddings=True)`` with the model's defaults (256 tokens, batches of 32), the same
all-MiniLM-L6-v2 weights and the same document texts (:func:`~core.search.semantic.document_text`), one
after the other in this process; a seeded sample of ``--docs`` entries (default 1,500) or the whole
corpus (``--docs 0``). Both get one uncounted warm-up call.

Quality: the reverse-dictionary query set of :mod:`core.search.evaluate` (400 queries) against the
whole corpus embedded both ways, each side with its own query vectors (core: the fast model;
default: float32, as sentence-transformers), MRR and nDCG@10; the default's
vectors of the whole corpus are computed once and kept in ``bench/results/`` (about 5 minutes the
first time). Query latency: one query at a time through ``SemanticRanker.search`` (encode + cosine
over every document + top 10, the fast model encoding the query). Finally the evaluation table of
TF-IDF, BM25, semantic and hybrid.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench._common import RESULTS, Report, Target, best, environment, interleaved, log

NAME = "semantic"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--docs", type=int, default=1500,
                        help="FOLDOC entries to time (seeded sample; 0 = the whole corpus, ~8 minutes)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per side (best is reported)")
    parser.add_argument("--queries", type=int, default=400, help="evaluation queries (default 400)")
    parser.add_argument("--latency-queries", type=int, default=300, help="queries timed one at a time")


def _default_vectors(model, corpus, texts: list[str], given: np.ndarray | None) -> np.ndarray:
    """sentence-transformers' default vectors of the whole corpus, cached in bench/results/."""
    from core.search.semantic import _key, _load, _save

    path = RESULTS / f"semantic-default-256-{_key(texts, {'name': 'st-default', 'max_seq_length': 256})}.npy"
    if given is not None:
        _save(given, path)
        return given
    hit = _load(path, corpus.n, 384)
    if hit is not None:
        log(f"[semantic] the default's vectors of the whole corpus: read from {path.name}")
        return hit
    log(f"[semantic] the default's vectors of all {corpus.n:,} entries, once (several minutes)...")
    vectors = model.encode(texts, normalize_embeddings=True, show_progress_bar=False).astype(np.float32)
    _save(vectors, path)
    return vectors


def run(args: argparse.Namespace) -> Report:
    """Time both encoders, compare their vectors and MRR, time queries, evaluate every ranker."""
    from core.embed.encoders import get_encoder
    from core.search.corpus import load_corpus
    from core.search.evaluate import build_queries, evaluate
    from core.search.lexical import Index
    from core.search.semantic import (
        MAX_TOKENS,
        HybridRanker,
        QueryEncoder,
        SemanticRanker,
        corpus_embeddings,
        document_texts,
        get_corpus_encoder,
        make_search_ranker,
    )

    started = environment()
    corpus = load_corpus("foldoc")
    texts = document_texts(corpus)
    full = args.docs <= 0 or args.docs >= corpus.n
    rows_timed = np.arange(corpus.n) if full else np.sort(np.random.default_rng(0).choice(corpus.n, args.docs,
                                                                                          replace=False))
    sample = [texts[i] for i in rows_timed]
    model = get_encoder("minilm").model
    model.max_seq_length = 256  # the model's default, said out loud
    fast = get_corpus_encoder()
    lengths = np.array([len(ids) for ids in fast._ids(sample, 512)])
    log(f"[semantic] FOLDOC: {corpus.n:,} entries; timing {len(sample):,} ({'all' if full else 'seeded sample'}), "
        f"{lengths.sum():,} tokens, {np.mean(lengths > MAX_TOKENS):.0%} longer than {MAX_TOKENS}; "
        f"fast path: {fast.precision}, {fast.max_tokens} tokens, {fast.workers} workers on {fast.device}")
    warm = sample[:32]
    model.encode(warm, normalize_embeddings=True, show_progress_bar=False)
    fast(warm)

    def default():
        return model.encode(sample, normalize_embeddings=True, show_progress_bar=False).astype(np.float32)

    sides = {"sentence-transformers encode (256 tokens)": default, "core CorpusEncoder": lambda: fast(sample)}
    runs = interleaved(sides, repeat=args.repeat, log=log)
    t_default, t_fast = best(runs["sentence-transformers encode (256 tokens)"]), best(runs["core CorpusEncoder"])
    speed = {name: len(sample) / best(ts).wall for name, ts in runs.items()}
    ratio = t_default.wall / t_fast.wall
    cosine = (t_default.value * t_fast.value).sum(axis=1)
    short = lengths <= MAX_TOKENS

    # quality: the whole corpus both ways, the same query vectors
    fast_all = t_fast.value if full else corpus_embeddings(corpus)
    default_all = _default_vectors(model, corpus, texts, t_default.value if full else None)
    queries = build_queries(corpus, n=args.queries, seed=0)
    exact = QueryEncoder()  # sentence-transformers' float32 vectors, for the default's side

    def memo(encode):  # one query at a time, as a search does (int8 activations are scaled per batch)
        table = {q.text: encode([q.text])[0] for q in queries}
        return lambda batch, progress=None: np.stack([table[t] if t in table else encode([t])[0] for t in batch])

    both = evaluate({"semantic, core vectors": SemanticRanker(fast_all, encoder=memo(fast.encode_queries)),
                     "semantic, default vectors": SemanticRanker(default_all, encoder=memo(exact))}, queries)
    mrr_fast, mrr_default = float(both["MRR"].iloc[0]), float(both["MRR"].iloc[1])
    log(f"[semantic] MRR core {mrr_fast:.4f}, default {mrr_default:.4f}")

    # query latency: encode + cosine over every document + top 10, one query at a time
    semantic = SemanticRanker(fast_all)
    lat_queries = [q.text for q in build_queries(corpus, n=args.latency_queries, seed=1)]
    for q in lat_queries[:10]:
        semantic.search(q, k=10)
    times = []
    for q in lat_queries:
        start = time.perf_counter()
        semantic.search(q, k=10)
        times.append(1000 * (time.perf_counter() - start))
    median_ms, p99_ms = float(np.median(times)), float(np.percentile(times, 99))

    # the evaluation table
    index = Index.build(corpus.texts)
    bm25 = make_search_ranker("bm25", corpus, index)
    rankers = {"tfidf": make_search_ranker("tfidf", corpus, index), "bm25": bm25, "semantic": semantic,
               "hybrid": HybridRanker(bm25, semantic)}
    table = evaluate(rankers, queries)

    rows = [
        {"side": "sentence-transformers encode (256 tokens)", "texts/s": speed[next(iter(sides))],
         "seconds": t_default.wall, "core / this": ratio},
        {"side": "core CorpusEncoder", "texts/s": speed["core CorpusEncoder"], "seconds": t_fast.wall,
         "core / this": 1.0},
        {"side": "semantic MRR, default vectors", "MRR": mrr_default, "nDCG@10": float(both["nDCG@10"].iloc[1])},
        {"side": "semantic MRR, core vectors", "MRR": mrr_fast, "nDCG@10": float(both["nDCG@10"].iloc[0])},
        {"side": "semantic query (encode + top 10)", "median ms": median_ms, "p99 ms": p99_ms},
        *({"side": f"eval: {r['ranker']}", "MRR": r["MRR"], "nDCG@10": r["nDCG@10"], "recall@10": r["recall@10"],
           "median ms": r["ms/query"]} for r in table.to_dict("records")),
    ]
    targets = [
        Target("core corpus encoding speed / sentence-transformers' default (x)", ratio, ">=", 2.5),
        Target("semantic MRR, core vectors - default vectors", mrr_fast - mrr_default, ">=", -0.02,
               "no worse than the default by more than 0.02"),
        Target("semantic query, median ms", median_ms, "<=", 50),
        Target("semantic query, p99 ms", p99_ms, "<=", 50),
    ]
    notes = [
        f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
        f"timed {len(sample):,} entries ({'the whole corpus' if full else 'seeded sample'}); fast path "
        f"{fast.precision}, {fast.max_tokens} tokens, {fast.workers} worker threads, "
        f"{fast.token_budget} tokens a batch",
        f"cosine core vs default vectors: mean {cosine.mean():.4f}, 5th percentile {np.percentile(cosine, 5):.4f}, "
        f"min {cosine.min():.4f}; texts within {MAX_TOKENS} tokens ({short.mean():.0%}): mean "
        f"{cosine[short].mean():.4f}, min {cosine[short].min():.4f}",
        f"|MRR difference| = {abs(mrr_fast - mrr_default):.4f}: the queries are each entry's opening gloss, which "
        f"any {MAX_TOKENS}-token window keeps; what a shorter window drops (the end of long entries) is not measured",
        "hybrid = reciprocal rank fusion of BM25 and semantic (k_rrf 60, depth 100); 'median ms' of eval rows is "
        "the mean time per query",
    ]
    return Report(NAME, "Semantic search over FOLDOC: core corpus encoder vs sentence-transformers' default",
                  ["side", "texts/s", "seconds", "core / this", "MRR", "nDCG@10", "recall@10", "median ms", "p99 ms"],
                  rows, targets, notes,
                  {"docs_timed": len(sample), "full_corpus": full, "queries": len(queries),
                   "latencies_ms": times, "mrr_core": mrr_fast, "mrr_default": mrr_default,
                   "evaluation": table.to_dict("records"), "environment": started})
