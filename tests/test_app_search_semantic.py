"""AppTest runs of the semantic-search and evaluation pages: results that match core, shared links, bad input."""

from __future__ import annotations

import pytest
from apptest_pages import open_page

from core.errors import InputError


@pytest.fixture(scope="module")
def foldoc():
    from core.search.corpus import load_corpus
    from core.search.semantic import make_search_ranker

    try:
        corpus = load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))
    return corpus, make_search_ranker("semantic", corpus)


def tables(at):
    return [d.value for d in at.dataframe if list(d.value.columns)[:3] == ["rank", "title", "score"]]


def test_meaning_finds_what_keywords_miss(foldoc):
    corpus, semantic = foldoc
    at = open_page("search_semantic.py")
    bm25, sem, hybrid = tables(at)[:3]
    expected = [corpus.titles[r] for r in semantic.search("how do computers store numbers with a decimal point",
                                                          k=10).rows]
    assert sem["title"].tolist() == expected and expected[0] == "floating-point"
    assert "floating-point" not in bm25["title"].tolist()[:3]
    assert {"BM25 rank", "semantic rank"} <= set(hybrid.columns)
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 1  # the paraphrase agreement
    assert not at.warning and not at.error


def test_a_shared_link_sets_query_k_and_paraphrase_set(foldoc):
    at = open_page("search_semantic.py", q="rodent shaped pointing device", k="5", need="deadlock")
    assert at.selectbox(key="need").value == "deadlock" and at.slider(key="k").value == 5
    assert tables(at)[1]["title"].tolist()[0] == "mouse"
    phrasing = at.dataframe[-1].value
    assert phrasing["phrasing"].tolist()[0] == "two processes each waiting for the other to release a resource"


def test_stale_links_and_empty_queries_are_explained(foldoc):
    at = open_page("search_semantic.py", need="no-such-need")
    assert "no-such-need" in at.warning[0].value and at.selectbox(key="need").value == "floating point"
    at = open_page("search_semantic.py", q="?!")
    assert any("no letters or digits" in w.value for w in at.warning)


def test_evaluation_table_ranks_every_ranker(foldoc):
    at = open_page("search_evaluation.py", nq="50")
    table = at.dataframe[0].value
    assert table["ranker"].tolist() == ["tfidf", "bm25", "semantic", "hybrid"]
    assert table["queries"].tolist() == [50] * 4
    assert ((table["MRR"] > 0.3) & (table["MRR"] <= 1)).all()
    assert (table["nDCG@10"] <= 1).all()
    at = open_page("search_evaluation.py", nq="7")
    assert "number of queries" in at.warning[0].value and at.slider(key="nq").value == 200
