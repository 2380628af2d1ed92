"""Query assistance for the search lab: autocomplete as you type, and "did you mean" typo correction that
lets the neighbouring words decide.

>>> from core.search.assist import Assistant
>>> helper = Assistant.build()          # English counts only; Assistant.build(load_corpus("foldoc")) adds FOLDOC
>>> [s.word for s in helper.suggest("machine lea", k=3)]
['learning', 'learn', 'least']
>>> helper.correct("machine leaning").correction
'machine learning'

Counts
    Two sources, kept apart so a page can show where a number comes from. "english": the word and word-pair
    frequency lists that ship with ``symspellpy`` (82,765 words, 242,342 pairs; the 65 words with an
    apostrophe are left out, since :func:`core.search.lexical.tokenize` never yields one). "corpus": the words
    and adjacent pairs of a :class:`~core.search.corpus.Corpus`'s texts, tokenized like the search index; a
    word only the corpus knows is kept when it occurs ``min_corpus_count`` (2) times or more and has at most
    30 characters. One merged count ranks: ``count(w) = english(w) + s corpus(w)`` with
    ``s = corpus_weight N_english / N_corpus`` (``N``: a source's token total), so the corpus weighs
    ``corpus_weight`` (0.1) of the English text: FOLDOC's "unix", "lisp" and "ethernet" get the counts of
    common English words. The English pair counts come from a text about ``R`` times larger than the one of
    the English word counts; ``R`` (61.0) is the largest ratio (listed pairs starting or ending with a word /
    its count) among the 2,000 most frequent words, so pairs merge as ``english(a b) / R + s corpus(a b)``.

Scoring (a noisy channel, decided jointly over the query)
    For typed words ``w_1 .. w_n`` the correction is the sequence ``c_1 .. c_n`` (each ``c_i`` a known word
    within edit distance 2 of ``w_i``, or ``w_i`` itself) that maximises

        ``S = sum_i [ log P(c_i) - edit_penalty d(w_i, c_i) ] + sum_{i>1} lift(c_{i-1}, c_i)``

    * ``P(c) = count(c) / N`` (``N``: the merged token total). A word neither source knows keeps its own
      spelling as a candidate, with count ``oov_count`` (0.1): a word one edit away always replaces it, one
      two edits away only if its count is above about 900,000 (``0.1 e^16``);
    * ``lift(a, b) = log P(b | a) - log P(b)``, the bigram probability interpolated with the unigram one,
      ``P(b | a) = (1 - backoff) count(a b) / count(a) + backoff P(b)``, i.e.
      ``lift(a, b) = log((1 - backoff) count(a b) N / (count(a) count(b)) + backoff)``: log 0.1 = -2.3 for a
      pair no source has seen (``backoff`` = 0.1), more the more often it is seen than by chance;
    * ``d``: the optimal-string-alignment (Damerau) edit distance symspellpy uses; each edit costs
      ``edit_penalty`` = 8, as if a typo were about e^-8 ~ 1/3,000 likely.

    ``log P(c_1) + sum_{i>1} [log P(c_i) + lift(c_{i-1}, c_i)] = log P(c_1) + sum_{i>1} log P(c_i | c_{i-1})``:
    ``S`` is the bigram language model's log-probability of the corrected query plus the channel's of the
    typos. For one position, its neighbours fixed, candidates compare by
    ``unigram + left + right + edit`` (``unigram = log P(c)``, ``left = lift(previous, c)``,
    ``right = lift(c, next)``, ``edit = -edit_penalty d``): the columns of :meth:`Assistant.explain`; two
    candidates' totals differ exactly as the whole query's ``S`` would. "machine leaning": "leaning" is a
    word, but "learning" is 51 times as frequent (+3.9) and ``lift(machine, learning)`` is +2.9 against -2.3
    for the unseen "machine leaning" (+5.2): +9.1 beats the one edit's 8. "the quick brown fox" stays: "for"
    is 250 times as frequent as "fox" (+5.5), but "brown fox" is a known pair (+3.7) and "brown for" is not
    (-2.3), and "for" costs an edit (-8). Of single English words among the 30,000 most frequent, about 0.1 %
    change when typed alone ("tod" -> "to"). Words with a digit, and words typed in capitals ("NC", "TSIA":
    acronyms, as word processors skip them), are left as typed.
    The best sequence is found by Viterbi over each word's ``prune`` (24) best candidates by
    ``log P(c) - edit_penalty d`` (the word as typed always among them); if a candidate left out would beat
    the chosen one next to the chosen neighbours, it is added and the search run again.

Candidates
    symspellpy's ``lookup(word, Verbosity.ALL, 2)`` finds every word within distance 2, but without the
    optional ``editdistpy`` its Python loop takes 2-5 ms for a word of 2-4 letters (hundreds of candidates to
    check), and ``load_dictionary`` takes 3.3 s at distance 2 (1.5 s with ``prefix_length`` 5, whose look-ups
    are then 2-5 ms for every word). Here the same set comes from numpy: the words of a length within 2
    whose letters differ from the word's by at most 2 missing and 2 extra (an edit adds or removes at most
    one), counting each letter's second occurrence too; then the exact distance of those few hundred at once
    with Hyyro's bit-vector algorithm, 0.1-0.6 ms a word. The tests check the sets against
    ``SymSpell.lookup``.

Speed (the 2-core VM of ``bench/README.md``)
    :meth:`Assistant.build` takes about 0.5 s for the English lists and 1.1 s with FOLDOC (12,017 entries,
    830k tokens; loading the corpus is another 0.5 s); ``build_seconds`` says. A keystroke (``suggest`` +
    ``correct``) then takes about 1 ms (median; p99 2.5 ms): the candidates of each word are cached, so only
    the word being typed is looked up. ``python -m bench assist`` measures it beside symspellpy.
"""

