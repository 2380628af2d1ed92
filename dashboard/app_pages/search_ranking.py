"""Keyword ranking: TF-IDF and BM25 side by side on a real small web, each score taken apart term by term."""

import streamlit as st

from dashboard import cached, state
from dashboard.components import search

st.title("Keyword ranking: TF-IDF and BM25")
st.markdown(
    "A search engine scores every page for the words of a query. **TF-IDF** counts how often each query word "
    "appears in the page (term frequency) and weighs it by how rare the word is across all pages (inverse "
    "document frequency), then compares the page and query as vectors (cosine). **BM25** keeps the idf but lets "
    "repeats count less and less (saturation, set by **k1**) and discounts long pages (length normalisation, "
    "set by **b**). The pages here are the 12,000 entries of FOLDOC, a dictionary of computing."
)
name, corpus = search.pick_corpus()
query = search.query_box("machine learning", "Words are lower-cased; punctuation is ignored.")
c1, c2, c3 = st.columns(3)
with c1:
    k = search.top_k()
state.check_number(state.K1, 0.0, 3.0, "k1")
state.check_number(state.B, 0.0, 1.0, "b")
k1 = float(c2.slider("BM25 k1 (saturation)", 0.0, 3.0, 1.5, 0.1, key=state.K1, bind="query-params",
                     help="0: a word counts once however often it appears; large: counts grow almost linearly."))
b = float(c3.slider("BM25 b (length normalisation)", 0.0, 1.0, 0.75, 0.05, key=state.B, bind="query-params",
                    help="0: long pages are not discounted; 1: fully scaled by length."))
left, right = st.columns(2)
with left:
    search.ranked(corpus, cached.ranker(name, "tfidf"), query, k, "TF-IDF (cosine)", "tfidf_parts")
with right:
    search.ranked(corpus, cached.ranker(name, "bm25", k1, b), query, k, f"BM25 (k1 = {k1:g}, b = {b:g})",
                  "bm25_parts")
st.caption(f"Corpus: {corpus.credit}. Each bar is a result's score split by query word: hover for its tf "
           "(count in the page) and idf. Rare words weigh more; BM25's bars stop growing with repeats.")
