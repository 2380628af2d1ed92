"""Figures of the search lab: why each result ranks where it does (per-term contributions)."""

from __future__ import annotations

import html

from core.explore import OKABE_ITO


def contributions_figure(titles: list[str], parts: list[list[dict]], height_per_row: int = 30):
    """Stacked horizontal bars: one bar per result (best on top), one colour per query term, the
    length of each piece that term's contribution to the score (from ``Ranker.explain``)."""
    import plotly.graph_objects as go

    terms = [p["term"] for p in parts[0]] if parts else []
    fig = go.Figure()
    names = [f"{i + 1}. {html.escape(t[:40])}" for i, t in enumerate(titles)]
    for j, term in enumerate(terms):
        fig.add_trace(go.Bar(
            y=names, x=[row[j]["contribution"] for row in parts], orientation="h", name=html.escape(term),
            marker_color=OKABE_ITO[j % len(OKABE_ITO)],
            customdata=[[row[j]["tf"], row[j]["idf"]] for row in parts],
            hovertemplate=f"<b>{html.escape(term)}</b>: %{{x:.3f}}<br>tf %{{customdata[0]:g}}, "
                          "idf %{customdata[1]:.2f}<extra></extra>"))
    fig.update_layout(barmode="stack", height=max(160, 60 + height_per_row * len(titles)),
                      margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", title_text="query term"),
                      xaxis_title="score")
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=names, ticktext=names)  # every result named
    return fig


RANKER_COLOURS = {"tf": OKABE_ITO[0], "tfidf": OKABE_ITO[1], "bm25": OKABE_ITO[2], "BM25": OKABE_ITO[2],
                  "BM25 + PageRank": OKABE_ITO[3], "semantic": OKABE_ITO[4], "hybrid": OKABE_ITO[5]}
RANKER_NAMES = {"tf": "raw term frequency", "tfidf": "TF-IDF", "bm25": "BM25"}


def stuffing_scores_figure(rows: list[dict], repeats: int | None = None):
    """The spam page's score against the number of repeats, one panel per ranker (own y scale):
    raw counts grow without bound, TF-IDF's cosine is 1 at once, BM25 saturates."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(r["ranker"] for r in rows))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[RANKER_NAMES.get(n, n) for n in names],
                        horizontal_spacing=0.08)
    for j, name in enumerate(names, start=1):
        mine = [r for r in rows if r["ranker"] == name]
        fig.add_trace(go.Scatter(x=[r["repeats"] for r in mine], y=[r["score"] for r in mine], mode="lines+markers",
                                 name=RANKER_NAMES.get(name, name), line_color=RANKER_COLOURS.get(name),
                                 hovertemplate="%{x} repeats: score %{y:.3f}<extra></extra>", showlegend=False),
                      row=1, col=j)
        fig.update_yaxes(rangemode="tozero", row=1, col=j)
        fig.update_xaxes(title_text="repeats of the phrase", row=1, col=j)
        if repeats is not None:
            fig.add_vline(x=repeats, line_dash="dot", line_color="#888", row=1, col=j)
    fig.update_yaxes(title_text="score of the spam page", row=1, col=1)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")
    return fig


def rank_curves_figure(curves: dict[str, list[tuple[int, int]]], repeats: int | None = None,
                       x_title: str = "repeats of the phrase"):
    """Rank (1 = first) against a count for several rankers: ``curves`` maps a name to (x, rank) pairs."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, pts in curves.items():
        pts = [(x, r) for x, r in pts if r is not None]
        fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers",
                                 name=RANKER_NAMES.get(name, name), line_color=RANKER_COLOURS.get(name),
                                 hovertemplate=f"{html.escape(RANKER_NAMES.get(name, name))}: "
                                               "%{x} → rank %{y}<extra></extra>"))
    if repeats is not None:
        fig.add_vline(x=repeats, line_dash="dot", line_color="#888")
    fig.update_yaxes(type="log", autorange="reversed", title_text="rank of the spam page (1 = first)")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      xaxis_title=x_title, legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def residual_figure(residuals: list[float], threshold: float | None = None):
    """Power iteration's convergence: the L1 change of the rank vector per step, on a log scale."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=list(range(1, len(residuals) + 1)), y=residuals, mode="lines+markers",
                               marker_size=4, line_color=OKABE_ITO[2], name="L1 change",
                               hovertemplate="step %{x}: %{y:.2e}<extra></extra>"))
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dot", line_color="#888",
                      annotation_text="stop here", annotation_position="top right")
    fig.update_yaxes(type="log", title_text="change of the ranks (L1)", exponentformat="power")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      xaxis_title="iteration", showlegend=False)
    return fig


def graph_figure(titles: list[str], edges: list[tuple[int, int]], sizes, hover: list[str], seed: int = 0):
    """A small directed graph: node 0 (the chosen page) in the middle, node size by ``sizes`` (e.g.
    PageRank), arrows along the links. Layout: networkx's spring layout, seeded."""
    import networkx as nx
    import numpy as np
    import plotly.graph_objects as go

    g = nx.DiGraph()
    g.add_nodes_from(range(len(titles)))
    g.add_edges_from(edges)
    pos = nx.spring_layout(g.to_undirected(), seed=seed, fixed=[0], pos={0: (0.0, 0.0)}, k=1.2 / np.sqrt(
        max(len(titles), 1))) if len(titles) > 1 else {0: (0.0, 0.0)}
    xy = np.array([pos[i] for i in range(len(titles))])
    sizes = np.asarray(sizes, dtype=float)
    scaled = 10 + 40 * np.sqrt(sizes / sizes.max()) if len(sizes) and sizes.max() > 0 else np.full(len(titles), 12)
    fig = go.Figure()
    ex, ey = [], []
    for a, b in edges:
        ex += [xy[a, 0], xy[b, 0], None]
        ey += [xy[a, 1], xy[b, 1], None]
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#bbb", width=1), hoverinfo="skip",
                             showlegend=False))
    for a, b in edges:  # arrow heads, stopped short of the target's marker
        fig.add_annotation(x=xy[b, 0], y=xy[b, 1], ax=xy[a, 0], ay=xy[a, 1], xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1, arrowcolor="#999",
                           standoff=scaled[b] / 2, text="")
    colours = [OKABE_ITO[5]] + [OKABE_ITO[1]] * (len(titles) - 1)
    fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=[html.escape(t[:24]) for t in titles],
                             textposition="top center", textfont_size=10,
                             marker=dict(size=scaled, color=colours, line=dict(color="white", width=1)),
                             hovertext=[html.escape(h) for h in hover], hoverinfo="text", showlegend=False))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(height=520, margin=dict(l=0, r=0, t=0, b=0), template="plotly_white", dragmode="pan")
    return fig


