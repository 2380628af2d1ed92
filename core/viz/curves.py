"""Small line charts of the lessons: cumulative explained variance, accuracy against components."""

from __future__ import annotations

import numpy as np


def cumulative_variance_figure(ratios: np.ndarray, mark: int | None = None):
    """Cumulative share of variance against the number of components; ``mark`` draws a line at k."""
    import plotly.graph_objects as go

    total = np.cumsum(np.asarray(ratios, dtype=float)) * 100
    ks = np.arange(1, len(total) + 1)
    fig = go.Figure(go.Scatter(x=ks, y=total, mode="lines", line=dict(color="#0072B2", width=2.5),
                               hovertemplate="%{x} components: %{y:.1f}%<extra></extra>"))
    if mark:
        fig.add_vline(x=mark, line=dict(color="#D55E00", dash="dash"),
                      annotation_text=f"k={mark}: {total[mark - 1]:.1f}%", annotation_position="bottom right")
    fig.update_layout(xaxis_title="components", yaxis_title="% of variance explained", yaxis_range=[0, 100],
                      height=300, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white")
    return fig


def accuracy_figure(curve: dict[int, float], mark: int | None = None):
    """Accuracy (share) against the number of components, log x axis."""
    import plotly.graph_objects as go

    ks, acc = list(curve), [100 * v for v in curve.values()]
    fig = go.Figure(go.Scatter(x=ks, y=acc, mode="lines+markers", line=dict(color="#009E73", width=2.5),
                               hovertemplate="%{x} components: %{y:.1f}% named right<extra></extra>"))
    if mark:
        fig.add_vline(x=mark, line=dict(color="#D55E00", dash="dash"))
    fig.update_layout(xaxis_title="components (log scale)", yaxis_title="% of held-out photos named right",
                      xaxis_type="log", yaxis_range=[0, 100], height=300, margin=dict(l=10, r=10, t=10, b=10),
                      template="plotly_white")
    return fig
