"""word2vec training speed on FOLDOC: EmbedLab's skip-gram and CBOW vs textbook PyTorch SGNS, same batches.

Words per second are what ``word2vec.c`` counts: the corpus's in-vocabulary words passed through (subsampled
ones included) per second of training; vocabulary building is timed apart. Speed: one epoch each (``--epochs``
for the timed sides; vocabulary min_count 5, 100 dimensions, window 5, 5 negatives, batches of 4,096 pairs,
SGD from lr 0.025 falling linearly) of ``core.represent.word2vec.Word2Vec`` skip-gram (the gradient written out
and applied with ``index_add_``) and CBOW, beside two PyTorch skip-gram trainers fed the SAME pairs (core's
subsampling and windows, same seed) and negatives from the same table: the textbook one (``nn.Embedding``
lookups of centre, context and negatives, the summed log-sigmoid loss, ``loss.backward()``, dense gradients,
``torch.optim.SGD``), and the same with ``nn.Embedding(sparse=True)``. The sides alternate (``--repeat``); the
mean loss per pair over the epoch's last 5 chunks says whether they learn alike. Then a fit with the default
parameters (5 epochs, ``--quality-epochs``), words/s and the probe words' nearest neighbours.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log, timed

NAME = "word2vec"
TARGET_WPS = 50_000
LAST = 5  # chunks at the end of an epoch whose mean loss is compared
CHECKS = {"unix": ("bsd", 10), "linux": ("freebsd", 10), "tcp": ("udp", 10), "keyboard": ("mouse", 3),
          "database": ("relational", 5), "windows": ("nt", 5)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each timed side (default 1)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per side, alternating; best kept (default 2)")
    parser.add_argument("--quality-epochs", type=int, default=5, help="epochs of the default fit (0 skips it)")
    parser.add_argument("--no-dense", action="store_true", help="leave out the textbook dense-gradient side")


def _reference(texts: list[str], vocab_of, epochs: int, sparse: bool) -> dict:
    """Skip-gram with negative sampling the textbook PyTorch way, on core's pairs and negative table."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from core.represent import word2vec as w2v

    tokens = w2v._token_lists(texts)
    vocab = vocab_of(tokens)
    ids, docs = vocab.encode(tokens)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    dim, negative, batch, lr0 = 100, 5, 4096, 0.025

    class SGNS(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.centre = nn.Embedding(len(vocab), dim, sparse=sparse)
            self.context = nn.Embedding(len(vocab), dim, sparse=sparse)
            nn.init.uniform_(self.centre.weight, -0.5 / dim, 0.5 / dim)
            nn.init.zeros_(self.context.weight)

        def forward(self, c, x, neg):
            u = self.centre(c)
            pos = F.logsigmoid((u * self.context(x)).sum(1))
            negs = F.logsigmoid(-torch.bmm(self.context(neg), u.unsqueeze(2)).squeeze(2)).sum(1)
            return -(pos + negs).sum()

    model = SGNS()
    opt = torch.optim.SGD(model.parameters(), lr=lr0)
    table = torch.from_numpy(w2v.negative_table(vocab.counts))
    keep = vocab.keep_probabilities(w2v.SAMPLE)
    bounds = w2v._chunk_bounds(docs)
    total, curve = epochs * len(ids), []
    start = time.perf_counter()
    for epoch in range(epochs):
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            kept = lo + np.flatnonzero(w2v.subsample(ids[lo:hi], keep, rng))
            c_all, x_all = (torch.from_numpy(a) for a in w2v.skipgram_pairs(ids[kept], docs[kept], 5, rng))
            n, chunk_loss = len(c_all), 0.0
            for b0 in range(0, n, batch):
                done = epoch * len(ids) + lo + (hi - lo) * b0 / n
                for group in opt.param_groups:
                    group["lr"] = lr0 * max(1 - done / total, w2v.MIN_LR_FRACTION)
                c, x = c_all[b0:b0 + batch], x_all[b0:b0 + batch]
                neg = table[torch.randint(len(table), (len(c), negative))]
                loss = model(c, x, neg)
                opt.zero_grad()
                loss.backward()
                opt.step()
                chunk_loss += loss.item()
            curve.append(chunk_loss / max(n, 1))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "words_per_second": total / seconds, "loss": float(np.mean(curve[-LAST:]))}


