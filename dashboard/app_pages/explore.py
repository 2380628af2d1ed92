"""Explore: a projector for any embedding: project, colour, search, select, see true neighbours, trust, export."""

import numpy as np
import streamlit as st

from core import explore
from core.viz.scatter import Highlights, projector_figure
from dashboard import cached, state
from dashboard.components import compare, controls, data_picker, export, panels, projector

st.title("Explore")
with st.sidebar:
    name = data_picker.pick_dataset()
    iso = projector.check_rows_code(name)
    data = cached.view_data(name, iso)
    method, dims, params = controls.projection(data.n, data.dim)
    columns = explore.color_columns(data.meta)
    look = controls.look(columns, "label" if data.meta["label"].nunique() <= explore.MAX_CATEGORIES else explore.NONE)

result = projector.compute(name, iso, method, dims, params)
if result is None:
    st.stop()
coords = result["coords"]
focus, selected = projector.focus_row(data), projector.selected_rows(data)
try:
    matches = cached.search(name, iso, look.query, look.query_column, look.regex) if look.query else None
except explore.InputError as exc:
    st.error(str(exc), icon=":material/search_off:")
    matches = None

left, right = st.columns([3, 1.25])
with right:
    k, metric = panels.neighbor_controls(data.n)
    found = panels.neighbors(name, iso, focus, k, metric) if focus is not None else None
    want_trust = look.color == explore.RECALL or data.n <= 20_000 or st.toggle(
        "Score how far to trust this map", key=state.TRUST, bind="query-params")
    q = cached.quality(name, iso, method, dims, params) if want_trust else None

color = cached.color(name, iso, look.color, look.scale, q.knn_recall_per_point if q is not None else None) \
    if look.color != explore.RECALL or q is not None else cached.color(name, iso, explore.NONE, look.scale)
hl = Highlights(matches=matches, selected=selected, focus=focus,
                neighbors=found[0] if found else np.zeros(0, np.int64),
                neighbor_text=[f"#{i + 1} {data.labels[r]} · {metric} distance {d:.3f}"
                               for i, (r, d) in enumerate(zip(*found, strict=True))] if found else [])
hover = data.labels.astype(str)
fig = projector_figure(coords, color, hover, highlights=hl, size=look.size, density=look.density,
                       labels=None if look.label == explore.NONE else data.meta[look.label].astype(str).to_numpy(),
                       title=f"{controls.METHOD_NAMES[method]} of {data.name}" + (f" ({data.n:,} isolated rows)"
                                                                                   if iso else ""))
with left:
    view = st.segmented_control("View", ["map", "compare"], format_func=str.title, default="map", key=state.VIEW,
                                bind="query-params", required=True, label_visibility="collapsed")
    if matches is not None:
        st.caption(f"**{int(matches.sum()):,}** of {data.n:,} points match “{look.query}”.")
    if color.note:
        st.caption(color.note)
    if view == "compare":
        compare.compare(name, iso, data, method, params, color, hover, hl, look.size)
    else:
        projector.chart(fig, state.SCATTER, data.ids, three_d=dims == 3)
        took = "cached" if result["cached"] else f"computed in {result['seconds']:.1f} s"
        st.caption(f"{data.n:,} points · {took} · click a point for its neighbours, lasso a region to select it.")
    a, b, c = st.columns(3)
    if len(selected) and a.button(f"Isolate selection ({len(selected):,})", icon=":material/filter_center_focus:"):
        rows = explore.decode_rows(iso, cached.dataset(name).n)[selected] if iso else selected
        state.set_url(state.ISOLATE, explore.encode_rows(rows, cached.dataset(name).n))
        state.set_url(state.SELECTION, None)
        st.rerun()
    if iso and b.button("Show all rows", icon=":material/select_all:"):
        state.set_url(state.ISOLATE, None)
        st.rerun()
    if (focus is not None or len(selected)) and c.button("Clear selection", icon=":material/deselect:"):
        state.set_url(state.POINT, None)
        state.set_url(state.SELECTION, None)
        st.rerun()
with right:
    if q is not None:
        panels.trust(q, data.n)
    if focus is not None and found:
        panels.neighbor_table(data, coords, focus, *found, metric)
    elif focus is None:
        st.caption("Click a point to list its nearest neighbours in the original space.")
    panels.thumbnails(data, selected if len(selected) else (np.flatnonzero(matches) if matches is not None
                                                             else np.zeros(0, np.int64)), "Selected" if len(selected)
                      else "Matches")
    if method == "pca" and result["evr"] is not None:
        from core.viz import variance_figure

        st.plotly_chart(variance_figure(result["evr"], dict(params)["axes"]), key="explore_variance")

st.subheader("Export and share")
st.caption("The page's link holds the whole view (dataset, method, parameters, colours, search, selection): "
           "copy it from the address bar to share exactly this.")
dim_mask = ~hl.matches if hl.matches is not None else None
export.downloads(data, coords, fig, color, selected, hl.neighbors if len(hl.neighbors) else selected, dim_mask,
                 f"{data.name}-{method}", look.size)
