"""Figures of the word-vectors page: nearest words, custom projection axes, a bias probe."""

from __future__ import annotations

import html

from core.explore import OKABE_ITO

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=30, b=10))


def scores_figure(results: list[tuple[str, float]], xaxis: str = "cosine similarity"):
    """Horizontal bars of the nearest words (best on top)."""
    import plotly.graph_objects as go

    names = [html.escape(w) for w, _ in results]
    fig = go.Figure(go.Bar(y=names, x=[s for _, s in results], orientation="h", marker_color=OKABE_ITO[4],
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(height=max(200, 50 + 24 * len(names)), xaxis_title=xaxis, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def axes_figure(frame, x_title: str, y_title: str = ""):
    """Words placed on two custom axes (a 1-D strip when there is no y)."""
    import plotly.graph_objects as go

    y = frame["y"] if "y" in frame and y_title else [0.0] * len(frame)
    fig = go.Figure(go.Scatter(x=frame["x"], y=y, mode="markers+text", text=[html.escape(w) for w in frame["word"]],
                               textposition="top center", marker=dict(size=9, color=OKABE_ITO[1]),
                               hovertemplate="%{text}: (%{x:.3f}, %{y:.3f})<extra></extra>"))
    fig.add_hline(y=0, line_color="#bbb", line_width=1)
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    fig.update_layout(height=520 if y_title else 260, xaxis_title=html.escape(x_title),
                      yaxis=dict(title=html.escape(y_title), visible=bool(y_title)), **_LAYOUT)
    return fig


def bias_figure(frame, a: str, b: str):
    """Words sorted by their lean from ``a`` (negative) to ``b`` (positive)."""
    import plotly.graph_objects as go

    frame = frame.sort_values("score")
    colours = [OKABE_ITO[5] if s > 0 else OKABE_ITO[2] for s in frame["score"]]
    fig = go.Figure(go.Bar(x=frame["score"], y=[html.escape(w) for w in frame["word"]], orientation="h",
                           marker_color=colours, hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(height=max(300, 40 + 18 * len(frame)),
                      xaxis_title=f"← {html.escape(a)}    lean    {html.escape(b)} →", **_LAYOUT)
    return fig


def loss_words_figure(words, losses):
    """A training curve against the corpus words read so far."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=words, y=losses, mode="lines", line_color=OKABE_ITO[1],
                               hovertemplate="%{x:,} words: loss %{y:.3f}<extra></extra>"))
    fig.update_layout(height=300, xaxis_title="corpus words read", yaxis_title="loss per prediction", **_LAYOUT)
    return fig


def embedding_pair_figure(before, after, labels, titles=("before training", "after training")):
    """Two embeddings of the same points side by side, coloured by label (drawn through PCA above 2-D)."""
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    def flat(e):
        e = np.asarray(e, dtype=np.float64)
        if e.shape[1] <= 2:
            return e if e.shape[1] == 2 else np.column_stack([e[:, 0], np.zeros(len(e))])
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=0).fit_transform(e)

    labels = np.asarray(labels).astype(str)
    classes = list(dict.fromkeys(sorted(labels, key=lambda v: (len(v), v))))
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.06)
    palette = OKABE_ITO + ["#444444", "#a6761d", "#1b9e77", "#7570b3"]
    for col, emb in enumerate((flat(before), flat(after)), start=1):
        for i, cls in enumerate(classes):
            m = labels == cls
            fig.add_trace(go.Scattergl(x=emb[m, 0], y=emb[m, 1], mode="markers", name=html.escape(cls),
                                       legendgroup=cls, showlegend=col == 1 and len(classes) <= 12,
                                       marker=dict(size=5, color=palette[i % len(palette)]),
                                       hovertemplate=f"class {html.escape(cls)}<extra></extra>"), row=1, col=col)
    fig.update_layout(height=440, **_LAYOUT)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False, scaleanchor="x")
    return fig