def farm_figure(rows: list[dict], size: int | None = None):
    """A link farm's effect: the target's rank (log, 1 on top) against the number of spam pages."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[max(r["spam pages"], 0) for r in rows], y=[r["rank"] for r in rows],
                               mode="lines+markers", line_color=OKABE_ITO[5],
                               customdata=[r["pagerank"] for r in rows],
                               hovertemplate="%{x} spam pages: rank %{y} (PageRank %{customdata:.2e})<extra></extra>"))
    if size is not None:
        fig.add_vline(x=size, line_dash="dot", line_color="#888")
    fig.update_xaxes(title_text="spam pages linking to the target")
    fig.update_yaxes(type="log", autorange="reversed", title_text="target's PageRank rank")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white", showlegend=False)
    return fig


SCORE_TERMS = {"unigram": ("how common the word is: log P(c)", OKABE_ITO[1]),
               "left": ("fits after the previous word", OKABE_ITO[2]),
               "right": ("fits before the next word", OKABE_ITO[4]),
               "edit": ("edits from what was typed (penalty)", OKABE_ITO[5])}


def correction_figure(rows: list[dict], typed: str):
    """Why the winner wins: for each candidate of one typed word, its score split into the noisy channel's
    terms (bars, the edit penalty negative) and the total (a diamond); the chosen one is marked."""
    import plotly.graph_objects as go

    names = [("✔ " if r["chosen"] else "") + html.escape(r["candidate"]) + f" (d={r['distance']})" for r in rows]
    fig = go.Figure()
    for term, (label, colour) in SCORE_TERMS.items():
        values = [r[term] for r in rows]  # the edit term is already negative
        fig.add_trace(go.Bar(y=names, x=values, orientation="h", name=label, marker_color=colour,
                             hovertemplate=f"{label}: %{{x:.2f}}<extra></extra>"))
    fig.add_trace(go.Scatter(y=names, x=[r["score"] for r in rows], mode="markers", name="total score",
                             marker=dict(symbol="diamond", size=12, color="black"),
                             hovertemplate="total %{x:.2f}<extra></extra>"))
    fig.update_layout(barmode="relative", height=max(200, 70 + 34 * len(rows)), template="plotly_white",
                      margin=dict(l=10, r=10, t=60, b=10), title=dict(text=f"“{html.escape(typed)}”", x=0, y=0.98),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
                      xaxis_title="log score")
    fig.update_yaxes(autorange="reversed")
    return fig


def agreement_figure(means: dict[str, float]):
    """How much each ranker's results agree across paraphrases (0..1), one bar per ranker."""
    import plotly.graph_objects as go

    names = list(means)
    fig = go.Figure(go.Bar(x=names, y=[means[n] for n in names], marker_color=[RANKER_COLOURS.get(n.lower(),
                    RANKER_COLOURS.get(n, "#888")) for n in names], text=[f"{means[n]:.2f}" for n in names],
                    textposition="outside", hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.1], title_text="agreement of the top 10 (Jaccard)")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white", showlegend=False)
    return fig


def evaluation_figure(table):
    """MRR and nDCG@10 per ranker, grouped bars."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for j, col in enumerate(c for c in table.columns if c in ("MRR", "nDCG@10", "recall@10")):
        fig.add_trace(go.Bar(x=table["ranker"], y=table[col], name=col, marker_color=OKABE_ITO[j],
                             text=[f"{v:.3f}" for v in table[col]], textposition="outside",
                             hovertemplate=f"%{{x}}: {col} %{{y:.3f}}<extra></extra>"))
    fig.update_layout(barmode="group", height=340, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      yaxis=dict(range=[0, 1.15]), legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig
