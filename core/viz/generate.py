"""Pictures and figures of the generative lab: sample grids, strips, loss curves, the latent-slice grid."""

from __future__ import annotations

import numpy as np

from core.errors import InputError


def grid_picture(pictures: np.ndarray, columns: int | None = None, pad: int = 2, fill: int = 255) -> np.ndarray:
    """uint8 pictures (n, s, s) laid out as one uint8 image, ``columns`` per row (default: a near square)."""
    p = np.asarray(pictures)
    if p.ndim != 3 or len(p) == 0:
        raise InputError(f"expected pictures shaped (n, side, side), got {p.shape}")
    n, h, w = p.shape
    columns = int(np.ceil(np.sqrt(n))) if columns is None else max(1, min(int(columns), n))
    rows = -(-n // columns)
    out = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad), fill, dtype=np.uint8)
    for i, pic in enumerate(p.astype(np.uint8)):
        r, c = divmod(i, columns)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = pic
    return out


PICK_COLOR = (213, 94, 0)  # the picked picture's frame and the clicked point (Okabe-Ito vermillion)


def png_bytes(picture: np.ndarray) -> bytes:
    """A uint8 picture (h, w) or (h, w, 3) as a PNG file's bytes."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(picture, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def grid_png(pictures: np.ndarray, columns: int | None = None) -> bytes:
    """:func:`grid_picture` as a PNG file's bytes: what ``embedlab generate`` writes and the pages download."""
    return png_bytes(grid_picture(pictures, columns))


def picture_uri(picture: np.ndarray) -> str:
    """A uint8 picture (h, w) or (h, w, 3) as a ``data:image/png;base64,...`` URI (for Plotly layout images)."""
    import base64

    return "data:image/png;base64," + base64.b64encode(png_bytes(picture)).decode()


def enlarge(pictures: np.ndarray, tile: int) -> np.ndarray:
    """uint8 pictures (n, s, s) scaled by the whole factor that brings them closest to ``tile`` pixels (nearest
    neighbour, so that pixels stay crisp); never smaller than they are."""
    p = np.asarray(pictures, dtype=np.uint8)
    if p.ndim != 3:
        raise InputError(f"expected pictures shaped (n, side, side), got {p.shape}")
    f = max(1, int(round(tile / max(p.shape[1:]))))
    return p.repeat(f, axis=1).repeat(f, axis=2) if f > 1 else p


def _framed(pictures: np.ndarray, rows, width: int) -> np.ndarray:
    """Grey pictures as RGB, those at ``rows`` framed in the pick colour."""
    rgb = np.repeat(np.asarray(pictures, dtype=np.uint8)[..., None], 3, axis=-1)
    for r in rows:
        rgb[r, :width], rgb[r, -width:], rgb[r, :, :width], rgb[r, :, -width:] = (PICK_COLOR,) * 4
    return rgb


