"""The big-data path of the projector: above :data:`RASTER_ABOVE` points the scatter is a datashader raster.

A browser cannot draw (or even receive) a Plotly figure of 400k markers quickly, so the points are
binned into an image on the server and the image is laid under the axes; a fixed sample of points
(:func:`sample_rows`) rides on top as ordinary ``Scattergl`` markers for hover and selection.
The steps read like datashader's own pipeline, each taking data and returning data::

    coords -> DataFrame -> Canvas(...).points(df, "x", "y", agg) -> tf.shade(agg) [-> tf.spread] -> RGBA

datashader, pandas, Pillow and colorcet are imported inside the functions that use them: importing
datashader takes over a second (numba, xarray), which a page that never rasterizes should not pay.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InputError

_DATASHADER = None  # the module, once imported in full


def _datashader():
    """``import datashader``, never while umap's import has numba patched (see core.embed.warmup), and
    never half-imported by another thread."""
    global _DATASHADER
    if _DATASHADER is None:
        from core.embed.warmup import NUMBA_IMPORT_LOCK

        with NUMBA_IMPORT_LOCK:
            import datashader
            import datashader.transfer_functions  # noqa: F401

            _DATASHADER = datashader
    return _DATASHADER


RASTER_ABOVE = 200_000  # datasets with more points than this are drawn as a raster
HOWS = ("eq_hist", "log", "cbrt", "linear")
MIN_SIDE, MAX_SIDE = 16, 4096
MAX_SPREAD = 16
MIN_ALPHA = 100  # datashader's default (40) leaves sparse categories barely visible on a white page


@dataclass
class Raster:
    """A shaded image of points and the data box it covers.

    Attributes
    ----------
    rgba : ndarray of shape (height, width, 4), uint8
        Row 0 is the top of the image (the largest y), as image formats and Plotly expect.
    x_range, y_range : (lo, hi)
        The data box the image covers, edges included.
    n_in_view : int
        Points inside the box (those the image shows).
    """

    rgba: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    n_in_view: int

    @property
    def width(self) -> int:
        return int(self.rgba.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgba.shape[0])

    def png(self) -> bytes:
        """The image as PNG bytes (transparent where there are no points)."""
        from PIL import Image

        buf = io.BytesIO()
        # compress_level 1 encodes a 900 x 600 view of 400k points in 25 ms instead of 57 ms (the default 6),
        # for ~20% more bytes (200 kB instead of 170 kB): the image is made again on every zoom
        Image.fromarray(self.rgba).save(buf, format="PNG", compress_level=1)
        return buf.getvalue()

    def data_uri(self) -> str:
        """The PNG as a ``data:image/png;base64,...`` URI, for ``layout.images[].source``."""
        return "data:image/png;base64," + base64.b64encode(self.png()).decode("ascii")


def view_ranges(coords: np.ndarray, pad: float = 0.02) -> tuple[tuple[float, float], tuple[float, float]]:
    """The x and y extent of the finite points, widened by ``pad`` times the extent on each side.

    A zero-width extent (one point, or all points on a line) is widened to a unit around it (scaled to
    the magnitude of the coordinate), and no finite point at all gives ``(-1, 1)``, so every range returned
    has ``lo < hi``.

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
    pad : float
        Fraction of the extent added on each side (0 for the tight box).

    Returns
    -------
    x_range, y_range : (lo, hi) each
    """
    coords = _check_coords(coords)
    if not (np.isfinite(pad) and pad >= 0):
        raise InputError(f"pad={pad!r} must be a finite number >= 0 (a fraction of the extent, e.g. 0.02)")
    ranges = []
    for column in coords.T:
        finite = column[np.isfinite(column)]
        if finite.size == 0:
            ranges.append((-1.0, 1.0))
            continue
        lo, hi = float(finite.min()), float(finite.max())
        if hi <= lo:
            half = 0.5 * max(abs(lo), 1.0)
            lo, hi = lo - half, hi + half
        margin = pad * (hi - lo)
        ranges.append((lo - margin, hi + margin))
    return ranges[0], ranges[1]


def rows_in_view(coords: np.ndarray, x_range: Sequence[float], y_range: Sequence[float]) -> np.ndarray:
    """Indices (ascending) of the points inside the box, edges included, as datashader counts them.

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
    x_range, y_range : (lo, hi)

    Returns
    -------
    ndarray of int64
    """
    coords = _check_coords(coords)
    return np.flatnonzero(_in_view(coords, _check_range("x_range", x_range), _check_range("y_range", y_range)))


def aggregate(coords: np.ndarray, x_range: Sequence[float] | None = None, y_range: Sequence[float] | None = None,
              width: int = 900, height: int = 600, categories: np.ndarray | None = None,
              values: np.ndarray | None = None) -> Any:
    """Bin the points into a ``height x width`` grid with datashader (the step before shading).

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
        A 2-D projection.
    x_range, y_range : (lo, hi), optional
        The data box; ``None`` takes :func:`view_ranges` of ``coords``.
    width, height : int
        Pixels, each between 16 and 4096.
    categories : ndarray of shape (n,) of int, optional
        Category codes ``0..K-1``: the aggregate counts per category (``ds.count_cat``).
    values : ndarray of shape (n,) of float, optional
        A continuous value per point: the aggregate is its mean per pixel (``ds.mean``), NaN ignored.

    Returns
    -------
    xarray.DataArray
        Dims ``("y", "x")`` (plus ``"c"`` for categories), y ascending: row 0 is the BOTTOM of the view,
        as datashader returns it. Counts are uint32, means float64 (NaN where no value).
    """
    ds = _datashader()

    coords = _check_coords(coords)
    x_range, y_range = _resolve_ranges(coords, x_range, y_range)
    _check_side("width", width)
    _check_side("height", height)
    frame = _frame(coords, categories, values)
    canvas = ds.Canvas(plot_width=int(width), plot_height=int(height), x_range=x_range, y_range=y_range)
    if "c" in frame:
        agg = ds.count_cat("c")
    elif "v" in frame:
        agg = ds.mean("v")
    else:
        agg = ds.count()
    return canvas.points(frame, "x", "y", agg)


def rasterize(coords: np.ndarray, x_range: Sequence[float] | None = None, y_range: Sequence[float] | None = None,
              width: int = 900, height: int = 600, categories: np.ndarray | None = None,
              palette: Sequence[str] | None = None, values: np.ndarray | None = None, cmap: Sequence[str] | None = None,
              how: str = "eq_hist", spread: int = 0) -> Raster:
    """Draw the points as an image: density by default, a colour per category, or the mean of a value.

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
        A 2-D projection (float32 is fine and fastest).
    x_range, y_range : (lo, hi), optional
        The data box to draw (the zoomed view); ``None`` takes :func:`view_ranges` of ``coords``.
    width, height : int
        Pixels, each between 16 and 4096.
    categories : ndarray of shape (n,) of int, optional
        Category codes ``0..K-1``; each pixel mixes the colours of its categories, weighted by count.
    palette : sequence of str, optional
        One colour per category code (at least K); default colorcet's ``glasbey_category10``.
    values : ndarray of shape (n,) of float, optional
        A continuous value per point (NaN ignored): each pixel shows the mean, on ``cmap``, linearly
        between the smallest and largest finite value of the whole dataset.
    cmap : sequence of str, optional
        Colours from low to high for density and values; default colorcet's ``bmy``.
    how : {"eq_hist", "log", "cbrt", "linear"}
        How counts map to colour (density) or to opacity (categories). Values are always linear.
    spread : int
        Grow every drawn pixel by this many pixels (0 to 16), to make isolated points visible.
        The first call in a process compiles ``tf.spread`` (seconds).

    Returns
    -------
    Raster
    """
    tf = _datashader().transfer_functions

    coords = _check_coords(coords)
    x_range, y_range = _resolve_ranges(coords, x_range, y_range)
    if how not in HOWS:
        raise InputError(f"how={how!r} is not a datashader shading; choose one of {', '.join(HOWS)}")
    if isinstance(spread, bool) or not isinstance(spread, (int, np.integer)) or not 0 <= spread <= MAX_SPREAD:
        raise InputError(f"spread={spread!r} must be an integer between 0 and {MAX_SPREAD} (pixels)")
    if categories is not None:
        palette = _check_palette(palette, categories)
    agg = aggregate(coords, x_range, y_range, width, height, categories=categories, values=values)
    if categories is not None:
        img = tf.shade(agg, color_key=list(palette[: agg.sizes["c"]]), how=how, min_alpha=MIN_ALPHA)
    elif values is not None:
        img = tf.shade(agg, cmap=_cmap(cmap), how="linear", span=_span(values))
    else:
        img = tf.shade(agg, cmap=_cmap(cmap), how=how)
    if spread:
        img = tf.spread(img, px=int(spread))
    return Raster(_rgba(img), x_range, y_range, int(np.count_nonzero(_in_view(coords, x_range, y_range))))


def add_raster(fig: Any, raster: Raster) -> Any:
    """Lay ``raster`` under the axes of a Plotly figure and fix the axes to its box.

    The image goes in as a ``layout.images`` item in data coordinates, stretched over the raster's box,
    below the traces; the axes ranges are set to that box (autorange off), so ``Scattergl`` traces added
    with the same coordinates line up with the pixels.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    raster : Raster

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig`` itself, changed in place.
    """
    (x0, x1), (y0, y1) = raster.x_range, raster.y_range
    fig.add_layout_image(source=raster.data_uri(), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                         xanchor="left", yanchor="top", sizing="stretch", layer="below")
    fig.update_xaxes(range=[x0, x1], autorange=False)
    fig.update_yaxes(range=[y0, y1], autorange=False)
    return fig


def sample_rows(n: int, limit: int = 20_000, seed: int = 0, must: np.ndarray | None = None) -> np.ndarray:
    """Sorted row indices of a fixed random sample of ``n`` rows, plus every row in ``must``.

    The sample depends only on ``n``, ``limit`` and ``seed``, not on ``must``, so the hover points stay
    put while search matches or a selection come and go.

    Parameters
    ----------
    n : int
        Number of rows in the dataset.
    limit : int
        Size of the random sample (all rows when ``n <= limit``).
    seed : int
        Seed of the sample.
    must : array of int, optional
        Rows always included (search matches, selected points); at most ``limit + len(must)`` rows come back.

    Returns
    -------
    ndarray of int64, ascending, without repeats
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n={n!r} must be a whole number >= 0 (the number of rows)")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise InputError(f"limit={limit!r} must be a whole number >= 0 (rows in the sample)")
    if n <= limit:
        rows = np.arange(n, dtype=np.int64)
    else:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=int(limit), replace=False)).astype(np.int64)
    if must is None:
        return rows
    must = np.asarray(must)
    if must.size and (must.dtype.kind not in "iu" or must.min() < 0 or must.max() >= n):
        raise InputError(f"must holds rows outside 0..{n - 1} (or not integers); pass row indices of the dataset")
    return np.union1d(rows, must.astype(np.int64).ravel())


