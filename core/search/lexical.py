"""Keyword ranking: raw term frequency, TF-IDF and BM25 over one inverted index, each able to explain
a score term by term (the lesson shows why a page ranks where it does).

>>> from core.search.lexical import Index, make_ranker
>>> index = Index.build(["the cat sat", "a dog sat on the cat", "dogs and cats"])
>>> bm25 = make_ranker("bm25", index)
>>> [index.n, bm25.search("cat", k=2).rows.tolist()]
[3, [0, 1]]

Like ``bm25s``, every document-term score is computed once when the index is built ("eager"
scoring), so a query only adds up a few precomputed columns: BM25 as Lucene (and ``bm25s``) compute it,
idf ``ln(1 + (N - df + 0.5) / (df + 0.5))`` times ``tf / (tf + k1 (1 - b + b |d| / avgdl))`` (the
classic Okapi form multiplies by ``k1 + 1`` too, which changes no ranking);
TF-IDF as scikit-learn's ``TfidfVectorizer`` (smooth idf, L2-normalised documents), so its ranking
is the cosine between query and document vectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from core.errors import InputError

_TOKEN = re.compile(r"[a-z0-9]+")
MAX_QUERY_CHARS = 500


def tokenize(text: str) -> list[str]:
    """Lower-cased runs of letters and digits (the same for documents and queries)."""
    return _TOKEN.findall(text.lower())


def query_words(query: str) -> list[str]:
    """A query checked as every ranker of the lab checks it (not empty, not absurdly long, some letters or
    digits); its words in order, each once."""
    if not isinstance(query, str) or not query.strip():
        raise InputError("the query is empty; type a word or two")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"the query has {len(query)} characters; keep it under {MAX_QUERY_CHARS}")
    words = tokenize(query)
    if not words:
        raise InputError(f"the query {query!r} has no letters or digits to search for")
    return list(dict.fromkeys(words))


@dataclass
class Index:
    """An inverted index: term counts per document (CSR, documents x terms) and what ranking needs."""

    vocabulary: dict[str, int]
    counts: sp.csr_matrix = field(repr=False)
    doc_len: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, texts: list[str]) -> Index:
        if len(texts) == 0:
            raise InputError("the corpus has no documents")
        vocabulary: dict[str, int] = {}
        indptr, indices = [0], []
        for text in texts:
            for tok in tokenize(text):
                indices.append(vocabulary.setdefault(tok, len(vocabulary)))
            indptr.append(len(indices))
        cols = np.asarray(indices, dtype=np.int32)
        ones = np.ones(len(cols), dtype=np.float32)
        counts = sp.csr_matrix((ones, cols, np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(vocabulary)))
        counts.sum_duplicates()  # repeated terms of a document become one count
        return cls(vocabulary, counts, np.diff(indptr).astype(np.float32))

    @property
    def n(self) -> int:
        return self.counts.shape[0]

    def with_document(self, text: str) -> Index:
        """A new index: this one plus ``text`` as the last document (this one is left as it is)."""
        vocabulary = dict(self.vocabulary)
        cols = np.asarray([vocabulary.setdefault(t, len(vocabulary)) for t in tokenize(text)], dtype=np.int32)
        width = len(vocabulary)
        old = self.counts if width == self.counts.shape[1] else sp.csr_matrix(
            (self.counts.data, self.counts.indices, self.counts.indptr), shape=(self.n, width))
        row = sp.csr_matrix((np.ones(len(cols), np.float32), cols, [0, len(cols)]), shape=(1, width))
        row.sum_duplicates()
        return Index(vocabulary, sp.vstack([old, row], format="csr"), np.append(self.doc_len, np.float32(len(cols))))

    @property
    def df(self) -> np.ndarray:
        if not hasattr(self, "_df"):
            self._df = np.bincount(self.counts.indices, minlength=len(self.vocabulary)).astype(np.float32)
        return self._df

    def terms(self, query: str) -> list[str]:
        """The query's terms, checked (:func:`query_words`)."""
        return query_words(query)

    def tf(self, row: int, term: str) -> float:
        col = self.vocabulary.get(term)
        return 0.0 if col is None else float(self.counts[row, col])


@dataclass
class Results:
    rows: np.ndarray  # best first
    scores: np.ndarray
    terms: list[str]  # the query's terms (unknown ones included: they score nothing)


