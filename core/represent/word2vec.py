"""word2vec: skip-gram and CBOW with negative sampling, trained in torch on a corpus of texts.

>>> from core.search.corpus import load_corpus
>>> model = Word2Vec("skipgram", epochs=5).fit(load_corpus("foldoc").texts)   # doctest: +SKIP
>>> model.nearest("unix", k=3)                                                   # doctest: +SKIP
[('bsd', 0.7...), ('csh', 0.6...), ('vms', 0.6...)]

The algorithm is the original one (Mikolov et al. 2013, "Distributed representations of words and phrases
and their compositionality"; ``word2vec.c``), done in big vectorised batches instead of one word at a time:

Vocabulary
    Words (:func:`core.search.lexical.tokenize`: lower-cased runs of letters and digits) that occur at least
    ``min_count`` times, the ``max_vocab`` most frequent of them, by frequency (ties alphabetically). Other
    words are dropped from the token stream, as ``word2vec.c`` drops them, before windows are taken.
Subsampling of frequent words
    Each epoch, every occurrence of a word with corpus frequency ``f`` is kept with probability
    ``min(1, (sqrt(f / t) + 1) * t / f)`` (``word2vec.c``'s form of the paper's ``1 - sqrt(t / f)``), with
    ``t = sample`` (1e-4); "the", "of", "a" lose most of their occurrences, rare words keep all of theirs.
Windows
    Each kept word takes a reduced window ``b`` drawn uniformly from 1 to ``window``; its contexts are the kept
    words at most ``b`` positions away in the same text (a window never crosses from one text into the next).
Skip-gram
    Every (centre, context) pair is one prediction: ``log sigmoid(in[centre] . out[context]) + sum over k
    negatives of log sigmoid(-in[centre] . out[negative])``.
CBOW (continuous bag of words)
    Every centre word is one prediction from ``h``, the mean of its contexts' input vectors: ``log
    sigmoid(h . out[centre]) + sum over negatives of log sigmoid(-h . out[negative])``. As in ``word2vec.c``
    (and gensim with ``cbow_mean=1``) each context word receives the whole error of ``h``, not a share of it.
Negatives
    ``negative`` words per prediction, drawn from the unigram distribution raised to the power 0.75 (a table
    in which each word takes a share of entries proportional to ``count ** 0.75``); a negative that happens
    to be the word being predicted is left out, as ``word2vec.c`` skips it.
Updates
    Plain SGD on two tables (input vectors, initialised uniformly in ``+-0.5 / dim``; output vectors,
    initialised at zero), the learning rate falling linearly from ``lr`` to ``lr * 1e-4`` over the training
    words, as in ``word2vec.c``. The gradient is written out by hand (what ``word2vec.c`` computes) and applied
    with ``index_add_``: the gradients of a batch are all taken at the same parameters, then summed per row, so
    a batch step equals one SGD step on the batch's summed loss (tests check it against autograd). That is
    about 1.6 times faster than autograd over ``nn.Embedding(sparse=True)`` with the same batches.

``words_per_second_`` counts what ``word2vec.c`` counts: the corpus's in-vocabulary words passed through (those
subsampling drops included) per second of training.
"""

from __future__ import annotations

import difflib
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.checks import check_real, check_whole
from core.errors import InputError

WORD2VEC_KINDS: dict[str, str] = {
    "skipgram": "Skip-gram: each word predicts every word around it, one prediction per (word, context) pair. "
                "Slower; better for rare words.",
    "cbow": "CBOW (continuous bag of words): the average of the words around predicts the word in the middle, "
            "one prediction per word. Several times faster; smoother for frequent words.",
}
DEFAULT_LR = {"skipgram": 0.025, "cbow": 0.05}  # word2vec.c's defaults
DEFAULT_PROBES = ("unix", "compiler", "memory", "protocol", "keyboard", "database")
SAMPLE = 1e-4  # Mikolov's subsampling threshold t
POWER = 0.75  # exponent of the negative-sampling distribution
MIN_LR_FRACTION = 1e-4  # word2vec.c never lets the rate fall below starting_alpha * 0.0001
CHUNK_WORDS = 32_768  # corpus words per chunk: pairs are made per chunk, and the loss curve has one point per chunk
TABLE_PER_WORD = 100  # entries of the negative-sampling table per vocabulary word (at least 1,000,000 in all)
PROBE_K = 5  # neighbours of each probe word in a snapshot
DIVERGED = 10  # a chunk's mean loss above this many times the starting loss ((1 + negative) log 2) stops training
Progress = Callable[[int, int], Any] | None


