"""The user-item matrix: a block of users x movies, its holes ("?") and what a model would put in them; how
sparse it is and how long its tail."""

import streamlit as st

from core.errors import EmbedLabError
from core.recommend.matrix import ORDERS, block, long_tail
from core.recommend.models import MODELS
from core.viz.recommend import activity_figure, long_tail_figure, matrix_figure, rating_histogram
from dashboard import state
from dashboard.components import recommend as rec

st.title("The user-item matrix")
st.markdown(
    "Every recommender starts from one table: a row per user, a column per item, a cell for each rating. Almost "
    "all of it is empty (a **?**): nobody has seen more than a sliver of the catalogue. *Recommending* is filling "
    "in the holes and showing each user the highest ones.")
name, data = rec.pick_ratings()

a, b, c = st.columns(3)
with a:
    state.check_number(state.N_USERS, 5, 80, "the number of users shown", integer=True)
    n_users = st.slider("Users shown", 5, 80, 30, key=state.N_USERS, bind="query-params")
with b:
    state.check_number(state.N_ITEMS, 5, 80, "the number of movies shown", integer=True)
    n_items = st.slider("Items shown", 5, 80, 30, key=state.N_ITEMS, bind="query-params")
with c:
    orders = list(ORDERS)
    state.check_url_choice(state.ORDER, orders, "the order")
    order = st.selectbox("Order", orders, key=state.ORDER, bind="query-params",
                         help=" · ".join(f"{k}: {v[0]}" for k, v in ORDERS.items()))
fill = st.toggle("Fill the holes with a model's predictions", key=state.FILL, bind="query-params")
X = data.matrix
try:
    rows, cols = block(X, int(n_users), int(n_items), order)
except EmbedLabError as exc:
    st.error(f"{exc}.", icon=":material/error:")
    st.stop()
values = X[rows][:, cols].toarray()
predicted = None
if fill:
    model_name, params = rec.pick_model("mf" if data.explicit else "ease")
    model = rec.fitted(name, model_name, params)
    scores = model.score(rows)[:, cols]
    predicted = scores
    kind = "predicted rating" if MODELS[model_name].predicts_ratings else "score (higher = recommend first)"
    st.caption(f"The orange numbers are {model_name}'s {kind} for each hole; the blue cells are real ratings.")
filled = (values != 0).mean()
st.plotly_chart(matrix_figure(values, [data.user_ids[r] for r in rows], [data.titles[i] for i in cols],
                              predicted=predicted, rating_range=data.rating_range, explicit=data.explicit),
                key="matrix")
how = ("it is a random sample" if order == "random"
       else "it holds the most active users and the most rated items")
st.caption(f"This block is {filled:.0%} filled: {how} ({ORDERS[order][0]}). The whole matrix is "
           f"{data.density:.1%} filled: {data.n:,} of {data.n_users * data.n_items:,} cells.")

st.subheader("Sparse, with a long tail")
tail = long_tail(X)
m1, m2, m3 = st.columns(3)
m1.metric("Cells filled", f"{data.density:.2%}")
m2.metric("Items with half the interactions", f"{tail.head_items:,} of {tail.n_items:,}",
          help="The head: the smallest set of most-rated items that gathers 50% of all interactions.")
m3.metric("Median items per user", f"{int(sorted(data.user_counts)[len(data.user_counts) // 2]):,}")
left, right = st.columns(2)
with left:
    st.plotly_chart(long_tail_figure(tail.counts, tail.head_items, tail.head_share), key="tail")
    st.caption("A few blockbusters get most of the ratings; most items get a handful. A recommender that only "
               "shows the head is accurate but dull: catalogue **coverage** (Evaluation page) measures this.")
with right:
    if data.explicit:
        st.plotly_chart(rating_histogram(data.values), key="ratings_hist")
        st.caption("People mostly rate what they chose to watch, and mostly like it: ratings lean high.")
    else:
        st.plotly_chart(activity_figure(data.user_counts), key="activity")
if data.explicit:
    st.plotly_chart(activity_figure(data.user_counts), key="activity")
    st.caption("Most users rated a few dozen items; a few rated hundreds.")
