"""Figures of the sequence-models page: next-character probabilities, the models' loss curves."""

from __future__ import annotations

import html

import numpy as np

from core.explore import OKABE_ITO

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=30, b=10))
SHOWN = {" ": "␣"}  # characters drawn as a visible mark (a space bar would have no label)


def next_char_figure(probs: dict[str, list[tuple[str, float]]], top: int = 12):
    """Grouped bars: for each model (key of ``probs``, its sorted (char, p) list), the probability of the ``top``
    characters most likely under any model, in order of their mean probability."""
    import plotly.graph_objects as go

    mean: dict[str, float] = {}
    for pairs in probs.values():
        for c, p in pairs:
            mean[c] = mean.get(c, 0.0) + p / max(len(probs), 1)
    chars = sorted(mean, key=lambda c: -mean[c])[:top]
    labels = [html.escape(SHOWN.get(c, c), quote=False) for c in chars]  # a quote is drawn as it is
    fig = go.Figure()
    for i, (name, pairs) in enumerate(probs.items()):
        p = dict(pairs)
        fig.add_trace(go.Bar(x=labels, y=[p.get(c, 0.0) for c in chars], name=html.escape(name),
                             marker_color=OKABE_ITO[i % len(OKABE_ITO)],
                             hovertemplate=f"{html.escape(name)}: “%{{x}}” %{{y:.1%}}<extra></extra>"))
    fig.update_layout(barmode="group", height=320, xaxis_title="next character (␣ = space)",
                      yaxis_title="probability", yaxis_tickformat=".0%", legend=dict(orientation="h", y=1.12),
                      **_LAYOUT)
    return fig


def loss_curves_figure(curves: dict[str, list[float]], smooth: int = 10):
    """Each model's training loss (bits per character) against the step, as a moving mean over ``smooth`` steps."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (name, curve) in enumerate(curves.items()):
        label = html.escape(name)
        y = np.asarray(curve, dtype=float)
        w = max(1, min(smooth, len(y)))
        y = np.convolve(y, np.ones(w) / w, mode="valid") if len(y) else y
        fig.add_trace(go.Scatter(x=np.arange(w, w + len(y)), y=y, mode="lines", name=label,
                                 line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], width=2.5),
                                 hovertemplate=f"{label}: step %{{x}}, %{{y:.2f}} bits/char<extra></extra>"))
    fig.update_layout(height=320, xaxis_title="training step", yaxis_title="bits per character",
                      legend=dict(orientation="h", y=1.12), **_LAYOUT)
    return fig
