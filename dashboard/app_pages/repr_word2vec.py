"""word2vec trained from the page on FOLDOC: skip-gram or CBOW with negative sampling, a live loss curve, probe
words' neighbours changing as training goes, and the learned vectors in Explore."""

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.represent.word2vec import WORD2VEC_KINDS
from core.viz.words import loss_words_figure, scores_figure
from dashboard import cached, state
from dashboard.components import search

LR = 0.05  # word2vec.c's CBOW rate; skip-gram's 0.025 under-trains on a corpus this small in few epochs

st.title("word2vec: learning word vectors")
st.markdown(
    "word2vec learns a vector per word from nothing but running text: it slides over the corpus and trains each "
    "word's vector to **predict the words around it** (skip-gram) or to be predicted by them (CBOW), against a "
    "few random **negative** words that should not be predicted. Words that appear in the same company end up "
    "with vectors that point the same way. Here it learns from FOLDOC, the search lab's dictionary of computing "
    "(1.1 million words).")
corpus = search.corpus_or_stop("foldoc")

kinds = list(WORD2VEC_KINDS)
a, b, c, d = st.columns(4)
with a:
    state.check_url_choice(state.W2V_KIND, kinds, "the word2vec kind")
    kind = st.selectbox("Kind", kinds, key=state.W2V_KIND, bind="query-params",
                        help=" · ".join(f"{k}: {v}" for k, v in WORD2VEC_KINDS.items()))
with b:
    state.check_number(state.W2V_DIM, 10, 300, "the vector size", integer=True)
    dim = st.select_slider("Vector size", [10, 25, 50, 100, 200, 300], 100, key=state.W2V_DIM, bind="query-params")
with c:
    state.check_number(state.W2V_WINDOW, 1, 10, "the window", integer=True)
    window = st.slider("Window", 1, 10, 5, key=state.W2V_WINDOW, bind="query-params",
                       help="How far around a word its context reaches (each word draws 1 to this many).")
with d:
    state.check_number(state.EPOCHS, 1, 10, "the number of epochs", integer=True)
    epochs = st.slider("Epochs", 1, 10, 2, key=state.EPOCHS, bind="query-params",
                       help="Passes over the corpus.")
st.caption(f"{WORD2VEC_KINDS[kind]} Learning rate {LR}, falling linearly to almost zero; 5 negatives; seeded, so the "
           "same settings give the same vectors.")
params = (("dim", int(dim)), ("epochs", int(epochs)), ("kind", kind), ("lr", LR), ("window", int(window)))

def _neighbours(snapshot: dict) -> pd.DataFrame:
    return pd.DataFrame({probe: [w for w, _ in near] for probe, near in snapshot["neighbours"].items()},
                        index=range(1, len(next(iter(snapshot["neighbours"].values()), [])) + 1))


model = cached.word2vec.done(params)
if model is None:
    bar = st.progress(0.0, text="Training word2vec on FOLDOC…")
    live = st.empty()

    def progress(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"Training word2vec on FOLDOC… {done:,} of {total:,} words")

    def probe(snapshot: dict) -> None:
        with live.container():
            st.caption(f"After {snapshot['fraction']:.0%} of training (loss {snapshot['loss'] or float('nan'):.3f}):")
            st.dataframe(_neighbours(snapshot), hide_index=True)

    try:
        model = cached.word2vec(params, progress=progress, probe=probe)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()
    bar.empty()
    live.empty()



st.markdown(f"Trained on **{int(model.loss_words_[-1]) if len(model.loss_words_) else 0:,}** words "
            f"({model.epochs} epoch(s) over {model.vocab_.n_tokens:,} tokens; a vocabulary of {len(model.words_):,} "
            f"words seen at least {model.min_count} times) at **{model.words_per_second_:,.0f} words/s** "
            f"on {model.device_}, in {model.train_seconds_:.1f} s.")
left, right = st.columns(2)
with left:
    st.plotly_chart(loss_words_figure(model.loss_words_, model.loss_curve_), key="loss")
    st.caption("Mean loss per prediction: −log σ(word · context) − Σ log σ(−word · negative).")
with right:
    snaps = model.snapshots_
    if snaps:
        state.check_number(state.SNAPSHOT, 1, len(snaps), "the snapshot", integer=True)
        at = st.slider("Neighbours during training (snapshot)", 1, len(snaps), len(snaps), key=state.SNAPSHOT,
                       bind="query-params")
        snap = snaps[at - 1]
        st.caption(f"The 5 nearest words of each probe word after {snap['fraction']:.0%} of training: they start "
                   "random and settle into meaning.")
        st.dataframe(_neighbours(snap), use_container_width=True)

st.subheader("Ask the trained vectors")
word = st.text_input("A word", "unix", key=state.QUERY, bind="query-params", max_chars=60)
try:
    near = model.nearest(word.strip().lower(), k=10)
    st.plotly_chart(scores_figure(near), key="nearest")
except EmbedLabError as exc:
    st.warning(f"{exc}.", icon=":material/search_off:")
ws_id = cached.word2vec_dataset(params)
st.markdown(f"All {len(model.words_):,} learned vectors as a map: [open in Explore](/explore?ds={ws_id}&m=UMAP&q="
            f"{word.strip().lower() or 'unix'}). Compare GloVe's, learned from 6 billion words, on the "
            "[Word vectors](/repr_words) page.")