def pictures_figure(pictures: np.ndarray, columns: int | None = None, labels=None, column_titles=None,
                    row_titles=None, highlight=(), tile: int = 72, pad: int = 4, height: int | None = None):
    """Pictures in a grid, drawn as one PNG: each with a small label in its top-left corner (default: its number).

    ``columns`` per row (default: a near square); ``labels`` one text per picture ("" for none);
    ``column_titles`` / ``row_titles`` above the columns / left of the rows (a table, e.g. class by style);
    ``highlight``: positions framed in the pick colour. The pictures are enlarged to about ``tile`` pixels.
    """
    import html

    import plotly.graph_objects as go

    big = enlarge(pictures, tile)
    n, s = len(big), big.shape[1]
    columns = int(np.ceil(np.sqrt(n))) if columns is None else max(1, min(int(columns), n))
    rows = -(-n // columns)
    rgb = _framed(big, [int(h) for h in highlight], max(2, s // 24))
    sheet = np.full((rows * (s + pad) + pad, columns * (s + pad) + pad, 3), 255, dtype=np.uint8)
    for i, pic in enumerate(rgb):
        r, c = divmod(i, columns)
        sheet[pad + r * (s + pad):pad + r * (s + pad) + s, pad + c * (s + pad):pad + c * (s + pad) + s] = pic
    h, w = sheet.shape[:2]
    labels = [f"#{i}" for i in range(n)] if labels is None else [str(t) for t in labels]
    if len(labels) != n:
        raise InputError(f"{len(labels)} labels for {n} pictures")
    top = 22 if column_titles is not None else 0
    left = 56 if row_titles is not None else 0
    # annotations as plain dicts into one constructor: adding 64 one by one takes Plotly half a second
    notes = [dict(x=pad + (i % columns) * (s + pad) + 2, y=pad + (i // columns) * (s + pad) + 2,
                  text=html.escape(text), showarrow=False, xanchor="left", yanchor="top",
                  font=dict(size=10, color="#222"), bgcolor="rgba(255,255,255,0.7)", borderpad=1)
             for i, text in enumerate(labels) if text]
    notes += [dict(x=pad + c * (s + pad) + s / 2, y=-2, text=f"<b>{html.escape(str(text))}</b>", showarrow=False,
                   yanchor="bottom", font=dict(size=13)) for c, text in enumerate(column_titles or [])]
    notes += [dict(x=-4, y=pad + r * (s + pad) + s / 2, text=html.escape(str(text)), showarrow=False,
                   xanchor="right", font=dict(size=12)) for r, text in enumerate(row_titles or [])]
    layout = dict(annotations=notes, height=height or int(min(900, max(120, h + top + 10))),
                  margin=dict(l=0, r=0, t=0, b=0), template="plotly_white", showlegend=False, dragmode=False,
                  xaxis=dict(visible=False, range=[-left, w], fixedrange=True),
                  yaxis=dict(visible=False, range=[h, -top], fixedrange=True, scaleanchor="x"))
    image = go.Image(source=picture_uri(sheet), x0=0.5, y0=0.5, hoverinfo="skip", name="pictures")
    return go.Figure(data=[image], layout=layout)


def norm_figure(paths: dict[str, np.ndarray], shell: float, height: int = 280):
    """|z| along each interpolation path (t from 0 to 1), with the shell where the samples' norms lie."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, z in paths.items():
        z = np.asarray(z, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.linspace(0, 1, len(z)), y=np.linalg.norm(z, axis=1), mode="lines+markers",
                                 name=name, hovertemplate="t = %{x:.2f}<br>|z| = %{y:.2f}<extra>" + name + "</extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[shell, shell], mode="lines", name=f"the samples' shell, |z| ≈ {shell:.1f}",
                             line=dict(color="#666", dash="dot"), hoverinfo="skip"))
    fig.update_xaxes(title="t (from A to B)", range=[-0.02, 1.02])
    fig.update_yaxes(title="|z|", rangemode="tozero")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return fig


def slice_figure(pictures: np.ndarray, xs, ys, picked: tuple[float, float] | None = None, lattice: int = 41,
                 height: int = 580):
    """The decoded grid of a latent slice in plane coordinates, clickable anywhere.

    ``pictures`` (n*n, s, s) are row by row from the top, at the coordinates ``xs`` (left to right) and ``ys``
    (top to bottom) of :func:`core.generate.latent.plane`. Over the picture lie an invisible ``lattice`` x
    ``lattice`` of points covering it and a faint dot at each picture's centre: a click on either reports plane
    coordinates (its x and y). ``picked`` is marked with a cross.
    """
    import plotly.graph_objects as go

    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    n = len(xs)
    if len(ys) != n or len(pictures) != n * n or n < 2:
        raise InputError(f"a slice needs n*n pictures for n x and n y coordinates; got {len(pictures)}, {n}, {len(ys)}")
    sheet = grid_picture(enlarge(pictures, 48), columns=n, pad=0)
    step = (xs[-1] - xs[0]) / (n - 1)
    x0, x1 = xs[0] - step / 2, xs[-1] + step / 2
    y0, y1 = ys[-1] - step / 2, ys[0] + step / 2
    fig = go.Figure()
    fig.add_layout_image(source=picture_uri(sheet), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                         sizing="stretch", layer="below")
    fine = np.linspace(x0, x1, lattice)
    gx, gy = np.meshgrid(fine, np.linspace(y0, y1, lattice))
    fig.add_trace(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="anywhere",
                             marker=dict(size=max(4, 520 // lattice), color="#000000", opacity=0),
                             hovertemplate="(%{x:.2f}, %{y:.2f})<extra>click to decode</extra>"))
    cx, cy = np.meshgrid(xs, ys)
    fig.add_trace(go.Scatter(x=cx.ravel(), y=cy.ravel(), mode="markers", name="grid centres",
                             marker=dict(size=3, color="rgba(213,94,0,0.3)"),
                             hovertemplate="picture at (%{x:.2f}, %{y:.2f})<extra>click to decode</extra>"))
    if picked is not None:
        fig.add_trace(go.Scatter(x=[picked[0]], y=[picked[1]], mode="markers", name="decoded point",
                                 marker=dict(size=18, symbol="x", color="rgb({}, {}, {})".format(*PICK_COLOR),
                                             line=dict(width=2, color="white"))))
    fig.update_xaxes(range=[x0, x1], title="x (first direction)", zeroline=False, showgrid=False, constrain="domain")
    fig.update_yaxes(range=[y0, y1], title="y (second direction)", zeroline=False, showgrid=False, scaleanchor="x",
                     constrain="domain")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white", showlegend=False,
                      hovermode="closest", hoverdistance=20)
    return fig