class _Ranker:
    """Eager scoring: ``weights_`` (CSC, documents x terms) holds every document-term contribution."""

    name = ""

    def __init__(self, index: Index):
        self.index = index
        self.weights_ = self._weights().tocsc()

    def _weights(self) -> sp.csr_matrix:
        raise NotImplementedError

    def query_weights(self, terms: list[str]) -> dict[int, float]:
        return {self.index.vocabulary[t]: 1.0 for t in terms if t in self.index.vocabulary}

    def scores(self, query: str) -> tuple[np.ndarray, list[str]]:
        terms = self.index.terms(query)
        out = np.zeros(self.index.n, dtype=np.float32)
        w = self.weights_
        for col, qw in self.query_weights(terms).items():
            lo, hi = w.indptr[col], w.indptr[col + 1]
            out[w.indices[lo:hi]] += qw * w.data[lo:hi]
        return out, terms

    def search(self, query: str, k: int = 10) -> Results:
        """The ``k`` best documents (only those with a positive score), best first."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= 1000:
            raise InputError(f"k={k!r} must be a whole number from 1 to 1000")
        scores, terms = self.scores(query)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        order = hits[np.lexsort((hits, -scores[hits]))]  # ties: lower row first
        return Results(order, scores[order], terms)

    def explain(self, query: str, row: int) -> list[dict]:
        """One row per query term: its count in the document, document frequency, idf and contribution."""
        terms = self.index.terms(query)
        qw = self.query_weights(terms)
        out = []
        for t in terms:
            col = self.index.vocabulary.get(t)
            contribution = 0.0 if col is None else float(self.weights_[row, col]) * qw[col]
            out.append({"term": t, "tf": self.index.tf(row, t), "df": 0 if col is None else int(self.index.df[col]),
                        "idf": 0.0 if col is None else float(self.idf()[col]), "contribution": contribution})
        return out

    def idf(self) -> np.ndarray:
        return np.ones(len(self.index.vocabulary), dtype=np.float32)


class TermFrequency(_Ranker):
    """Raw counts of the query terms: what keyword stuffing games."""

    name = "tf"

    def _weights(self):
        return self.index.counts


class TFIDF(_Ranker):
    """scikit-learn's TF-IDF (raw tf, smooth idf ``ln((1 + N) / (1 + df)) + 1``, L2-normalised rows);
    the score is the cosine between the query's and the document's TF-IDF vectors."""

    name = "tfidf"

    def idf(self) -> np.ndarray:
        return (np.log((1 + self.index.n) / (1 + self.index.df)) + 1).astype(np.float32)

    def _weights(self):
        w = self.index.counts.multiply(self.idf()[None, :]).tocsr()
        norms = np.sqrt(np.asarray(w.multiply(w).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sp.diags((1 / norms).astype(np.float32)) @ w

    def query_weights(self, terms):
        idf = self.idf()
        cols = [self.index.vocabulary[t] for t in terms if t in self.index.vocabulary]
        norm = float(np.sqrt(sum(idf[c] ** 2 for c in cols))) or 1.0
        return {c: float(idf[c]) / norm for c in cols}


class BM25(_Ranker):
    """Okapi BM25, Lucene's variant (as ``bm25s``'s default)."""

    name = "bm25"

    def __init__(self, index: Index, k1: float = 1.5, b: float = 0.75):
        if not 0 <= k1 <= 10:
            raise InputError(f"k1={k1!r} must be between 0 and 10 (1.2-2 is usual)")
        if not 0 <= b <= 1:
            raise InputError(f"b={b!r} must be between 0 and 1 (0.75 is usual)")
        self.k1, self.b = float(k1), float(b)
        super().__init__(index)

    def idf(self) -> np.ndarray:
        n, df = self.index.n, self.index.df
        return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def _weights(self):
        c = self.index.counts.tocoo()
        dl = self.index.doc_len
        norm = self.k1 * (1 - self.b + self.b * dl / max(float(dl.mean()), 1e-9))
        tf = c.data
        data = self.idf()[c.col] * tf / (tf + norm[c.row])
        return sp.csr_matrix((data.astype(np.float32), (c.row, c.col)), shape=c.shape)


RANKERS: dict[str, type] = {"tf": TermFrequency, "tfidf": TFIDF, "bm25": BM25}


def make_ranker(name: str, index: Index, **params) -> _Ranker:
    if name not in RANKERS:
        raise InputError(f"ranker {name!r} is not known; choose one of {', '.join(RANKERS)}")
    try:
        return RANKERS[name](index, **params)
    except TypeError as exc:
        raise InputError(f"{name} does not take {', '.join(params)}: {exc}") from None


def stuffing_curve(index: Index, phrase: str, repeats, rankers=("tf", "tfidf", "bm25"), k1: float = 1.5,
                   b: float = 0.75, page: str = "") -> list[dict]:
    """Add a spam page repeating ``phrase`` N times (plus ``page``, any other text) for each N in
    ``repeats``, and score it for the query ``phrase``: one row per (N, ranker) with its score and
    rank among all pages (1 = first). The keyword-stuffing lesson."""
    terms = index.terms(phrase)
    repeats = [int(r) for r in repeats]
    if not repeats or min(repeats) < 1 or max(repeats) > 1000:
        raise InputError("repeats must be whole numbers from 1 to 1000")
    out = []
    for count in repeats:
        grown = index.with_document(" ".join([" ".join(terms)] * count) + " " + page)
        for name in rankers:
            params = {"k1": k1, "b": b} if name == "bm25" else {}
            scores, _ = make_ranker(name, grown, **params).scores(phrase)
            mine = float(scores[-1])
            out.append({"repeats": count, "ranker": name, "score": mine, "rank": int((scores > mine).sum()) + 1})
    return out
