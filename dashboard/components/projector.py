"""The projector: compute a projection with progress, draw it, and turn clicks and lassos into URL state."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import explore
from core.errors import EmbedLabError
from dashboard import cached, state

SELECT_MODES = ("points", "box", "lasso")


def compute(name: str, rows_code: str, method: str, dims: int, params: tuple) -> dict | None:
    """The projection's coordinates, with a progress bar while they are computed; None (and a message) on bad input."""
    bar = st.empty()

    def progress(fraction: float) -> None:
        bar.progress(min(1.0, fraction), text=f"Computing {method.upper()} ({fraction:.0%})…")

    try:
        result = cached.projected(name, rows_code, method, dims, params, progress=progress)
    except EmbedLabError as exc:
        st.error(f"This projection cannot be made: {exc}", icon=":material/error:")
        return None
    finally:
        bar.empty()
    return result


def rows_code() -> str:
    """The "isolate selection" rows of the full dataset (URL key ``iso``), checked; "" for all rows."""
    return state.url_value(state.ISOLATE)


def check_rows_code(name: str) -> str:
    code = rows_code()
    if not code:
        return ""
    try:
        explore.decode_rows(code, cached.dataset(name).n)
    except EmbedLabError as exc:
        st.warning(f"{exc}. Showing all rows instead.", icon=":material/link:")
        state.set_url(state.ISOLATE, None)
        return ""
    return code


def focus_row(data) -> int | None:
    """Row of the clicked point (URL key ``pt`` holds its id, or a label); a stale one is explained."""
    pt = state.url_value(state.POINT)
    if not pt:
        return None
    try:
        return data.row_of(pt)
    except EmbedLabError:
        st.warning(f"This link selects the point “{pt}”, which is not in this view of {data.name}. "
                   "(The link may be old or edited.)", icon=":material/link:")
        state.set_url(state.POINT, None)
        return None


def selected_rows(data) -> np.ndarray:
    """Rows of the box / lasso selection (URL key ``sel``); an unreadable one is explained."""
    code = state.url_value(state.SELECTION)
    if not code:
        return np.zeros(0, dtype=np.int64)
    try:
        return explore.decode_rows(code, data.n)
    except EmbedLabError as exc:
        st.warning(f"{exc}.", icon=":material/link:")
        state.set_url(state.SELECTION, None)
        return np.zeros(0, dtype=np.int64)


def _on_select(key: str, ids: np.ndarray, zoomable: bool) -> None:
    """Chart selection -> URL: one clicked point becomes ``pt``, a box or lasso ``sel`` (or ``zoom`` on a raster)."""
    selection = (st.session_state.get(key) or {}).get("selection", {})
    rows = sorted({int(p["customdata"]) for p in selection.get("points", [])
                   if isinstance(p.get("customdata"), (int, float))})
    boxes, lassos = selection.get("box", []), selection.get("lasso", [])
    if zoomable and boxes and not lassos:
        box = boxes[-1]
        x0, x1 = sorted(box["x"])
        y0, y1 = sorted(box["y"])
        state.set_url(state.ZOOM, ",".join(f"{v:.6g}" for v in (x0, x1, y0, y1)))
        return
    if not rows:
        state.set_url(state.SELECTION, None)
        return
    if len(rows) == 1 and not boxes and not lassos:
        state.set_url(state.POINT, str(ids[rows[0]]))
        state.set_url(state.SELECTION, None)
        return
    state.set_url(state.SELECTION, explore.encode_rows(rows, len(ids)))


def chart(fig, key: str, ids: np.ndarray, three_d: bool, zoomable: bool = False) -> None:
    """Draw the figure; in 2-D a click or lasso selects (and, on a raster, a box zooms)."""
    if three_d:  # Plotly reports no selections from 3-D scatters
        st.plotly_chart(fig, key=key, config={"displaylogo": False})
        return
    st.plotly_chart(fig, key=key, on_select=lambda: _on_select(key, ids, zoomable), selection_mode=SELECT_MODES,
                    config={"displaylogo": False, "scrollZoom": True})


def zoom_box() -> tuple | None:
    """The raster's zoomed box (URL key ``zoom``: x0,x1,y0,y1); a malformed one is explained."""
    text = state.url_value(state.ZOOM)
    if not text:
        return None
    try:
        x0, x1, y0, y1 = (float(v) for v in text.split(","))
        if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
            raise ValueError
    except ValueError:
        st.warning(f"This link zooms to “{text}”, which is not a box (x0,x1,y0,y1 with x0<x1, y0<y1). "
                   "Showing the whole map.", icon=":material/link:")
        state.set_url(state.ZOOM, None)
        return None
    return x0, x1, y0, y1


