"""The search lab's evaluation: the reverse-dictionary query set and the retrieval measures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from core.errors import InputError
from core.search.corpus import Corpus, load_corpus
from core.search.evaluate import (
    _FUNCTION_WORDS,
    ALIAS_GRADE,
    MAX_QUERY_WORDS,
    MIN_QUERY_WORDS,
    Query,
    build_queries,
    evaluate,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from core.search.lexical import Index, Results, make_ranker, tokenize

FILLER = ("It was first described in a technical report and later became common in many systems used by "
          "programmers and engineers everywhere.")


def _entry(title: str, aliases: list[str], body: str) -> str:
    return "\n".join([title, *aliases]) + "\n\n   " + body + "\n\n   (1999-01-01)"


def _toy() -> Corpus:
    """A FOLDOC-shaped corpus: real definitions, a pointer page, a numbered entry, a short one."""
    entries = [
        ("garbage collection", ["GC"], "<programming> (GC) The process by which a {run-time system} reclaims "
         "memory that a program can no longer reach, so that it can be used again. " + FILLER),
        ("deadlock", [], "<operating system> A situation where two or more processes are each waiting for another "
         "to release a resource, and none of them can ever proceed. " + FILLER),
        ("floating-point", ["floating point"], "<data> A number representation consisting of a mantissa and an "
         "exponent, which lets a computer store very large and very small real numbers. " + FILLER),
        ("GC2", [], "{garbage collection}"),
        ("AL", [], "1. {Assembly Language}.\n\n   2. {artificial life}. " + FILLER),
        ("tiny", [], "<jargon> Small."),
        ("compiler", [], "<language> A program that translates a {high-level language} into machine code for a "
         "particular computer, usually in several passes over the source. " + FILLER),
    ]
    titles = [e[0] for e in entries]
    texts = [_entry(*e) for e in entries]
    # links: GC2 -> garbage collection (a pointer page); garbage collection -> compiler (an ordinary link)
    return Corpus("toy", list(titles), list(titles), texts, np.asarray([3, 0], np.int32),
                  np.asarray([0, 6], np.int32))


@pytest.fixture(scope="module")
def foldoc():
    try:
        return load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(f"FOLDOC is not installed here: {exc}")


# ------------------------------------------------------------------------------------------ measures
def test_reciprocal_rank_by_hand():
    assert reciprocal_rank([5, 3, 9], {3: 1.0}) == 0.5
    assert reciprocal_rank([5, 3, 9], {9: 1.0, 3: 0.5}) == 0.5  # the first relevant one counts, whatever its grade
    assert reciprocal_rank([7, 5, 3], {7: 1.0}) == 1.0
    assert reciprocal_rank([5, 3, 9], {4: 1.0}) == 0.0
    assert reciprocal_rank([5, 3, 9], {5: 0.0, 9: 1.0}) == pytest.approx(1 / 3)  # grade 0 is not relevant
    assert reciprocal_rank(np.array([], dtype=int), {1: 1.0}) == 0.0


def test_ndcg_by_hand():
    assert ndcg_at_k([1, 2, 3], {1: 1.0}) == 1.0
    assert ndcg_at_k([1, 2, 3], {2: 1.0}) == pytest.approx(1 / math.log2(3))
    # gains 1 at rank 1 and 0.5 at rank 3; the ideal puts the 0.5 second
    dcg = 1 + 0.5 / math.log2(4)
    ideal = 1 + 0.5 / math.log2(3)
    assert ndcg_at_k([1, 2, 3], {1: 1.0, 3: 0.5}) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([4, 5, 6], {1: 1.0}) == 0.0
    assert ndcg_at_k([1, 2], {}) == 0.0
    # only the top k count
    assert ndcg_at_k([9, 9, 1], {1: 1.0}, k=2) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_ndcg_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = 40
    grades = np.where(rng.random(n) < 0.2, rng.choice([0.5, 1.0, 2.0], n), 0.0)
    grades[rng.integers(n)] = 1.0  # at least one relevant document
    scores = rng.permutation(n).astype(float)  # distinct: sklearn averages over ties
    ranked = np.argsort(-scores)
    relevant = {i: float(g) for i, g in enumerate(grades) if g > 0}
    for k in (1, 5, 10, 40):
        assert ndcg_at_k(ranked, relevant, k) == pytest.approx(ndcg_score([grades], [scores], k=k))


def test_recall_at_k():
    assert recall_at_k([1, 2, 3], {2: 1.0, 8: 0.5}, k=3) == 0.5
    assert recall_at_k([1, 2, 3], {2: 1.0, 8: 0.5}, k=1) == 0.0
    assert recall_at_k([1, 2, 3], {}, k=3) == 0.0


# ------------------------------------------------------------------------------------------ queries
def test_build_queries_on_a_toy_dictionary():
    web = _toy()
    queries = build_queries(web, n=50, seed=0)
    sources = {web.titles[q.source] for q in queries}
    # pointer pages, numbered lists of senses and one-line definitions make no query
    assert sources == {"garbage collection", "deadlock", "floating-point", "compiler"}
    by_title = {web.titles[q.source]: q for q in queries}
    gc = by_title["garbage collection"]
    # the headword's and aliases' words are gone, the parenthesised acronym too, markup is cleaned
    assert gc.text == "The process by which a run-time system reclaims memory that a program can no longer"  # 15 words
    assert not {"garbage", "collection", "gc"} & set(tokenize(gc.text))
    # the entry is relevant, and so is the page that only points to it
    assert gc.relevant == {0: 1.0, 3: ALIAS_GRADE}
    fp = by_title["floating-point"]
    assert not {"floating", "point"} & set(tokenize(fp.text))
    assert fp.text.startswith("A number representation consisting of a mantissa and an exponent")
    assert by_title["compiler"].relevant == {6: 1.0}  # an ordinary link does not make a document relevant
    for q in queries:
        assert MIN_QUERY_WORDS <= len(q.text.split()) <= MAX_QUERY_WORDS


def test_build_queries_is_seeded_and_checks_n():
    web = _toy()
    a, b = build_queries(web, n=2, seed=1), build_queries(web, n=2, seed=1)
    assert [(q.text, q.relevant) for q in a] == [(q.text, q.relevant) for q in b]
    assert len(a) == 2
    with pytest.raises(InputError, match="whole number of queries"):
        build_queries(web, n=0)
    empty = Corpus("empty", ["x"], ["x"], ["x\n\n   <jargon> Small."], np.zeros(0, np.int32), np.zeros(0, np.int32))
    with pytest.raises(InputError, match="long enough"):
        build_queries(empty)


def test_build_queries_on_foldoc(foldoc):
    queries = build_queries(foldoc, n=400, seed=0)
    assert len(queries) == 400
    assert [q.text for q in queries[:20]] == [q.text for q in build_queries(foldoc, n=400, seed=0)[:20]]
    assert len({q.source for q in queries}) == 400
    for q in queries:
        assert q.relevant[q.source] == 1.0
        assert MIN_QUERY_WORDS <= len(q.text.split()) <= MAX_QUERY_WORDS
        head = foldoc.texts[q.source].partition("\n\n")[0]
        named = set(tokenize(head)) - _FUNCTION_WORDS
        assert not named & set(tokenize(q.text)), (foldoc.titles[q.source], q.text)
    assert sum(len(q.relevant) > 1 for q in queries) >= 1  # some entries have pointer pages


# ------------------------------------------------------------------------------------------ evaluate
class _Fixed:
    """A ranker that answers every query with the same list."""

    def __init__(self, rows):
        self.rows = np.asarray(rows)

    def search(self, query, k=10):
        return Results(self.rows[:k], np.ones(min(k, len(self.rows))), [query])


def test_evaluate_by_hand():
    queries = [Query("first", {1: 1.0}), Query("second", {4: 1.0, 2: 0.5})]
    calls = []
    table = evaluate({"a": _Fixed([1, 2, 3]), "b": _Fixed([3, 4])}, queries,
                     progress=lambda done, total: calls.append((done, total)))
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["ranker", "MRR", "nDCG@10", "recall@10", "queries", "ms/query"]
    assert table["ranker"].tolist() == ["a", "b"]
    a, b = table.iloc[0], table.iloc[1]
    assert a["MRR"] == pytest.approx((1 + 1 / 2) / 2)  # first: rank 1; second: row 2 (alias grade) at rank 2
    assert b["MRR"] == pytest.approx((0 + 1 / 2) / 2)
    ideal = 1 + 0.5 / math.log2(3)
    assert a["nDCG@10"] == pytest.approx((1 + (0.5 / math.log2(3)) / ideal) / 2)
    assert b["nDCG@10"] == pytest.approx((0 + (1 / math.log2(3)) / ideal) / 2)
    assert a["recall@10"] == pytest.approx((1 + 0.5) / 2)
    assert (table["queries"] == 2).all()
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_evaluate_checks_its_input():
    with pytest.raises(InputError, match="no ranker"):
        evaluate({}, [Query("x", {0: 1.0})])
    with pytest.raises(InputError, match="no queries"):
        evaluate({"a": _Fixed([0])}, [])
    with pytest.raises(InputError, match="k=0"):
        evaluate({"a": _Fixed([0])}, [Query("x", {0: 1.0})], k=0)


def test_evaluate_keyword_rankers_on_the_toy():
    web = _toy()
    index = Index.build(web.texts)
    queries = build_queries(web, n=10)
    table = evaluate({name: make_ranker(name, index) for name in ("tfidf", "bm25")}, queries)
    # the queries are the definitions' own words: keyword rankers find every entry first
    assert table["MRR"].tolist() == [1.0, 1.0]
    assert (table["nDCG@10"] > 0.8).all()
