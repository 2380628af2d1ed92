"""Metric learning with the triplet loss: a small network trained live so that images of the same class end up
close and others far; the embedding before and after, example triplets, k-NN accuracy against baselines."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.represent.triplet import MINING, RECIPES
from core.viz.images import thumbnail
from core.viz.recommend import loss_figure
from core.viz.words import embedding_pair_figure
from dashboard import cached, state

st.title("Metric learning: the triplet loss")
st.markdown(
    "Instead of predicting a class, a network can learn a **distance**. Each training example is a *triplet*: an "
    "**anchor**, a **positive** of the same class and a **negative** of another. The loss "
    "max(0, d(anchor, positive) − d(anchor, negative) + margin) is zero once the negative is farther than the "
    "positive by the margin, and pushes otherwise. Which negatives to show matters: **semi-hard** mining (FaceNet) "
    "picks those just beyond the positive, still inside the margin.")

sources = list(RECIPES)
a, b, c, d = st.columns(4)
with a:
    state.check_url_choice(state.TRIPLET_SOURCE, sources, "the image set")
    source = st.selectbox("Images", sources, key=state.TRIPLET_SOURCE, bind="query-params",
                          help="MNIST-5k handwritten digits (10 classes) or the ORL faces (40 people).")
with b:
    state.check_url_choice(state.MINING, list(MINING), "the mining")
    mining = st.selectbox("Negatives", list(MINING), index=list(MINING).index("semi-hard"), key=state.MINING,
                          bind="query-params", help=" · ".join(f"{k}: {v.description}" for k, v in MINING.items()))
with c:
    state.check_number(state.MARGIN, 0.05, 1.0, "the margin")
    margin = st.slider("Margin", 0.05, 1.0, 0.2, step=0.05, key=state.MARGIN, bind="query-params")
with d:
    state.check_number(state.TRIPLET_DIM, 2, 16, "the embedding size", integer=True)
    dim = st.select_slider("Embedding size", [2, 4, 8, 16], 2, key=state.TRIPLET_DIM, bind="query-params",
                           help="2 is drawn as is; larger embeddings are drawn through PCA. Forty people need "
                                "more than 2 numbers: try 16 on the faces.")
params = (("dim", int(dim)), ("margin", float(margin)), ("mining", mining), ("source", source))

model = cached.triplet.done(params)
if model is None:
    bar = st.progress(0.0, text="Training the embedding network…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)),
                     text=f"Training the embedding network… batch {done:,} of {total:,}")

    try:
        model = cached.triplet(params, progress=progress)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()
    bar.empty()

labels = np.asarray(model.test_labels_)
st.markdown(f"Trained on {len(model.train_rows_):,} images in {model.fit_seconds_:.1f} s on {model.device_}; drawn "
            f"below: the {len(model.test_rows_):,} held-out images, never seen in training.")
st.plotly_chart(embedding_pair_figure(model.before_, model.after_, labels), key="before_after")
st.caption("Each dot is a held-out image, coloured by its class. Before: the same network with its random initial "
           "weights. After: classes gather, and the distance between two dots now says whether they match. The outputs "
           "are made unit length, so a 2-number embedding lies on a circle.")

left, right = st.columns(2)
with left:
    st.plotly_chart(loss_figure(list(model.loss_curve_), "triplet loss"), key="loss")
with right:
    st.plotly_chart(loss_figure(list(model.fraction_active_), "share of triplets still violating the margin"),
                    key="active")

st.subheader("Triplets, before and after")
X, y = cached.triplet_pixels(source)
side = int(round(np.sqrt(X.shape[1])))
for t in cached.triplet_examples(params):
    cols = st.columns([1, 1, 1, 3])
    for col, key, name in zip(cols[:3], ("anchor", "positive", "negative"), ("anchor", "positive", "negative"),
                              strict=True):
        img = (np.clip(X[t[key]].reshape(side, side), 0, 1) * 255).astype(np.uint8)
        col.image(thumbnail(img, 72), caption=f"{name}: {y[t[key]]}")
    cols[3].markdown(
        f"d(anchor, positive) **{t['d_ap_before']:.2f} → {t['d_ap_after']:.2f}** · d(anchor, negative) "
        f"**{t['d_an_before']:.2f} → {t['d_an_after']:.2f}** · loss {t['loss_before']:.2f} → {t['loss_after']:.2f}")

st.subheader("Is the distance useful?")
table = cached.triplet_comparison(params)
st.dataframe(pd.DataFrame(table), hide_index=True,
             column_config={"knn_accuracy": st.column_config.NumberColumn("5-NN accuracy", format="%.3f"),
                            "seconds": st.column_config.NumberColumn("training s", format="%.1f")})
st.caption("Each held-out image gets the majority class of its 5 nearest training images in each representation. "
           "The plain classifier is the same network trained with cross-entropy to name the class; its last "
           "layer's numbers are used as features.")
