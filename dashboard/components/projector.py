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
