"""How well each ranker finds what a query asks for: a query set built from the corpus itself, with
known relevant documents, and the usual retrieval measures (MRR, nDCG@10, recall) in one table.

>>> from core.search.corpus import load_corpus
>>> from core.search.evaluate import build_queries, evaluate
>>> from core.search.semantic import make_search_ranker
>>> web = load_corpus("foldoc")                                              # doctest: +SKIP
>>> queries = build_queries(web)                                             # doctest: +SKIP
>>> evaluate({"bm25": make_search_ranker("bm25", web)}, queries)             # doctest: +SKIP

The query set ("reverse dictionary", a known-item search)
---------------------------------------------------------
A dictionary is its own test collection: every entry says what its headword means, so the
definition, minus the headword, is a query whose answer is known. :func:`build_queries` samples
entries (fixed seed) whose definition is a real one (at least 20 words; not a numbered list of senses,
not a bare pointer to another entry) and turns each into one query:

1. the definition's first sentence (its gloss), after FOLDOC's markup is cleaned (``<category>`` tag,
   ``{link}`` braces, parenthesised asides, which are mostly acronyms and other names of the headword);
2. every word sharing a token with the headword or its aliases is removed ("full-duplex" for
   "double-duplex"), function words ("of", "the") aside (otherwise "Intel 486" asked as "... Intel
   microprocessor" is a giveaway that only a keyword ranker can take: it matches the title, not the
   meaning);
3. the rest is cut to its first 15 words, and kept only if 6 or more are left.

The entry itself is relevant with grade 1. Entries that are nothing but a pointer to it (FOLDOC's
alias pages, e.g. ``alife`` -> ``{artificial life}``) are relevant with grade 0.5: landing on one is
one click from the answer, and a ranker that reads meaning finds them while a keyword ranker cannot
(their only words are the headword's, removed from the query).

Is that fair to both kinds of ranker? Not entirely, and the bias is known: the query's words are
taken verbatim from the relevant document, which suits keyword matching (BM25, TF-IDF) more than it
would a person's own words; removing the headword's words takes away the most blatant overlap, and
the paraphrase panel (:func:`core.search.semantic.agreement`) shows the other side, where the same need
is worded differently. The gloss is always at the start of the document, so it falls inside any
encoder's token window: this set does NOT measure what a shorter window loses at the end of long
documents.

Measures
--------
:func:`reciprocal_rank` (1 / the rank of the first relevant document; 0 if none is in the list) and
:func:`ndcg_at_k` (gains = grades, discount ``1 / log2(rank + 1)``, as ``sklearn.metrics.ndcg_score``)
are plain functions; :func:`evaluate` runs every ranker over every query and returns one row per
ranker: MRR over the top ``depth`` results (100), nDCG@k and recall@k (k = 10), and the mean time per
query.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import InputError
from core.search.corpus import Corpus
from core.search.lexical import tokenize

MIN_DEFINITION_WORDS = 20
MIN_QUERY_WORDS = 6
MAX_QUERY_WORDS = 15
ALIAS_GRADE = 0.5

_CATEGORY = re.compile(r"^\s*(<[^<>]*>\s*)+")
_LINK = re.compile(r"\{([^{}]*)\}")
_PAREN = re.compile(r"\([^()]*\)")
_BRACKET = re.compile(r"\[[^\[\]]*\]")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(]|\s*$)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+#./-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_NUMBERED = re.compile(r"^\s*1\.\s")
_DATE = re.compile(r"\(\d{4}-\d{2}-\d{2}\)")
_SEE_ONLY = {"see", "also", "and", "or"}
# function words of a headword ("Language FOR Information Processing") stay in the query
_FUNCTION_WORDS = frozenset("a an and are as at be by for from in into is it its of on or the to with".split())


@dataclass
class Query:
    """One query and its judged documents: ``relevant`` maps a document row to its grade (> 0)."""

    text: str
    relevant: dict[int, float]
    source: int = -1  # the row the query was made from
    meta: dict = field(default_factory=dict, repr=False)


def _head_and_body(text: str) -> tuple[list[str], str]:
    """FOLDOC's layout: headword and alias lines, a blank line, then the definition."""
    head, _, body = text.partition("\n\n")
    return [ln.strip() for ln in head.split("\n") if ln.strip()], body


def _gloss(body: str) -> str:
    """The definition's first sentence, markup cleaned."""
    body = _CATEGORY.sub("", body.strip())
    body = _LINK.sub(r"\1", body)
    for _ in range(3):  # nested asides
        body = _PAREN.sub(" ", body)
    body = _BRACKET.sub(" ", body)
    body = " ".join(body.split())
    end = _SENTENCE_END.search(body)
    return body[:end.start()] if end else body


def _pointer_target(corpus: Corpus, row: int, targets: dict[int, list[int]]) -> int | None:
    """The row this document only points to (its definition is a single ``{link}``), else None."""
    _, body = _head_and_body(corpus.texts[row])
    body = _CATEGORY.sub("", body.strip())
    if not _LINK.search(body):
        return None
    rest = {w.lower() for w in _WORD.findall(_DATE.sub(" ", _LINK.sub(" ", body)))}
    if not rest <= _SEE_ONLY:
        return None
    out = targets.get(row, [])
    return out[0] if len(out) == 1 else None


