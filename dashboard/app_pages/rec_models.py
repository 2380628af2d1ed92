"""The models: how each recommender scores items, what it learned (item-item similarities, a training curve),
and its picks for the same users side by side."""

import numpy as np
import pandas as pd
import streamlit as st

from core.recommend.models import MODELS
from core.viz.recommend import loss_figure, similarity_figure
from dashboard.components import recommend as rec

st.title("Recommenders, one by one")
st.markdown(
    "Every model here follows one contract (scikit-learn style): `fit` on the user-item matrix, then `score` "
    "every item for a user and `recommend` the best ones the user has not rated. They differ in how they score.")
st.dataframe(pd.DataFrame([{"model": n, "name": s.label, "kind": s.kind,
                            "predicts ratings": "yes" if s.predicts_ratings else "no (ranks)",
                            "how it scores": s.summary} for n, s in MODELS.items()]), hide_index=True,
             column_config={"how it scores": st.column_config.TextColumn(width="large")})
name, data = rec.pick_ratings()
model_name, params = rec.pick_model("item-knn")
spec = MODELS[model_name]
model = rec.fitted(name, model_name, params)

if getattr(model, "history_", None):
    st.subheader("Training")
    st.plotly_chart(loss_figure(list(model.history_), "training loss (mean squared error + penalty)"),
                    key="loss")
    st.caption(f"{len(model.history_)} epochs on all {data.n:,} ratings; the loss falls as the factors learn "
               "to reproduce the known cells.")

st.subheader("What it learned: the most rated items, compared")
n = st.slider("Items", 5, 40, 20, key="sim_items")
top = np.argsort(-data.item_counts, kind="stable")[:n]
sim = np.zeros((n, n))
for a, item in enumerate(top):
    found = model.similar_items(int(item), k=data.n_items - 1)
    where = dict(zip(found.items.tolist(), found.scores.tolist(), strict=True))
    sim[a] = [where.get(int(b), np.nan) for b in top]
np.fill_diagonal(sim, np.nan)
st.plotly_chart(similarity_figure(sim, [data.titles[i] for i in top], "similarity"), key="similarity")
KIND_NOTES = {
    "neighbours": "Similarity of the items' rating columns: the numbers the k-NN model adds up.",
    "linear": "EASE's learned item-to-item weights (how much rating the row item raises the column's score).",
    "factors": "Cosine of the learned item factors.",
    "baseline": "Popularity has no notion of similar items; shown is plain co-rating cosine."}
st.caption(KIND_NOTES.get(spec.kind, ""))

st.subheader("Its picks for a few users")
users = [u for u in ("1", "2", "3", "4", "5") if u in data.user_ids] or data.user_ids[:5]
picks = {}
for u in users:
    r = model.recommend(data.user_row(u), k=5)
    picks[f"user {u}"] = [data.titles[int(i)] for i in r.items]
st.dataframe(pd.DataFrame(picks, index=range(1, 6)), use_container_width=True)
st.caption("Change the model above to see how the lists change: popularity gives everyone the same list.")
