"""Figures of a GAN's training: the two players' losses, the discriminator's probabilities, pictures in rows.

``history`` is what :class:`core.generate.train.GANTrainer` records (and a shipped model's JSON keeps): one dict per
step with ``step``, ``part`` ("d", "g" or "both"), ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` and, for pix2pix,
``l1``. Pictures are uint8 arrays (n, side, side), drawn as one composite image in a ``go.Image``.
"""

from __future__ import annotations

import html

import numpy as np

from core.errors import InputError

D_COLOR, G_COLOR, REAL_COLOR, FAKE_COLOR, L1_COLOR, MARK_COLOR = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#555555")  # Okabe-Ito
PART_NAMES = {"d": "discriminator step", "g": "generator step", "both": "both"}
_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=30, b=10),
               legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))


def _column(history: list[dict], key: str) -> np.ndarray:
    return np.array([float(h.get(key, np.nan)) for h in history], dtype=float)


def _mode(n: int) -> str:
    return "lines+markers" if n <= 60 else "lines"  # a few manual steps: each one visible


def smooth(y: np.ndarray, window: int) -> np.ndarray:
    """The trailing moving average of ``y`` over ``window`` points (NaN points left out)."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    sums = np.cumsum(np.where(ok, y, 0.0))
    counts = np.cumsum(ok)
    lo = np.maximum(np.arange(len(y)) - window, -1)
    prev_sums = np.where(lo >= 0, sums[np.maximum(lo, 0)], 0.0)
    prev_counts = np.where(lo >= 0, counts[np.maximum(lo, 0)], 0)
    n = counts - prev_counts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums - prev_sums) / np.maximum(n, 1), np.nan)


def _curve(fig, steps, y, name: str, color: str, hover: str, customdata=None, **kw) -> None:
    """One quantity: every point as is, and past 60 points a moving average over it (the raw line faint)."""
    import plotly.graph_objects as go

    if len(steps) <= 60:
        fig.add_trace(go.Scatter(x=steps, y=y, name=name, mode=_mode(len(steps)), line=dict(color=color, width=1.8),
                                 customdata=customdata, hovertemplate=hover, **kw))
        return
    fig.add_trace(go.Scatter(x=steps, y=y, name=name, legendgroup=name, showlegend=False, mode="lines",
                             line=dict(color=color, width=1), opacity=0.25, hoverinfo="skip", **kw))
    fig.add_trace(go.Scatter(x=steps, y=smooth(y, max(2, len(steps) // 40)), name=name, legendgroup=name,
                             mode="lines", line=dict(color=color, width=2.2), customdata=customdata,
                             hovertemplate=hover.replace("%{y", "(moving average) %{y"), **kw))


def _mark(fig, step: int | None) -> None:
    if step is not None:
        fig.add_vline(x=step, line=dict(color=MARK_COLOR, dash="dot", width=1.5),
                      annotation_text=f"step {step:,}", annotation_position="top right")


def losses_figure(history: list[dict], mark: int | None = None, height: int = 300):
    """The discriminator's and the generator's loss against the step; pix2pix's L1 on a right-hand axis."""
    import plotly.graph_objects as go

    steps = _column(history, "step")
    parts = [PART_NAMES.get(h.get("part"), "") for h in history]
    fig = go.Figure()
    for key, name, color in (("d_loss", "discriminator loss", D_COLOR), ("g_loss", "generator loss", G_COLOR)):
        _curve(fig, steps, _column(history, key), name, color,
               f"step %{{x}} (%{{customdata}}): {name} %{{y:.3f}}<extra></extra>", customdata=parts)
    l1 = _column(history, "l1")
    if np.isfinite(l1).any():
        _curve(fig, steps, l1, "L1 to the real image (right axis)", L1_COLOR,
               "step %{x}: L1 %{y:.3f}<extra></extra>", yaxis="y2")
        fig.update_layout(yaxis2=dict(title="L1 (pixels in [-1, 1])", overlaying="y", side="right", showgrid=False,
                                      rangemode="tozero"))
    _mark(fig, mark)
    fig.update_layout(height=height, xaxis_title="step", yaxis_title="binary cross-entropy", yaxis_rangemode="tozero",
                      **_LAYOUT)
    return fig


