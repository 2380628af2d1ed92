"""Word vectors: nearest words, analogies, custom projection axes and a bias probe over GloVe's 400,000 words."""

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.viz.words import axes_figure, bias_figure, scores_figure
from dashboard import cached, state

st.title("Word vectors")
st.markdown(
    "GloVe gives each of 400,000 English words 50 numbers, learned from how often words occur near each other in "
    "6 billion words of Wikipedia and news. Words used alike get vectors that point alike, and some *differences* "
    "between vectors mean something: **king − man + woman** lands near **queen**.")
words = cached.word_vectors()

st.subheader("Nearest words, and arithmetic on words")
expr = st.text_input("A word or an expression", "king - man + woman", key=state.QUERY, bind="query-params",
                     max_chars=300, help="Words joined by + and -, e.g. `paris - france + italy`; weights like "
                                         "`0.5*king` work too.")
state.check_number(state.K, 1, 50, "the number of results", integer=True)
k = int(st.slider("Results", 1, 50, 10, key=state.K, bind="query-params"))
try:
    positive, negative = words.parse_expression(expr)
    results = words.analogy(positive, negative, k=k) if negative or len(positive) > 1 else \
        words.nearest(positive[0], k=k, exclude=positive)
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/search_off:")
    results = []
if results:
    left, right = st.columns([2, 3])
    with left:
        st.dataframe(pd.DataFrame({"rank": range(1, len(results) + 1), "word": [w for w, _ in results],
                                   "cosine": [s for _, s in results]}), hide_index=True,
                     column_config={"cosine": st.column_config.NumberColumn(format="%.3f")})
    with right:
        st.plotly_chart(scores_figure(results), key="nearest")
    st.caption("3CosAdd: the words whose unit vectors are nearest (cosine) to the sum of the unit vectors of the "
               "words added minus those subtracted; the input words themselves are left out, as in the original "
               "analogy papers.")

st.subheader("Your own axes")
st.markdown("As the TensorFlow projector's *custom projection*: each axis is the direction from one word to "
            "another, and every word is placed by how far it leans along each.")
a, b = st.columns(2)
with a:
    x_from = st.text_input("x axis from", "man", key="ax_x0", bind="query-params", max_chars=40)
    x_to = st.text_input("x axis to", "woman", key="ax_x1", bind="query-params", max_chars=40)
with b:
    y_from = st.text_input("y axis from", "poor", key="ax_y0", bind="query-params", max_chars=40)
    y_to = st.text_input("y axis to", "rich", key="ax_y1", bind="query-params", max_chars=40)
placed = st.text_area("Words to place (comma or line separated)",
                      "king, queen, prince, princess, doctor, nurse, banker, maid, beggar, millionaire, peasant, "
                      "duke, duchess, waiter, waitress, actor, actress", key="ax_words", bind="query-params",
                      max_chars=3000)
word_list = [w.strip().lower() for w in placed.replace("\n", ",").split(",") if w.strip()][:200]
try:
    frame = words.projection_axes((x_from, x_to), (y_from, y_to) if y_from and y_to else None, word_list)
    st.plotly_chart(axes_figure(frame, f"{x_from} → {x_to}", f"{y_from} → {y_to}" if y_from and y_to else ""),
                    key="axes")
    missing = [w for w in word_list if w not in set(frame["word"])]
    if missing:
        st.caption("Not among GloVe's words, left out: " + ", ".join(missing[:20]))
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/error:")

st.subheader("A bias probe")
st.markdown("The same tool, pointed at a question: where do occupations fall on the direction from *he* to *she*? "
            "The vectors learned it from text; a system built on them inherits it.")
from core.represent.words import GENDER_PAIR, OCCUPATIONS  # noqa: E402

probe = words.bias_probe(*GENDER_PAIR, OCCUPATIONS)
st.plotly_chart(bias_figure(probe, *GENDER_PAIR), key="bias")

st.subheader("All of them as a map")
st.markdown("The most frequent words in the projector, with search: "
            "[20,000 words with UMAP](/explore?ds=glove-20k&m=UMAP&q=queen), "
            "[100,000 words](/explore?ds=glove-100k&m=PCA&q=queen).")

st.subheader("How good are the analogies?")
try:
    accuracy = cached.analogy_accuracy()
    st.dataframe(accuracy, hide_index=True,
                 column_config={"accuracy": st.column_config.NumberColumn(format="%.3f")})
    st.caption("Google's analogy questions (Mikolov et al. 2013), each answered by 3CosAdd among the 30,000 most "
               "frequent words; a question counts as answered when its four words are among them.")
except EmbedLabError as exc:
    st.caption(f"The standard test (Google's 19,544 analogy questions, by section) is not installed here: {exc}. "
               "No package that can be installed offline ships it, so no accuracy is shown rather than one on "
               "questions made up for the purpose.")