def _check_coords(coords: np.ndarray) -> np.ndarray:
    coords = np.asarray(coords)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise InputError(f"coords has shape {coords.shape}; a raster needs (n, 2): project with dims=2 first")
    if coords.dtype.kind not in "fiu":
        raise InputError(f"coords has dtype {coords.dtype}; pass numbers (a float32 projection)")
    return coords if coords.dtype.kind == "f" else coords.astype(np.float64)


def _check_side(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not MIN_SIDE <= value <= MAX_SIDE:
        raise InputError(f"{name}={value!r} must be a whole number of pixels between {MIN_SIDE} and {MAX_SIDE}")


def _check_range(name: str, value: Sequence[float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"{name}={value!r} must be a pair (lo, hi) of numbers") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InputError(f"{name}={value!r} must be finite with lo < hi; leave it None for the full extent")
    return lo, hi


def _resolve_ranges(coords: np.ndarray, x_range: Sequence[float] | None,
                    y_range: Sequence[float] | None) -> tuple[tuple[float, float], tuple[float, float]]:
    if x_range is None or y_range is None:
        full_x, full_y = view_ranges(coords)
        x_range = full_x if x_range is None else x_range
        y_range = full_y if y_range is None else y_range
    return _check_range("x_range", x_range), _check_range("y_range", y_range)


def _in_view(coords: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float]) -> np.ndarray:
    x, y = coords[:, 0], coords[:, 1]
    return (x >= x_range[0]) & (x <= x_range[1]) & (y >= y_range[0]) & (y <= y_range[1])


def _frame(coords: np.ndarray, categories: np.ndarray | None, values: np.ndarray | None) -> Any:
    """The pandas DataFrame datashader reads: x, y and either c (categorical) or v (float)."""
    import pandas as pd

    n = len(coords)
    if categories is not None and values is not None:
        raise InputError("pass categories or values, not both: a pixel shows one of them")
    columns: dict[str, Any] = {"x": coords[:, 0], "y": coords[:, 1]}
    if categories is not None:
        codes = _check_codes(categories, n)
        k = int(codes.max()) + 1 if n else 1
        columns["c"] = pd.Categorical.from_codes(codes, categories=range(k))
    if values is not None:
        values = np.asarray(values)
        if values.shape != (n,) or values.dtype.kind not in "fiu":
            raise InputError(f"values has shape {values.shape} and dtype {values.dtype}; "
                             f"pass one number per point, shape ({n},)")
        columns["v"] = values if values.dtype.kind == "f" else values.astype(np.float64)
    return pd.DataFrame(columns)


def _check_codes(categories: np.ndarray, n: int) -> np.ndarray:
    codes = np.asarray(categories)
    if codes.shape != (n,) or codes.dtype.kind not in "iu":
        raise InputError(f"categories has shape {codes.shape} and dtype {codes.dtype}; "
                         f"pass one integer code 0..K-1 per point, shape ({n},)")
    if n and codes.min() < 0:
        raise InputError(f"categories holds the code {int(codes.min())}; codes must be 0..K-1")
    return codes


def _check_palette(palette: Sequence[str] | None, categories: np.ndarray) -> Sequence[str]:
    if palette is None:
        import colorcet

        palette = colorcet.palette["glasbey_category10"]  # hex strings (colorcet.glasbey_category10 is RGB floats)
    codes = np.asarray(categories)
    needed = int(codes.max()) + 1 if codes.size and codes.dtype.kind in "iu" else 0
    if len(palette) < needed:
        raise InputError(f"palette has {len(palette)} colours but categories has codes up to {needed - 1}; "
                         f"pass at least {needed} colours")
    return palette


def _cmap(cmap: Sequence[str] | None) -> list[str]:
    if cmap is None:
        import colorcet

        # bmy (blue-magenta-yellow) rises monotonically in lightness, so order reads by lightness alone under
        # every colour-vision deficiency and in greyscale (viridis does the same but needs matplotlib, which
        # is no dependency, while colorcet comes with datashader). Unlike "fire" or the CET_CBL maps it does
        # not end in white, so the densest pixels stay visible on a white page.
        return list(colorcet.palette["bmy"])
    if len(cmap) < 2:
        raise InputError(f"cmap has {len(cmap)} colour(s); pass at least 2, from low to high")
    return list(cmap)


def _span(values: np.ndarray) -> tuple[float, float]:
    """The colour scale of ``values``: over the whole dataset, so a colour means the same at every zoom."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)


def _rgba(img: Any) -> np.ndarray:
    """datashader's image (uint32 per pixel, row 0 at the bottom) as (height, width, 4) uint8, row 0 at the top."""
    packed = np.asarray(img.data, dtype="<u4")  # datashader packs RGBA little-endian: R in the low byte
    return np.ascontiguousarray(packed[::-1]).view(np.uint8).reshape(*packed.shape, 4)