def probabilities_figure(history: list[dict], mark: int | None = None, height: int = 300):
    """D(real) and D(fake): the discriminator's mean probability that a real / generated image is real."""
    import plotly.graph_objects as go

    steps = _column(history, "step")
    fig = go.Figure()
    for key, name, color in (("d_real", "D(real image)", REAL_COLOR), ("d_fake", "D(generated image)", FAKE_COLOR)):
        _curve(fig, steps, _column(history, key), name, color, f"step %{{x}}: {name} = %{{y:.3f}}<extra></extra>")
    fig.add_hline(y=0.5, line=dict(color=MARK_COLOR, dash="dash", width=1),
                  annotation_text="equilibrium: ½", annotation_position="bottom right")
    _mark(fig, mark)
    fig.update_layout(height=height, xaxis_title="step", yaxis_title="probability of “real”", yaxis_range=[0, 1],
                      **_LAYOUT)
    return fig


def _rgb_tiles(pictures: np.ndarray, tile: int) -> np.ndarray:
    """uint8 (n, s, s) -> (n, tile, tile, 3), upscaled with nearest neighbours (the pixels stay visible)."""
    from PIL import Image

    p = np.asarray(pictures)
    if p.ndim != 3 or len(p) == 0:
        raise InputError(f"expected pictures shaped (n, side, side), got {p.shape}")
    out = np.empty((len(p), tile, tile, 3), dtype=np.uint8)
    for i, pic in enumerate(p.astype(np.uint8)):
        out[i] = np.asarray(Image.fromarray(pic).convert("RGB").resize((tile, tile), Image.NEAREST))
    return out


def image_rows_figure(rows: dict[str, np.ndarray], column_titles=None, tile: int = 64, gap: int = 4,
                      label_width: int = 110):
    """Rows of pictures (every row the same count), each row named on the left and each column titled below.

    E.g. ``{"edge map": e, "translation": t, "real digit": r}``, or one row per sample across snapshots.
    """
    if not rows:
        raise InputError("no rows of pictures to draw")
    return _rows_figure(list(rows.values()), list(rows), column_titles, tile, gap, label_width)


def samples_figure(pictures: np.ndarray, columns: int = 8, tile: int = 56, gap: int = 4):
    """The samples of the fixed noise as a grid, ``columns`` per row (the last row padded with white)."""
    p = np.asarray(pictures)
    if p.ndim != 3 or len(p) == 0:
        raise InputError(f"expected pictures shaped (n, side, side), got {p.shape}")
    columns = max(1, min(columns, len(p)))
    n_rows = -(-len(p) // columns)
    p = np.concatenate([p.astype(np.uint8), np.full((n_rows * columns - len(p), *p.shape[1:]), 255, np.uint8)])
    return _rows_figure([p[i * columns:(i + 1) * columns] for i in range(n_rows)], None, None, tile, gap, 2)


def _rows_figure(rows: list[np.ndarray], names, column_titles, tile: int, gap: int, label_width: int):
    import plotly.graph_objects as go

    tiles = [_rgb_tiles(p, tile) for p in rows]
    if len({len(t) for t in tiles}) != 1:
        raise InputError("every row of pictures must hold the same number of pictures")
    cols = len(tiles[0])
    width, height = cols * (tile + gap) - gap, len(tiles) * (tile + gap) - gap
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    for r, t in enumerate(tiles):
        for c in range(cols):
            canvas[r * (tile + gap):r * (tile + gap) + tile, c * (tile + gap):c * (tile + gap) + tile] = t[c]
    fig = go.Figure(go.Image(z=canvas, x0=0, y0=0, hoverinfo="skip"))
    for r, name in enumerate(names or []):
        fig.add_annotation(x=-8, y=r * (tile + gap) + tile / 2, text=html.escape(str(name)), showarrow=False,
                           xanchor="right", font=dict(size=12))
    bottom = height
    if column_titles is not None:
        for c, title in enumerate(column_titles):
            fig.add_annotation(x=c * (tile + gap) + tile / 2, y=height + 4, text=html.escape(str(title)),
                               showarrow=False, yanchor="top", font=dict(size=11))
        bottom = height + 24
    fig.update_xaxes(visible=False, range=[-label_width, width + 2])
    fig.update_yaxes(visible=False, range=[bottom, -2], scaleanchor="x")
    fig.update_layout(height=int(bottom * min(1.0, 1300 / (width + label_width))) + 20,
                      margin=dict(l=0, r=0, t=0, b=0), template="plotly_white")
    return fig
