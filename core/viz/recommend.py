"""Figures of the recommendation lab: the user-item matrix, its long tail, training, explanations, evaluation."""

from __future__ import annotations

import html

import numpy as np

from core.explore import OKABE_ITO

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=30, b=10))


def _short(text: str, n: int = 28) -> str:
    text = str(text)
    return html.escape(text if len(text) <= n else text[: n - 1] + "…")


def matrix_figure(values: np.ndarray, user_labels: list[str], item_labels: list[str],
                  predicted: np.ndarray | None = None, rating_range: tuple[float, float] = (1, 5),
                  explicit: bool = True):
    """A block of the user-item matrix as a heatmap: a rated cell shows its rating; a missing cell shows
    "?" on grey, or, when ``predicted`` is given, the model's prediction in a lighter, hatched-looking tone
    (its number in italics in the hover)."""
    import plotly.graph_objects as go

    values = np.asarray(values, dtype=float)
    known = values != 0
    lo, hi = rating_range
    users = [f"user {_short(u, 12)}" for u in user_labels]
    items = [_short(t) for t in item_labels]
    z = np.where(known, values, np.nan)
    text = np.where(known, np.vectorize(lambda v: f"{v:g}")(values) if explicit else "✓", "?")
    fig = go.Figure()
    fig.add_trace(go.Heatmap(  # grey under everything: the missing cells
        z=np.where(known, np.nan, 0.0), x=items, y=users, colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]],
        showscale=False, hoverinfo="skip", xgap=1, ygap=1))
    if predicted is not None:
        pred = np.where(known, np.nan, np.asarray(predicted, dtype=float))
        fig.add_trace(go.Heatmap(
            z=pred, x=items, y=users, colorscale="Oranges", zmin=np.nanmin(pred) if np.isfinite(pred).any() else 0,
            zmax=np.nanmax(pred) if np.isfinite(pred).any() else 1, opacity=0.55, xgap=1, ygap=1,
            colorbar=dict(title="predicted", x=1.08, len=0.45, y=0.25),
            hovertemplate="%{y} × %{x}<br>not rated; model predicts %{z:.2f}<extra></extra>"))
        text = np.where(known, text, np.vectorize(lambda v: f"{v:.1f}" if np.isfinite(v) else "?")(pred))
    fig.add_trace(go.Heatmap(
        z=z, x=items, y=users, text=text, texttemplate="%{text}", textfont=dict(size=9),
        colorscale="Blues" if explicit else [[0, OKABE_ITO[1]], [1, OKABE_ITO[1]]], zmin=lo, zmax=hi,
        xgap=1, ygap=1, showscale=explicit, colorbar=dict(title="rating", len=0.45, y=0.75),
        hovertemplate="%{y} × %{x}<br>rated %{z:g}<extra></extra>" if explicit
        else "%{y} × %{x}<br>interacted<extra></extra>"))
    fig.add_trace(go.Heatmap(  # the "?" labels of missing cells when nothing is predicted
        z=np.where(known, np.nan, 0.0), x=items, y=users, text=np.where(known, "", text), texttemplate="%{text}",
        textfont=dict(size=9, color="#999"), colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        showscale=False, hoverinfo="skip", visible=predicted is None))
    fig.update_layout(height=max(320, 140 + 16 * len(users)), **_LAYOUT)
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=9), side="top")
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=9))
    return fig


def long_tail_figure(counts: np.ndarray, head_items: int, head_share: float):
    """Items ranked by popularity (log y): the few blockbusters and the long tail."""
    import plotly.graph_objects as go

    x = np.arange(1, len(counts) + 1)
    fig = go.Figure(go.Scatter(x=x, y=np.maximum(counts, 0.8), mode="lines", line_color=OKABE_ITO[4],
                               fill="tozeroy", hovertemplate="item #%{x}: %{y:,} interactions<extra></extra>"))
    fig.add_vrect(x0=0.5, x1=head_items + 0.5, fillcolor=OKABE_ITO[0], opacity=0.15, line_width=0,
                  annotation_text=f"head: {head_items} items, {head_share:.0%} of interactions",
                  annotation_position="top left")
    fig.update_layout(height=300, xaxis_title="items, most interacted first", yaxis_title="users who interacted",
                      yaxis_type="log", showlegend=False, **_LAYOUT)
    return fig


def activity_figure(user_counts: np.ndarray):
    """How many items each user interacted with (histogram, log x)."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Histogram(x=user_counts, nbinsx=40, marker_color=OKABE_ITO[2],
                                 hovertemplate="%{x} items: %{y} users<extra></extra>"))
    fig.update_layout(height=300, xaxis_title="items a user interacted with", yaxis_title="users",
                      bargap=0.05, **_LAYOUT)
    return fig


def rating_histogram(values: np.ndarray):
    """How often each rating was given."""
    import plotly.graph_objects as go

    levels, counts = np.unique(values, return_counts=True)
    fig = go.Figure(go.Bar(x=[f"{v:g}" for v in levels], y=counts, marker_color=OKABE_ITO[5],
                           hovertemplate="rating %{x}: %{y:,}<extra></extra>"))
    fig.update_layout(height=300, xaxis_title="rating", yaxis_title="ratings", **_LAYOUT)
    return fig


def loss_figure(history: list[float], label: str = "training loss"):
    """A training curve, one point an epoch."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=np.arange(1, len(history) + 1), y=history, mode="lines", line_color=OKABE_ITO[1],
                               hovertemplate="epoch %{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(height=260, xaxis_title="epoch", yaxis_title=label, **_LAYOUT)
    return fig


