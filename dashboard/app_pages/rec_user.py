"""One user: what they rated, what a model recommends them and why, and the users most like them."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.recommend.explain import genre_profile, reasons, similar_users
from core.viz.recommend import contributions_figure, genre_profile_figure
from dashboard import state
from dashboard.components import recommend as rec

st.title("One user")
st.markdown("Pick a user: their own ratings on the left, a model's top picks on the right, each with the reason the "
            "model gives. The recommendations never include a movie the user has already rated.")
name, data = rec.pick_ratings()
left, right = st.columns([1, 2])
with left:
    row = rec.pick_user(data, default="1" if "1" in data.user_ids else None)
with right:
    model_name, params = rec.pick_model("item-knn")
state.check_number(state.K, 1, 50, "the number of recommendations", integer=True)
k = int(st.slider("Recommendations", 1, 50, 10, key=state.K, bind="query-params"))
model = rec.fitted(name, model_name, params)
try:
    recs = model.recommend(row, k=k)
except EmbedLabError as exc:
    st.error(f"{exc}.", icon=":material/error:")
    st.stop()

user_id = data.user_ids[row]
X = data.matrix
seen = X.indices[X.indptr[row]:X.indptr[row + 1]]
given = X.data[X.indptr[row]:X.indptr[row + 1]]
about = ""
if data.user_meta is not None and len(data.user_meta.columns):
    meta = data.user_meta.iloc[row]
    about = " · ".join(f"{k}: {v}" for k, v in meta.items() if k != "zip")
st.markdown(f"**User {user_id}** rated **{len(seen)}** items" + (f" ({about})." if about else "."))

cols = st.columns([2, 3])
with cols[0]:
    st.markdown("**Their ratings** (highest first)")
    order = np.lexsort((-data.item_counts[seen], -given))
    rec.items_table(data, seen[order], given[order], score_label="rating" if data.explicit else "interaction",
                    height=420, genres=False)
with cols[1]:
    st.markdown(f"**{model_name}'s top {k}**")
    why = [reasons(model, data, row, int(i)) for i in recs.items]
    rec.items_table(data, recs.items, recs.scores, extra={"because": [w.short for w in why]},
                    genres=False)

if len(recs.items):
    st.subheader("Why this one?")
    pick = st.selectbox("Recommendation", list(range(len(recs.items))),
                        format_func=lambda j: f"{j + 1}. {data.titles[int(recs.items[j])]}", key="why_pick")
    w = reasons(model, data, row, int(recs.items[pick]), k=12)
    st.markdown(w.sentence)
    if w.labels:
        st.plotly_chart(contributions_figure(w.labels, w.weights, xaxis=w.axis), key="why")
        if w.kind == "items":
            st.caption(f"The {len(w.labels)} largest of the contributions of the user's {len(seen)} rated items; "
                       f"all of them together make the score, {w.total:.3f}.")

st.subheader("Taste, in genres")
if "genres" in data.item_meta:
    st.plotly_chart(genre_profile_figure({f"rated by user {user_id}": genre_profile(data, seen),
                                          f"{model_name}'s top {k}": genre_profile(data, recs.items)}),
                    key="genres")
    st.caption("The share of each genre among the user's rated movies and among the recommendations: a good "
               "recommender follows the taste without copying it.")

st.subheader("Users most like this one")
sims = similar_users(X, row, k=10)
st.dataframe(pd.DataFrame({
    "user": [data.user_ids[v] for v in sims.users], "similarity (cosine)": sims.scores,
    "items both rated": sims.overlap,
    "they rated highly that this user has not seen": [", ".join(data.titles[i] for i in t) for t in sims.tips]}),
    hide_index=True, column_config={"similarity (cosine)": st.column_config.NumberColumn(format="%.3f")})
st.caption("Cosine similarity of the two users' rating rows; user-based k-NN recommends what such neighbours liked.")
