"""Figures of an image collection: the map snapped to a grid of thumbnails, and a "more like this" strip.

Each is one composite picture (built with numpy and Pillow) in a ``go.Image``: a browser draws one image
instead of hundreds. The grid also carries an invisible scatter point per cell, whose ``customdata`` is the
image's row, for hover text and click-to-pick.
"""

from __future__ import annotations

import html

import numpy as np

FOCUS, NEIGHBOR = (213, 94, 0), (0, 114, 178)  # the chosen image, its most similar ones (Okabe-Ito)


def _tiles(images: np.ndarray, tile: int) -> np.ndarray:
    """Every image as an RGB ``tile x tile`` uint8 array (grey repeated on three channels)."""
    from PIL import Image

    images = np.asarray(images, dtype=np.uint8)
    h, w = images.shape[1:3]
    resample = Image.NEAREST if max(h, w) <= tile else Image.BILINEAR
    out = np.empty((len(images), tile, tile, 3), dtype=np.uint8)
    for i, image in enumerate(images):
        out[i] = np.asarray(Image.fromarray(image).convert("RGB").resize((tile, tile), resample))
    return out


def _frame(tile: np.ndarray, color: tuple[int, int, int], width: int) -> np.ndarray:
    tile = tile.copy()
    tile[:width], tile[-width:], tile[:, :width], tile[:, -width:] = color, color, color, color
    return tile


def grid_figure(images: np.ndarray, cells: np.ndarray, rows: int, cols: int, hover=None, ids=None, tile: int = 40,
                focus: int | None = None, neighbors=(), height: int | None = None):
    """The collection as a ``rows x cols`` grid of thumbnails, image ``i`` in cell ``cells[i]`` (row-major).

    ``ids`` (default ``0..n-1``) go into each cell's ``customdata`` (the dataset rows, when ``images`` are a
    sample). ``focus`` (a position in ``images``) is framed orange, ``neighbors`` (positions) blue. Empty cells
    stay white.
    """
    import plotly.graph_objects as go

    cells = np.asarray(cells, dtype=np.int64)
    tiles = _tiles(images, tile)
    for row in neighbors:
        tiles[row] = _frame(tiles[row], NEIGHBOR, max(2, tile // 12))
    if focus is not None:
        tiles[focus] = _frame(tiles[focus], FOCUS, max(3, tile // 8))
    canvas = np.full((rows * tile, cols * tile, 3), 255, dtype=np.uint8)
    r, c = np.divmod(cells, cols)
    for i in range(len(cells)):
        canvas[r[i] * tile:(r[i] + 1) * tile, c[i] * tile:(c[i] + 1) * tile] = tiles[i]
    hover = [f"#{i}" for i in range(len(cells))] if hover is None else [html.escape(str(t)) for t in hover]
    ids = np.arange(len(cells), dtype=np.int32) if ids is None else np.asarray(ids, dtype=np.int32)
    fig = go.Figure(go.Image(z=canvas, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=(c + 0.5) * tile, y=(r + 0.5) * tile, mode="markers", customdata=ids,
        text=hover, hovertemplate="%{text}<extra></extra>", marker=dict(size=tile * 0.9, opacity=0, symbol="square"),
        showlegend=False, name="images",
    ))
    fig.update_xaxes(visible=False, range=[0, cols * tile])
    fig.update_yaxes(visible=False, range=[rows * tile, 0], scaleanchor="x")
    fig.update_layout(height=height or min(900, max(300, int(rows * tile * 900 / max(cols * tile, 1)) + 20)),
                      margin=dict(l=0, r=0, t=0, b=0), template="plotly_white", clickmode="event+select",
                      uirevision="keep")
    return fig


def strip_figure(images: np.ndarray, query: int, rows, scores, captions, tile: int = 96):
    """The chosen image and the ``rows`` most like it in one strip, captioned with label and cosine."""
    import plotly.graph_objects as go

    order = [query, *list(rows)]
    tiles = _tiles(np.asarray(images)[order], tile)
    tiles[0] = _frame(tiles[0], FOCUS, 4)
    gap = 6
    canvas = np.full((tile, len(order) * (tile + gap) - gap, 3), 255, dtype=np.uint8)
    for j, t in enumerate(tiles):
        canvas[:, j * (tile + gap):j * (tile + gap) + tile] = t
    fig = go.Figure(go.Image(z=canvas, hoverinfo="skip"))
    texts = [f"<b>chosen</b><br>{html.escape(str(captions[query]))}"] + [
        f"{html.escape(str(captions[r]))}<br>cos {s:.3f}" for r, s in zip(rows, scores, strict=True)]
    for j, text in enumerate(texts):
        fig.add_annotation(x=j * (tile + gap) + tile / 2, y=tile + 4, text=text, showarrow=False, yanchor="top",
                           font=dict(size=11))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[tile + 44, 0], scaleanchor="x")
    fig.update_layout(height=tile + 70, margin=dict(l=0, r=0, t=0, b=0), template="plotly_white")
    return fig