def draw(name: str, iso: str, data, method: str, params: tuple, coords: np.ndarray, color, look, hl,
         title: str = ""):
    """The map: a WebGL scatter, or above RASTER_ABOVE points (2-D) a datashader raster with a sampled,
    invisible overlay that carries hover and selection. Returns the figure (for export)."""
    from core.viz import raster as rst
    from core.viz.scatter import projector_figure

    labels = None if look.label == explore.NONE else data.meta[look.label].astype(str).to_numpy()
    hover = data.labels.astype(str)
    three_d = coords.shape[1] == 3
    if three_d or data.n <= rst.RASTER_ABOVE:
        fig = projector_figure(coords, color, hover, highlights=hl, size=look.size, density=look.density,
                               labels=labels, title=title)
        chart(fig, state.SCATTER, data.ids, three_d=three_d)
        return fig
    zoom = zoom_box()
    recall = color.values if color.column == explore.RECALL else None
    image = cached.raster(name, iso, method, params, color.column, look.scale, zoom, 1000, 700, recall)
    must = np.concatenate([np.flatnonzero(hl.matches) if hl.matches is not None else np.zeros(0, np.int64),
                           hl.selected, hl.neighbors]).astype(np.int64)
    overlay = rst.sample_rows(data.n, must=must)
    overlay = overlay[np.isin(overlay, rst.rows_in_view(coords, image.x_range, image.y_range))]
    fig = projector_figure(coords, color, hover, rows=overlay, highlights=hl, size=look.size, labels=labels,
                           title=title, ghost=True)
    rst.add_raster(fig, image)
    fig.update_layout(uirevision=str(zoom))
    st.caption(f"{image.n_in_view:,} points drawn as an image (datashader); {len(overlay):,} sampled points "
               "answer hover, clicks and lasso. Pick the box tool in the chart's toolbar and drag to zoom in "
               "(the image is redrawn for the region).")
    chart(fig, state.SCATTER, data.ids, three_d=False, zoomable=True)
    if zoom and st.button("Zoom out to the whole map", icon=":material/zoom_out_map:"):
        state.set_url(state.ZOOM, None)
        st.rerun()
    return fig


def highlights(name: str, iso: str, data, look, k: int, metric: str):
    """Search matches, box/lasso selection, clicked point and its neighbours; and the raw neighbour result."""
    from core.viz.scatter import Highlights

    matches = None
    if look.query:
        try:
            matches = cached.search(name, iso, look.query, look.query_column, look.regex)
        except EmbedLabError as exc:
            st.error(str(exc), icon=":material/search_off:")
    focus = focus_row(data)
    found = None
    if focus is not None:
        try:
            found = cached.neighbors(name, iso, metric, focus, k)
        except EmbedLabError as exc:
            st.error(str(exc))
    hl = Highlights(matches=matches, selected=selected_rows(data), focus=focus,
                    neighbors=found[0] if found else np.zeros(0, np.int64),
                    neighbor_text=[f"#{i + 1} {data.labels[r]} · {metric} distance {d:.3f}"
                                   for i, (r, d) in enumerate(zip(*found, strict=True))] if found else [])
    return hl, found


def coloring(name: str, iso: str, look, q):
    """The colour spec; colouring by k-NN recall uses the quality scores ``q``."""
    if look.color == explore.RECALL:
        if q is None:
            return cached.color(name, iso, explore.NONE, look.scale)
        return cached.color(name, iso, look.color, look.scale, q.knn_recall_per_point)
    return cached.color(name, iso, look.color, look.scale)


def selection_actions(name: str, iso: str, hl) -> None:
    """Isolate the selection (re-project only those rows), show all rows again, clear the selection."""
    a, b, c = st.columns(3)
    full_n = cached.dataset(name).n
    if len(hl.selected) and a.button(f"Isolate selection ({len(hl.selected):,})", disabled=len(hl.selected) < 5,
                                     icon=":material/filter_center_focus:",
                                     help="Re-project only the selected rows (at least 5)."):
        rows = explore.decode_rows(iso, full_n)[hl.selected] if iso else hl.selected
        state.set_url(state.ISOLATE, explore.encode_rows(rows, full_n))
        for key in (state.SELECTION, state.ZOOM):
            state.set_url(key, None)
        st.rerun()
    if iso and b.button("Show all rows", icon=":material/select_all:"):
        state.set_url(state.ISOLATE, None)
        st.rerun()
    if (hl.focus is not None or len(hl.selected)) and c.button("Clear selection", icon=":material/deselect:"):
        state.set_url(state.POINT, None)
        state.set_url(state.SELECTION, None)
        st.rerun()
