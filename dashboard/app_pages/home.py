"""Home: what EmbedLab is, which pages it has, the built-in datasets, and a quick look at one."""

import pandas as pd
import streamlit as st

from core.viz import projection_figure, variance_figure
from dashboard import cached, state
from dashboard.app_pages import sections

st.title("EmbedLab")
st.markdown(
    "See and teach what machine-learning representations do. Bring embeddings (projector TSV, CSV, "
    "Parquet, `.npy`, raw text or images) or start from the real datasets below."
)

st.subheader("Pages")
st.markdown(
    "- **Home** (this page): the datasets that ship with EmbedLab and a first look at any of them.\n"
    "- **Explore**: a projector for any embedding, built-in or uploaded: PCA, t-SNE or UMAP in 2-D or 3-D, "
    "colour and search by metadata, click a point for its true nearest neighbours, see how far to trust the "
    "map, compare methods side by side, all 400k GloVe words as a zoomable image, and export. The link "
    "holds the whole view.\n"
    "- **Eigenfaces**: PCA by SVD on 400 face photos: the mean face, the eigenfaces, rebuilding a face from k of "
    "them, full vs randomized SVD, and how few components tell 40 people apart.\n"
    + "".join(f"- **{section}**: {', '.join(p.title for p in specs)}.\n"
              for section, specs in sections().items() if section) +
    "- From the command line, `embedlab project` and `embedlab neighbors` run the same projections, "
    "quality metrics and nearest-neighbour search on built-in data or your own files (see the README)."
)

st.subheader("Built-in datasets")
rows = [r for r in cached.catalog() if r["source"] == "built-in"]
st.dataframe(pd.DataFrame(rows)[["name", "n", "dim", "description", "credit"]], hide_index=True,
             width="stretch")

st.subheader("A first look")
names = [r["name"] for r in rows]
state.check_url_choice(state.DATASET, names, "the dataset")
name = st.selectbox("Dataset", names, index=names.index("digits"), key=state.DATASET, bind="query-params",
                    help="The choice is kept in the page's link: copy it to share this view.")
ds = cached.dataset(name)
coords, evr = cached.projection(name, "pca")
shown = cached.preview_rows(ds.n)
left, right = st.columns([3, 1])
with left:
    st.plotly_chart(projection_figure(coords[shown], ds.labels[shown], title=f"PCA of {name}"), key="home_scatter")
    if len(shown) < ds.n:
        st.caption(f"A random {len(shown):,} of the {ds.n:,} points are drawn here.")
with right:
    st.metric("points", f"{ds.n:,}")
    st.metric("dimensions", ds.dim)
    st.plotly_chart(variance_figure(evr), key="home_variance")
    st.caption(ds.credit)