def build_queries(corpus: Corpus, n: int = 400, seed: int = 0) -> list[Query]:
    """``n`` reverse-dictionary queries from ``corpus`` (fewer if fewer entries qualify); see the module
    docstring for how they are made and judged. Deterministic for a given corpus, ``n`` and ``seed``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n={n!r} must be a whole number of queries, 1 or more")
    targets: dict[int, list[int]] = {}
    for s, d in zip(corpus.link_src.tolist(), corpus.link_dst.tolist(), strict=True):
        targets.setdefault(s, []).append(d)
    pointers: dict[int, list[int]] = {}
    for row in targets:
        t = _pointer_target(corpus, row, targets)
        if t is not None:
            pointers.setdefault(t, []).append(row)

    candidates: list[tuple[int, str]] = []
    for row, text in enumerate(corpus.texts):
        head, body = _head_and_body(text)
        if not head or _NUMBERED.match(_CATEGORY.sub("", body.strip())):
            continue
        if len(_LINK.sub(r"\1", _CATEGORY.sub("", body)).split()) < MIN_DEFINITION_WORDS:
            continue
        named = set(tokenize(" ".join([corpus.titles[row], *head]))) - _FUNCTION_WORDS
        words = [w for w in _WORD.findall(_gloss(body)) if not set(tokenize(w)) & named]
        if len(words) >= MIN_QUERY_WORDS:
            candidates.append((row, " ".join(words[:MAX_QUERY_WORDS])))
    if not candidates:
        raise InputError(f"no document of the {corpus.name} corpus has a definition long enough to make a query "
                         f"from (needs {MIN_DEFINITION_WORDS}+ words after a blank line under the title)")
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(candidates), size=min(n, len(candidates)), replace=False).tolist())
    out = []
    for i in picked:
        row, text = candidates[i]
        relevant = {row: 1.0} | {p: ALIAS_GRADE for p in pointers.get(row, []) if p != row}
        out.append(Query(text, relevant, source=row))
    return out


# ------------------------------------------------------------------------------------------ measures
def reciprocal_rank(ranked: Sequence[int], relevant: Mapping[int, float]) -> float:
    """1 / (1-based rank of the first document of ``ranked`` with a grade > 0); 0.0 if there is none."""
    for i, row in enumerate(ranked):
        if relevant.get(int(row), 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains in rank order: sum of ``gain / log2(rank + 1)``."""
    g = np.asarray(gains, dtype=np.float64)
    return float((g / np.log2(np.arange(2, len(g) + 2))).sum())


def ndcg_at_k(ranked: Sequence[int], relevant: Mapping[int, float], k: int = 10) -> float:
    """nDCG@k with linear gains (the grades), as ``sklearn.metrics.ndcg_score(..., k=k)``: DCG of the top
    ``k`` of ``ranked`` over the DCG of the best possible order. 0.0 when nothing is relevant."""
    ideal = dcg(sorted((g for g in relevant.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(int(r), 0.0) for r in list(ranked)[:k]]) / ideal


def recall_at_k(ranked: Sequence[int], relevant: Mapping[int, float], k: int = 10) -> float:
    """Share of the relevant documents (grade > 0) found in the top ``k``."""
    wanted = {r for r, g in relevant.items() if g > 0}
    if not wanted:
        return 0.0
    return len(wanted & {int(r) for r in list(ranked)[:k]}) / len(wanted)


def evaluate(rankers: Mapping[str, object], queries: Sequence[Query], k: int = 10, depth: int = 100,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every ranker (anything with ``search(query, k) -> Results``) over every query.

    Returns one row per ranker, in the order given: ``ranker``, ``MRR`` (over the top ``depth``),
    ``nDCG@k``, ``recall@k``, ``queries`` and ``ms/query`` (mean wall time of one search).
    ``progress(done, total)`` is called after each query of each ranker.
    """
    if not rankers:
        raise InputError("no ranker to evaluate; give at least one")
    if not queries:
        raise InputError("no queries to evaluate with")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= depth <= 1000:
        raise InputError(f"k={k!r} and depth={depth!r} must be whole numbers with 1 <= k <= depth <= 1000")
    total, done = len(rankers) * len(queries), 0
    rows = []
    for name, ranker in rankers.items():
        rr, nd, rec, spent = [], [], [], 0.0
        for q in queries:
            start = time.perf_counter()
            ranked = ranker.search(q.text, k=depth).rows
            spent += time.perf_counter() - start
            rr.append(reciprocal_rank(ranked, q.relevant))
            nd.append(ndcg_at_k(ranked, q.relevant, k))
            rec.append(recall_at_k(ranked, q.relevant, k))
            done += 1
            if progress:
                progress(done, total)
        rows.append({"ranker": name, "MRR": float(np.mean(rr)), f"nDCG@{k}": float(np.mean(nd)),
                     f"recall@{k}": float(np.mean(rec)), "queries": len(queries),
                     "ms/query": 1000 * spent / len(queries)})
    return pd.DataFrame(rows)