def contributions_figure(labels: list[str], weights: list[float], xaxis: str = "contribution to the score"):
    """Horizontal bars: what drove one recommendation (largest on top)."""
    import plotly.graph_objects as go

    names = [_short(t, 40) for t in labels]
    colours = [OKABE_ITO[2] if w >= 0 else OKABE_ITO[5] for w in weights]
    fig = go.Figure(go.Bar(y=names, x=weights, orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(height=max(160, 50 + 26 * len(names)), xaxis_title=xaxis, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def similarity_figure(sim: np.ndarray, labels: list[str], title: str = "similarity"):
    """A square item-item similarity heatmap."""
    import plotly.graph_objects as go

    names = [_short(t, 24) for t in labels]
    fig = go.Figure(go.Heatmap(z=sim, x=names, y=names, colorscale="Viridis", colorbar=dict(title=title),
                               hovertemplate="%{y} ~ %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(height=max(360, 120 + 14 * len(names)), **_LAYOUT)
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=9))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=9))
    return fig


def genre_profile_figure(profiles: dict[str, dict[str, float]]):
    """Grouped bars: the share of each genre among, e.g., a user's ratings and their recommendations."""
    import plotly.graph_objects as go

    genres = list(dict.fromkeys(g for p in profiles.values() for g in p))
    fig = go.Figure([go.Bar(x=genres, y=[p.get(g, 0.0) for g in genres], name=html.escape(name),
                            marker_color=OKABE_ITO[i % len(OKABE_ITO)],
                            hovertemplate="%{x}: %{y:.0%}<extra>" + html.escape(name) + "</extra>")
                     for i, (name, p) in enumerate(profiles.items())])
    fig.update_layout(barmode="group", height=300, yaxis_tickformat=".0%", yaxis_title="share of the movies",
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), **_LAYOUT)
    return fig


METRIC_COLOURS = {"precision": OKABE_ITO[0], "recall": OKABE_ITO[1], "ndcg": OKABE_ITO[2], "coverage": OKABE_ITO[4]}


def evaluation_figure(table, k: int = 10, bar: float | None = None):
    """Grouped bars: each model's precision, recall, NDCG at k and catalogue coverage."""
    import plotly.graph_objects as go

    labels = [html.escape(str(v)) for v in table["label"]]
    metrics = [(f"precision@{k}", "precision"), (f"recall@{k}", "recall"), (f"ndcg@{k}", "ndcg"),
               ("coverage", "coverage")]
    fig = go.Figure([go.Bar(x=labels, y=table[col], name=col, marker_color=METRIC_COLOURS[key],
                            text=[f"{v:.3f}" for v in table[col]], textposition="outside", textfont=dict(size=9),
                            hovertemplate="%{x}: %{y:.3f}<extra>" + col + "</extra>")
                     for col, key in metrics if col in table])
    if bar is not None:
        fig.add_hline(y=bar, line_dash="dot", line_color="#555", annotation_text=f"NDCG@{k} bar {bar:g}",
                      annotation_position="top left")
    top = max([float(table[col].max()) for col, _ in metrics if col in table] + [bar or 0.0])
    fig.update_layout(barmode="group", height=380, yaxis=dict(range=[0, min(1.08, 1.2 * top + 0.02)], title="score"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), **_LAYOUT)
    return fig


def item_map_figure(coords: np.ndarray, titles: list[str], focus: int, neighbours, counts: np.ndarray):
    """Every item as a grey dot (size by how often it was rated), the chosen one and its neighbours named."""
    import plotly.graph_objects as go

    neighbours = [int(i) for i in neighbours]
    size = 3 + 9 * np.sqrt(counts / max(1, counts.max()))
    fig = go.Figure(go.Scattergl(
        x=coords[:, 0], y=coords[:, 1], mode="markers", marker=dict(size=size, color="#c8c8c8"),
        text=[html.escape(t) for t in titles], hovertemplate="%{text}<extra></extra>", name="all items"))
    fig.add_trace(go.Scatter(
        x=coords[neighbours, 0], y=coords[neighbours, 1], mode="markers+text", name="most similar",
        marker=dict(size=10, color=OKABE_ITO[1]), text=[_short(titles[i], 22) for i in neighbours],
        textposition="top center", textfont=dict(size=9), hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[coords[focus, 0]], y=[coords[focus, 1]], mode="markers+text", name="chosen",
        marker=dict(size=16, color=OKABE_ITO[5], symbol="star"), text=[_short(titles[focus], 30)],
        textposition="bottom center", hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(height=460, legend=dict(orientation="h", y=1.02, yanchor="bottom"),
                      xaxis=dict(showticklabels=False, title="PC 1"), yaxis=dict(showticklabels=False, title="PC 2"),
                      **_LAYOUT)
    return fig
