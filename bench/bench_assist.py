"""Query assistance as you type: EmbedLab's autocomplete + "did you mean" vs symspellpy's lookup_compound.

``core.search.assist.Assistant`` built with FOLDOC (English lists of symspellpy + the corpus's counts)
answers every keystroke of ~100 queries typed one character at a time: ``suggest(text, k=10)`` then
``correct(text)``; the time of each keystroke is taken apart. The queries are FOLDOC titles (sampled
with a fixed seed, 1-5 words) and a dozen multi-word queries with typos. "warm" keeps the assistant's
cache of each word's candidates (as the page does: only the word being typed is new), "cold" empties
it before every keystroke (every word looked up again). The peer is symspellpy's ``lookup_compound``
(max edit distance 2; its English word and pair lists, ``SymSpell(2, 7)``) on the same keystrokes in
the same run, both sides alternating query by query. Each side is also asked to fix "machine leaning".
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench._common import Report, Target, environment, log

NAME = "assist"
TYPOS = ["machine leaning", "operatng sytem", "teh quick brown fox", "compuetr netwrok", "pyhton programming langauge",
         "databse managment system", "objet oriented programing", "artifical inteligence", "unix shel script",
         "ethernet protocl", "regular expresion", "lisp machnie"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--queries", type=int, default=100, help="queries typed (default 100, titles + typos)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the queries per side (best per keystroke)")
    parser.add_argument("--k", type=int, default=10, help="suggestions per keystroke (default 10)")


def _stats(ms: np.ndarray) -> dict:
    return {"median ms": float(np.median(ms)), "p90 ms": float(np.percentile(ms, 90)),
            "p99 ms": float(np.percentile(ms, 99)), "max ms": float(ms.max())}


def run(args: argparse.Namespace) -> Report:
    """Build both sides, type every query on each, keystroke by keystroke."""
    from symspellpy import SymSpell

    from core.search.assist import ENGLISH_PAIRS, ENGLISH_WORDS, Assistant, symspell_dir
    from core.search.corpus import load_corpus
    from core.search.lexical import tokenize

    started = environment()
    corpus = load_corpus("foldoc")
    rng = np.random.default_rng(0)
    sample = rng.choice(corpus.n, min(corpus.n, 10 * args.queries), replace=False)
    titles = [t for t in (corpus.titles[i] for i in sample) if 1 <= len(tokenize(t)) <= 5 and len(t) <= 60]
    typos = TYPOS[:max(args.queries // 8, 1)]
    queries = titles[:max(args.queries - len(typos), 0)] + typos
    keystrokes = [q[:i] for q in queries for i in range(1, len(q) + 1)]
    log(f"[assist] {len(queries)} queries ({len(typos)} with typos), {len(keystrokes)} keystrokes")

    t0 = time.perf_counter()
    ours = Assistant.build(corpus)
    build_s = time.perf_counter() - t0
    english_only = Assistant.build()
    t0 = time.perf_counter()
    peer = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    peer.load_dictionary(symspell_dir() / ENGLISH_WORDS, 0, 1)
    peer.load_bigram_dictionary(symspell_dir() / ENGLISH_PAIRS, 0, 2)
    peer_build_s = time.perf_counter() - t0
    log(f"  builds: core {build_s:.2f} s (English only {english_only.build_seconds:.2f} s), "
        f"symspellpy {peer_build_s:.2f} s")

    sides = {"core warm": [], "core cold": [], "symspellpy": []}
    parts = {"suggest": [], "correct": []}
    for r in range(args.repeat):
        ours._cache.clear()  # every pass starts as a fresh page would
        for q_index, q in enumerate(queries):
            texts = [q[:i] for i in range(1, len(q) + 1)]
            order = ["core warm", "core cold", "symspellpy"]
            for side in order if (r + q_index) % 2 == 0 else order[::-1]:
                for text in texts:
                    if side == "symspellpy":
                        t0 = time.perf_counter()
                        peer.lookup_compound(text, 2)
                        sides[side].append(time.perf_counter() - t0)
                        continue
                    cache = ours._cache
                    if side == "core cold":
                        ours._cache = {}
                    t0 = time.perf_counter()
                    ours.suggest(text, k=args.k)
                    t1 = time.perf_counter()
                    ours.correct(text)
                    t2 = time.perf_counter()
                    ours._cache = cache
                    sides[side].append(t2 - t0)
                    if side == "core warm":
                        parts["suggest"].append(t1 - t0)
                        parts["correct"].append(t2 - t1)
        log(f"  pass {r + 1}/{args.repeat} done")
    n = len(keystrokes)

    def best_of(values: list[float]) -> np.ndarray:  # per keystroke, the fastest of the passes
        return 1000 * np.asarray(values).reshape(args.repeat, n).min(axis=0)

    times = {side: best_of(v) for side, v in sides.items()}
    times |= {f"core {name} alone (warm)": best_of(v) for name, v in parts.items()}
    peer_median = float(np.median(times["symspellpy"]))
    rows = [{"side": side, "keystrokes": n, **_stats(ms), "median / symspellpy's": float(np.median(ms)) / peer_median}
            for side, ms in times.items()]
    fixes = {"core (FOLDOC)": ours.correct("machine leaning").correction,
             "core (English only)": english_only.correct("machine leaning").correction,
             "symspellpy lookup_compound": peer.lookup_compound("machine leaning", 2)[0].term}
    for side, out in fixes.items():
        rows.append({"side": f"{side}: 'machine leaning' ->", "answer": out})
    rows.append({"side": "build s: core with FOLDOC / English only / symspellpy", "answer":
                 f"{build_s:.2f} / {english_only.build_seconds:.2f} / {peer_build_s:.2f}"})
    warm, cold = times["core warm"], times["core cold"]
    targets = [
        Target("core suggest + correct, median ms per keystroke (warm)", float(np.median(warm)), "<=", 5.0),
        Target("core suggest + correct, p99 ms per keystroke (warm)", float(np.percentile(warm, 99)), "<=", 5.0),
        Target("core suggest + correct, p99 ms per keystroke (cold cache)", float(np.percentile(cold, 99)), "<=", 5.0),
        Target("core fixes 'machine leaning' (1 = yes)", float(fixes["core (FOLDOC)"] == "machine learning"), ">=", 1),
        Target("core build with FOLDOC (s)", build_s, "<=", 2.0),
    ]
    changed = sum(ours.correct(q).changed for q in titles[:len(queries) - len(typos)])
    fixed_typos = {q: ours.correct(q).correction for q in typos}
    notes = [f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
             "per keystroke, the fastest of the passes; sides alternate query by query",
             f"core changes {changed} of {len(queries) - len(typos)} FOLDOC titles typed as they are",
             "core on the typo queries: " + "; ".join(f"{q!r} -> {v!r}" for q, v in fixed_typos.items()),
             "symspellpy: " + "; ".join(f"{q!r} -> {peer.lookup_compound(q, 2)[0].term!r}" for q in typos)]
    return Report(NAME, "Query assistance per keystroke: EmbedLab suggest + correct vs symspellpy lookup_compound",
                  ["side", "keystrokes", "median ms", "p90 ms", "p99 ms", "max ms", "median / symspellpy's", "answer"],
                  rows, targets, notes, {"queries": queries, "keystrokes": n, "environment": started})
