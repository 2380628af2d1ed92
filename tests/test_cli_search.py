"""The search lab's commands: `embedlab search`, `pagerank`, `suggest`, `correct`, with their documented JSON."""

from __future__ import annotations

import numpy as np
import pytest
from cli_run import one_error, run_json

from core.errors import InputError


@pytest.fixture(scope="module")
def foldoc():
    from core.search.corpus import load_corpus

    try:
        return load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("ranker", ["tf", "tfidf", "bm25"])
def test_search_prints_ranked_results(capsys, foldoc, ranker):
    from core.search.lexical import Index, make_ranker

    got = run_json(capsys, "search", "python programming language", "--ranker", ranker, "--k", "5")
    assert [set(r) for r in got["results"]] == [{"id", "title", "score"}] * 5
    expected = make_ranker(ranker, Index.build(foldoc.texts)).search("python programming language", k=5)
    assert [r["id"] for r in got["results"]] == [foldoc.ids[r] for r in expected.rows]
    assert np.allclose([r["score"] for r in got["results"]], expected.scores, rtol=1e-6)
    scores = [r["score"] for r in got["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_refuses_empty_queries(capsys, foldoc):
    assert "no letters or digits" in one_error(capsys, "search", "?!")


def test_pagerank_prints_the_top_pages_and_iterations(capsys, foldoc):
    import networkx as nx

    got = run_json(capsys, "pagerank", "--top", "5", "--damping", "0.85")
    assert len(got["results"]) == 5 and got["iterations"] == len(got["residuals"]) > 10
    g = nx.DiGraph()
    g.add_nodes_from(range(foldoc.n))
    g.add_edges_from(zip(foldoc.link_src.tolist(), foldoc.link_dst.tolist(), strict=True))
    ref = nx.pagerank(g, tol=1e-10)
    best = sorted(ref, key=ref.get, reverse=True)[:5]
    assert [r["id"] for r in got["results"]] == [foldoc.ids[i] for i in best]
    assert np.allclose([r["score"] for r in got["results"]], [ref[i] for i in best], atol=1e-8)


def test_pagerank_refuses_bad_parameters(capsys, foldoc):
    assert "damping factor must be at least 0 and below 1" in one_error(capsys, "pagerank", "--damping", "1")
    assert "--top must be from 1 to 1000" in one_error(capsys, "pagerank", "--top", "0")


def test_suggest_completes_the_last_word_and_follows_the_previous_one(capsys, foldoc):
    got = run_json(capsys, "suggest", "operating sy", "--k", "3")
    assert got["suggestions"][0] == "operating system"
    assert all(s.startswith("operating sy") for s in got["suggestions"])
    assert [d["text"] for d in got["details"]] == got["suggestions"]
    assert run_json(capsys, "suggest", "")["suggestions"] == []


@pytest.mark.parametrize("text, fixed", [("machine leaning", "machine learning"),
                                         ("operatng sytem", "operating system"),
                                         ("python programming language", "python programming language")])
def test_correct_prints_the_correction_and_its_candidates(capsys, foldoc, text, fixed):
    got = run_json(capsys, "correct", text)
    assert got["correction"] == fixed and got["changed"] == (text != fixed)
    chosen = [c["candidate"] for c in got["candidates"] if c["chosen"]]
    assert chosen == fixed.split()
    for c in got["candidates"]:
        assert c["score"] == pytest.approx(c["unigram"] + c["left"] + c["right"] + c["edit"])


def test_correct_refuses_text_without_words(capsys, foldoc):
    assert "no letters or digits" in one_error(capsys, "correct", "?!")


@pytest.mark.parametrize("ranker", ["semantic", "hybrid"])
def test_search_by_meaning_and_hybrid(capsys, foldoc, ranker):
    from core.search.semantic import embeddings_cached

    if not embeddings_cached(foldoc):
        pytest.skip("FOLDOC's vectors are not cached (`make setup` computes them)")
    got = run_json(capsys, "search", "rodent shaped pointing device", "--ranker", ranker, "--k", "5")
    assert got["ranker"] == ranker and len(got["results"]) == 5
    ids = [r["id"] for r in got["results"]]
    if ranker == "semantic":
        assert ids[0] == "mouse"
    else:  # fused with BM25, which ranks "pointing device" first and has no "mouse" in its top 5
        assert {"pointing device", "mouse"} & set(ids[:2])
    scores = [r["score"] for r in got["results"]]
    assert scores == sorted(scores, reverse=True)
