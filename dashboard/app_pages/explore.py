"""Explore: a projector for any embedding: project, colour, search, select, see true neighbours, trust, export."""

import streamlit as st

from core import explore
from core.viz.scatter import projector_figure
from dashboard import cached, state
from dashboard.components import compare, controls, data_picker, export, panels, projector

st.title("Explore")
with st.sidebar:
    name = data_picker.pick_dataset()
    iso = projector.check_rows_code(name)
    data = cached.view_data(name, iso)
    method, dims, params = controls.projection(data.n, data.dim)
    look = controls.look(explore.color_columns(data.meta), list(data.meta.columns), explore.default_color(data.meta))

result = projector.compute(name, iso, method, dims, params)
if result is None:
    st.stop()
coords = result["coords"]
state.check_url_choice(state.VIEW, ["Map", "Compare"], "the view")
view = st.segmented_control("View", ["Map", "Compare"], default="Map", key=state.VIEW, bind="query-params",
                            required=True, label_visibility="collapsed")
top = st.container()  # the Compare panels, full width (filled once the highlights are known)
left, right = st.columns([3, 1.6])
with right:
    k, metric = panels.neighbor_controls(data.n)
    q = panels.quality_if_wanted(name, iso, method, dims, params, data.n, look.color == explore.RECALL)
hl, found = projector.highlights(name, iso, data, look, k, metric)
color = projector.coloring(name, iso, look, q)
title = f"{controls.METHOD_NAMES[method]} of {data.name}" + (f" ({data.n:,} isolated rows)" if iso else "")
with top:
    if hl.matches is not None:
        st.caption(f"**{int(hl.matches.sum()):,}** of {data.n:,} points match “{look.query}”.")
    if color.note:
        st.caption(color.note)
    if view == "Compare":
        compare.compare(name, iso, data, method, params, color, data.labels.astype(str), hl, look.size)
with left:
    if view == "Map":
        projector.draw(name, iso, data, method, params, coords, color, look, hl, title)
        took = "cached" if result["cached"] else f"computed in {result['seconds']:.1f} s"
        how = "drag to turn the view" if dims == 3 else ("click a point for its neighbours; pick the lasso or box "
                                                         "in the chart's toolbar to select a region")
        st.caption(f"{data.n:,} points · {took} · {how}.")
    projector.selection_actions(name, iso, hl)
with right:
    panels.side(name, iso, data, coords, hl, found, metric, q, result["evr"], dict(params).get("axes"),
                state.SCATTER if view == "Map" else None)

st.subheader("Export and share")
st.caption("The page's link holds the whole view (dataset, method, parameters, colours, search, selection): "
           "copy it from the address bar to share exactly this.")
export.downloads(
    data, coords, lambda: projector_figure(coords, color, data.labels.astype(str), highlights=hl, size=look.size,
                                           title=title),
    color, hl.selected, hl.neighbors if len(hl.neighbors) else hl.selected,
    ~hl.matches if hl.matches is not None else None, f"{data.name}-{method}", look.size)
