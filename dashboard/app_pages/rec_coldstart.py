"""Cold start: a visitor rates a few movies and gets recommendations at once, folded into the trained models
without retraining them."""

import time

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.recommend.coldstart import decode_rated, encode_rated, visitor_row
from core.recommend.explain import genre_profile, reasons
from core.recommend.models import MODELS
from core.viz.recommend import genre_profile_figure
from dashboard import state
from dashboard.components import recommend as rec

st.title("Cold start: a new visitor")
st.markdown(
    "A new user has no row in the matrix, and retraining a model for every visitor is out of the question. "
    "Instead the visitor is **folded in**: the trained model stays as it is and only the visitor's own vector "
    "(or neighbourhood) is computed from the few ratings given. Rate a few movies below; the lists update at once.")
name, data = rec.pick_ratings()

try:
    rated = decode_rated(st.query_params.get(state.RATED, ""), data)
except EmbedLabError as exc:
    st.warning(f"{exc} (The link may be old or edited.) Starting with no ratings.", icon=":material/link:")
    rated = {}
    state.set_url(state.RATED, None)

top = [int(i) for i in data.item_counts.argsort()[::-1][:40]]
if "_cold_seen" not in st.session_state:  # a first visit without ratings in the link starts from an example
    st.session_state["_cold_seen"] = True
    if state.RATED not in st.query_params:
        rated = {top[0]: data.rating_range[1], top[2]: data.rating_range[1], top[5]: data.rating_range[0]}
        state.set_url(state.RATED, encode_rated(rated, data))
        st.caption("An example visitor to start from: change the ratings, or clear them and rate your own.")
typed = st.text_input("Find more movies to rate", "", key="cold_search", max_chars=200,
                      placeholder="a title, e.g. Casablanca")
found = data.find_items(typed, k=10) if typed.strip() else []
shown = list(dict.fromkeys([*rated, *found, *top]))
lo, hi = data.rating_range if data.explicit else (1.0, 1.0)
frame = pd.DataFrame({"title": [data.titles[i] for i in shown],
                      "your rating": [rated.get(i) for i in shown]}, index=[data.item_ids[i] for i in shown])
edited = st.data_editor(
    frame, key=f"cold_editor_{name}_{typed}", height=320, disabled=["title"], use_container_width=True,
    column_config={"your rating": st.column_config.NumberColumn(
        min_value=lo, max_value=hi, step=1.0 if data.explicit else None,
        help=f"{lo:g} (hated it) to {hi:g} (loved it); leave empty if you have not seen it" if data.explicit
        else "1 if you liked it; leave empty otherwise")})
new = {data.item_col(i): float(v) for i, v in edited["your rating"].items() if pd.notna(v)}
if new != rated:
    rated = new
    state.set_url(state.RATED, encode_rated(rated, data) or None)
if not rated:
    st.info("Rate at least one movie (type a number in the “your rating” column).", icon=":material/star:")
    st.stop()

row = visitor_row(rated, data.n_items)
st.markdown(f"You rated **{len(rated)}** movies: " + "; ".join(
    f"{data.titles[i]} ({v:g})" for i, v in sorted(rated.items(), key=lambda kv: -kv[1])[:8])
    + (" …" if len(rated) > 8 else ""))
state.check_number(state.K, 1, 30, "the number of recommendations", integer=True)
k = int(st.slider("Recommendations", 1, 30, 10, key=state.K, bind="query-params"))

names = ["popularity", "item-knn", "ease", "implicit-als"]
cols = [c for _ in range(2) for c in st.columns(2)]  # two by two: room for the reasons
lists = {}
for column, model_name in zip(cols, names, strict=True):
    with column:
        st.markdown(f"**{MODELS[model_name].label}**")
        model = rec.fitted(name, model_name, ())
        try:
            started = time.perf_counter()
            recs = model.recommend_new(row, k=k)
            ms = 1000 * (time.perf_counter() - started)
        except EmbedLabError as exc:
            st.warning(f"{exc}.", icon=":material/error:")
            continue
        st.caption(f"folded in and ranked in {ms:.1f} ms")
        lists[MODELS[model_name].label] = recs.items
        why = [reasons(model, data, row, int(i)).short for i in recs.items]
        st.dataframe(pd.DataFrame({"title": [data.titles[int(i)] for i in recs.items], "because": why}),
                     hide_index=True, height=min(420, 38 + 35 * len(recs.items)))
st.caption("Popularity ignores you; item-based k-NN and EASE add up your ratings' similarities to each movie; "
           "implicit ALS solves for your factor vector against the fixed item factors (one small least-squares "
           "problem). Nothing is retrained. Note that a low rating still counts as *seen*: these models learn what "
           "people watch, so a 1 pulls similar movies up a little (item-based k-NN weighs it by the rating, EASE "
           "and implicit ALS only see that you rated it).")

if "genres" in data.item_meta and lists:
    st.subheader("Does it follow your taste?")
    mean = sum(rated.values()) / len(rated)
    profiles = {"your ratings": genre_profile(data, [c for c, v in rated.items() if v >= mean])}
    profiles.update({label: genre_profile(data, items) for label, items in lists.items()})
    st.plotly_chart(genre_profile_figure(profiles), key="cold_genres")
    st.caption("The share of each genre among the movies you rated at or above your average, and among each model's "
               "picks: popularity's never moves; the others follow what you rate.")
