"""PageRank on the corpus's link graph: power iteration step by step, a page's neighbourhood, a link farm,
and the final ranking that blends BM25 with PageRank."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.search.links import blend, link_strength, neighbourhood
from core.viz.search import farm_figure, graph_figure, residual_figure
from dashboard import cached, state
from dashboard.components import search

st.title("PageRank: ranking pages by their links")
st.markdown(
    "A link is a vote. **PageRank** imagines a surfer who, on every page, follows one of its links at random "
    "with probability **d** (the damping factor) or jumps to any page at all otherwise. A page's PageRank is the "
    "share of time the surfer spends there: high when many pages link to it, higher still when those pages are "
    "themselves well linked. It is found by **power iteration**: start from equal ranks and let every page hand "
    "its rank to the pages it links to, again and again, until nothing changes. Here the pages are FOLDOC's "
    "12,000 entries and the links their cross-references."
)
name, corpus = search.pick_corpus()
web_links = corpus.n_links
state.check_number(state.DAMPING, 0.0, 0.99, "the damping factor")
damping = float(st.slider("Damping factor d", 0.0, 0.99, 0.85, 0.01, key=state.DAMPING, bind="query-params",
                          help="The chance the surfer follows a link rather than jumping anywhere. 0: every page "
                               "ranks the same; near 1: links decide everything, and convergence is slow."))
pr = cached.pagerank(name, damping)
ranks = pr.ranks()
in_deg = np.bincount(corpus.link_dst, minlength=corpus.n)
out_deg = np.bincount(corpus.link_src, minlength=corpus.n)

left, right = st.columns([3, 2])
with left:
    st.subheader("Power iteration")
    st.plotly_chart(residual_figure(pr.residuals, corpus.n * 1e-10), key="pr_residuals")
    st.caption(f"{pr.iterations} steps over {corpus.n:,} pages and {web_links:,} links; each step changes the ranks "
               f"less, by a factor of about d = {damping:g}. It stops when the total change falls below n × 10⁻¹⁰ "
               "(networkx's rule; the tests check the result against networkx.pagerank).")
with right:
    st.subheader("The top pages")
    top = pr.top(15)
    st.dataframe(pd.DataFrame({"rank": range(1, len(top) + 1), "page": [corpus.titles[r] for r in top],
                               "PageRank": pr.scores[top], "links in": in_deg[top], "links out": out_deg[top]}),
                 hide_index=True, height=420, column_config={"PageRank": st.column_config.NumberColumn(format="%.5f")})

st.subheader("A page and its neighbours")
state.check_url_choice(state.PAGE, corpus.ids, "the page")
default = corpus.ids.index("Lisp") if "Lisp" in corpus.ids else int(top[0])
page_id = st.selectbox("Page", corpus.ids, index=default, key=state.PAGE, bind="query-params",
                       help="Type to search the 12,000 titles.")
row = corpus.row_of(page_id)
nodes, edges = neighbourhood(corpus.n, corpus.link_src, corpus.link_dst, row, max_nodes=40, scores=pr.scores)
hover = [f"{corpus.titles[r]}<br>PageRank {pr.scores[r]:.2e} (rank {ranks[r]:,})<br>{in_deg[r]} links in, "
         f"{out_deg[r]} out" for r in nodes]
c1, c2 = st.columns([3, 1])
with c1:
    st.plotly_chart(graph_figure([corpus.titles[r] for r in nodes], edges, pr.scores[nodes], hover),
                    key="pr_graph")
with c2:
    st.metric("PageRank rank", f"{ranks[row]:,} of {corpus.n:,}")
    st.metric("Links in", int(in_deg[row]))
    st.metric("Links out", int(out_deg[row]))
    st.caption("Node size: PageRank. The chosen page is in the middle with the pages it links to and the pages "
               "linking to it (the 39 best ranked when there are more); arrows follow the links.")

st.subheader("A link farm")
st.markdown(f"A spammer creates **K** pages that do nothing but link to **{page_id}**, which links back to each. "
            "Every spam page gets the floor rank from the random jumps and hands it on to the target.")
state.check_number(state.FARM, 0, 1000, "the link-farm size", integer=True)
farm = int(st.slider("Spam pages K", 0, 1000, 100, 10, key=state.FARM, bind="query-params"))
rows = cached.link_farm(name, row, damping, farm)
now = next(r for r in rows if r["spam pages"] == farm)
c1, c2 = st.columns([3, 1])
with c1:
    st.plotly_chart(farm_figure(rows, farm), key="pr_farm")
with c2:
    st.metric(f"Rank with {farm} spam pages", f"{now['rank']:,}", delta=f"{ranks[row] - now['rank']:+,} places",
              delta_color="normal")
    st.caption("PageRank resists a few fake pages but not a large farm: real engines also look at who links "
               "(TrustRank), link patterns and the spam pages themselves.")

st.subheader("The final ranking: BM25 blended with PageRank")
query = search.query_box("programming language", "Scored by BM25, then blended with PageRank.")
state.check_number(state.WEIGHT, 0.0, 1.0, "the PageRank weight")
weight = float(st.slider("PageRank weight w", 0.0, 1.0, 0.3, 0.05, key=state.WEIGHT, bind="query-params",
                         help="0: BM25 alone; 1: PageRank alone (among BM25's top 100)."))
try:
    scores, _ = cached.ranker(name, "bm25").scores(query)
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/search_off:")
    st.stop()
mixed = blend(scores, pr.scores, weight, k=10)
if not len(mixed["rows"]):
    st.info("No page contains any word of this query.", icon=":material/search_off:")
    st.stop()
bm25_rank = np.argsort(np.argsort(-scores, kind="stable"), kind="stable") + 1
strength = link_strength(pr.scores)
st.dataframe(pd.DataFrame({
    "rank": range(1, len(mixed["rows"]) + 1), "page": [corpus.titles[r] for r in mixed["rows"]],
    "score": mixed["score"], "text (BM25 / best)": mixed["text"], "link (PageRank)": strength[mixed["rows"]],
    "BM25 rank": bm25_rank[mixed["rows"]], "PageRank rank": ranks[mixed["rows"]]}), hide_index=True,
    column_config={c: st.column_config.NumberColumn(format="%.3f")
                   for c in ("score", "text (BM25 / best)", "link (PageRank)")})
st.caption(f"score = (1 − w) · text + w · link, w = {weight:g}. Corpus: {corpus.credit}.")