from __future__ import annotations

import importlib.util
import math
import re
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.search.corpus import Corpus
from core.search.lexical import MAX_QUERY_CHARS, tokenize

ENGLISH_WORDS = "frequency_dictionary_en_82_765.txt"
ENGLISH_PAIRS = "frequency_bigramdictionary_en_243_342.txt"
MAX_DISTANCE = 2
MAX_WORD_CHARS = 30  # longer corpus tokens are URLs, hashes and the like
_WORD = re.compile(r"[a-z0-9]+")
_TAIL = re.compile(r"[A-Za-z0-9]+$")
_RAW = re.compile(r"[A-Za-z0-9]+")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_LUT = np.full(256, len(_ALPHABET), dtype=np.uint8)  # byte -> symbol 0..35; 36 = padding
_LUT[np.frombuffer(_ALPHABET.encode(), np.uint8)] = np.arange(len(_ALPHABET), dtype=np.uint8)
_BITS = np.left_shift(np.uint64(1), np.arange(len(_ALPHABET), dtype=np.uint64))
_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def _popcount_bytes(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy < 2.0 has no ``bitwise_count``)."""
    x = np.ascontiguousarray(x, np.uint64)
    return _BYTE_BITS[x.view(np.uint8)].reshape(*x.shape, 8).sum(axis=-1, dtype=np.uint8)


_popcount = getattr(np, "bitwise_count", _popcount_bytes)


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete suggestion.

    Attributes
    ----------
    text : the whole suggested query (what was typed, with the word completed or appended)
    word : the suggested word
    count : the merged count that ranked it (of the word pair when ``source`` ends in "bigram")
    source : "english bigram" or "corpus bigram" (ranked by the pair previous word + word), "english" or
        "corpus" (by the word's own count); the source that gives the larger share of ``count``
    english, corpus : the raw counts of each source (pair or word, as ``source`` says)
    score : what ranked it: the pair's local mutual information ``count ln lift`` for a bigram, else ``count``
    """

    text: str
    word: str
    count: int
    source: str
    english: int
    corpus: int
    score: float


@dataclass
class Correction:
    """A "did you mean" answer.

    Attributes
    ----------
    text : the text as typed
    correction : the corrected query: lower-cased tokens joined by single spaces
    changed : whether ``correction`` differs from the typed tokens
    candidates : one dict per (position, candidate) (see ``per_word`` of :meth:`Assistant.correct`), best first
        within a position: ``position``, ``word``
        (as typed), ``candidate``, ``distance``, ``count`` (merged), ``english``, ``corpus``, ``source``,
        ``context`` (the pairs with the chosen neighbours that a source has seen, with their counts),
        ``unigram``, ``left``, ``right``, ``edit`` (the score terms, see the module docstring), ``score``
        (their sum) and ``chosen``
    """

    text: str
    correction: str
    changed: bool
    candidates: list[dict] = field(default_factory=list, repr=False)


