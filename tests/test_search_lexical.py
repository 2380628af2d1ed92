"""Keyword ranking against the libraries: BM25 against bm25s (and rank_bm25's formula), TF-IDF against
scikit-learn's TfidfVectorizer; the FOLDOC corpus as set-up installs it."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.search.corpus import corpora_dir, load_corpus, load_foldoc
from core.search.lexical import RANKERS, Index, make_ranker, stuffing_curve, tokenize

DOCS = [
    "The cat sat on the mat.",
    "A dog chased the cat around the garden; the cat ran.",
    "Dogs and cats are pets.",
    "Cheap flights to Paris: cheap cheap cheap flights!",
    "Machine learning learns from data; deep learning is machine learning with deep networks.",
    "The garden has no cat and no dog.",
]
QUERIES = ["cat", "the cat", "cheap flights", "machine learning", "dog garden", "deep networks data"]


@pytest.fixture(scope="module")
def index():
    return Index.build(DOCS)


@pytest.fixture(scope="module")
def foldoc():
    if not (corpora_dir() / "foldoc").exists():
        pytest.fail("FOLDOC is not installed: `make test` fetches it (embedlab fetch-corpus)")
    return load_foldoc()


def test_tokens_are_lower_case_letter_and_digit_runs():
    assert tokenize("Don't use C++ in 2024, O'Reilly!") == ["don", "t", "use", "c", "in", "2024", "o", "reilly"]


def test_the_index_counts_terms_per_document(index):
    assert index.n == 6 and index.counts.shape == (6, len(index.vocabulary))
    assert index.tf(3, "cheap") == 4 and index.tf(1, "cat") == 2 and index.tf(0, "dog") == 0
    assert index.df[index.vocabulary["cat"]] == 3  # "cats" is another word: no stemming
    np.testing.assert_array_equal(index.doc_len, [len(tokenize(d)) for d in DOCS])


@pytest.mark.parametrize("k1, b", [(1.5, 0.75), (1.2, 0.5), (2.0, 1.0), (0.9, 0.0)])
def test_bm25_scores_equal_bm25s(index, k1, b):
    import bm25s

    peer = bm25s.BM25(k1=k1, b=b, method="lucene")
    peer.index([tokenize(d) for d in DOCS], show_progress=False)
    ours = make_ranker("bm25", index, k1=k1, b=b)
    for q in QUERIES:
        np.testing.assert_allclose(ours.scores(q)[0], peer.get_scores(tokenize(q)), rtol=1e-5, atol=1e-6)


def test_bm25_follows_the_formula_rank_bm25_writes_out(index):
    """rank_bm25's BM25Okapi is the classic Okapi form: another idf, and a (k1 + 1) factor that ranks alike.
    Its tf part, with the Lucene idf and without that factor, must equal ours."""
    from rank_bm25 import BM25Okapi

    peer = BM25Okapi([tokenize(d) for d in DOCS], k1=1.5, b=0.75)
    ours = make_ranker("bm25", index)
    n, idf = index.n, ours.idf()
    for term in ["cat", "cheap", "learning"]:
        col = index.vocabulary[term]
        tf = np.array([doc.get(term, 0) for doc in peer.doc_freqs], dtype=float)
        expected = idf[col] * tf / (tf + 1.5 * (1 - 0.75 + 0.75 * np.array(peer.doc_len) / peer.avgdl))
        np.testing.assert_allclose(ours.scores(term)[0], expected, rtol=1e-5)
        assert idf[col] == pytest.approx(np.log(1 + (n - index.df[col] + 0.5) / (index.df[col] + 0.5)))


def test_tfidf_is_sklearns_cosine(index):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
    docs = vec.fit_transform(DOCS)
    ours = make_ranker("tfidf", index)
    for q in QUERIES:
        q_vec = vec.transform([" ".join(dict.fromkeys(tokenize(q)))])  # each query term once, as ours
        np.testing.assert_allclose(ours.scores(q)[0], (docs @ q_vec.T).toarray().ravel(), rtol=1e-5, atol=1e-6)


def test_search_ranks_best_first_and_drops_zero_scores(index):
    bm25 = make_ranker("bm25", index)
    res = bm25.search("cheap flights", k=5)
    assert res.rows.tolist() == [3] and res.terms == ["cheap", "flights"]
    res = bm25.search("cat", k=10)
    assert set(res.rows.tolist()) == {0, 1, 5} and np.all(np.diff(res.scores) <= 0)
    assert bm25.search("cat", k=1).rows.tolist() == [res.rows[0]]


def test_raw_tf_rewards_stuffing_and_bm25_saturates(index):
    """The keyword-stuffing lesson in numbers: 4 "cheap" count 4x under tf, far less under BM25."""
    tf, bm25 = make_ranker("tf", index), make_ranker("bm25", index)
    assert tf.scores("cheap")[0][3] == 4
    one = Index.build(DOCS[:3] + ["cheap flights"] + DOCS[4:])
    ratio = bm25.scores("cheap")[0][3] / make_ranker("bm25", one).scores("cheap")[0][3]
    assert 1 < ratio < 2  # four times the word, well under twice the score


def test_explain_adds_up_to_the_score(index):
    for name in RANKERS:
        ranker = make_ranker(name, index)
        for q in QUERIES:
            scores, _ = ranker.scores(q)
            for row in range(index.n):
                parts = ranker.explain(q, row)
                assert [p["term"] for p in parts] == list(dict.fromkeys(tokenize(q)))
                assert sum(p["contribution"] for p in parts) == pytest.approx(float(scores[row]), abs=1e-5)
    part = make_ranker("bm25", index).explain("cheap unicorn", 3)
    assert part[0]["tf"] == 4 and part[0]["df"] == 1 and part[0]["idf"] > 0
    assert part[1] == {"term": "unicorn", "tf": 0.0, "df": 0, "idf": 0.0, "contribution": 0.0}


@pytest.mark.parametrize("query, words", [
    ("", "the query is empty"), ("   ", "the query is empty"), ("?!", "has no letters or digits"),
    ("x" * 501, "keep it under 500"),
])
def test_bad_queries_are_explained(index, query, words):
    with pytest.raises(InputError, match=words):
        make_ranker("bm25", index).search(query)


def test_bad_parameters_are_explained(index):
    with pytest.raises(InputError, match="k1=11 must be between 0 and 10"):
        make_ranker("bm25", index, k1=11)
    with pytest.raises(InputError, match="b=1.5 must be between 0 and 1"):
        make_ranker("bm25", index, b=1.5)
    with pytest.raises(InputError, match="ranker 'pagerank' is not known; choose one of tf, tfidf, bm25"):
        make_ranker("pagerank", index)
    with pytest.raises(InputError, match="tfidf does not take k1"):
        make_ranker("tfidf", index, k1=1.2)
    with pytest.raises(InputError, match="k=0 must be a whole number from 1 to 1000"):
        make_ranker("tf", index).search("cat", k=0)
    with pytest.raises(InputError, match="the corpus has no documents"):
        Index.build([])


def test_foldoc_is_a_small_web(foldoc):
    assert 11_500 <= foldoc.n <= 12_500 and 40_000 <= foldoc.n_links <= 45_000
    assert len(set(foldoc.ids)) == foldoc.n
    assert not np.any(foldoc.link_src == foldoc.link_dst)
    pairs = foldoc.link_src.astype(np.int64) * foldoc.n + foldoc.link_dst
    assert len(np.unique(pairs)) == len(pairs)
    py = foldoc.row_of("Python")
    assert "Guido van Rossum" in " ".join(foldoc.texts[py].split())
    linked = {foldoc.ids[d] for d in foldoc.link_dst[foldoc.link_src == py]}
    assert {"object-oriented", "Unix", "Common Lisp"} <= linked
    assert "GFDL" in foldoc.credit and load_corpus("foldoc").n == foldoc.n


def test_bm25_finds_the_obvious_page_in_foldoc(foldoc):
    ranker = make_ranker("bm25", Index.build(foldoc.texts))
    for query, title in [("machine learning", "machine learning"), ("python programming language", "Python")]:
        assert foldoc.titles[ranker.search(query, k=3).rows[0]] == title


def test_a_missing_corpus_says_how_to_get_it(tmp_path):
    with pytest.raises(InputError, match=r"FOLDOC corpus is not installed .*embedlab fetch-corpus"):
        load_foldoc(tmp_path)
    with pytest.raises(InputError, match="corpus 'wiki' is not known; choose one of foldoc"):
        load_corpus("wiki")


def test_adding_a_document_extends_the_index_and_leaves_the_old_one(index):
    grown = index.with_document("Unicorn cat unicorn")
    assert grown.n == index.n + 1 and index.n == 6 and "unicorn" not in index.vocabulary
    assert grown.tf(6, "unicorn") == 2 and grown.tf(6, "cat") == 1 and grown.doc_len[-1] == 3
    rebuilt = Index.build(DOCS + ["Unicorn cat unicorn"])
    np.testing.assert_allclose(make_ranker("bm25", grown).scores("cat unicorn")[0],
                               make_ranker("bm25", rebuilt).scores("cat unicorn")[0], rtol=1e-6)


def test_stuffing_raises_tf_without_bound_and_bm25_towards_a_ceiling(index):
    rows = stuffing_curve(index, "cheap flights", [1, 10, 100], page="a page about travel")
    by = {(r["ranker"], r["repeats"]): r for r in rows}
    assert [by["tf", n]["score"] for n in (1, 10, 100)] == [2, 20, 200]
    bm = [by["bm25", n]["score"] for n in (1, 10, 100)]
    per_repeat_early, per_repeat_late = (bm[1] - bm[0]) / 9, (bm[2] - bm[1]) / 90
    assert bm[0] < bm[1] < bm[2] and per_repeat_late < 0.1 * per_repeat_early  # saturation
    assert all(by[name, 100]["rank"] == 1 for name in ("tf", "tfidf", "bm25"))
    with pytest.raises(InputError, match="repeats must be whole numbers from 1 to 1000"):
        stuffing_curve(index, "cheap", [0])
