"""Keyword stuffing: a spam page repeats a phrase N times; how far does each ranker let it climb, and do links?"""

import streamlit as st

from core.errors import EmbedLabError
from core.viz.search import rank_curves_figure, stuffing_scores_figure
from dashboard import cached, state
from dashboard.components import search

SPAM = "▶ SPAM: the stuffed page"

st.title("Keyword stuffing")
st.markdown(
    "The oldest trick for climbing a search engine: a page that repeats the words people search for, over and "
    "over (the classic “cheap flights cheap flights cheap flights …”). Here a spam page that repeats a phrase "
    "**N** times joins the 12,000 pages of FOLDOC, and we search for that phrase. **Raw term frequency** rewards "
    "every repeat, **TF-IDF**'s cosine rewards a page made of nothing but the query, **BM25** saturates: the "
    "tenth repeat adds little and the hundredth almost nothing. And none of them can tell that nobody links to "
    "the page, which is where **link analysis** comes in."
)
name, corpus = search.pick_corpus()
phrase = search.query_box("operating system", "The phrase the spam page repeats, and the query.",
                          label="Phrase (and query)")
state.check_number(state.REPEATS, 1, 100, "the number of repeats", integer=True)
repeats = int(st.slider("Repeats N", 1, 100, 20, key=state.REPEATS, bind="query-params",
                        help="How many times the spam page repeats the phrase."))
try:
    curve = cached.stuffing(name, phrase, repeats)
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/search_off:")
    st.stop()
words = " ".join(cached.lexical_index(name).terms(phrase))
with st.expander(f"The spam page ({repeats} repeats)"):
    st.code(" ".join([words] * repeats)[:3000], language=None, wrap_lines=True)

st.subheader("Its score as N grows")
st.plotly_chart(stuffing_scores_figure(curve, repeats), key="stuffing_scores")
st.subheader("Its rank as N grows")
ranks = {name: [(r["repeats"], r["rank"]) for r in curve if r["ranker"] == name] for name in ("tf", "tfidf", "bm25")}
st.plotly_chart(rank_curves_figure(ranks, repeats), key="stuffing_ranks")
st.caption("Raw counts need many repeats to beat long genuine pages, then win outright. TF-IDF ranks a page that is "
           "only the query first from one repeat (cosine 1). BM25 lets early repeats count, then saturates (k1 = "
           "1.5, b = 0.75): past a few repeats the spam page gains nothing, but it is already on top.")

st.subheader(f"The results with the spam page at N = {repeats}")
top = cached.stuffed_results(name, phrase, repeats)
for col, kind, label in zip(st.columns(3), ("tf", "tfidf", "bm25"), ("Raw term frequency", "TF-IDF", "BM25"),
                            strict=True):
    with col:
        st.markdown(f"**{label}**")
        rows, scores = top[kind]
        search.result_table(corpus, rows, scores, mark={corpus.n: SPAM})

st.subheader("Links are harder to fake")
st.markdown(
    "PageRank (next page) scores a page by the pages that link to it, not by its words. The spam page joined the web "
    "without a single incoming link, so its PageRank is the floor every page gets. Blend the two (each of BM25's "
    "top 100 pages scores `(1 − w) · text + w · link`, text = its BM25 score over the best one, link = its PageRank "
    "on a log scale from 0 for the least linked page to 1 for the best) and repeats stop being enough."
)
state.check_number(state.WEIGHT, 0.0, 1.0, "the PageRank weight")
weight = float(st.slider("PageRank weight w", 0.0, 1.0, 0.5, 0.05, key=state.WEIGHT, bind="query-params"))
links = cached.stuffing_links(name, phrase, repeats, weight)
st.plotly_chart(rank_curves_figure({name: [(r["repeats"], r[name]) for r in links]
                                    for name in ("BM25", "BM25 + PageRank")}, repeats), key="stuffing_links")
now = next(r for r in links if r["repeats"] == repeats)
st.markdown(f"At N = {repeats} the spam page ranks **{now['BM25']}** by BM25 alone and "
            f"**{now['BM25 + PageRank'] or 'beyond the top 100'}** once links count (w = {weight:g}). "
            "A spammer now needs pages that link to theirs: the link farm on the PageRank page.")
st.caption(f"Corpus: {corpus.credit}.")
