"""Figures of the SNE / t-SNE / UMAP lesson: affinities of one point, the kernels, crowding, the KL curve.

They read arrays (from :mod:`core.embed.sne`) and return Plotly figures; they never render.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from core.errors import InputError
from core.explore import OKABE_ITO, ColorSpec, color_spec

STAR = dict(symbol="star", size=18, color="#D55E00", line=dict(width=1.5, color="#000000"))
GAUSSIAN_COLOR, STUDENT_COLOR = "#0072B2", "#D55E00"
_BLANK_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")


def _rows(values, n: int, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (n,):
        raise InputError(f"{name} has shape {values.shape}; it needs one value per point, ({n},)")
    return values


def _axis_ref(k: int) -> str:
    """Plotly's name of the k-th (1-based) x or y axis: "", "2", "3" ..."""
    return "" if k == 1 else str(k)


def affinity_figure(coords: np.ndarray, p_row: np.ndarray, q_row: np.ndarray, i: int, labels=None,
                    map_coords: np.ndarray | None = None, height: int = 420):
    """Point ``i``'s neighbours, side by side: coloured by p(j|i) (left) and by q(j|i) (right).

    Both panels share one colour scale (viridis from 0 to the larger maximum), so the same colour means
    the same probability. Brighter points are drawn last, on top; ``customdata`` holds each point's row.

    Parameters
    ----------
    coords : (n, 2) where to draw the points: the map, or the data itself when it is 2-D
    p_row, q_row : (n,) p(j|i) in the original space and q(j|i) in the map
    i : the chosen point, drawn as a red star in both panels
    labels : (n,) hover text (the point's class), or None
    map_coords : (n, 2) draw the right panel here instead (e.g. the data on the left, the map on the right)
    height : pixels
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    left = np.asarray(coords, dtype=np.float32)
    right = left if map_coords is None else np.asarray(map_coords, dtype=np.float32)
    for name, c in (("coords", left), ("map_coords", right)):
        if c.ndim != 2 or c.shape[1] != 2:
            raise InputError(f"{name} must be (n, 2) coordinates, got shape {c.shape}")
    n = len(left)
    if len(right) != n:
        raise InputError(f"map_coords has {len(right)} points but coords has {n}; give both for the same points")
    p, q = _rows(p_row, n, "p_row"), _rows(q_row, n, "q_row")
    if not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise InputError(f"i={i!r} must be a point index from 0 to {n - 1}")
    text = np.asarray([f"#{j}" for j in range(n)], dtype=object) if labels is None else np.asarray(
        [f"#{j} {html.escape(str(t))}" for j, t in enumerate(labels)], dtype=object)
    top = max(float(p.max()), float(q.max()), 1e-12)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.06,
                        subplot_titles=("p(j|i): neighbours in the original space", "q(j|i): neighbours in the map"))
    for col, (xy, values, name) in enumerate(((left, p, "p(j|i)"), (right, q, "q(j|i)")), start=1):
        order = np.argsort(values, kind="stable").astype(np.int32)
        fig.add_trace(go.Scattergl(
            x=xy[order, 0], y=xy[order, 1], mode="markers", name=name, customdata=order, text=text[order],
            hovertemplate="%{text}<br>" + name + " = %{marker.color:.4f}<extra></extra>", showlegend=False,
            marker=dict(size=6, color=values[order].astype(np.float32), colorscale="Viridis", cmin=0.0, cmax=top,
                        showscale=col == 2, colorbar=dict(title=dict(text="probability"), thickness=12)),
        ), row=1, col=col)
        fig.add_trace(go.Scattergl(x=xy[[i], 0], y=xy[[i], 1], mode="markers", marker=STAR, name=f"point {i}",
                                   customdata=np.asarray([i], dtype=np.int32), text=text[[i]],
                                   hovertemplate="%{text} (the chosen point)<extra></extra>", showlegend=False),
                      row=1, col=col)
    fig.update_xaxes(**_BLANK_AXIS)
    fig.update_yaxes(**_BLANK_AXIS)
    fig.update_layout(yaxis=dict(scaleanchor="x", scaleratio=1), yaxis2=dict(scaleanchor="x2", scaleratio=1),
                      height=height, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")
    return fig


def pq_bars_figure(p_row: np.ndarray, q_row: np.ndarray, top: int = 15, names=None):
    """Grouped bars of p(j|i) beside q(j|i) for the ``top`` nearest neighbours by p, nearest first.

    Parameters
    ----------
    p_row, q_row : (n,) the chosen point's p(j|i) and q(j|i)
    top : how many neighbours (1 .. n)
    names : (n,) bar labels, or None for "#j"
    """
    import plotly.graph_objects as go

    p = np.asarray(p_row, dtype=np.float64)
    n = len(p)
    q = _rows(q_row, n, "q_row")
    if not isinstance(top, (int, np.integer)) or not 1 <= top <= n:
        raise InputError(f"top={top!r} must be a whole number from 1 to {n}")
    picked = np.argsort(-p, kind="stable")[:top]
    if names is None:
        ticks = [f"#{j}" for j in picked]
    else:
        names = np.asarray(names, dtype=object)
        if len(names) != n:
            raise InputError(f"names has {len(names)} entries; it needs one per point ({n})")
        ticks = [f"{html.escape(str(names[j]))} (#{j})" for j in picked]
    fig = go.Figure([
        go.Bar(x=ticks, y=p[picked], name="p(j|i), original space", marker_color=GAUSSIAN_COLOR,
               customdata=picked, hovertemplate="%{x}: p = %{y:.4f}<extra></extra>"),
        go.Bar(x=ticks, y=q[picked], name="q(j|i), map", marker_color=STUDENT_COLOR,
               customdata=picked, hovertemplate="%{x}: q = %{y:.4f}<extra></extra>"),
    ])
    fig.update_layout(barmode="group", yaxis_title="probability", xaxis_title=f"{top} nearest by p, nearest first",
                      height=320, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=1.12))
    return fig


def kernel_figure(max_distance: float = 5.0):
    """Left: the Gaussian exp(-d^2/2) and the Student-t (1 + d^2)^-1, both 1 at 0. Right: the map distance
    at which the Student-t matches the Gaussian's similarity (:func:`core.embed.sne.matched_distance`)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from core.embed.sne import matched_distance

    if not 1 <= max_distance <= 30:
        raise InputError(f"max_distance={max_distance!r} must be between 1 and 30 (in units of sigma)")
    d = np.linspace(0.0, float(max_distance), 201)
    y = matched_distance(d)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("similarity against distance", "map distance giving the same similarity"))
    fig.add_trace(go.Scatter(x=d, y=np.exp(-d * d / 2), name="Gaussian exp(-d²/2) (original space)",
                             line=dict(color=GAUSSIAN_COLOR, width=2.5)), row=1, col=1)
    fig.add_trace(go.Scatter(x=d, y=1 / (1 + d * d), name="Student-t 1/(1+d²) (t-SNE's map)",
                             line=dict(color=STUDENT_COLOR, width=2.5)), row=1, col=1)
    fig.add_trace(go.Scatter(x=d, y=d, name="same distance", line=dict(color="#999999", dash="dash")), row=1, col=2)
    fig.add_trace(go.Scatter(x=d, y=y, name="matched map distance", line=dict(color="#009E73", width=2.5),
                             hovertemplate="original %{x:.2f} → map %{y:.2f}<extra></extra>"), row=1, col=2)
    ceiling = 4.0 * max_distance
    mark = min(3.0, float(max_distance))
    fig.add_annotation(x=mark, y=min(float(matched_distance(mark)), ceiling), xref="x2", yref="y2",
                       text=f"d = {mark:g} → {float(matched_distance(mark)):.1f} in the map", showarrow=True,
                       arrowhead=2, ax=-70, ay=-10)
    fig.add_annotation(x=mark, y=1 / (1 + mark * mark), xref="x", yref="y", showarrow=True, arrowhead=2,
                       ax=30, ay=-40, text="heavy tail: far points stay a little similar")
    fig.update_xaxes(title_text="distance d (in σ)", row=1, col=1)
    fig.update_xaxes(title_text="distance in the original space (in σ)", row=1, col=2)
    fig.update_yaxes(title_text="similarity", range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(title_text="distance in the map", range=[0, ceiling], row=1, col=2)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=-0.25))
    return fig


