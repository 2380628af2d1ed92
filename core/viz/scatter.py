"""Projector-style scatter plots of a projection, coloured by a label column."""

from __future__ import annotations

import html

import numpy as np

MAX_LEGEND = 24  # more distinct labels than this: one trace, no legend (a legend of 400k words helps no one)


def projection_figure(coords: np.ndarray, labels, title: str = "", hover=None, point_size: float = 5.0):
    """A 2-D (``Scattergl``) or 3-D (``Scatter3d``) scatter, one trace per label when few labels.

    Row indices ride in ``customdata`` so selections map back to dataset rows.
    """
    import plotly.graph_objects as go

    coords = np.asarray(coords, dtype=np.float32)
    labels = np.asarray([str(x) for x in labels], dtype=object)
    hover = labels if hover is None else np.asarray([str(x) for x in hover], dtype=object)
    hover = np.array([html.escape(h) for h in hover], dtype=object)  # user text never reaches HTML raw
    rows = np.arange(len(coords))
    three_d = coords.shape[1] == 3
    uniques = np.unique(labels)
    groups = [(u, labels == u) for u in uniques] if len(uniques) <= MAX_LEGEND else [(None, slice(None))]
    fig = go.Figure()
    for name, mask in groups:
        common = dict(
            mode="markers", name=html.escape(str(name)) if name is not None else "points",
            customdata=rows[mask], text=hover[mask], hovertemplate="%{text}<extra></extra>",
            marker=dict(size=point_size if not three_d else point_size * 0.6, opacity=0.8),
        )
        if three_d:
            fig.add_trace(go.Scatter3d(x=coords[mask, 0], y=coords[mask, 1], z=coords[mask, 2], **common))
        else:
            fig.add_trace(go.Scattergl(x=coords[mask, 0], y=coords[mask, 1], **common))
    fig.update_layout(
        title=title, height=560, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(itemsizing="constant"), showlegend=name is not None, dragmode="lasso" if not three_d else "orbit",
        template="plotly_white",
    )
    if not three_d:
        fig.update_xaxes(showticklabels=False, zeroline=False)
        fig.update_yaxes(showticklabels=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


def variance_figure(ratios: np.ndarray):
    """Bar chart of explained variance per principal component, with the running total."""
    import plotly.graph_objects as go

    ratios = np.asarray(ratios, dtype=float)
    pcs = [f"PC{i + 1}" for i in range(len(ratios))]
    fig = go.Figure(go.Bar(x=pcs, y=ratios * 100, name="per component"))
    fig.add_trace(go.Scatter(x=pcs, y=np.cumsum(ratios) * 100, name="cumulative", mode="lines+markers"))
    fig.update_layout(yaxis_title="% of variance explained", height=260, margin=dict(l=10, r=10, t=10, b=10),
                      template="plotly_white")
    return fig
