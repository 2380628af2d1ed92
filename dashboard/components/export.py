"""Download buttons: rows (coordinates + metadata) as CSV or Parquet, the figure as HTML or PNG.

``make_fig`` builds the figure to save (a callable, so nothing is built until a button is pressed).

Every file is built only when its button is pressed (lazy ``data`` callables).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import explore


def downloads(data, coords: np.ndarray, make_fig, color, selected: np.ndarray, highlight: np.ndarray, dim_mask,
              stem: str, size: float) -> None:
    rows_sets = [("all", None, f"all {data.n:,} rows")]
    if len(selected):
        rows_sets.insert(0, ("selection", selected, f"{len(selected):,} selected rows"))
    cols = st.columns(4)
    for i, fmt in enumerate(explore.EXPORT_FORMATS):
        for which, rows, what in rows_sets:
            cols[i].download_button(
                f"{fmt.upper()}: {what}", data=lambda r=rows, f=fmt: explore.export_bytes(
                    explore.export_frame(coords, data.meta, r), f),
                file_name=f"{stem}-{which}.{fmt}", mime=explore.EXPORT_FORMATS[fmt], on_click="ignore",
                icon=":material/table:", key=f"dl_{fmt}_{which}", width="stretch")
    cols[2].download_button("Figure as HTML", data=lambda: explore.figure_html(make_fig()), file_name=f"{stem}.html",
                            mime="text/html", on_click="ignore", icon=":material/code:", key="dl_html",
                            width="stretch")
    if coords.shape[1] == 2:
        cols[3].download_button(
            "Figure as PNG", data=lambda: explore.scatter_png(coords, color.point_colors(), title=stem,
                                                              highlight=highlight, dim=dim_mask, size=size),
            file_name=f"{stem}.png", mime="image/png", on_click="ignore", icon=":material/image:", key="dl_png",
            width="stretch")
    else:
        cols[3].caption("PNG: use the chart's camera button, which saves the 3-D view as it is turned.")