# --------------------------------------------------------------------------------------- vocabulary and data
def _token_lists(texts: Iterable[str] | Iterable[Sequence[str]]) -> list[list[str]]:
    """Each text as its list of tokens (texts already split into tokens pass as they are)."""
    from core.search.lexical import tokenize

    if isinstance(texts, str):
        raise InputError("texts must be a list of texts, not one string; wrap it in a list: [text]")
    out = []
    for i, text in enumerate(texts):
        if isinstance(text, str):
            out.append(tokenize(text))
        elif isinstance(text, Sequence) and all(isinstance(w, str) for w in text):
            out.append(list(text))
        else:
            raise InputError(f"text {i} is a {type(text).__name__}; each text must be a string (or a list of words)")
    return out


@dataclass(frozen=True, eq=False)
class Vocab:
    """The words kept for training, most frequent first.

    Attributes
    ----------
    words : list of str
        Word of each id.
    counts : ndarray of int64
        Occurrences of each word in the corpus.
    n_tokens : int
        Tokens in the whole corpus, words left out of the vocabulary included.
    min_count, max_vocab : int
        The limits it was built with.
    """

    words: list[str]
    counts: np.ndarray
    n_tokens: int
    min_count: int
    max_vocab: int
    index: dict[str, int] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def frequencies(self) -> np.ndarray:
        """Each word's share of the in-vocabulary tokens."""
        return self.counts / max(int(self.counts.sum()), 1)

    def id_of(self, word: str) -> int:
        """Id of ``word``; an unknown word raises InputError with close words as suggestions."""
        if word in self.index:
            return self.index[word]
        close = difflib.get_close_matches(str(word).lower(), self.words[:20_000], n=5)
        hint = f"did you mean {', '.join(close)}?" if close else "try a more frequent word"
        raise InputError(f"{word!r} is not among the {len(self):,} words of the vocabulary (words seen at least "
                         f"min_count={self.min_count} times); {hint}")

    def keep_probabilities(self, sample: float = SAMPLE) -> np.ndarray:
        """Probability of keeping each occurrence of each word under subsampling with threshold ``sample``
        (``word2vec.c``: ``(sqrt(f / t) + 1) * t / f``, capped at 1; ``sample=0`` keeps everything)."""
        if sample <= 0:
            return np.ones(len(self))
        f = self.frequencies
        return np.minimum(1.0, (np.sqrt(f / sample) + 1) * sample / f)

    def encode(self, token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The corpus as token ids (words outside the vocabulary dropped) and the text each token came from.

        Returns
        -------
        ids : ndarray of int32, shape (n,)
        docs : ndarray of int32, shape (n,)
        """
        index = self.index
        ids, docs = [], []
        for d, tokens in enumerate(token_lists):
            row = [index[w] for w in tokens if w in index]
            ids.extend(row)
            docs.extend([d] * len(row))
        return np.asarray(ids, dtype=np.int32), np.asarray(docs, dtype=np.int32)


def build_vocab(texts: Iterable[str] | Iterable[Sequence[str]], min_count: int = 5,
                max_vocab: int = 30_000) -> Vocab:
    """Count the words of ``texts`` (strings, tokenised here, or lists of words) and keep the ``max_vocab``
    most frequent of those seen at least ``min_count`` times."""
    check_whole("min_count", min_count, 1, 1_000_000)
    check_whole("max_vocab", max_vocab, 2, 1_000_000)
    return _vocab_of(_token_lists(texts), int(min_count), int(max_vocab))


def _vocab_of(token_lists: list[list[str]], min_count: int, max_vocab: int) -> Vocab:
    counter = Counter(w for tokens in token_lists for w in tokens)
    n_tokens = sum(counter.values())
    if n_tokens == 0:
        raise InputError("the corpus is empty: its texts have no words (letters or digits) to train on")
    kept = sorted((kv for kv in counter.items() if kv[1] >= min_count), key=lambda kv: (-kv[1], kv[0]))[:max_vocab]
    if len(kept) < 2:
        raise InputError(f"only {len(kept)} word(s) of the corpus occur at least min_count={min_count} times; "
                         "give more text or lower min_count")
    words = [w for w, _ in kept]
    return Vocab(words, np.array([c for _, c in kept], dtype=np.int64), n_tokens, min_count, max_vocab,
                 {w: i for i, w in enumerate(words)})


def subsample(ids: np.ndarray, keep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the tokens kept: token ``i`` survives with probability ``keep[ids[i]]``."""
    return rng.random(len(ids)) < keep[ids]


def context_windows(docs: np.ndarray, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the contexts of every token under a random reduced window.

    Each token draws ``b`` uniformly from 1 to ``window`` and takes the tokens at offsets ``-b .. -1, 1 .. b``
    that lie in the same text.

    Returns
    -------
    positions : ndarray of int64, shape (n, 2 * window)
        Position of each candidate context (offsets ``-window .. -1, 1 .. window``; clipped to the array).
    valid : ndarray of bool, shape (n, 2 * window)
        Which candidates are contexts.
    """
    n = len(docs)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    reach = rng.integers(1, window + 1, size=n)
    pos = np.arange(n)[:, None] + offsets[None, :]
    valid = (np.abs(offsets)[None, :] <= reach[:, None]) & (pos >= 0) & (pos < n)
    pos = np.clip(pos, 0, max(n - 1, 0))
    valid &= docs[pos] == docs[:, None]
    return pos, valid


def skipgram_pairs(ids: np.ndarray, docs: np.ndarray, window: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(centre, context) id pairs of a token stream, in text order (see :func:`context_windows`)."""
    pos, valid = context_windows(docs, window, rng)
    rows, cols = np.nonzero(valid)
    return ids[rows].astype(np.int64), ids[pos[rows, cols]].astype(np.int64)


def cbow_examples(ids: np.ndarray, docs: np.ndarray, window: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre ids, their context ids (``(n, 2 * window)``, 0 where there is none) and the mask of real contexts;
    centres without any context are left out."""
    pos, valid = context_windows(docs, window, rng)
    has = valid.any(axis=1)
    contexts = np.where(valid, ids[pos], 0)[has]
    return ids[has].astype(np.int64), contexts.astype(np.int64), valid[has]


def negative_table(counts: np.ndarray, size: int | None = None, power: float = POWER) -> np.ndarray:
    """The negative-sampling table: word ids, each taking a share of the entries proportional to
    ``count ** power`` (the entries are the distribution's quantiles, so every word with probability above
    ``1 / size`` has a place)."""
    size = int(size or max(1_000_000, TABLE_PER_WORD * len(counts)))
    p = np.asarray(counts, dtype=np.float64) ** power
    cdf = np.cumsum(p / p.sum())
    table = np.searchsorted(cdf, (np.arange(size) + 0.5) / size)
    return np.minimum(table, len(counts) - 1).astype(np.int64)


def _chunk_bounds(docs: np.ndarray, size: int = CHUNK_WORDS) -> np.ndarray:
    """Where the token stream is cut into chunks of about ``size`` tokens: at the first text start after each
    multiple of ``size`` when there is one before the next multiple (no window then loses a context to a cut),
    else at the multiple itself (inside a text longer than ``size``)."""
    marks = np.arange(size, len(docs), size)
    starts = np.flatnonzero(np.diff(docs, prepend=-1))
    at = np.searchsorted(starts, marks)
    nxt = np.where(at < len(starts), starts[np.minimum(at, len(starts) - 1)], len(docs))
    cuts = np.where(nxt < marks + size, nxt, marks)
    return np.unique(np.concatenate([[0], cuts, [len(docs)]])).astype(np.int64)


# --------------------------------------------------------------------------------------- one SGD step
def sgns_step(w_in, w_out, inputs, targets, weights, lr: float, cbow_mask=None):
    """One SGD step of negative sampling, in place on the torch tables ``w_in`` and ``w_out``; returns the
    batch's summed loss (a 0-d tensor).

    Parameters
    ----------
    w_in, w_out : tensor, shape (vocab, dim)
        Input and output vectors.
    inputs : int64 tensor, shape (b,) or, for CBOW, (b, c)
        The input word of each prediction (skip-gram's centre), or CBOW's context words.
    targets : int64 tensor, shape (b, 1 + negative)
        The word to predict first, then the negatives.
    weights : float tensor, shape (b, 1 + negative)
        1 for every term that counts, 0 for a negative equal to the word to predict.
    lr : float
        The step size.
    cbow_mask : float tensor, shape (b, c), optional
        1 for the real contexts of each CBOW prediction; ``h`` is their mean.
    """
    import torch
    import torch.nn.functional as F

    dim = w_in.shape[1]
    # index_select, then a product summed, run about 3 times faster on the CPU than w[ids] and bmm
    if cbow_mask is None:
        h = w_in.index_select(0, inputs)
    else:
        rows = w_in.index_select(0, inputs.reshape(-1)).view(*inputs.shape, dim)
        h = (rows * cbow_mask.unsqueeze(2)).sum(1) / cbow_mask.sum(1, keepdim=True)
    v = w_out.index_select(0, targets.reshape(-1)).view(*targets.shape, dim)  # (b, 1 + negative, dim)
    scores = (v * h.unsqueeze(1)).sum(2)
    signs = torch.ones_like(scores)
    signs[:, 1:] = -1
    loss = -(F.logsigmoid(signs * scores) * weights).sum()
    # d loss / d score = sigmoid(score) - label; g is minus that times the rate (a step down the gradient)
    label = (signs > 0).to(scores.dtype)
    g = (label - torch.sigmoid(scores)) * weights * lr
    grad_h = torch.bmm(g.unsqueeze(1), v).squeeze(1)
    w_out.index_add_(0, targets.reshape(-1), (g.unsqueeze(2) * h.unsqueeze(1)).reshape(-1, dim))
    if cbow_mask is None:
        w_in.index_add_(0, inputs, grad_h)
    else:
        spread = grad_h.unsqueeze(1) * cbow_mask.unsqueeze(2)
        w_in.index_add_(0, inputs.reshape(-1), spread.reshape(-1, dim))
    return loss


def _neighbours(w_in, vocab: Vocab, probes: Sequence[str], k: int) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` nearest words (cosine) of each probe word under the input vectors ``w_in`` (a torch table)."""
    import torch

    if not probes:
        return {}
    unit = torch.nn.functional.normalize(w_in, dim=1)
    rows = torch.tensor([vocab.index[w] for w in probes], device=w_in.device)
    scores = unit[rows] @ unit.T
    scores[torch.arange(len(probes), device=w_in.device), rows] = -math.inf
    top = torch.topk(scores, min(k, len(vocab) - 1), dim=1)
    values, indices = top.values.cpu().numpy(), top.indices.cpu().numpy()
    return {w: [(vocab.words[j], float(s)) for j, s in zip(indices[i], values[i], strict=True)]
            for i, w in enumerate(probes)}


# --------------------------------------------------------------------------------------- checks
# --------------------------------------------------------------------------------------- estimator
class Word2Vec:
    """word2vec with negative sampling (skip-gram or CBOW), trained in torch.

    Parameters
    ----------
    kind : {"skipgram", "cbow"}
        See :data:`WORD2VEC_KINDS`.
    dim : int
        Size of the word vectors (2 .. 1000).
    window : int
        Largest distance between a word and its contexts (1 .. 20); each word draws its own from 1 to this.
    negative : int
        Negative words per prediction (1 .. 50).
    epochs : int
        Passes over the corpus (1 .. 100).
    lr : float or None
        Starting learning rate, falling linearly to ``lr * 1e-4``; None takes ``word2vec.c``'s default for the
        kind (0.025 skip-gram, 0.05 CBOW).
    batch : int
        Predictions per SGD step (pairs for skip-gram, centre words for CBOW; 1 .. 1,000,000). Bigger batches
        run faster; far bigger ones with a high ``lr`` can diverge, which stops training with an error.
    min_count, max_vocab : int
        Vocabulary limits (see :func:`build_vocab`).
    sample : float
        Subsampling threshold ``t`` (0 turns subsampling off).
    random_state : int
        Seeds the initial vectors, the subsampling, the windows and the negatives: the same seed gives the same
        vectors on the same device.
    device : str or None
        "auto", "cpu", "cuda" or "mps"; None reads the environment (see :func:`core.device.resolve_device`).

    Attributes (after ``fit``)
    --------------------------
    vocab_ : Vocab
    words_ : list of str
    vectors_ : ndarray of float32, shape (vocab, dim)
        The input vectors, the ones word2vec keeps.
    loss_curve_ : ndarray of float
        Mean loss per prediction over each chunk of about :data:`CHUNK_WORDS` corpus words.
    loss_words_ : ndarray of int
        The corpus words passed through when each point of ``loss_curve_`` was recorded.
    snapshots_ : list of dict
        ``{"words", "fraction", "epoch", "loss", "neighbours": {probe: [(word, cosine), ...]}}`` at evenly
        spaced moments of training.
    probe_words_ : list of str
    words_per_second_ : float
        In-vocabulary corpus words passed through per second of training (``word2vec.c``'s measure; time
        spent in ``progress`` and ``probe`` callbacks is not counted).
    train_seconds_ : float
    n_predictions_ : int
        Predictions trained on (pairs for skip-gram, centre words for CBOW).
    device_ : str
    """

    def __init__(self, kind: str = "skipgram", dim: int = 100, window: int = 5, negative: int = 5, epochs: int = 5,
                 lr: float | None = None, batch: int = 4096, min_count: int = 5, max_vocab: int = 30_000,
                 sample: float = SAMPLE, random_state: int = 0, device: str | None = None):
        self.kind = kind
        self.dim = dim
        self.window = window
        self.negative = negative
        self.epochs = epochs
        self.lr = lr
        self.batch = batch
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.sample = sample
        self.random_state = random_state
        self.device = device

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("kind", "dim", "window", "negative", "epochs", "lr", "batch",
                                              "min_count", "max_vocab", "sample", "random_state", "device")}

    def _check(self) -> None:
        if self.kind not in WORD2VEC_KINDS:
            raise InputError(f"kind={self.kind!r} is not known; choose one of {', '.join(WORD2VEC_KINDS)}")
        for name, lo, hi in (("dim", 2, 1000), ("window", 1, 20), ("negative", 1, 50), ("epochs", 1, 100),
                             ("batch", 1, 1_000_000), ("min_count", 1, 1_000_000), ("max_vocab", 2, 1_000_000),
                             ("random_state", 0, 2**32 - 1)):
            check_whole(name, getattr(self, name), lo, hi)
        if self.lr is not None:
            check_real("lr", self.lr, 1e-6, 1.0, f"word2vec.c uses {DEFAULT_LR[self.kind]} for {self.kind}")
        check_real("sample", self.sample, 0.0, 1.0, "1e-4 is usual; 0 keeps every word")

    @property
    def lr_(self) -> float:
        return float(DEFAULT_LR[self.kind] if self.lr is None else self.lr)

    def fit(self, texts: Iterable[str] | Iterable[Sequence[str]], y=None, progress: Progress = None,
            probe: Callable[[dict], Any] | None = None, probe_words: Sequence[str] | None = None,
            snapshots: int = 10) -> Word2Vec:
        """Learn word vectors from ``texts`` (strings, or lists of words).

        Parameters
        ----------
        progress : callable, optional
            ``progress(done, total)`` in corpus words (epochs included), after each chunk.
        probe : callable, optional
            Called with each snapshot dict as it is made (see ``snapshots_``).
        probe_words : sequence of str, optional
            Words whose nearest neighbours the snapshots record; each must be in the vocabulary. None takes
            those of :data:`DEFAULT_PROBES` that are.
        snapshots : int
            How many snapshots, at evenly spaced moments (the ``k / snapshots`` fractions of training for
            ``k = 1 .. snapshots``, the last at the end); 0 for none.
        """
        import torch

        from core.device import resolve_device

        self._check()
        check_whole("snapshots", snapshots, 0, 1000)
        tokens = _token_lists(texts)
        vocab = _vocab_of(tokens, int(self.min_count), int(self.max_vocab))
        ids, docs = vocab.encode(tokens)
        if probe_words is None:
            probes = [w for w in DEFAULT_PROBES if w in vocab]
        else:
            if isinstance(probe_words, str):
                probe_words = [probe_words]
            probes = [str(w).lower() for w in probe_words]
            for w in probes:
                vocab.id_of(w)
        self.device_ = resolve_device(self.device)
        dev = torch.device(self.device_)
        seed = int(self.random_state)
        rng = np.random.default_rng(seed)
        dim, negative = int(self.dim), int(self.negative)
        w_in = torch.from_numpy((rng.random((len(vocab), dim), dtype=np.float32) - 0.5) / dim).to(dev)
        w_out = torch.zeros((len(vocab), dim), dtype=torch.float32, device=dev)
        table = torch.from_numpy(negative_table(vocab.counts)).to(dev)
        gen = torch.Generator(device=dev).manual_seed(seed)
        keep = vocab.keep_probabilities(float(self.sample))

        bounds = _chunk_bounds(docs)
        epochs, batch, lr0 = int(self.epochs), int(self.batch), self.lr_
        total = epochs * len(ids)
        moments = [math.ceil(total * k / snapshots) for k in range(1, snapshots + 1)] if snapshots else []
        cbow = self.kind == "cbow"

        snapshots_made: list[dict] = []

        def snap(words: float, loss: float | None) -> float:
            """A snapshot for each moment passed; returns the seconds spent in the ``probe`` callback."""
            spent = 0.0
            while moments and words >= moments[0]:
                moments.pop(0)
                fraction = min(words / total, 1.0)
                snapshots_made.append({"words": int(min(words, total)), "fraction": fraction,
                                       "epoch": fraction * epochs, "loss": loss,
                                       "neighbours": _neighbours(w_in, vocab, probes, PROBE_K)})
                if probe is not None:
                    t0 = time.perf_counter()
                    probe(snapshots_made[-1])
                    spent += time.perf_counter() - t0
            return spent

        curve, curve_words = [], []
        n_predictions, outside = 0, 0.0
        start = time.perf_counter()
        for epoch in range(epochs):
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
                done0 = epoch * len(ids) + int(lo)
                kept = lo + np.flatnonzero(subsample(ids[lo:hi], keep, rng))
                if cbow:
                    centres, contexts, mask = cbow_examples(ids[kept], docs[kept], int(self.window), rng)
                    inputs = torch.from_numpy(contexts).to(dev)
                    masks = torch.from_numpy(mask.astype(np.float32)).to(dev)
                    predicted = torch.from_numpy(centres).to(dev)
                else:
                    centres, contexts = skipgram_pairs(ids[kept], docs[kept], int(self.window), rng)
                    inputs = torch.from_numpy(centres).to(dev)
                    predicted = torch.from_numpy(contexts).to(dev)
                n = len(predicted)
                chunk_loss = torch.zeros((), dtype=torch.float64, device=dev)
                for b0 in range(0, n, batch):
                    b1 = min(b0 + batch, n)
                    done = done0 + (int(hi) - int(lo)) * b0 / n
                    lr = lr0 * max(1.0 - done / total, MIN_LR_FRACTION)
                    neg = table[torch.randint(len(table), (b1 - b0, negative), generator=gen, device=dev)]
                    targets = torch.cat([predicted[b0:b1, None], neg], dim=1)
                    weights = torch.ones(targets.shape, dtype=torch.float32, device=dev)
                    weights[:, 1:] = (neg != predicted[b0:b1, None]).to(torch.float32)
                    loss = sgns_step(w_in, w_out, inputs[b0:b1], targets, weights, lr,
                                     masks[b0:b1] if cbow else None)
                    chunk_loss += loss
                    if moments and done0 + (int(hi) - int(lo)) * b1 / n >= moments[0]:
                        outside += snap(done0 + (int(hi) - int(lo)) * b1 / n, float(chunk_loss) / b1)
                n_predictions += n
                if n:
                    mean = float(chunk_loss) / n
                    if not mean <= DIVERGED * (1 + negative) * math.log(2):  # NaN fails too
                        raise InputError(f"training diverged (the loss per prediction reached {mean:.3g}; it starts "
                                         f"at {(1 + negative) * math.log(2):.2f}) at lr={lr0:g}, batch={batch:,}; "
                                         "lower lr or batch")
                    curve.append(mean)
                    curve_words.append(epoch * len(ids) + int(hi))
                outside += snap(epoch * len(ids) + int(hi), curve[-1] if curve else None)  # if no pairs
                if progress:
                    t0 = time.perf_counter()
                    progress(epoch * len(ids) + int(hi), total)
                    outside += time.perf_counter() - t0
        self.train_seconds_ = time.perf_counter() - start - outside
        self.words_per_second_ = total / max(self.train_seconds_, 1e-9)
        self.n_predictions_ = n_predictions
        self.vocab_, self.words_, self.probe_words_, self.snapshots_ = vocab, vocab.words, probes, snapshots_made
        self.loss_curve_ = np.asarray(curve, dtype=np.float64)
        self.loss_words_ = np.asarray(curve_words, dtype=np.int64)
        self.vectors_ = np.ascontiguousarray(w_in.cpu().numpy(), dtype=np.float32)
        return self

    # ----------------------------------------------------------------------------------- after fit
    def _fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise InputError("this Word2Vec is not trained yet; call fit(texts) first")

    def nearest(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors have the highest cosine with ``word``'s (the word itself left out)."""
        self._fitted()
        row = self.vocab_.id_of(str(word).lower())
        check_whole("k", k, 1, len(self.words_) - 1)
        norms = np.linalg.norm(self.vectors_, axis=1)
        scores = self.vectors_ @ self.vectors_[row] / np.maximum(norms * norms[row], 1e-12)
        scores[row] = -np.inf
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.words_[i], float(scores[i])) for i in top]

    def to_dataset(self, name: str | None = None, description: str | None = None, credit: str = ""):
        """The learned vectors as a :class:`core.datasets.Dataset`: one row per word (id and label the word),
        with its corpus ``count`` and frequency ``rank`` as metadata."""
        import pandas as pd

        from core.datasets.base import Dataset, make_meta

        self._fitted()
        extra = pd.DataFrame({"count": self.vocab_.counts, "rank": np.arange(1, len(self.words_) + 1)})
        return Dataset(
            name=name or f"word2vec-{self.kind}",
            vectors=self.vectors_,
            meta=make_meta(len(self.words_), labels=self.words_, ids=self.words_, extra=extra),
            description=description or (f"{self.kind} word2vec vectors ({self.dim}-d) of {len(self.words_):,} words, "
                                        f"{self.epochs} epoch(s), window {self.window}, {self.negative} negatives"),
            credit=credit,
        )