def crowding_figure(radii: dict[int, np.ndarray]):
    """Histograms of the distance from the centre of uniform points in a ball, one per dimension, with
    the median of each marked (:func:`core.embed.sne.crowding`)."""
    import plotly.graph_objects as go

    if not radii:
        raise InputError("radii is empty; make it with core.embed.sne.crowding()")
    fig = go.Figure()
    for k, (dim, r) in enumerate(radii.items()):
        r = np.asarray(r, dtype=np.float32)
        color = OKABE_ITO[k % len(OKABE_ITO)]
        fig.add_trace(go.Histogram(x=r, name=f"{dim}-D", xbins=dict(start=0.0, end=1.0, size=0.02),
                                   histnorm="percent", marker_color=color, opacity=0.6,
                                   hovertemplate=f"{dim}-D: " + "%{y:.1f}% at %{x}<extra></extra>"))
        fig.add_vline(x=float(np.median(r)), line=dict(color=color, dash="dot"))
    fig.update_layout(barmode="overlay", xaxis_title="distance from the centre (radius 1)",
                      yaxis_title="% of points", xaxis_range=[0, 1.0], height=300,
                      margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=1.12, title_text="dotted: median"))
    return fig


def kl_figure(trace, mark: int | None = None):
    """KL(P || Q) over the iterations of a :class:`~core.embed.sne.TsneTrace`, with the end of early
    exaggeration dashed and ``mark`` (the iteration on show) drawn as a solid line."""
    import plotly.graph_objects as go

    iterations, kl = np.asarray(trace.iterations), np.asarray(trace.kl, dtype=float)
    fig = go.Figure(go.Scatter(x=iterations, y=kl, mode="lines+markers", name="KL(P‖Q)",
                               line=dict(color="#0072B2", width=2), marker=dict(size=5),
                               hovertemplate="iteration %{x}: KL %{y:.3f}<extra></extra>"))
    if trace.exaggeration_end:
        fig.add_vline(x=trace.exaggeration_end, line=dict(color="#999999", dash="dash"),
                      annotation_text="early exaggeration ends", annotation_position="top right")
    if mark is not None:
        fig.add_vline(x=mark, line=dict(color="#D55E00", width=2),
                      annotation_text=f"iteration {mark}", annotation_position="bottom right")
    fig.update_layout(xaxis_title="iteration", yaxis_title="KL divergence (nats)", height=300,
                      margin=dict(l=10, r=10, t=10, b=10), template="plotly_white")
    return fig


