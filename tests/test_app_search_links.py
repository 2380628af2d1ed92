"""AppTest runs of the keyword-stuffing and PageRank pages: values that match core, shared links, stale links."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from core.errors import InputError
from core.search.corpus import load_corpus
from core.search.lexical import Index, stuffing_curve
from core.search.links import corpus_pagerank, link_farm_curve


def page(file: str, **query) -> AppTest:
    return open_page(file, **query)


@pytest.fixture(scope="module")
def foldoc():
    try:
        corpus = load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))
    return corpus, Index.build(corpus.texts)


def tables(at: AppTest, first_column: str):
    return [d.value for d in at.dataframe if list(d.value.columns)[:2] == ["rank", first_column]]


def test_stuffing_page_puts_the_spam_page_where_core_ranks_it(foldoc):
    corpus, index = foldoc
    at = page("search_stuffing.py")
    assert at.title[0].value == "Keyword stuffing"
    assert at.text_input(key="q").value == "operating system" and at.slider(key="rep").value == 20
    expected = {r["ranker"]: r["rank"] for r in stuffing_curve(index, "operating system", [20])}
    results = tables(at, "title")[:3]
    for frame, kind in zip(results, ("tf", "tfidf", "bm25"), strict=True):
        spam = frame.index[frame["title"] == "▶ SPAM: the stuffed page"].tolist()
        if expected[kind] <= 10:
            assert spam == [expected[kind] - 1], kind
        else:
            assert not spam
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 3
    assert "ranks **1** by BM25 alone" in at.markdown[-1].value or any(
        "ranks **1** by BM25 alone" in m.value for m in at.markdown)


def test_stuffing_shared_link_sets_phrase_repeats_and_weight(foldoc):
    at = page("search_stuffing.py", q="cheap flights", rep="40", w="0.7")
    assert at.text_input(key="q").value == "cheap flights"
    assert at.slider(key="rep").value == 40 and at.slider(key="w").value == 0.7
    assert not at.warning
    spam_text = at.code[0].value
    assert spam_text.startswith("cheap flights cheap flights") and spam_text.count("cheap") == 40


def test_stuffing_stale_link_and_empty_phrase_are_explained(foldoc):
    at = page("search_stuffing.py", rep="5000")
    assert "must be a whole number from 1 to 100" in at.warning[0].value and at.slider(key="rep").value == 20
    at = page("search_stuffing.py", q="?!")
    assert "no letters or digits" in at.warning[0].value


def test_pagerank_page_shows_core_top_pages_and_the_neighbourhood(foldoc):
    corpus, _ = foldoc
    at = page("search_pagerank.py")
    assert at.title[0].value.startswith("PageRank")
    pr = corpus_pagerank(corpus, damping=0.85)
    top = tables(at, "page")[0]
    assert top["page"].tolist() == [corpus.titles[r] for r in pr.top(15)]
    assert np.allclose(top["PageRank"].to_numpy(), pr.scores[pr.top(15)])
    assert at.selectbox(key="page").value == "Lisp"
    row = corpus.row_of("Lisp")
    assert at.metric[0].value == f"{pr.ranks()[row]:,} of {corpus.n:,}"
    assert int(at.metric[1].value) == int((corpus.link_dst == row).sum())
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 3


def test_pagerank_shared_link_sets_damping_page_farm_and_blend(foldoc):
    corpus, _ = foldoc
    at = page("search_pagerank.py", damp="0.7", page="Python", farm="300", q="functional programming", w="0.4")
    assert at.slider(key="damp").value == 0.7 and at.selectbox(key="page").value == "Python"
    assert at.slider(key="farm").value == 300 and at.slider(key="w").value == 0.4
    row = corpus.row_of("Python")
    farm = link_farm_curve(corpus.n, corpus.link_src, corpus.link_dst, row, [300], damping=0.7)[0]
    assert at.metric[3].value == f"{farm['rank']:,}"
    blended = tables(at, "page")[1]
    assert len(blended) == 10 and blended["score"].is_monotonic_decreasing
    assert not at.warning


def test_pagerank_stale_links_are_explained(foldoc):
    at = page("search_pagerank.py", damp="1.5", page="No Such Page")
    texts = " ".join(w.value for w in at.warning)
    assert "damping factor" in texts and "No Such Page" in texts
    assert at.slider(key="damp").value == 0.85 and at.selectbox(key="page").value == "Lisp"


UPLOAD = (b"id,title,text,links\n"
          b"a,Alpha,alpha particles and radiation,b|c\n"
          b"b,Beta,beta decay emits electrons,a\n"
          b"c,Gamma,gamma rays are photons,a|ghost\n")


def test_an_uploaded_corpus_opens_from_a_shared_link(home):
    from core.search.uploads import save_corpus

    cid = save_corpus("physics.csv", UPLOAD)
    at = page("search_ranking.py", corpus=cid, q="electrons")
    assert at.selectbox(key="corpus").value == cid and not at.warning
    assert any("1 link point" in c.value for c in at.caption)  # the dropped link to "ghost" is reported
    tables = [d.value for d in at.dataframe if list(d.value.columns) == ["rank", "title", "score"]]
    assert tables[1]["title"].tolist()[0] == "Beta"
    at = page("search_pagerank.py", corpus=cid)
    top = [d.value for d in at.dataframe if list(d.value.columns)[:2] == ["rank", "page"]][0]
    assert top["page"].tolist()[0] == "Alpha"  # both others link to it
    assert at.selectbox(key="page").value == "a"


def test_a_link_to_an_upload_this_server_lacks_is_explained(home):
    at = page("search_ranking.py", corpus="c-0123456789ab")
    assert "not on this server" in at.warning[0].value and at.selectbox(key="corpus").value == "foldoc"
    at = page("search_ranking.py", corpus="c-12")
    assert "cut short or edited" in at.warning[0].value
