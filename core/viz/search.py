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
