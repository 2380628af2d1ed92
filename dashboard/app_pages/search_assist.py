"""Query assistance: autocomplete as you type and "did you mean" typo correction, each answer explained."""

import time

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.viz.search import correction_figure
from dashboard import cached, state
from dashboard.components import search
from dashboard.components.live_query import live_query, typed_text

st.title("Query assistance: autocomplete and “did you mean”")
st.markdown(
    "Search boxes finish your words and fix your typos. Both come from **counts**: how often each word appears "
    "(82,765 English words with their frequencies, plus the words of the corpus) and how often each **pair** of "
    "words appears one after the other (242,342 English pairs, plus the corpus's). **Autocomplete** offers the "
    "words that start with what you typed, those seen after your previous word first. **Typo correction** looks "
    "at every known word within two edits of each typed word and picks the most likely *query*: a common word "
    "that fits its neighbours beats a rare one, and every edit costs. That is why “machine leaning” becomes "
    "“machine learning” although “leaning” is a perfectly good word: a plain dictionary check would let it pass."
)
name, corpus = search.pick_corpus()
helper = cached.assistant(name)

text = typed_text(state.url_value(state.QUERY, "machine leaning"))
try:
    started = time.perf_counter()
    suggestions = helper.suggest(text, k=8)
    fixed = helper.correct(text)
    took = (time.perf_counter() - started) * 1000
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/keyboard:")
    suggestions, fixed, took = [], None, 0.0
typed_len = len(text)
live_query(text, [{"text": s.text, "typed": min(typed_len, len(s.text)), "source": s.source, "count": s.count}
                  for s in suggestions], fixed.correction if fixed is not None and fixed.changed else None)
state.set_url(state.QUERY, text.strip() or None)
st.caption(f"This keystroke: suggestions and correction in {took:.1f} ms. Arrow keys and Enter (or a click) take a "
           "suggestion; click the correction to use it.")
if fixed is None or not text.strip():
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Autocomplete")
    if suggestions:
        st.dataframe(pd.DataFrame({"suggestion": [s.text for s in suggestions], "word": [s.word for s in suggestions],
                                   "ranked by": [s.source for s in suggestions],
                                   "English count": [s.english for s in suggestions],
                                   "corpus count": [s.corpus for s in suggestions]}), hide_index=True)
        st.caption("“bigram” rows are words seen after the previous word, ranked by the pair's count weighted by how "
                   "much likelier the pair is than chance (count × ln lift); the others by the word's own count. "
                   "Counts of the English lists and of the corpus are merged, the corpus weighing a tenth of English.")
    else:
        st.caption("No known word starts like this: the typo correction on the right may help.")
with right:
    st.subheader("Did you mean")
    cands = pd.DataFrame(fixed.candidates)
    plain = []
    for pos, word in enumerate(fixed.correction.split()):  # a dictionary checker: known words pass, else the closest
        rows = cands[cands["position"] == pos] if len(cands) else cands
        known = rows[rows["distance"] == 0] if len(rows) else rows
        if len(known) or not len(rows):
            plain.append(known["candidate"].iloc[0] if len(known) else word)
        else:
            near = rows[rows["distance"] == rows["distance"].min()]
            plain.append(near.sort_values("count", ascending=False)["candidate"].iloc[0])
    if fixed.changed:
        st.markdown(f"**{fixed.correction}**")
    else:
        st.markdown(f"**{fixed.correction}**: nothing to correct.")
    st.caption(f"A plain dictionary corrector (each word alone: keep it if it is a word, else take the closest, "
               f"commonest one) gives: “{' '.join(plain)}”.")

st.subheader("Why the winner wins")
st.markdown("Every candidate's score is `log P(c)` (how common it is) `+ left + right` (how much likelier it is "
            f"next to the chosen neighbours than on its own, from pair counts) `− {helper.edit_penalty:g} × edits`. "
            "The highest total wins; the word as typed is always a candidate.")
positions = sorted(set(cands["position"])) if len(cands) else []
changed = [p for p in positions if (cands[(cands["position"] == p) & cands["chosen"]]["distance"] > 0).any()]
for pos in (changed or positions[:1]):
    rows = helper.explain(text, int(pos), k=6)
    typed_word = cands[cands["position"] == pos]["word"].iloc[0]
    st.plotly_chart(correction_figure(rows, typed_word), key=f"why_{pos}")
with st.expander("Every candidate of every word"):
    st.dataframe(cands, hide_index=True)
st.caption(f"Word counts: symspellpy's English frequency lists (82,765 words, 242,342 pairs) and {corpus.credit}.")
