"""Character-level sequence models trained from the page on FOLDOC: an LSTM or GRU against a tiny Transformer, with
sampling at a temperature, the next-character probabilities and a comparison with the search lab's autocomplete."""

import math

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.represent.sequence import ALPHABET, SEQUENCE_MODELS, CharModel
from core.viz.sequence import loss_curves_figure, next_char_figure
from dashboard import cached, state
from dashboard.components import search

NAMES = {"lstm": "LSTM", "gru": "GRU", "transformer": "Transformer"}
# the choices as people read them, which is also what the link carries (a bound widget writes its option's label)
CHOICES = {" vs ".join(NAMES[k] for k in kinds): kinds for kinds in (
    ("lstm", "transformer"), ("gru", "transformer"), ("lstm", "gru", "transformer"), ("lstm",), ("gru",),
    ("transformer",))}
LEGACY = {",".join(kinds): label for label, kinds in CHOICES.items()}  # links made before the labels: "gru,transformer"
K = 5  # completions compared

st.title("Sequence models: predicting the next character")
st.markdown(
    "A language model reads text one character at a time and gives a **probability for every character that could "
    "come next**. Here a recurrent network (LSTM or GRU: a memory carried along the text) and a tiny **Transformer** "
    "(causal self-attention: each character looks back at all the earlier ones) learn FOLDOC, the search lab's "
    "dictionary of computing, with the same small budget. Sampling from those probabilities writes new text; the "
    "**temperature** sharpens (below 1) or flattens (above 1) them.")
search.corpus_or_stop("foldoc")

a, b = st.columns([1, 1])
with a:
    if st.query_params.get(state.SEQ_MODELS) in LEGACY:  # an older link: the same choice, under its new name
        st.session_state[state.SEQ_MODELS] = LEGACY[st.query_params[state.SEQ_MODELS]]
    state.check_url_choice(state.SEQ_MODELS, list(CHOICES), "the models")
    chosen = st.selectbox("Models", list(CHOICES), key=state.SEQ_MODELS, bind="query-params",
                          help=" · ".join(SEQUENCE_MODELS.values()))
with b:
    state.check_number(state.TEMPERATURE, 0.0, 2.0, "the temperature")
    temperature = st.slider("Temperature", 0.0, 2.0, 0.5, 0.1, key=state.TEMPERATURE, bind="query-params",
                            help="0 always takes the most likely character; 1 samples the model as it is.")
prompt = st.text_input("Prompt", "the compiler", key=state.PROMPT, bind="query-params", max_chars=200)
recipe = st.empty()

models, trained_here = {}, []
for kind in CHOICES[chosen]:
    model = None
    try:
        model = cached.shipped_sequence_model(kind)
    except EmbedLabError as exc:  # a damaged file: say so, and train the model here instead
        st.warning(f"{exc}. Training the {NAMES[kind]} here instead.", icon=":material/warning:")
    if model is None:  # no shipped model: the one trained on this server, or train it now with the same recipe
        trained_here.append(NAMES[kind])
        model = cached.sequence_model.done(kind)
    if model is None:
        bar = st.progress(0.0, text=f"Training the {NAMES[kind]}…")

        def progress(done: int, total: int, name: str = NAMES[kind], bar=bar) -> None:
            bar.progress(done / max(total, 1), text=f"Training the {name}… step {done} of {total}")

        try:
            model = cached.sequence_model(kind, progress=progress)
        except EmbedLabError as exc:
            st.error(f"{exc}.", icon=":material/error:")
            st.stop()
        bar.empty()
    models[NAMES[kind]] = model
spec = CharModel()
recipe.caption(
    f"Each model: {spec.steps} Adam steps on {spec.batch} random windows of {spec.context} characters, {spec.layers} "
    f"layers of width {spec.hidden}, from the same seeded 400,000-character FOLDOC subset (lower-cased letters, "
    "digits and basic punctuation). " + (
        f"The {' and '.join(trained_here)} trained on this server with that recipe (no shipped weights here; "
        "`embedlab train-sequence` makes them)." if trained_here else
        "EmbedLab trained them with this recipe and ships the weights (model card: `data/models/sequence/README.md`; "
        "`embedlab train-sequence` retrains them in about a minute)."))

st.subheader("What each model writes next")
for name, model in models.items():
    st.markdown(f"**{name}** (temperature {temperature:g}):")
    st.code(prompt + model.sample(prompt, 160, temperature=float(temperature), seed=0), language=None,
            wrap_lines=True)

left, right = st.columns(2)
with left:
    st.plotly_chart(next_char_figure({n: m.next_char_probs(prompt) for n, m in models.items()}), key="next")
    st.caption("The probability of each character coming right after the prompt (␣ is a space).")
with right:
    st.plotly_chart(loss_curves_figure({n: m.loss_curve_ for n, m in models.items()}), key="loss")
    st.caption(f"Training loss in bits per character (a moving mean over 10 steps); {math.log2(len(ALPHABET)):.1f} "
               f"bits is a blind guess among the {len(ALPHABET)} characters.")
st.dataframe(pd.DataFrame([{"model": n, "parameters": m.n_params_, "training (s)": round(m.train_seconds_, 1),
                            "held-out bits/char": round(m.val_bits_, 2)} for n, m in models.items()]),
             hide_index=True)

st.subheader("Completing the last word, against the search lab's autocomplete")
columns = {n: [f"{w} ({p:.0%})" for w, p in m.complete_word(prompt, K)] for n, m in models.items()}
try:
    columns["autocomplete (word counts)"] = [f"{s.word} ({s.count:,.0f})"
                                             for s in cached.assistant("foldoc").suggest(prompt, K)]
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/spellcheck:")
st.dataframe(pd.DataFrame({n: (v + [""] * K)[:K] for n, v in columns.items()},
                          index=pd.RangeIndex(1, K + 1, name="rank")))
st.caption("The models complete the word character by character (a beam search; the probability of the whole "
           "completion); the [Query assistance](/search_assist) page's autocomplete looks whole words up in counts "
           "of English and FOLDOC words and word pairs. After a space both suggest the next word.")
