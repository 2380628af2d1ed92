"""Sidebar controls of the Explore page, each bound to the URL so a copied link reproduces the view."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import explore
from dashboard import state

# Options of URL-bound widgets are the words shown (a bound widget writes its formatted option into the link).
METHODS = {"PCA": "pca", "t-SNE": "tsne", "UMAP": "umap"}
METHOD_NAMES = {v: k for k, v in METHODS.items()}
DIMENSIONS = {"2-D": 2, "3-D": 3}


@dataclass(frozen=True)
class Look:
    """How the points are drawn and which are highlighted."""

    color: str
    scale: str
    label: str
    size: float
    density: bool
    query: str
    query_column: str
    regex: bool


def projection(n: int, dim: int) -> tuple[str, int, tuple]:
    """Method, 2-D / 3-D and the method's parameters, as a sorted tuple (hashable, a cache key)."""
    state.check_url_choice(state.METHOD, list(METHODS), "the projection method")
    method = METHODS[st.segmented_control("Projection", list(METHODS), default="PCA", key=state.METHOD,
                                          bind="query-params", required=True)]
    state.check_url_choice(state.DIMS, list(DIMENSIONS), "the number of dimensions")
    dims = DIMENSIONS[st.segmented_control("Dimensions", list(DIMENSIONS), default="2-D", key=state.DIMS,
                                           bind="query-params", required=True)]
    params: dict = {}
    if method == "pca":
        top = min(n, dim, 50)
        keys = [state.PC_X, state.PC_Y, state.PC_Z][:dims]
        cols = st.columns(dims)
        axes = []
        for i, (key, col) in enumerate(zip(keys, cols, strict=True)):
            state.check_number(key, 1, top, f"principal component {'xyz'[i]}", integer=True)
            with col:
                axes.append(st.number_input(f"PC on {'xyz'[i]}", 1, top, i + 1, key=key, bind="query-params"))
        if len(set(axes)) < len(axes):
            st.warning("Two axes show the same component; pick different ones.")
        params["axes"] = tuple(int(a) for a in axes)
    elif method == "tsne":
        top = max(2, int(min(100, (n - 1) / 3)))
        state.check_number(state.PERPLEXITY, 2, top, "the perplexity")
        params["perplexity"] = float(st.slider("Perplexity", 2, top, min(30, top), key=state.PERPLEXITY,
                                               bind="query-params", help="About how many neighbours each point "
                                               "tries to keep close; small values show local, large global structure."))
        state.check_number(state.LEARNING_RATE, 0, 100_000, "the learning rate")
        rate = st.number_input("Learning rate (0 = auto, n/12)", 0, 100_000, 0, step=50, key=state.LEARNING_RATE,
                               bind="query-params")
        params["learning_rate"] = "auto" if rate == 0 else float(rate)
        state.check_number(state.ITERATIONS, 250, 2000, "the number of iterations", integer=True)
        params["n_iter"] = int(st.slider("Iterations", 250, 2000, 500, step=50, key=state.ITERATIONS,
                                         bind="query-params"))
    else:
        top = max(2, min(200, n - 1))
        state.check_number(state.N_NEIGHBORS, 2, top, "n_neighbors", integer=True)
        params["n_neighbors"] = int(st.slider("n_neighbors", 2, top, min(15, top), key=state.N_NEIGHBORS,
                                              bind="query-params", help="Size of the neighbourhood UMAP "
                                              "keeps: small values show local, large global structure."))
        state.check_number(state.MIN_DIST, 0.0, 1.0, "min_dist")
        params["min_dist"] = float(st.slider("min_dist", 0.0, 1.0, 0.1, step=0.05, key=state.MIN_DIST,
                                             bind="query-params", help="How tightly points may pack together."))
        state.check_url_choice(state.UMAP_METRIC, ["euclidean", "cosine"], "the UMAP metric")
        params["metric"] = st.radio("Metric", ["euclidean", "cosine"], horizontal=True, key=state.UMAP_METRIC,
                                    bind="query-params")
    return method, dims, tuple(sorted(params.items()))


def look(meta_columns: list[str], search_columns: list[str], default_color: str) -> Look:
    """Colour, labels, size, density and search."""
    colors = [explore.NONE, *meta_columns, explore.RECALL]
    state.check_url_choice(state.COLOR, colors, "the colour column")
    color = st.selectbox("Colour by", colors, index=colors.index(default_color), key=state.COLOR,
                         bind="query-params", help="Numbers with many values get a colour scale, the rest a "
                         "colour-blind-safe palette. “k-NN recall” shows where the map distorts neighbourhoods.")
    scales = list(explore.CONTINUOUS_SCALES)
    state.check_url_choice(state.SCALE, scales, "the colour scale")
    scale = st.selectbox("Colour scale (numbers)", scales, key=state.SCALE, bind="query-params")
    labels = [explore.NONE, *meta_columns]
    state.check_url_choice(state.LABEL, labels, "the label column")
    label = st.selectbox("Label points by", labels, key=state.LABEL, bind="query-params",
                         help="Text beside the highlighted points (all points when there are few).")
    state.check_number(state.SIZE, 1, 20, "the point size")
    size = float(st.slider("Point size", 1, 20, 5, key=state.SIZE, bind="query-params"))
    density = st.toggle("Density contours", key=state.DENSITY, bind="query-params",
                        help="Shade where points pile up, so dense regions stand out (2-D).")
    st.divider()
    query = st.text_input("Search", key=state.QUERY, bind="query-params", placeholder="label or regex",
                          help="Matches are highlighted and the rest dimmed.")
    columns = [explore.ANY_COLUMN, *search_columns]
    state.check_url_choice(state.QUERY_COLUMN, columns, "the search column")
    qcol = st.selectbox("in column", columns, index=columns.index("label") if "label" in columns else 0,
                        key=state.QUERY_COLUMN, bind="query-params")
    regex = st.toggle("Regular expression", key=state.REGEX, bind="query-params")
    return Look(color, scale, label, size, density, query, qcol, regex)