def run(args: argparse.Namespace) -> Report:
    """Time every side for ``--epochs``, alternating; then one default fit for the neighbours it learns."""
    import torch

    from core.represent import word2vec as w2v
    from core.search.corpus import load_corpus

    started = environment()
    texts = load_corpus("foldoc").texts
    t = timed(lambda: w2v.build_vocab(texts))
    vocab = t.value
    n_words = int(vocab.counts.sum())
    log(f"[word2vec] FOLDOC: {len(texts):,} texts, {vocab.n_tokens:,} tokens, {n_words:,} in a vocabulary of "
        f"{len(vocab):,} words (built in {t.wall:.2f} s); torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads")

    def core(kind: str):
        def fit() -> dict:
            model = w2v.Word2Vec(kind, epochs=args.epochs, device="cpu").fit(texts, snapshots=0)
            return {"seconds": model.train_seconds_, "words_per_second": model.words_per_second_,
                    "loss": float(np.mean(model.loss_curve_[-LAST:])), "predictions": model.n_predictions_}
        return fit

    def vocab_of(tokens):
        return w2v._vocab_of(tokens, 5, 30_000)

    sides = {"core skip-gram": core("skipgram"), "core CBOW": core("cbow"),
             "torch autograd, sparse embeddings + SGD": lambda: _reference(texts, vocab_of, args.epochs, True)}
    if not args.no_dense:
        sides["torch textbook: dense embeddings + SGD"] = lambda: _reference(texts, vocab_of, args.epochs, False)
    runs = interleaved(sides, repeat=args.repeat, log=log)
    picked = {name: best(timings) for name, timings in runs.items()}
    ref_name = [name for name in sides if name.startswith("torch")][-1]  # the textbook side unless --no-dense
    ref = picked[ref_name].value
    rows = []
    for name, timing in picked.items():
        v = timing.value
        rows.append({"side": name, "train s": v["seconds"], "words/s": v["words_per_second"],
                     "vs reference": v["words_per_second"] / ref["words_per_second"], "loss (last chunks)": v["loss"]})

    quality: dict = {}
    if args.quality_epochs:
        log(f"[word2vec] default skip-gram fit, {args.quality_epochs} epochs")
        model = w2v.Word2Vec("skipgram", epochs=args.quality_epochs, device="cpu").fit(texts, snapshots=5)
        quality = {"seconds": model.train_seconds_, "words_per_second": model.words_per_second_,
                   "neighbours": {w: model.nearest(w, 10) for w in (*model.probe_words_, *CHECKS)},
                   "snapshots": model.snapshots_, "loss_curve": model.loss_curve_.tolist()}
        quality["checks"] = {w: want in [x for x, _ in quality["neighbours"][w][:k]]
                             for w, (want, k) in CHECKS.items()}
        rows.append({"side": f"core skip-gram, defaults ({args.quality_epochs} epochs)",
                     "train s": model.train_seconds_, "words/s": model.words_per_second_, "vs reference": None,
                     "loss (last chunks)": float(np.mean(model.loss_curve_[-LAST:]))})
        for w in model.probe_words_:
            log(f"  {w}: {', '.join(x for x, _ in quality['neighbours'][w][:5])}")

    core_sg = picked["core skip-gram"].value
    targets = [
        Target("core skip-gram words/s", core_sg["words_per_second"], ">=", TARGET_WPS),
        Target("core CBOW words/s", picked["core CBOW"].value["words_per_second"], ">=", TARGET_WPS),
        Target("core skip-gram loss / reference loss", core_sg["loss"] / ref["loss"], "<=", 1.05,
               "same pairs and schedule: the speed is not bought with worse training"),
    ]
    if quality:
        targets.append(Target("default fit words/s", quality["words_per_second"], ">=", TARGET_WPS))
    notes = [f"FOLDOC {len(texts):,} texts, {n_words:,} in-vocabulary words of {vocab.n_tokens:,} "
             f"({len(vocab):,} words seen >= 5 times); vocabulary built in {t.wall:.2f} s (not counted); "
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores, "
             f"torch {torch.get_num_threads()} threads",
             f"{args.epochs} epoch(s) per timed side, best of {args.repeat}; 'vs reference' = words/s over "
             f"those of '{ref_name}'"]
    if quality:
        notes.append("default fit, nearest words: " + "; ".join(
            f"{w}: {', '.join(x for x, _ in quality['neighbours'][w][:5])}" for w in quality["neighbours"]))
        notes.append(f"neighbour checks passed {sum(quality['checks'].values())} of {len(CHECKS)}: "
                     + ", ".join(f"{want} in top {k} of {w}" for w, (want, k) in CHECKS.items()))
    details = {"vocab_seconds": t.wall, "n_words": n_words, "n_tokens": vocab.n_tokens, "vocab": len(vocab),
               "runs": {name: [tm.value for tm in timings] for name, timings in runs.items()},
               "quality": quality, "environment_at_start": started}
    return Report(NAME, "word2vec training on FOLDOC: words per second",
                  ["side", "train s", "words/s", "vs reference", "loss (last chunks)"], rows, targets, notes, details)
