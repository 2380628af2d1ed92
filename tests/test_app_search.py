"""AppTest runs of the search lab's pages: results that match core, explanations, stale links, bad queries."""

from __future__ import annotations

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from core.search.corpus import load_corpus
from core.search.lexical import Index, make_ranker


def page(**query) -> AppTest:
    return open_page("search_ranking.py", **query)


@pytest.fixture(scope="module")
def foldoc():
    corpus = load_corpus("foldoc")
    return corpus, Index.build(corpus.texts)


def result_titles(at: AppTest, which: int) -> list[str]:
    tables = [d.value for d in at.dataframe if list(d.value.columns) == ["rank", "title", "score"]]
    return tables[which]["title"].tolist()


def test_both_rankers_list_what_core_ranks(foldoc):
    corpus, index = foldoc
    at = page()
    assert at.title[0].value == "Keyword ranking: TF-IDF and BM25"
    assert at.text_input(key="q").value == "machine learning"
    for which, ranker in enumerate([make_ranker("tfidf", index), make_ranker("bm25", index)]):
        expected = [corpus.titles[r] for r in ranker.search("machine learning", k=10).rows]
        assert result_titles(at, which) == expected
    assert result_titles(at, 1)[0] == "machine learning"
    charts = [c for c in at.get("plotly_chart") if c.proto.id]
    assert len(charts) == 2


def test_a_shared_link_sets_query_parameters_and_results(foldoc):
    corpus, index = foldoc
    at = page(q="python programming language", k1="0.5", b="0.3", k="5")
    assert at.slider(key="k1").value == 0.5 and at.slider(key="b").value == 0.3 and at.slider(key="k").value == 5
    expected = [corpus.titles[r] for r in make_ranker("bm25", index, k1=0.5, b=0.3).search(
        "python programming language", k=5).rows]
    assert result_titles(at, 1) == expected and expected[0] == "Python" and not at.warning


@pytest.mark.parametrize("query, text", [("?!", "has no letters or digits"), ("zzzqqq", "No document contains")])
def test_queries_that_cannot_match_are_explained(query, text):
    at = page(q=query)
    messages = [w.value for w in at.warning] + [i.value for i in at.info]
    assert any(text in m for m in messages), messages


def test_a_stale_link_is_explained_and_defaults_are_used():
    at = page(k1="9", k="0", b="x")
    warnings = " ".join(w.value for w in at.warning)
    assert "k1 to “9”" in warnings and "number of results to “0”" in warnings and "b to “x”" in warnings
    assert at.slider(key="k1").value == 1.5 and at.slider(key="k").value == 10 and at.slider(key="b").value == 0.75
