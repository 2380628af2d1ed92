"""PCA, t-SNE and UMAP of the same rows side by side; a selection in one is highlighted in all three."""

from __future__ import annotations

import streamlit as st

from core.viz.scatter import projector_figure
from dashboard.components import projector

MAX_POINTS = 50_000  # t-SNE and UMAP of more points take minutes each on a laptop
DEFAULTS = {"pca": (("axes", (1, 2)),), "tsne": (("learning_rate", "auto"), ("n_iter", 500), ("perplexity", 30.0)),
            "umap": (("metric", "euclidean"), ("min_dist", 0.1), ("n_neighbors", 15))}
TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def compare(name: str, rows_code: str, data, method: str, params: tuple, color, hover, highlights, size: float):
    if data.n > MAX_POINTS:
        st.info(f"Comparing needs t-SNE and UMAP of all {data.n:,} points, which takes many minutes here. "
                f"Select a region on the map and “Isolate selection” (up to {MAX_POINTS:,} points), then compare.")
        return
    st.caption("Each method with its default parameters (the map's own method with yours). Click or lasso in any "
               "panel: the selection is highlighted in all three.")
    for col, m in zip(st.columns(3), TITLES, strict=True):
        with col:
            chosen = params if m == method else DEFAULTS[m]
            if m == "tsne":
                perplexity = min(30.0, (data.n - 1) / 3)
                chosen = tuple((k, perplexity if k == "perplexity" else v) for k, v in chosen)
            result = projector.compute(name, rows_code, m, 2, chosen)
            if result is None:
                continue
            fig = projector_figure(result["coords"], color, hover, highlights=highlights, size=size,
                                   title=TITLES[m], height=460)
            fig.update_layout(showlegend=False)
            projector.chart(fig, f"compare_{m}", data.ids, three_d=False)
