"""PageRank (checked against networkx), neighbourhoods, link farms and the BM25 + PageRank blend."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from core.errors import InputError
from core.search.links import (
    blend,
    link_farm_curve,
    link_strength,
    neighbourhood,
    pagerank,
    stuffing_vs_links,
    with_link_farm,
)


def _nx(n, src, dst, **kw):
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), strict=True))
    ref = nx.pagerank(g, tol=1e-10, max_iter=1000, **kw)
    return np.array([ref[i] for i in range(n)])


def _random_web(n=300, m=1200, seed=0):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = (src != dst) & (src % 7 != 0)  # every 7th page links nowhere (dangling)
    return n, src[keep], dst[keep]


@pytest.mark.parametrize("damping", [0.5, 0.85, 0.95])
def test_pagerank_matches_networkx_on_a_random_web_with_dangling_pages(damping):
    n, src, dst = _random_web()
    pr = pagerank(n, src, dst, damping=damping)
    assert pr.converged and pr.scores.sum() == pytest.approx(1.0)
    assert np.abs(pr.scores - _nx(n, src, dst, alpha=damping)).sum() < 1e-8


def test_pagerank_personalisation_matches_networkx():
    n, src, dst = _random_web(seed=1)
    v = np.zeros(n)
    v[:10] = 1.0
    pr = pagerank(n, src, dst, personalization=v)
    ref = _nx(n, src, dst, personalization={i: float(v[i]) for i in range(n)}, dangling=None)
    assert np.abs(pr.scores - ref).sum() < 1e-7  # networkx starts from the uniform vector: both stop within n·tol


def test_residuals_shrink_and_stop_below_the_threshold():
    n, src, dst = _random_web()
    pr = pagerank(n, src, dst, damping=0.85, tol=1e-10)
    res = np.array(pr.residuals)
    assert res[-1] < n * 1e-10 <= res[-2]
    assert (np.diff(np.log(res[5:])) < 0).all()  # geometric decay
    assert np.exp(np.diff(np.log(res[5:])).mean()) <= 0.85 + 1e-6  # at most d per step


def test_damping_zero_gives_every_page_the_same_rank_and_bad_damping_is_refused():
    n, src, dst = _random_web()
    assert np.allclose(pagerank(n, src, dst, damping=0.0).scores, 1 / n)
    with pytest.raises(InputError, match="damping factor must be at least 0 and below 1"):
        pagerank(n, src, dst, damping=1.0)
    with pytest.raises(InputError, match="outside the 3 pages"):
        pagerank(3, [0, 1], [1, 5])


def test_a_hub_that_everyone_links_to_ranks_first():
    src = [1, 2, 3, 4, 0]
    dst = [0, 0, 0, 0, 1]
    pr = pagerank(5, src, dst)
    assert pr.top(2).tolist() == [0, 1]
    assert pr.ranks()[0] == 1 and pr.ranks()[1] == 2


def test_repeated_links_count_once_like_networkx():
    pr = pagerank(3, [0, 0, 0, 1], [1, 1, 2, 2])
    assert np.abs(pr.scores - _nx(3, [0, 0, 1], [1, 2, 2])).sum() < 1e-9


def test_neighbourhood_keeps_in_and_out_links_and_caps_by_rank():
    src = np.array([0, 0, 1, 2, 3, 4, 5])
    dst = np.array([1, 2, 0, 0, 0, 3, 4])
    nodes, edges = neighbourhood(6, src, dst, 0)
    assert nodes[0] == 0 and set(nodes.tolist()) == {0, 1, 2, 3}
    named = {(int(nodes[a]), int(nodes[b])) for a, b in edges}
    assert named == {(0, 1), (0, 2), (1, 0), (2, 0), (3, 0)}
    scores = np.array([0.1, 0.1, 0.5, 0.3, 0.0, 0.0])
    nodes, _ = neighbourhood(6, src, dst, 0, max_nodes=3, scores=scores)
    assert nodes.tolist() == [0, 2, 3]
    with pytest.raises(InputError, match="page 9 is not in the graph"):
        neighbourhood(6, src, dst, 9)


def test_a_link_farm_lifts_its_target():
    n, src, dst = _random_web()
    m, s, d = with_link_farm(n, src, dst, target=5, size=20)
    assert m == n + 20 and len(s) == len(src) + 40
    rows = link_farm_curve(n, src, dst, 5, [0, 10, 100])
    assert [r["spam pages"] for r in rows] == [0, 10, 100]
    assert rows[0]["rank"] > rows[1]["rank"] >= rows[2]["rank"] == 1
    assert rows[0]["pagerank"] < rows[1]["pagerank"] < rows[2]["pagerank"]


def test_blend_moves_from_text_to_links_with_the_weight():
    text = np.array([3.0, 2.0, 1.0, 0.0])
    pr = np.array([0.01, 0.1, 0.8, 0.09])
    assert blend(text, pr, 0.0)["rows"].tolist() == [0, 1, 2]  # page 3 has no text match: never enters
    assert blend(text, pr, 1.0)["rows"].tolist() == [2, 1, 0]
    out = blend(text, pr, 0.5)
    strength = link_strength(pr)
    assert strength.min() == 0 and strength.max() == 1
    expected = 0.5 * text[:3] / 3 + 0.5 * strength[:3]
    assert np.allclose(sorted(out["score"], reverse=True), sorted(expected, reverse=True))
    assert len(blend(np.zeros(4), pr, 0.5)["rows"]) == 0
    with pytest.raises(InputError, match="PageRank weight must be from 0 to 1"):
        blend(text, pr, 1.5)


def test_pagerank_on_foldoc_agrees_with_networkx_to_1e5(foldoc):
    pr = pagerank(foldoc.n, foldoc.link_src, foldoc.link_dst)
    assert np.abs(pr.scores - _nx(foldoc.n, foldoc.link_src, foldoc.link_dst)).sum() < 1e-5
    top = [foldoc.titles[r] for r in pr.top(20)]
    assert "Unix" in top and "operating system" in top


def test_links_demote_a_stuffed_page_that_bm25_ranks_first(foldoc):
    from core.search.lexical import Index

    rows = stuffing_vs_links(foldoc, Index.build(foldoc.texts), "operating system", [1, 30], weight=0.5)
    assert rows[1]["BM25"] == 1  # thirty repeats put the spam page on top of BM25...
    assert rows[1]["BM25 + PageRank"] > 10  # ...but nobody links to it
    assert rows[0]["BM25 + PageRank"] > rows[0]["BM25"]


@pytest.fixture(scope="module")
def foldoc():
    from core.search.corpus import load_corpus

    try:
        return load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))
