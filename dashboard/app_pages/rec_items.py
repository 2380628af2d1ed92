"""Similar items: a movie's nearest movies by a factor model's item vectors and by who co-rated them; the item
factors as a map in Explore."""

import streamlit as st

from core.errors import EmbedLabError
from core.viz.recommend import item_map_figure
from dashboard import cached, state
from dashboard.components import recommend as rec

st.title("Similar items")
st.markdown(
    "“People who liked this also liked…”. Two ways to find a movie's neighbours: **co-rating** (item-based k-NN: "
    "two movies are alike when the same users rated them, cosine of their rating columns) and **item factors** "
    "(a factor model gives each movie a short vector learned from all ratings; alike movies get vectors that "
    "point the same way). Factors also relate movies that share no raters directly.")
name, data = rec.pick_ratings()
col = rec.pick_item(data)
state.check_number(state.K, 1, 50, "the number of similar items", integer=True)
k = int(st.slider("Similar items", 1, 50, 10, key=state.K, bind="query-params"))
meta = data.item_meta
year = meta["year"].iloc[col] if "year" in meta else None
st.markdown(f"**{data.titles[col]}** · {rec.genres_of(data, col) or 'no genres'} · rated by "
            f"{int(data.item_counts[col]):,} users")

left, right = st.columns(2)
with left:
    st.markdown("**By co-rating** (item-based k-NN, cosine)")
    knn = rec.fitted(name, "item-knn", ())
    try:
        by_rating = knn.similar_items(col, k=k)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()
    rec.items_table(data, by_rating.items, by_rating.scores, score_label="cosine")
with right:
    factor_name, params = rec.pick_model("implicit-als", only=lambda spec: spec.kind == "factors",
                                         label="Factor model")
    model = rec.fitted(name, factor_name, params)
    by_factors = model.similar_items(col, k=k)
    rec.items_table(data, by_factors.items, by_factors.scores, score_label="cosine")
both = set(by_rating.items.tolist()) & set(by_factors.items.tolist())
st.caption(f"{len(both)} of the {k} appear in both lists.")

st.subheader(f"Where it sits among all {data.n_items:,} items")
st.plotly_chart(item_map_figure(cached.item_map(name, factor_name, params), data.titles, col, by_factors.items,
                                data.item_counts), key="item_map")
st.caption(f"{factor_name}'s item factors projected on their first two principal components (dot size: number of "
           "ratings). Two dimensions keep only part of the picture: neighbours by the full factors can sit apart.")

if name == "ml-100k":
    st.subheader("All movies as a map")
    st.markdown("The 1,682 movies' implicit-ALS factors (64 numbers each) projected to 2-D, coloured by genre "
                "(or by year, decade, number of ratings): [open in Explore](/explore?ds=ml100k-items&m=UMAP&c=label).")
