"""Projector-style scatter plots of a projection: colours, highlights, neighbours, labels, density.

Coordinates, row ids and colour values travel as float32 / int32 numpy arrays, which Plotly writes
as base64 typed arrays (4 bytes a coordinate) rather than JSON number lists. Every trace carries the
dataset row of each point in ``customdata``, so a selection maps back to rows whatever trace it hit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from core.explore import ColorSpec

MAX_LABELS = 60  # labels of highlighted points drawn at most (more hide the points they name)
LABEL_ALL_UP_TO = 300  # with nothing highlighted, every point is labelled up to this many
DIM_OPACITY = 0.12


@dataclass
class Highlights:
    """What stands out on top of the coloured points (all row indices of the dataset).

    Attributes
    ----------
    matches : rows a search matched (None: no search active)
    selected : rows of a box / lasso selection
    focus : the clicked point
    neighbors : the focus point's nearest rows in the original space, nearest first
    neighbor_text : hover text of each neighbour (rank, distance)
    """

    matches: np.ndarray | None = None
    selected: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    focus: int | None = None
    neighbors: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    neighbor_text: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.matches is not None or len(self.selected) > 0 or self.focus is not None


def _escape_all(texts) -> np.ndarray:
    """HTML-escape every text; only those holding a special character pay for it (most labels hold none)."""
    import pandas as pd

    s = pd.Series(np.asarray(texts, dtype=object), dtype=object).astype(str)
    special = s.str.contains(r"[&<>\"']", regex=True).to_numpy()
    out = s.to_numpy(dtype=object)
    if special.any():
        out[special] = [html.escape(t) for t in out[special]]
    return out


def projector_figure(coords: np.ndarray, color: ColorSpec, hover, rows: np.ndarray | None = None,
                     highlights: Highlights | None = None, labels=None, size: float = 5.0, density: bool = False,
                     title: str = "", height: int = 640, base_visible: bool = True, ghost: bool = False):
    """The Explore scatter: ``Scattergl`` in 2-D, ``Scatter3d`` in 3-D.

    Parameters
    ----------
    coords : (n, 2|3) coordinates of every row of the dataset
    color : how to colour the points (:func:`core.explore.color_spec`)
    hover : (n,) hover text per row; HTML-escaped here
    rows : which rows to draw as points (all when None; a raster draws the rest)
    highlights : search matches, selection, clicked point and its neighbours
    labels : (n,) text drawn beside the highlighted points (or all, when few), or None
    size : marker size in pixels
    density : draw density contours of all drawn points under them (2-D)
    base_visible : draw the coloured points
    ghost : draw them transparent, for hover and selection only (a raster beneath shows the colours)
    """
    import plotly.graph_objects as go

    coords = np.asarray(coords, dtype=np.float32)
    n, three_d = len(coords), coords.shape[1] == 3
    rows = np.arange(n, dtype=np.int32) if rows is None else np.asarray(rows, dtype=np.int32)
    hl = highlights or Highlights()
    hover = np.asarray(hover, dtype=object) if len(hover) == n else np.full(n, "", dtype=object)
    dimmed = hl.active
    opacity = DIM_OPACITY if dimmed else 0.8

    def points(idx: np.ndarray, name: str, marker: dict, text=None, **kw):
        idx = np.asarray(idx, dtype=np.int32)
        common = dict(mode="markers", name=name, customdata=idx, text=_escape_all(hover[idx]) if text is None else text,
                      hovertemplate="%{text}<extra></extra>", marker=marker, **kw)
        if three_d:
            m = dict(marker)
            m["size"] = max(1.5, float(m.get("size", size)) * 0.6)
            if m.get("symbol") == "star":  # Scatter3d has no star and refuses it
                m["symbol"] = "diamond"
            common["marker"] = m
            return go.Scatter3d(x=coords[idx, 0], y=coords[idx, 1], z=coords[idx, 2], **common)
        return go.Scattergl(x=coords[idx, 0], y=coords[idx, 1], **common)

    fig = go.Figure()
    if density and not three_d and len(rows) > 10:
        fig.add_trace(go.Histogram2dContour(
            x=coords[rows, 0], y=coords[rows, 1], ncontours=12, colorscale="Greys", showscale=False,
            contours=dict(coloring="fill"), opacity=0.35, hoverinfo="skip", name="density", showlegend=False,
        ))
    if base_visible and ghost:
        fig.add_trace(points(rows, "points", dict(size=size + 2, color="rgba(0,0,0,0)"), showlegend=False))
    elif base_visible:
        for trace in _base_traces(points, color, rows, size, opacity):
            fig.add_trace(trace)
    colors = _colors_of(color)
    if hl.matches is not None:
        lit = np.flatnonzero(hl.matches)
        fig.add_trace(points(lit, f"matches ({len(lit):,})", dict(
            size=size + 2, color=colors[lit] if colors is not None else "#0072B2", opacity=1.0,
            line=dict(width=1, color="#000000"))))
    if len(hl.selected):
        fig.add_trace(points(hl.selected, f"selection ({len(hl.selected):,})", dict(
            size=size + 2, color=colors[hl.selected] if colors is not None else "#0072B2", opacity=1.0,
            line=dict(width=1, color="#333333"))))
    if labels is not None:
        fig.add_trace(_label_trace(go, coords, labels, hl, rows, three_d))
    if len(hl.neighbors):
        fig.add_trace(points(hl.neighbors, f"{len(hl.neighbors)} nearest (original space)", dict(
            size=size + 7, symbol="circle-open", color="#111111", line=dict(width=2.5), opacity=1.0),
            text=_escape_all(hl.neighbor_text) if len(hl.neighbor_text) == len(hl.neighbors) else None))
    if hl.focus is not None:
        fig.add_trace(points([hl.focus], "selected point", dict(
            size=size + 16, symbol="star", color="#D55E00", line=dict(width=1.5, color="#000000"), opacity=1.0)))
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(itemsizing="constant", orientation="v"), template="plotly_white",
        uirevision="keep",
    )
    if three_d:
        fig.update_layout(dragmode="orbit")
    else:  # dragmode left to Streamlit: "pan", where a click selects a point; lasso and box are in the toolbar
        fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False)
        fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, scaleanchor="x", scaleratio=1)
    return fig


def _colors_of(color: ColorSpec) -> np.ndarray | None:
    if color.kind == "categorical":
        return np.asarray(color.palette, dtype=object)[color.codes]
    return None


def _base_traces(points, color: ColorSpec, rows: np.ndarray, size: float, opacity: float):
    if color.kind == "categorical":
        codes = color.codes[rows]
        for i, (name, hexcolor) in enumerate(zip(color.categories, color.palette, strict=True)):
            idx = rows[codes == i]
            if len(idx):
                yield points(idx, html.escape(name), dict(size=size, color=hexcolor, opacity=opacity))
    elif color.kind == "continuous":
        values = color.values[rows]
        known = np.isfinite(values)
        if (~known).any():  # e.g. points outside the sample k-NN recall was scored on
            yield points(rows[~known], "not scored", dict(size=size, color="#CCCCCC", opacity=opacity))
        yield points(rows[known], html.escape(color.column), dict(
            size=size, color=values[known], colorscale=color.colorscale, opacity=opacity, showscale=True,
            colorbar=dict(title=dict(text=html.escape(color.column)), thickness=12)), showlegend=False)
    else:
        yield points(rows, "points", dict(size=size, color="#0072B2", opacity=opacity), showlegend=False)


def _label_trace(go, coords, labels, hl: Highlights, rows, three_d: bool):
    """Text beside the points that matter now: focus and neighbours, then matches, selection, or all if few."""
    picks = [np.asarray([hl.focus] if hl.focus is not None else [], dtype=np.int64), hl.neighbors]
    if hl.matches is not None:
        picks.append(np.flatnonzero(hl.matches))
    picks.append(np.asarray(hl.selected, dtype=np.int64))
    if not hl.active and len(rows) <= LABEL_ALL_UP_TO:
        picks.append(rows)
    chosen = np.concatenate([np.asarray(p, dtype=np.int64) for p in picks]) if picks else np.zeros(0, np.int64)
    _, first = np.unique(chosen, return_index=True)
    chosen = chosen[np.sort(first)][:MAX_LABELS if hl.active else LABEL_ALL_UP_TO].astype(np.int32)
    text = _escape_all(np.asarray(labels, dtype=object)[chosen])
    common = dict(mode="text", text=text, textposition="top center", customdata=chosen, hoverinfo="skip",
                  name="labels", showlegend=False, textfont=dict(size=11, color="#222222"))
    if three_d:
        return go.Scatter3d(x=coords[chosen, 0], y=coords[chosen, 1], z=coords[chosen, 2], **common)
    return go.Scattergl(x=coords[chosen, 0], y=coords[chosen, 1], **common)


def projection_figure(coords: np.ndarray, labels, title: str = "", hover=None, point_size: float = 5.0):
    """A quick scatter coloured by ``labels`` (the Home page's preview)."""
    import pandas as pd

    from core.explore import color_spec

    labels = np.asarray([str(x) for x in labels], dtype=object)
    spec = color_spec(pd.DataFrame({"label": labels}), "label")
    return projector_figure(coords, spec, labels if hover is None else hover, size=point_size, title=title,
                            height=560)


def variance_figure(ratios: np.ndarray, highlight: tuple[int, ...] = ()):
    """Bar chart of explained variance per principal component, with the running total.

    ``highlight`` names components (1-based) drawn in a stronger colour: the axes of the plot.
    """
    import plotly.graph_objects as go

    ratios = np.asarray(ratios, dtype=float)
    pcs = [f"PC{i + 1}" for i in range(len(ratios))]
    colors = ["#0072B2" if not highlight or i + 1 in highlight else "#9ecae1" for i in range(len(ratios))]
    fig = go.Figure(go.Bar(x=pcs, y=ratios * 100, name="per component", marker_color=colors))
    fig.add_trace(go.Scatter(x=pcs, y=np.cumsum(ratios) * 100, name="cumulative", mode="lines+markers",
                             line=dict(color="#E69F00")))
    fig.update_layout(yaxis_title="% of variance explained", height=260, margin=dict(l=10, r=10, t=10, b=10),
                      template="plotly_white", legend=dict(orientation="h", y=1.15))
    return fig
