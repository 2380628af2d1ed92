"""Figures of the autoencoder / VAE lesson: error against code size, the live loss curve, the latent plane."""

from __future__ import annotations

import numpy as np

PCA_COLOR, AE_COLOR, PICK_COLOR = "#0072B2", "#D55E00", "#000000"


def error_by_code_figure(pca: dict[int, float], ae: dict[int, float], mark: int | None = None):
    """Held-out mean squared pixel error of PCA and the autoencoder against the code size (log x)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, errors, color in (("PCA", pca, PCA_COLOR), ("autoencoder", ae, AE_COLOR)):
        fig.add_trace(go.Scatter(x=list(errors), y=list(errors.values()), mode="lines+markers", name=name,
                                 line=dict(color=color, width=2.5), marker=dict(size=8),
                                 hovertemplate=f"{name}, code %{{x}}: MSE %{{y:.4f}}<extra></extra>"))
    if mark:
        fig.add_vline(x=mark, line=dict(color="#999999", dash="dash"))
    fig.update_layout(xaxis_title="code size (log scale)", yaxis_title="held-out MSE per pixel", xaxis_type="log",
                      height=320, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    fig.update_xaxes(tickvals=list(pca))
    return fig


def loss_figure(losses: list[float], epochs: int | None = None):
    """Training loss per epoch (the last point may be a running value of the epoch in progress)."""
    import plotly.graph_objects as go

    x = np.arange(1, len(losses) + 1)
    fig = go.Figure(go.Scatter(x=x, y=losses, mode="lines+markers", line=dict(color=AE_COLOR, width=2.5),
                               hovertemplate="epoch %{x}: loss %{y:.2f}<extra></extra>"))
    fig.update_layout(xaxis_title="epoch", yaxis_title="training loss per image", height=260,
                      margin=dict(l=10, r=10, t=10, b=10), template="plotly_white")
    if epochs:
        last = max(epochs, len(losses))
        fig.update_xaxes(range=[0.5, last + 0.5], dtick=max(1, round(last / 10)))  # whole epochs only
    return fig


def latent_figure(codes: np.ndarray, color, hover, span: float, picked: tuple[float, float] | None = None,
                  grid: int = 61, height: int = 520):
    """The images' codes in a 2-D latent plane, over an invisible grid of clickable points so that a
    click anywhere in [-span, span]^2 reports a position (its x and y), and ``picked`` starred."""
    import plotly.graph_objects as go

    from core.viz.scatter import projector_figure

    fig = projector_figure(codes, color, hover, size=5, height=height)
    # SVG traces only: with WebGL points beside the SVG grid, Plotly's "closest" hover could pick a point
    # far from the cursor, and a click would decode somewhere else than where the user clicked
    fig = go.Figure([go.Scatter({k: v for k, v in t.to_plotly_json().items() if k != "type"})
                     if t.type == "scattergl" else t for t in fig.data], layout=fig.layout)
    fig.update_layout(hovermode="closest", hoverdistance=20)
    reach = max([span, *(abs(v) for v in picked or ())]) * 1.05  # a linked point beyond the span stays in view
    # equal axis scales stretch the shorter axis beyond ``reach``: the clickable grid covers that margin too
    axis = np.linspace(-1.6 * reach, 1.6 * reach, grid)
    gx, gy = np.meshgrid(axis, axis)
    fig.add_trace(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="anywhere", showlegend=False,
                             marker=dict(size=max(4, 480 // grid), color="#000000", opacity=0),
                             hovertemplate="z = (%{x:.2f}, %{y:.2f})<extra>click to decode</extra>"))
    if picked is not None:
        fig.add_trace(go.Scatter(x=[picked[0]], y=[picked[1]], mode="markers", name="decoded point", showlegend=False,
                                 marker=dict(size=18, symbol="x", color=PICK_COLOR, line=dict(width=2))))
    fig.update_xaxes(range=[-reach, reach], showticklabels=True, title="z1")
    fig.update_yaxes(range=[-reach, reach], showticklabels=True, title="z2")
    return fig
