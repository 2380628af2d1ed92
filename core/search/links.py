"""Link analysis: PageRank by power iteration, a page's neighbourhood, link farms, and BM25 blended with it.

>>> from core.search.links import pagerank
>>> pr = pagerank(corpus.n, corpus.link_src, corpus.link_dst, damping=0.85)     # doctest: +SKIP
>>> pr.scores.sum(), pr.iterations, pr.residuals[-1] < 1e-10 * corpus.n       # doctest: +SKIP
(1.0, 1xx, True)

The iteration is written out (rather than calling networkx) because the lesson shows its inner steps:
the L1 change of the rank vector after every step. It follows networkx's definition exactly, so the two
agree (tests check 1e-5 in L1 against ``networkx.pagerank(tol=1e-10)``)::

    x ← d · (Mᵀx + (mass on dangling pages) · v) + (1 − d) · v,   v = uniform (or a personalisation)

where M is the row-normalised link matrix (a page's vote is split evenly over its distinct links),
d the damping factor (the chance the random surfer follows a link rather than jumping anywhere), and
pages without links ("dangling") hand their rank to every page. It stops when the L1 change falls
below ``n · tol`` (networkx's rule), at most ``max_iter`` steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.errors import InputError


@dataclass
class PageRank:
    """The result of :func:`pagerank`.

    scores : (n,) float64, sums to 1
    residuals : L1 change of the rank vector after each step (the convergence curve)
    iterations : number of steps taken
    converged : whether the last residual fell below ``n · tol``
    damping : the damping factor used
    """

    scores: np.ndarray
    residuals: list[float]
    iterations: int
    converged: bool
    damping: float

    def ranks(self) -> np.ndarray:
        """1-based rank of every page (1 = highest PageRank; ties share the better rank's order)."""
        order = np.argsort(-self.scores, kind="stable")
        out = np.empty(len(order), dtype=np.int64)
        out[order] = np.arange(1, len(order) + 1)
        return out

    def top(self, k: int = 10) -> np.ndarray:
        return np.argsort(-self.scores, kind="stable")[:k]


def check_damping(damping: float) -> float:
    damping = float(damping)
    if not 0.0 <= damping < 1.0 or not np.isfinite(damping):
        raise InputError(f"the damping factor must be at least 0 and below 1 (got {damping:g}); 0.85 is the classic "
                         "choice")
    return damping


def link_matrix(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Mᵀ as CSR (row j holds the votes page j receives) and the boolean mask of dangling pages."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if len(src) != len(dst):
        raise InputError("link sources and targets must have the same length")
    if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise InputError(f"a link points outside the {n} pages")
    adj = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    adj.data[:] = 1.0  # repeated links count once
    out_degree = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_degree, out=np.zeros(n), where=out_degree > 0)
    return sp.csr_matrix(adj.T.multiply(inv[None, :])), out_degree == 0


def pagerank(n: int, src, dst, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 500,
             personalization: np.ndarray | None = None) -> PageRank:
    """PageRank of ``n`` pages with links ``src[i] → dst[i]`` (networkx's definition; see the module)."""
    damping = check_damping(damping)
    if n < 1:
        raise InputError("PageRank needs at least one page")
    mt, dangling = link_matrix(n, src, dst)
    if personalization is None:
        v = np.full(n, 1.0 / n)
    else:
        v = np.asarray(personalization, dtype=np.float64)
        if v.shape != (n,) or (v < 0).any() or v.sum() <= 0:
            raise InputError("the personalisation must give every page a non-negative weight, not all zero")
        v = v / v.sum()
    x = v.copy()
    residuals: list[float] = []
    converged = False
    for _ in range(max_iter):
        new = damping * (mt @ x + x[dangling].sum() * v) + (1.0 - damping) * v
        err = float(np.abs(new - x).sum())
        residuals.append(err)
        x = new
        if err < n * tol:
            converged = True
            break
    return PageRank(x / x.sum(), residuals, len(residuals), converged, damping)


def corpus_pagerank(corpus, damping: float = 0.85, **kw) -> PageRank:
    return pagerank(corpus.n, corpus.link_src, corpus.link_dst, damping=damping, **kw)


# ------------------------------------------------------------------------------------ neighbourhood
def neighbourhood(n: int, src, dst, row: int, max_nodes: int = 40, scores: np.ndarray | None = None):
    """A page, the pages it links to and the pages linking to it (the best-ranked first when there are
    more than ``max_nodes``), and the links among them.

    Returns ``(nodes, edges)``: node rows (the page first) and (i, j) index pairs into ``nodes``.
    """
    if not 0 <= row < n:
        raise InputError(f"page {row} is not in the graph of {n} pages")
    src = np.asarray(src)
    dst = np.asarray(dst)
    out = dst[src == row]
    inc = src[dst == row]
    near = np.unique(np.concatenate([out, inc]))
    near = near[near != row]
    if len(near) > max_nodes - 1:
        key = -scores[near] if scores is not None else near
        near = near[np.argsort(key, kind="stable")[:max_nodes - 1]]
    nodes = np.concatenate([[row], near]).astype(np.int64)
    pos = {int(r): i for i, r in enumerate(nodes)}
    keep = np.isin(src, nodes) & np.isin(dst, nodes)
    edges = [(pos[int(a)], pos[int(b)]) for a, b in zip(src[keep], dst[keep], strict=True)]
    return nodes, edges


# ------------------------------------------------------------------------------------ link farms
def with_link_farm(n: int, src, dst, target: int, size: int, reciprocal: bool = True):
    """The graph with ``size`` new spam pages (rows n .. n+size-1) that all link to ``target``, and,
    when ``reciprocal``, the target linking back to them (the classic link farm). Returns
    ``(n + size, src, dst)``."""
    if not 0 <= target < n:
        raise InputError(f"page {target} is not in the graph of {n} pages")
    size = int(size)
    if not 0 <= size <= 100_000:
        raise InputError("a link farm has from 0 to 100,000 spam pages")
    spam = np.arange(n, n + size, dtype=np.int64)
    extra_src = [spam, np.full(size, target)] if reciprocal else [spam]
    extra_dst = [np.full(size, target), spam] if reciprocal else [np.full(size, target)]
    return (n + size, np.concatenate([np.asarray(src, np.int64), *extra_src]),
            np.concatenate([np.asarray(dst, np.int64), *extra_dst]))


def link_farm_curve(n: int, src, dst, target: int, sizes, damping: float = 0.85) -> list[dict]:
    """The target's PageRank and rank among the original pages for each farm size (0 = no farm)."""
    rows = []
    for size in sizes:
        m, s, d = with_link_farm(n, src, dst, target, int(size))
        pr = pagerank(m, s, d, damping=damping, tol=1e-9)
        real = pr.scores[:n]
        rows.append({"spam pages": int(size), "pagerank": float(real[target]),
                     "rank": int((real > real[target]).sum()) + 1, "iterations": pr.iterations})
    return rows


# ------------------------------------------------------------------------------------ blending
def link_strength(pagerank_scores: np.ndarray) -> np.ndarray:
    """PageRank on a log scale mapped to [0, 1] over the whole web: 0 for the least linked page (the
    rank a page nobody links to gets), 1 for the best (PageRank spans orders of magnitude)."""
    logs = np.log(np.asarray(pagerank_scores, dtype=np.float64))
    span = logs.max() - logs.min()
    return (logs - logs.min()) / span if span > 0 else np.ones_like(logs)


def blend(text_scores: np.ndarray, pagerank_scores: np.ndarray, weight: float, depth: int = 100,
          k: int = 10) -> dict:
    """The final ranking: among the ``depth`` best pages by text score, each page scores
    ``(1 − w) · text + w · link``, where text is its text score divided by the best one (so in [0, 1])
    and link its :func:`link_strength`. Pages without any text match never enter. Returns rows, the
    blended scores and both parts, best first (``k`` of them)."""
    weight = float(weight)
    if not 0.0 <= weight <= 1.0:
        raise InputError(f"the PageRank weight must be from 0 to 1 (got {weight:g})")
    text_scores = np.asarray(text_scores, dtype=np.float64)
    matched = np.flatnonzero(text_scores > 0)
    cand = matched[np.argsort(-text_scores[matched], kind="stable")[:depth]]
    if not len(cand):
        return {"rows": cand, "score": np.zeros(0), "text": np.zeros(0), "link": np.zeros(0)}
    text = text_scores[cand] / text_scores[cand].max()
    link = link_strength(pagerank_scores)[cand]
    score = (1 - weight) * text + weight * link
    order = np.argsort(-score, kind="stable")[:k]
    return {"rows": cand[order], "score": score[order], "text": text[order], "link": link[order]}


# ------------------------------------------------------------------------------------ keyword stuffing
def stuffing_vs_links(corpus, index, phrase: str, repeats, weight: float = 0.5, damping: float = 0.85,
                      k1: float = 1.5, b: float = 0.75, page: str = "") -> list[dict]:
    """The keyword-stuffing lesson's second half: the spam page (``phrase`` repeated N times, see
    :func:`core.search.lexical.stuffing_curve`) joins the web as a new page nobody links to. For each N,
    its rank under BM25 alone and under BM25 blended with PageRank (:func:`blend`, weight ``weight``):
    repeats buy text score, but not links."""
    from core.search.lexical import make_ranker

    terms = index.terms(phrase)
    n = corpus.n
    pr = pagerank(n + 1, corpus.link_src, corpus.link_dst, damping=damping, tol=1e-9).scores
    rows = []
    for count in (int(r) for r in repeats):
        grown = index.with_document(" ".join([" ".join(terms)] * count) + " " + page)
        scores, _ = make_ranker("bm25", grown, k1=k1, b=b).scores(phrase)
        text_rank = int((scores > scores[n]).sum()) + 1
        mixed = blend(scores, pr, weight, depth=max(100, text_rank + 1), k=n + 1)
        where = np.flatnonzero(mixed["rows"] == n)
        rows.append({"repeats": count, "BM25": text_rank,
                     "BM25 + PageRank": int(where[0]) + 1 if len(where) else None})
    return rows