def _color_spec(colors) -> ColorSpec:
    """Colour like the Explore page: classes on a colour-blind-safe palette, many numbers on viridis."""
    import pandas as pd

    if isinstance(colors, ColorSpec):
        return colors
    return color_spec(pd.DataFrame({"colour": np.asarray(colors)}), "colour")


def small_multiples_figure(panels: Sequence[tuple[str, np.ndarray]], colors, columns: int = 4,
                           height_per_row: int = 220):
    """A grid of small maps of the same points, one per (title, (n, 2) coordinates), coloured alike.

    Parameters
    ----------
    panels : [(title, coords), ...], every coords (n, 2) for the same n points
    colors : (n,) class labels (one palette colour and legend entry per class, the legend shown once),
        numbers (more than 12 distinct: viridis on one shared range, one colour bar), or a
        :class:`~core.explore.ColorSpec`
    columns : panels per row
    height_per_row : pixels per row of panels
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not panels:
        raise InputError("panels is empty; give at least one (title, coords) pair")
    if not isinstance(columns, (int, np.integer)) or columns < 1:
        raise InputError(f"columns={columns!r} must be a whole number of at least 1")
    spec = _color_spec(colors)
    n = len(spec.values) if spec.kind == "continuous" else len(spec.codes)
    coords = [np.asarray(c, dtype=np.float32) for _, c in panels]
    for (title, _), c in zip(panels, coords, strict=True):
        if c.shape != (n, 2):
            raise InputError(f"panel {title!r} has coordinates of shape {c.shape}; every panel needs ({n}, 2), "
                             "one row per coloured point")
    cols = min(int(columns), len(panels))
    rows = -(-len(panels) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[html.escape(str(t)) for t, _ in panels],
                        horizontal_spacing=0.02, vertical_spacing=0.12 / rows)
    everyone = np.arange(n, dtype=np.int32)
    if spec.kind == "categorical":
        groups = [(html.escape(name), np.flatnonzero(spec.codes == k).astype(np.int32), color)
                  for k, (name, color) in enumerate(zip(spec.categories, spec.palette, strict=True))]
    elif spec.kind == "continuous":
        values = spec.values.astype(np.float32)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    for k, c in enumerate(coords):
        row, col = k // cols + 1, k % cols + 1
        if spec.kind == "categorical":
            for name, idx, color in groups:
                fig.add_trace(go.Scattergl(
                    x=c[idx, 0], y=c[idx, 1], mode="markers", name=name, legendgroup=name, showlegend=k == 0,
                    customdata=idx, marker=dict(size=3, color=color), hovertemplate=name + "<extra></extra>"),
                    row=row, col=col)
        elif spec.kind == "continuous":
            fig.add_trace(go.Scattergl(
                x=c[:, 0], y=c[:, 1], mode="markers", showlegend=False, customdata=everyone,
                marker=dict(size=3, color=values, colorscale=spec.colorscale, cmin=lo, cmax=hi, showscale=k == 0,
                            colorbar=dict(thickness=10)),
                hovertemplate="%{marker.color:.3g}<extra></extra>"), row=row, col=col)
        else:
            fig.add_trace(go.Scattergl(x=c[:, 0], y=c[:, 1], mode="markers", showlegend=False, customdata=everyone,
                                       marker=dict(size=3, color="#0072B2"), hoverinfo="skip"), row=row, col=col)
        axis = _axis_ref(k + 1)
        fig.layout[f"yaxis{axis}"].update(scaleanchor=f"x{axis}", scaleratio=1)
    fig.update_xaxes(**_BLANK_AXIS)
    fig.update_yaxes(**_BLANK_AXIS)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=rows * height_per_row + 60, margin=dict(l=10, r=10, t=30, b=10),
                      template="plotly_white", legend=dict(orientation="h", y=-0.02, yanchor="top",
                                                           itemsizing="constant"))
    return fig
