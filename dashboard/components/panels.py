"""Side panels of the Explore page: the nearest neighbours of a point, thumbnails, and how far to trust the map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.viz.images import png_data_uri
from dashboard import cached, state

MAX_K = 100
MAX_THUMBS = 48
AUTO_TRUST = 10_000  # score trust without asking up to this many points (a few seconds)


def neighbor_controls(n: int) -> tuple[int, str]:
    top = int(min(MAX_K, n - 1))
    state.check_number(state.K, 1, top, "the number of neighbours k", integer=True)
    k = int(st.slider("Neighbours (k)", 1, top, min(10, top), key=state.K, bind="query-params"))
    state.check_url_choice(state.NEIGHBOR_METRIC, ["cosine", "euclidean"], "the neighbour metric")
    metric = st.radio("Distance in the original space", ["cosine", "euclidean"], horizontal=True,
                      key=state.NEIGHBOR_METRIC, bind="query-params")
    return k, metric


def quality_if_wanted(name: str, iso: str, method: str, dims: int, params: tuple, n: int, needed: bool):
    """Trustworthiness and recall: scored at once for small data or when the colour needs it, else on request."""
    wanted = needed or n <= AUTO_TRUST or st.toggle("Score how far to trust this map", key=state.TRUST,
                                                    bind="query-params", help="Compares every point's neighbours "
                                                    "in the map and in the original space (a sample above 50k).")
    k = min(10, (n - 1) // 2)  # the metrics need k < n/2 (an isolated handful of rows has few neighbours)
    return cached.quality(name, iso, method, dims, params, k=k) if wanted and k >= 1 else None


HOVER_THUMBS_UP_TO = 20_000  # image datasets up to this size send a sprite sheet for hover thumbnails


def side(name: str, iso: str, data, coords: np.ndarray, hl, found, metric: str, q, evr, axes,
         chart_key: str | None) -> None:
    """The right-hand column: hover thumbnail, trust, the clicked point's neighbours, selection thumbnails,
    explained variance (PCA)."""
    if chart_key and data.images is not None and data.n <= HOVER_THUMBS_UP_TO:
        from dashboard.components.hover_thumbnails import hover_thumbnails

        hover_thumbnails(chart_key, cached.sprite(name, iso), data.n)
    if q is not None:
        trust(q, data.n)
    if hl.focus is not None and found:
        neighbor_table(data, coords, hl.focus, *found, metric)
    elif hl.focus is None:
        st.caption("Click a point to list its nearest neighbours in the original space.")
    if len(hl.selected):
        thumbnails(data, hl.selected, "Selected")
    elif hl.matches is not None:
        thumbnails(data, np.flatnonzero(hl.matches), "Matches")
    if evr is not None and axes:
        from core.viz import variance_figure

        st.plotly_chart(variance_figure(evr, axes), key="explore_variance")


def neighbor_table(data, coords: np.ndarray, row: int, idx: np.ndarray, dist: np.ndarray, metric: str) -> None:
    """The neighbour list: rank, label, distance, whether it is also near in the map, thumbnail."""
    k = len(idx)
    d2 = np.linalg.norm(coords - coords[row], axis=1)
    d2[row] = np.inf
    near_in_map = set(np.argpartition(d2, k - 1)[:k].tolist()) if k < len(d2) else set(range(len(d2)))
    kept = [int(i) in near_in_map for i in idx]
    frame = pd.DataFrame({
        "rank": np.arange(1, k + 1), "label": data.labels[idx].astype(str),
        "distance": np.round(dist.astype(float), 4), "in map": kept, "id": data.ids[idx].astype(str),
    })
    if (frame["id"] == frame["label"]).all():  # words: the id is the label
        frame = frame.drop(columns="id")
    config = {"rank": st.column_config.NumberColumn("#", width=40),
              "distance": st.column_config.NumberColumn(metric, format="%.4f"),
              "in map": st.column_config.CheckboxColumn(
        help=f"Also among the point's {k} nearest in the projection: unticked ones landed elsewhere.")}
    if data.images is not None:
        frame.insert(1, "image", [png_data_uri(data.images[i], 48) for i in idx])
        config["image"] = st.column_config.ImageColumn("image", width="small")
    st.markdown(f"**{data.labels[row]}** (id {data.ids[row]}): its {k} nearest in the original "
                f"{data.dim}-D space; **{sum(kept)} of {k}** are also among its {k} nearest in the map.")
    if data.images is not None:
        st.image(data.images[row], width=96, caption="selected point", clamp=True)
    st.dataframe(frame, hide_index=True, column_config=config, height=min(36 * (k + 1) + 4, 420), width="stretch")


def thumbnails(data, rows: np.ndarray, title: str) -> None:
    """A grid of the rows' pictures (image datasets)."""
    if data.images is None or len(rows) == 0:
        return
    shown = rows[:MAX_THUMBS]
    st.markdown(f"**{title}**" + (f" (first {MAX_THUMBS} of {len(rows):,})" if len(rows) > MAX_THUMBS else ""))
    st.image([data.images[i] for i in shown], width=56, caption=[str(data.labels[i]) for i in shown], clamp=True)


def trust(q, n: int) -> None:
    """Trustworthiness and k-NN recall of the current map, with what they mean."""
    a, b = st.columns(2)
    a.metric("Trustworthiness", f"{q.trustworthiness:.3f}", help="1 = no point looks close in the map that is far "
             "in the original space (Venna & Kaski 2001).")
    b.metric(f"k-NN recall (k={q.k})", f"{q.knn_recall:.3f}", help=f"Share of each point's {q.k} original "
             "neighbours that stay among its nearest in the map.")
    if q.sampled:
        st.caption(f"Estimated on a fixed random sample of {q.sampled:,} of the {n:,} points.")
    st.caption("Colour by “(k-NN recall)” to see where the map tears neighbourhoods apart.")