class Assistant:
    """Autocomplete and typo correction over English and corpus word counts (see the module docstring).

    Build it once with :meth:`build` (0.5 s, 1.1 s with FOLDOC); then :meth:`suggest` and :meth:`correct`
    answer a keystroke in about a millisecond. The arrays are read-only after the build; the only state that
    changes is the cache of each word's candidates (a dict, so calls from several threads are safe).
    """

    def __init__(self, words: list[str], english: np.ndarray, corpus: np.ndarray, pair_keys: np.ndarray,
                 pair_english: np.ndarray, pair_corpus: np.ndarray, *, pair_scale: float, corpus_scale: float,
                 corpus_name: str = "", edit_penalty: float = 8.0, backoff: float = 0.1, oov_count: float = 0.1,
                 prune: int = 24):
        if not 0 < backoff < 1:
            raise InputError(f"backoff={backoff!r} must be between 0 and 1 (0.1 is usual)")
        if not 0 <= edit_penalty <= 50:
            raise InputError(f"edit_penalty={edit_penalty!r} must be between 0 and 50 (8 is usual)")
        if not 0 < oov_count <= 1e6:
            raise InputError(f"oov_count={oov_count!r} must be above 0 and at most 1e6 (0.1 is usual)")
        if isinstance(prune, bool) or not isinstance(prune, int) or not 1 <= prune <= 1000:
            raise InputError(f"prune={prune!r} must be a whole number from 1 to 1000 (24 is usual)")
        self.words = words
        self.english, self.corpus = english, corpus
        self.corpus_name = corpus_name
        self.pair_scale, self.corpus_scale = float(pair_scale), float(corpus_scale)
        self.edit_penalty, self.backoff, self.prune = float(edit_penalty), float(backoff), int(prune)
        self.ids = {w: i for i, w in enumerate(words)}
        self.counts = english + corpus_scale * corpus  # merged, float64
        self.total = float(self.counts.sum())
        self.log_p = np.log(np.maximum(self.counts, 1e-300) / self.total)
        self.log_oov = math.log(oov_count / self.total)
        # word pairs, sorted by key = first * V + second
        n = len(words)
        self.pair_keys, self.pair_english, self.pair_corpus = pair_keys, pair_english, pair_corpus
        self.pair_counts = pair_english / pair_scale + corpus_scale * pair_corpus
        self.pair_second = (pair_keys % n).astype(np.int32)
        first = pair_keys // n
        # local mutual information: count(a b) ln lift(a, b), lift = count(a b) N / (count(a) count(b))
        self.pair_lmi = self.pair_counts * np.log(self.pair_counts * self.total
                                                  / (self.counts[first] * self.counts[self.pair_second]))
        self.pair_start = np.searchsorted(pair_keys, np.arange(n + 1, dtype=np.int64) * n)
        # candidate search: words sorted by length, as symbol codes, letter sets and letter counts
        lengths = np.fromiter(map(len, words), np.int32, n)
        self._by_length = np.argsort(lengths, kind="stable")
        self._lengths = lengths[self._by_length]
        self._length_start = np.searchsorted(self._lengths, np.arange(self._lengths[-1] + 2))
        width = int(self._lengths[-1])
        raw = np.array([words[i] for i in self._by_length], dtype=f"S{width}").view(np.uint8).reshape(n, width)
        self._codes = _LUT[raw]
        flat = np.repeat(np.arange(n, dtype=np.int64) * 37, width) + self._codes.ravel()
        hist = np.bincount(flat, minlength=n * 37).reshape(n, 37)[:, :36]
        self._masks = (hist > 0).astype(np.uint64) @ _BITS  # the letters of each word
        self._masks2 = (hist > 1).astype(np.uint64) @ _BITS  # those it has twice or more
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.build_seconds = 0.0

    # ------------------------------------------------------------------------------------------ build
    @classmethod
    def build(cls, corpus: Corpus | None = None, corpus_weight: float = 0.1, min_corpus_count: int = 2,
              min_pair_count: int = 1, **params) -> Assistant:
        """The English lists of symspellpy, merged with ``corpus``'s words and word pairs when one is given.

        Parameters
        ----------
        corpus : its texts are tokenized like the search index and counted (None: English only)
        corpus_weight : the corpus's weight relative to the English text (0.1: a tenth)
        min_corpus_count : a word only the corpus knows must occur this often to be kept
        min_pair_count : a word pair of the corpus must occur this often to count (both its words kept)
        **params : ``edit_penalty`` (8), ``backoff`` (0.1), ``oov_count`` (0.1), ``prune`` (24), see the
            module docstring

        Takes about 0.5 s for the English lists and 1.1 s with FOLDOC (``build_seconds`` says).
        """
        start = time.perf_counter()
        if not 0 < corpus_weight <= 10:
            raise InputError(f"corpus_weight={corpus_weight!r} must be above 0 and at most 10 (0.1 is usual)")
        for name, value in (("min_corpus_count", min_corpus_count), ("min_pair_count", min_pair_count)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name}={value!r} must be a whole number of at least 1")
        en_words, en_counts, en_first, en_second, en_pairs = _english_lists()
        vocab = set(en_words)
        co_words: list[str] = []
        co_counts = np.zeros(0, np.int64)
        co_keys = np.zeros(0, np.int64)
        co_pair_counts = np.zeros(0, np.int64)
        if corpus is not None:
            co_words, co_counts, co_keys, co_pair_counts = _corpus_counts(corpus)
            if co_counts.sum() == 0:
                raise InputError(f"the corpus {corpus.name!r} has no words to count; choose another corpus")
            vocab.update(w for w, c in zip(co_words, co_counts.tolist(), strict=True)
                         if c >= min_corpus_count and len(w) <= MAX_WORD_CHARS)
        words = sorted(vocab)
        ids = {w: i for i, w in enumerate(words)}
        n = len(words)
        en_map = np.fromiter(map(ids.__getitem__, en_words), np.int64, len(en_words))
        english = np.zeros(n, np.float64)
        english[en_map] = en_counts
        corpus_counts = np.zeros(n, np.float64)
        keys_parts, en_parts, co_parts = [], [], []
        keys_parts.append(en_map[en_first] * n + en_map[en_second])
        en_parts.append(en_pairs.astype(np.float64))
        co_parts.append(np.zeros(len(en_pairs)))
        scale = 0.0
        if corpus is not None:
            co_map = np.array([ids.get(w, -1) for w in co_words], np.int64)
            known = co_map >= 0
            corpus_counts[co_map[known]] = co_counts[known]
            scale = corpus_weight * float(en_counts.sum()) / float(co_counts.sum())
            first, second = co_map[co_keys // len(co_words)], co_map[co_keys % len(co_words)]
            keep = (first >= 0) & (second >= 0) & (co_pair_counts >= min_pair_count)
            keys_parts.append(first[keep] * n + second[keep])
            en_parts.append(np.zeros(int(keep.sum())))
            co_parts.append(co_pair_counts[keep].astype(np.float64))
        keys, inverse = np.unique(np.concatenate(keys_parts), return_inverse=True)
        pair_english = np.bincount(inverse, np.concatenate(en_parts), minlength=len(keys))
        pair_corpus = np.bincount(inverse, np.concatenate(co_parts), minlength=len(keys))
        pair_scale = _pair_scale(en_counts, en_first, en_second, en_pairs)
        out = cls(words, english, corpus_counts, keys, pair_english, pair_corpus, pair_scale=pair_scale,
                  corpus_scale=scale, corpus_name=corpus.name if corpus is not None else "", **params)
        out.build_seconds = time.perf_counter() - start
        return out

    # --------------------------------------------------------------------------------------- look-ups
    def counts_of(self, word: str) -> dict:
        """The counts of one word: ``english``, ``corpus`` (raw), ``count`` (merged) and ``source``."""
        i = self.ids.get(word.lower())
        if i is None:
            return {"word": word.lower(), "english": 0, "corpus": 0, "count": 0, "source": "unknown"}
        return {"word": word.lower(), "english": int(self.english[i]), "corpus": int(self.corpus[i]),
                "count": int(round(self.counts[i])), "source": self._source(i)}

    def pair_count(self, first: str, second: str) -> dict:
        """The counts of the word pair ``first second``: ``english``, ``corpus`` (raw), ``count`` (merged)."""
        a, b = self.ids.get(first.lower()), self.ids.get(second.lower())
        j = -1 if a is None or b is None else self._pair_index(np.array([a]), np.array([b]))[0]
        if j < 0:
            return {"pair": f"{first} {second}".lower(), "english": 0, "corpus": 0, "count": 0}
        return {"pair": f"{first} {second}".lower(), "english": int(self.pair_english[j]),
                "corpus": int(self.pair_corpus[j]), "count": int(round(self.pair_counts[j]))}

    def candidates(self, word: str) -> dict[str, int]:
        """Every known word within edit distance 2 of ``word`` (itself included when known) -> its distance;
        the same set as symspellpy's ``lookup(word, Verbosity.ALL, 2)``."""
        ids, dist = self._lookup(word.lower())
        return {self.words[i]: int(d) for i, d in zip(ids.tolist(), dist.tolist(), strict=True)}

    def _lookup(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        m = len(word)
        ids = np.zeros(0, np.int64)
        dist = np.zeros(0, np.int16)
        lo, hi = max(1, m - MAX_DISTANCE), min(m + MAX_DISTANCE, len(self._length_start) - 2)
        if 0 < m < 64 and lo <= hi and _WORD.fullmatch(word):
            q = _LUT[np.frombuffer(word.encode(), np.uint8)]
            qhist = np.bincount(q, minlength=36).astype(np.int16)
            qmask = (qhist > 0).astype(np.uint64) @ _BITS
            start, stop = self._length_start[lo], self._length_start[hi + 1]
            masks = self._masks[start:stop]
            near = np.flatnonzero((_popcount(masks & ~qmask) <= MAX_DISTANCE)
                                  & (_popcount(qmask & ~masks) <= MAX_DISTANCE)) + start
            # letters the word lacks (or has too many of) are edits: count the second of each letter too
            w1, w2, q2 = self._masks[near], self._masks2[near], (qhist > 1).astype(np.uint64) @ _BITS
            lack = _popcount(qmask & ~w1) + _popcount(q2 & ~w2)
            extra = _popcount(w1 & ~qmask) + _popcount(w2 & ~q2)
            near = near[(lack <= MAX_DISTANCE) & (extra <= MAX_DISTANCE)][::-1]  # longest first
            if len(near) > 40:
                lengths = self._lengths[near]
                d = _osa(q, self._codes[near, :int(lengths[0])], lengths)
            else:
                steps: dict[str, int] = {}
                for i, ch in enumerate(word):
                    steps[ch] = steps.get(ch, 0) | 1 << i
                d = np.array([_osa_one(word, self.words[i], steps) for i in self._by_length[near].tolist()], np.int16)
            ok = d <= MAX_DISTANCE
            ids, dist = self._by_length[near[ok]].astype(np.int64), d[ok]
        if len(self._cache) > 20000:
            self._cache.clear()
        self._cache[word] = (ids, dist)
        return ids, dist

    def _source(self, i: int) -> str:
        return "english" if self.english[i] >= self.corpus_scale * self.corpus[i] else "corpus"

    def _pair_index(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Row of each pair in the pair arrays, -1 where no source has seen it (``first``/``second`` >= 0)."""
        keys = first.astype(np.int64) * len(self.words) + second
        j = np.minimum(np.searchsorted(self.pair_keys, keys), len(self.pair_keys) - 1)
        return np.where(self.pair_keys[j] == keys, j, -1)

    def _lift(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """``lift(a, b)`` elementwise (see the module docstring); -1 stands for a word no source knows."""
        first, second = np.broadcast_arrays(np.asarray(first, np.int64), np.asarray(second, np.int64))
        both = (first >= 0) & (second >= 0)
        pair = np.zeros(first.shape)
        if both.any():
            a, b = first[both], second[both]
            j = self._pair_index(a, b)
            seen = j >= 0
            ratio = np.zeros(len(a))
            ratio[seen] = self.pair_counts[j[seen]] * self.total / (self.counts[a[seen]] * self.counts[b[seen]])
            pair[both] = ratio
        return np.log((1 - self.backoff) * pair + self.backoff)

    # ----------------------------------------------------------------------------------- autocomplete
    def suggest(self, text: str, k: int = 10) -> list[Suggestion]:
        """Autocomplete: up to ``k`` suggestions for what is typed so far.

        If ``text`` ends inside a word, that word is completed: first the completions seen after the previous
        word more often than chance, by the pair's local mutual information (``count(a b) ln lift(a, b)``:
        frequent and specific pairs first, "machine learning" before "machine is"), then the others by their
        own count. If it ends with a space (or punctuation), the next word is suggested: the words seen after
        the last word more often than chance, the same way, then the other words seen after it by the pair's
        count. Empty text gives no suggestions.
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= 100:
            raise InputError(f"k={k!r} must be a whole number from 1 to 100")
        if not _check(text):
            return []
        tail = _TAIL.search(text)
        if tail is None:  # ends with a space or punctuation: the next word
            words = tokenize(text)
            prev = self.ids.get(words[-1]) if words else None
            if prev is None:
                return []
            lead = text if text[-1].isspace() else text + " "
            return self._followers(prev, 0, len(self.words), k, lead, fill=True)
        partial = tail.group().lower()
        lead = text[:tail.start()]
        before = tokenize(lead)
        prev = self.ids.get(before[-1]) if before else None
        lo = bisect_left(self.words, partial)
        hi = bisect_left(self.words, partial + "\x7f", lo)
        out = [] if prev is None else self._followers(prev, lo, hi, k, lead, fill=False)
        if len(out) < k and hi > lo:
            taken = {s.word for s in out}
            rows = _top(self.counts[lo:hi], k + len(taken)) + lo
            for i in rows.tolist():
                if self.words[i] not in taken and len(out) < k:
                    out.append(Suggestion(lead + self.words[i], self.words[i], int(round(self.counts[i])),
                                          self._source(i), int(self.english[i]), int(self.corpus[i]),
                                          float(self.counts[i])))
        return out

    def _followers(self, prev: int, lo: int, hi: int, k: int, lead: str, fill: bool) -> list[Suggestion]:
        """The words with ids in [lo, hi) seen after word ``prev`` more often than chance, by local mutual
        information; with ``fill``, then those seen less often, by the pair's count."""
        start, stop = self.pair_start[prev], self.pair_start[prev + 1]
        second = self.pair_second[start:stop]
        a, b = np.searchsorted(second, lo) + start, np.searchsorted(second, hi) + start
        lmi = self.pair_lmi[a:b]
        above = np.flatnonzero(lmi > 0)
        rows = above[_top(lmi[above], k)]
        if fill and len(rows) < k:
            below = np.flatnonzero(lmi <= 0)
            rows = np.concatenate([rows, below[_top(self.pair_counts[a:b][below], k - len(rows))]])
        out = []
        for j in (rows + a).tolist():
            i = int(self.pair_second[j])
            english, corpus = self.pair_english[j], self.pair_corpus[j]
            source = "english bigram" if english / self.pair_scale >= self.corpus_scale * corpus else "corpus bigram"
            out.append(Suggestion(lead + self.words[i], self.words[i], int(round(self.pair_counts[j])), source,
                                  int(english), int(corpus), float(self.pair_lmi[j])))
        return out

    # ----------------------------------------------------------------------------------- correction
    def correct(self, text: str, per_word: int | None = 20) -> Correction:
        """Did you mean: the most likely intended query, every word decided with its neighbours.

        Returns a :class:`Correction` whose ``candidates`` hold, for every word, its candidates within edit
        distance 2 (itself included) with their score terms (the module docstring gives the formula): the
        ``per_word`` best of them and the word as typed (None: all; a word of 1-3 letters has hundreds, and
        :meth:`candidates` lists them). Words with a digit are left as typed. Empty text gives an empty,
        unchanged correction.
        """
        if per_word is not None and (isinstance(per_word, bool) or not isinstance(per_word, (int, np.integer))
                                     or per_word < 1):
            raise InputError(f"per_word={per_word!r} must be a whole number of at least 1, or None for all")
        if not _check(text):
            return Correction(text, "", False, [])
        tokens = tokenize(text)
        typed = _RAW.findall(text)
        capitals = [len(t) > 1 and t.isupper() for t in typed] if len(typed) == len(tokens) else [False] * len(tokens)
        cands, dists, priors = [], [], []
        for tok, upper in zip(tokens, capitals, strict=True):
            if upper or any(ch.isdigit() for ch in tok):  # acronyms, numbers, versions: left as typed
                ids, dist = np.array([self.ids.get(tok, -1)], np.int64), np.zeros(1, np.int16)
            else:
                ids, dist = self._lookup(tok)
                if tok not in self.ids:  # its own spelling stays a candidate, with the unknown word's count
                    ids, dist = np.append(ids, -1), np.append(dist, 0).astype(np.int16)
            prior = np.where(ids >= 0, self.log_p[np.maximum(ids, 0)], self.log_oov) - self.edit_penalty * dist
            order = np.lexsort((ids, -prior))
            cands.append(ids[order])
            dists.append(dist[order])
            priors.append(prior[order])
        keep = [set(range(min(self.prune, len(c)))) | {int(np.flatnonzero(d == 0)[0])}
                for c, d in zip(cands, dists, strict=True)]
        for _ in range(5):
            path = self._viterbi([c[sorted(s)] for c, s in zip(cands, keep, strict=True)],
                                 [p[sorted(s)] for p, s in zip(priors, keep, strict=True)])
            terms = self._terms(cands, dists, path)
            grown = False
            for i, t in enumerate(terms):
                best = int(np.argmax(t["score"]))
                if t["score"][best] > t["score"][t["chosen"]] + 1e-9 and best not in keep[i]:
                    keep[i].add(best)
                    grown = True
            if not grown:
                break
        words = [self.words[c] if c >= 0 else tok for c, tok in zip(path, tokens, strict=True)]
        correction = " ".join(words)
        return Correction(text, correction, correction != " ".join(tokens),
                          self._table(tokens, cands, dists, terms, path, per_word))

    def explain(self, text: str, position: int, k: int = 10) -> list[dict]:
        """Why the winner wins at word ``position`` (0 = first) of ``text``: its ``k`` best candidates with each
        score term apart (``unigram``, ``left``, ``right``, ``edit``) and their sum ``score``, given the chosen
        neighbours; best first."""
        fixed = self.correct(text, per_word=k)
        n = len(fixed.correction.split())
        if n == 0:
            raise InputError("the query is empty; type a word or two")
        if isinstance(position, bool) or not isinstance(position, (int, np.integer)) or not 0 <= position < n:
            raise InputError(f"position={position!r} must be a word's place in the query, from 0 to {n - 1}")
        cols = ("candidate", "distance", "count", "source", "unigram", "left", "right", "edit", "score", "chosen")
        rows = [r for r in fixed.candidates if r["position"] == position][:k]
        return [{c: r[c] for c in cols} for r in rows]

    def _viterbi(self, cands: list[np.ndarray], priors: list[np.ndarray]) -> list[int]:
        """The best sequence (as word ids, -1 = the unknown word as typed) over the given candidates."""
        score = priors[0]
        back = []
        for i in range(1, len(cands)):
            lift = self._lift(cands[i - 1][:, None], cands[i][None, :])
            total = score[:, None] + lift
            arg = np.argmax(total, axis=0)
            back.append(arg)
            score = total[arg, np.arange(len(cands[i]))] + priors[i]
        j = int(np.argmax(score))
        path = [j]
        for arg in reversed(back):
            j = int(arg[j])
            path.append(j)
        path.reverse()
        return [int(c[j]) for c, j in zip(cands, path, strict=True)]

    def _terms(self, cands: list[np.ndarray], dists: list[np.ndarray], path: list[int]) -> list[dict]:
        """Per position, the score terms of every candidate given the chosen neighbours in ``path``."""
        out = []
        for i, (c, d) in enumerate(zip(cands, dists, strict=True)):
            unigram = np.where(c >= 0, self.log_p[np.maximum(c, 0)], self.log_oov)
            left = self._lift(path[i - 1], c) if i > 0 else np.zeros(len(c))
            right = self._lift(c, path[i + 1]) if i + 1 < len(path) else np.zeros(len(c))
            edit = -self.edit_penalty * d.astype(np.float64)
            out.append({"unigram": unigram, "left": left, "right": right, "edit": edit,
                        "score": unigram + left + right + edit, "chosen": int(np.flatnonzero(c == path[i])[0])})
        return out

    def _table(self, tokens, cands, dists, terms, path, per_word: int | None) -> list[dict]:
        rows = []
        for i, (tok, c, d, t) in enumerate(zip(tokens, cands, dists, terms, strict=True)):
            order = np.lexsort((np.arange(len(c)), -t["score"]))
            if per_word is not None and len(order) > per_word:  # the best, the chosen and the word as typed
                rest = order[per_word:]
                order = np.concatenate([order[:per_word], rest[(d[rest] == 0) | (rest == t["chosen"])]])
            c, d = c[order], d[order]
            known = c >= 0
            w = np.maximum(c, 0)
            context: dict[int, list[str]] = {}
            for first, second in ((path[i - 1] if i > 0 else -1, c), (c, path[i + 1] if i + 1 < len(path) else -1)):
                first, second = np.broadcast_arrays(np.asarray(first, np.int64), np.asarray(second, np.int64))
                rows_in = np.flatnonzero((first >= 0) & (second >= 0))
                j = self._pair_index(first[rows_in], second[rows_in])
                hit = j >= 0
                for row, a, b, p in zip(rows_in[hit].tolist(), first[rows_in][hit].tolist(),
                                        second[rows_in][hit].tolist(), j[hit].tolist(), strict=True):
                    context.setdefault(row, []).append(
                        f"{self.words[a]} {self.words[b]}: english {int(self.pair_english[p]):,}, "
                        f"corpus {int(self.pair_corpus[p]):,}")
            english = np.where(known, self.english[w], 0).astype(np.int64)
            corpus = np.where(known, self.corpus[w], 0).astype(np.int64)
            source = np.where(~known, "unknown", np.where(english >= self.corpus_scale * corpus, "english", "corpus"))
            chosen = int(np.flatnonzero(order == t["chosen"])[0])
            rows += [{"position": i, "word": tok, "candidate": self.words[x] if x >= 0 else tok, "distance": dx,
                      "count": cx, "english": ex, "corpus": ox, "source": sx,
                      "context": "; ".join(context[k]) if k in context else "",
                      "unigram": ux, "left": lx, "right": rx, "edit": edx, "score": scx, "chosen": k == chosen}
                     for k, (x, dx, cx, ex, ox, sx, ux, lx, rx, edx, scx) in enumerate(zip(
                         c.tolist(), d.tolist(), np.rint(np.where(known, self.counts[w], 0)).astype(np.int64).tolist(),
                         english.tolist(), corpus.tolist(), source.tolist(), t["unigram"][order].tolist(),
                         t["left"][order].tolist(), t["right"][order].tolist(), t["edit"][order].tolist(),
                         t["score"][order].tolist(), strict=True))]
        return rows


# --------------------------------------------------------------------------------------------- helpers
def _check(text) -> bool:
    """False for empty (or blank) text; raises InputError for text that cannot be a query."""
    if not isinstance(text, str):
        raise InputError(f"the query must be text, not {type(text).__name__}")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"the query has {len(text)} characters; keep it under {MAX_QUERY_CHARS}")
    if not text.strip():
        return False
    if not tokenize(text):
        raise InputError(f"the query {text!r} has no letters or digits; type a word")
    return True


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, largest first (ties: lower position first)."""
    if len(values) > k:
        part = np.argpartition(-values, k - 1)[:k]
        return part[np.lexsort((part, -values[part]))]
    return np.lexsort((np.arange(len(values)), -values))


def _osa(q: np.ndarray, words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Optimal-string-alignment distance (Damerau: insert, delete, substitute, swap neighbours; no substring
    edited twice) of ``q`` (symbol codes, at most 63) to every row of ``words`` (symbol codes, padded) of the
    given ``lengths``, longest first.

    Hyyro's bit-vector algorithm (Myers' for Levenshtein, with the transposition term; "A bit-vector
    algorithm for computing Levenshtein and Damerau edit distances", 2003): a column of the dynamic
    programme is two bit masks, the +1 and -1 steps down the column. All the words move one letter at a
    time; a word stops at its length, and its distance is its length plus the steps down its last column.
    """
    m = len(q)
    peq = np.zeros(len(_ALPHABET) + 1, np.uint64)  # where each symbol occurs in q; padding occurs nowhere
    for i, ch in enumerate(q.tolist()):
        peq[ch] |= np.uint64(1 << i)
    n, width = words.shape
    one = np.uint64(1)
    vp = np.full(n, (1 << m) - 1, np.uint64)
    vn = np.zeros(n, np.uint64)
    d0 = np.zeros(n, np.uint64)
    prev_eq = np.zeros(n, np.uint64)
    active = np.searchsorted(-lengths, -np.arange(width), side="left")  # words longer than j: a prefix
    for j in range(width):
        k = active[j]
        eq = peq[words[:k, j]]
        tr = np.invert(d0[:k])
        tr &= eq
        tr <<= one
        tr &= prev_eq[:k]
        d = eq & vp[:k]
        d += vp[:k]
        d ^= vp[:k]
        d |= eq
        d |= vn[:k]
        d |= tr
        hp = d | vp[:k]
        np.invert(hp, out=hp)
        hp |= vn[:k]
        hn = vp[:k] & d
        hp <<= one
        hp |= one  # hp is now x
        np.bitwise_and(hp, d, out=vn[:k])
        np.bitwise_or(hp, d, out=vp[:k])
        np.invert(vp[:k], out=vp[:k])
        hn <<= one
        vp[:k] |= hn
        d0[:k] = d
        prev_eq[:k] = eq
    mask = np.uint64((1 << m) - 1)
    return (lengths + _popcount(vp & mask).astype(np.int64) - _popcount(vn & mask)).astype(np.int16)


def _osa_one(q: str, word: str, steps: dict[str, int]) -> int:
    """:func:`_osa` for one word, with Python integers (faster for a few words); ``steps`` = where each
    letter occurs in ``q``, as bits."""
    m = len(q)
    full = (1 << m) - 1
    vp, vn, d0, prev_eq = full, 0, 0, 0
    for ch in word:
        eq = steps.get(ch, 0)
        d0 = ((((eq & vp) + vp) ^ vp) | eq | vn | (((~d0 & eq) << 1) & prev_eq)) & full
        hp = vn | (~(d0 | vp) & full)
        x = ((hp << 1) | 1) & full
        vn, vp = x & d0, (((vp & d0) << 1) | ~(x | d0)) & full
        prev_eq = eq
    return len(word) + vp.bit_count() - vn.bit_count()


def symspell_dir() -> Path:
    """Where symspellpy keeps its frequency lists."""
    spec = importlib.util.find_spec("symspellpy")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("symspellpy is not installed; run `pip install symspellpy==6.10.1` (or `make setup`)")
    return Path(spec.submodule_search_locations[0])


def _english_lists():
    """symspellpy's English lists: words and counts, pairs as word positions and counts (apostrophes dropped)."""
    root = symspell_dir()
    try:
        flat = (root / ENGLISH_WORDS).read_text(encoding="utf-8").split()
        pairs = (root / ENGLISH_PAIRS).read_text(encoding="utf-8").split()
    except OSError as exc:
        raise InputError(f"symspellpy's frequency lists are missing ({exc}); reinstall symspellpy==6.10.1") from None
    words, counts = flat[0::2], np.fromiter(map(int, flat[1::2]), np.int64, len(flat) // 2)
    good = np.fromiter((w.isalnum() and w.isascii() for w in words), bool, len(words))
    words = [w for w, g in zip(words, good.tolist(), strict=True) if g]
    counts = counts[good]
    pos = dict.fromkeys((w for w, g in zip(flat[0::2], good.tolist(), strict=True) if not g), -1)
    pos.update((w, i) for i, w in enumerate(words))
    try:  # every word of the pairs is in the word list (as in symspellpy 6.10.1)
        first = np.fromiter(map(pos.__getitem__, pairs[0::3]), np.int64, len(pairs) // 3)
        second = np.fromiter(map(pos.__getitem__, pairs[1::3]), np.int64, len(pairs) // 3)
    except KeyError:
        first = np.fromiter((pos.get(w, -1) for w in pairs[0::3]), np.int64, len(pairs) // 3)
        second = np.fromiter((pos.get(w, -1) for w in pairs[1::3]), np.int64, len(pairs) // 3)
    pair_counts = np.fromiter(map(int, pairs[2::3]), np.int64, len(pairs) // 3)
    ok = (first >= 0) & (second >= 0)
    return words, counts, first[ok], second[ok], pair_counts[ok]


def _pair_scale(counts, first, second, pair_counts, top: int = 2000) -> float:
    """How much larger the text the English pair counts come from is than the word counts' text: the largest
    (listed pairs starting, or ending, with a word) / (its count) among the ``top`` most frequent words."""
    n = len(counts)
    after = np.bincount(first, pair_counts.astype(np.float64), minlength=n)
    before = np.bincount(second, pair_counts.astype(np.float64), minlength=n)
    common = np.argsort(-counts, kind="stable")[:top]
    return float(max((after[common] / counts[common]).max(), (before[common] / counts[common]).max(), 1.0))


def _corpus_counts(corpus: Corpus):
    """The corpus's tokens and their counts, and its adjacent pairs (within a document) as keys
    ``first * n_tokens + second`` with their counts."""
    docs = [tokenize(text) for text in corpus.texts]
    lengths = np.fromiter(map(len, docs), np.int64, len(docs))
    tokens = list(chain.from_iterable(docs))
    words = list(dict.fromkeys(tokens))
    vocab = {w: i for i, w in enumerate(words)}
    flat = np.fromiter(map(vocab.__getitem__, tokens), np.int64, len(tokens))
    n = len(words)
    counts = np.bincount(flat, minlength=n).astype(np.int64)
    ends = np.cumsum(lengths)
    inside = np.ones(max(len(flat) - 1, 0), bool)
    inside[ends[(ends > 0) & (ends < len(flat))] - 1] = False  # no pair across two documents
    keys = flat[:-1][inside] * n + flat[1:][inside]
    keys, pair_counts = np.unique(keys, return_counts=True)
    return words, counts, keys, pair_counts.astype(np.int64)
