"""Evaluation: every ranker of the lab measured on a query set built from the corpus, with known answers."""

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.viz.search import evaluation_figure
from dashboard import cached, state
from dashboard.components import search

st.title("Which ranker is best? Measuring search")
st.markdown(
    "To compare rankers we need queries whose right answers are known. A dictionary is its own test: every entry "
    "defines its headword, so an entry's first sentence, with the headword's words taken out, is a query whose "
    "answer is that entry (“a programming language designed by Guido van Rossum” → Python). Each ranker answers "
    "every query; **MRR** (mean reciprocal rank) averages 1 / the rank of the right answer (1 when it comes first, "
    "0.5 second, …); **nDCG@10** also counts pages that merely point to the answer (half credit), discounted by "
    "their rank; **recall@10**: how often the answer is in the top 10."
)
name, corpus = search.pick_corpus()
search.vectors_or_stop(name, corpus)
state.check_number(state.QUERIES, 50, 400, "the number of queries", integer=True)
n_queries = int(st.slider("Queries", 50, 400, 200, 50, key=state.QUERIES, bind="query-params",
                          help="Sampled from the corpus with a fixed seed: the same link gives the same queries."))
bar = st.progress(0.0, text="Running every ranker over every query…")
try:
    table, queries = cached.evaluation(name, n_queries, progress=lambda d, t: bar.progress(
        d / t, text=f"Running every ranker over every query: {d:,} of {t:,}"))
except EmbedLabError as exc:
    bar.empty()
    st.warning(f"{exc}.", icon=":material/rule:")
    st.stop()
bar.empty()
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(evaluation_figure(table), key="evaluation")
with right:
    st.dataframe(table, hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="%.3f") for c in table.columns if c not in ("ranker", "queries")})
    best = table.sort_values("MRR", ascending=False).iloc[0]
    st.markdown(f"Best here: **{best['ranker']}** (MRR {best['MRR']:.3f}).")
st.caption("The query set favours keyword rankers somewhat: its words are taken from the answer itself. The "
           "paraphrase panel of the semantic page shows the other side, where the same need is worded differently.")
with st.expander(f"The {len(queries)} queries and their answers"):
    st.dataframe(pd.DataFrame({"query": [q.text for q in queries],
                               "answer": [", ".join(corpus.titles[r] for r, g in q.relevant.items() if g >= 1)
                                          for q in queries],
                               "also relevant": [", ".join(corpus.titles[r] for r, g in q.relevant.items() if g < 1)
                                                 for q in queries]}), hide_index=True)
st.caption(f"Corpus: {corpus.credit}.")
