"""What the Explore page computes besides projections: colours, search, row sets in links, exports.

Pure functions over a dataset's metadata and a projection's coordinates, so the page, the CLI and a
notebook share them and the tests can pin their values.

>>> import pandas as pd
>>> meta = pd.DataFrame({"id": ["a", "b", "c"], "label": ["cat", "dog", "cat"]})
>>> color_spec(meta, "label").categories
['cat', 'dog']
>>> search(meta, "^d", regex=True).tolist()
[False, True, False]
"""

from __future__ import annotations

import base64
import io
import re
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import InputError

# Colour-blind-safe qualitative palettes, smallest first: Okabe & Ito (2008), and CARTO's "Safe" (built on
# Paul Tol's muted colours; its trailing grey, meant for "other", is left out so no class fades into the page).
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
SAFE = ["#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933", "#882255", "#661100",
        "#6699CC"]
OTHER_COLOR = "#BBBBBB"
MAX_SAFE = len(SAFE)  # more categories than this cannot all be told apart by colour-blind readers
MAX_CATEGORIES = 40  # beyond this: the most frequent ones, the rest pooled as "other"
CONTINUOUS_ABOVE = 12  # a numeric column with more distinct values than this is coloured on a scale
CONTINUOUS_SCALES = {"viridis": "Viridis", "cividis": "Cividis", "plasma": "Plasma"}  # all perceptually uniform
NONE, RECALL = "(none)", "(k-NN recall)"  # colour choices that are not metadata columns
ANY_COLUMN = "(any column)"


def _distinct_palette(k: int) -> list[str]:
    if k <= len(OKABE_ITO):
        return OKABE_ITO[:k]
    if k <= len(SAFE):
        return SAFE[:k]
    import colorcet  # glasbey: maximally distinct colours, for when no safe palette is long enough

    return list(colorcet.palette["glasbey_category10"][:k])


@dataclass
class ColorSpec:
    """How points are coloured: one category code per point, or one value per point on a scale.

    Attributes
    ----------
    kind : {"none", "categorical", "continuous"}
    column : the metadata column (or :data:`RECALL`)
    codes : int32 per point, index into ``categories`` (categorical)
    categories : category names, most frequent first; "other" last when some were pooled
    palette : one hex colour per category
    values : float32 per point, NaN where unknown (continuous)
    colorscale : a Plotly colour-scale name (continuous)
    safe : whether every colour can be told apart by colour-blind readers
    note : why the colouring is not what was asked for, if it is not
    """

    kind: str
    column: str = ""
    codes: np.ndarray | None = field(default=None, repr=False)
    categories: list[str] = field(default_factory=list)
    palette: list[str] = field(default_factory=list)
    values: np.ndarray | None = field(default=None, repr=False)
    colorscale: str = "Viridis"
    safe: bool = True
    note: str = ""

    def point_colors(self) -> np.ndarray:
        """One hex colour per point (for static images), as on the page: NaN values grey, "none" blue."""
        if self.kind == "categorical":
            return np.asarray(self.palette, dtype=object)[self.codes]
        if self.kind == "continuous":
            from matplotlib import colormaps
            from matplotlib.colors import to_hex

            v = self.values.astype(float)
            lo, hi = np.nanmin(v) if np.isfinite(v).any() else 0.0, np.nanmax(v) if np.isfinite(v).any() else 1.0
            t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
            cmap = colormaps[self.colorscale.lower()]
            out = np.array([to_hex(c) for c in cmap(np.nan_to_num(t, nan=0.0))], dtype=object)
            out[~np.isfinite(v)] = OTHER_COLOR
            return out
        return np.full(len(self.codes) if self.codes is not None else 0, "#0072B2", dtype=object)


def scale_colors(scale: str, n: int = 256) -> list[str]:
    """The hex colours of a continuous scale (for rasters and static images, matching Plotly's)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if scale.lower() not in CONTINUOUS_SCALES:
        raise InputError(f"scale={scale!r} is not known; choose one of {', '.join(CONTINUOUS_SCALES)}")
    return [to_hex(c) for c in colormaps[scale.lower()](np.linspace(0, 1, n))]


def color_columns(meta: pd.DataFrame) -> list[str]:
    """Columns a user may colour by: every metadata column but the unique id."""
    return [c for c in meta.columns if c != "id"]


def default_color(meta: pd.DataFrame) -> str:
    """Colour by label when labels are classes (few values); else no colour (e.g. one word per row)."""
    return "label" if meta["label"].nunique() <= MAX_CATEGORIES else NONE


def color_spec(meta: pd.DataFrame, column: str, recall: np.ndarray | None = None,
               scale: str = "viridis") -> ColorSpec:
    """Decide how to colour by ``column``: numbers with many values on a scale, the rest by category.

    ``column`` may also be :data:`NONE` or :data:`RECALL` (per-point k-NN recall, which ``recall`` holds).
    """
    n = len(meta)
    if scale not in CONTINUOUS_SCALES:
        raise InputError(f"scale={scale!r} is not known; choose one of {', '.join(CONTINUOUS_SCALES)}")
    if column == NONE:
        return ColorSpec("none", column, codes=np.zeros(n, dtype=np.int32))
    if column == RECALL:
        if recall is None or len(recall) != n:
            raise InputError("colouring by k-NN recall needs the projection's per-point recall")
        return ColorSpec("continuous", column, values=np.asarray(recall, dtype=np.float32),
                         colorscale=CONTINUOUS_SCALES[scale])
    if column not in meta.columns:
        raise InputError(f"there is no column {column!r}; colour by one of: {', '.join(color_columns(meta))}")
    col = meta[column]
    # pandas 3 reads text as the "str" dtype, not object: test for text, or numbers in text stay categories
    numeric = col
    if pd.api.types.is_string_dtype(col.dtype) and _mostly_numbers(col):  # numbers read from a text file
        numeric = pd.to_numeric(col, errors="coerce")
    if pd.api.types.is_numeric_dtype(numeric) and not pd.api.types.is_bool_dtype(numeric):
        if numeric.notna().mean() >= 0.9 and numeric.nunique() > CONTINUOUS_ABOVE:
            return ColorSpec("continuous", column, values=numeric.to_numpy(dtype=np.float32, na_value=np.nan),
                             colorscale=CONTINUOUS_SCALES[scale])
    text = col.astype(str).where(col.notna(), "(missing)")
    counts = text.value_counts(sort=True)
    if len(counts) > MAX_CATEGORIES and len(counts) > n / 2:
        return ColorSpec("none", column, codes=np.zeros(n, dtype=np.int32),
                         note=f"“{column}” has {len(counts):,} different values for {n:,} points: too many to "
                              "colour by. Search it instead, or colour by a column with fewer values.")
    names = sorted(counts.index[:MAX_CATEGORIES], key=_natural) if len(counts) <= MAX_CATEGORIES else \
        list(counts.index[:MAX_CATEGORIES - 1])
    lookup = {name: i for i, name in enumerate(names)}
    other = len(counts) > len(names)
    codes = text.map(lookup).fillna(len(names)).to_numpy(dtype=np.int32)
    palette = _distinct_palette(len(names))
    if other:
        names, palette = [*names, f"other ({len(counts) - len(lookup):,} values)"], [*palette, OTHER_COLOR]
    return ColorSpec("categorical", column, codes=codes, categories=[str(c) for c in names], palette=palette,
                     safe=len(lookup) <= MAX_SAFE)


def _mostly_numbers(col: pd.Series, sample: int = 200) -> bool:
    """Whether a text column looks numeric, judged on its first non-empty values (parsing all of a
    100k-row word column only to find words costs a tenth of a second on every colour change)."""
    head = col.dropna().head(sample)
    return len(head) > 0 and pd.to_numeric(head, errors="coerce").notna().mean() >= 0.9


def _natural(s: str):
    """Sort "2" before "10" and words alphabetically."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", str(s)) if t]


def search(meta: pd.DataFrame, query: str, column: str = "label", regex: bool = False) -> np.ndarray:
    """Boolean mask of the rows whose ``column`` (or any column) contains ``query``, case-insensitive.

    With ``regex`` the query is a Python regular expression searched anywhere in the value; a bad one
    raises :class:`InputError` saying what is wrong with it.
    """
    query = str(query)
    if not query:
        return np.zeros(len(meta), dtype=bool)
    if column != ANY_COLUMN and column not in meta.columns:
        raise InputError(f"there is no column {column!r} to search; choose one of: {', '.join(meta.columns)}")
    if regex:
        try:
            re.compile(query)
        except re.error as exc:
            raise InputError(f"the search {query!r} is not a valid regular expression ({exc}); "
                             "untick “regex” to search for the text as it is") from None
    cols = list(meta.columns) if column == ANY_COLUMN else [column]
    mask = np.zeros(len(meta), dtype=bool)
    for c in cols:
        values = meta[c].astype(str)
        with warnings.catch_warnings():  # "pattern has match groups": harmless, contains() ignores them
            warnings.simplefilter("ignore", UserWarning)
            mask |= values.str.contains(query, case=False, regex=regex, na=False).to_numpy()
    return mask


# --- row sets in links ----------------------------------------------------------------------------


def encode_rows(rows, n: int) -> str:
    """A short, URL-safe code for a set of rows of an n-row dataset (compressed bitmap)."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if rows.size and (rows[0] < 0 or rows[-1] >= n):
        raise InputError(f"rows must lie between 0 and {n - 1}")
    bits = np.zeros(n, dtype=bool)
    bits[rows] = True
    packed = zlib.compress(np.packbits(bits).tobytes(), 9)
    return f"{n}.{base64.urlsafe_b64encode(packed).decode().rstrip('=')}"


def decode_rows(code: str, n: int) -> np.ndarray:
    """The rows :func:`encode_rows` encoded; a code for another dataset or a mangled one is refused."""
    head, _, body = str(code).partition(".")
    # ascii: int() refuses "²" although it is a digit; 19 digits: int64, and int() refuses over 4,300
    if not (head.isascii() and head.isdigit()) or len(head) > 19 or not body:
        raise InputError("the selection in this link is not readable (it may have been cut or edited)")
    if int(head) != n:
        raise InputError(f"the selection in this link was made on a dataset of {int(head):,} rows, "
                         f"but this one has {n:,}; the data has changed since the link was made")
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, zlib.error):
        raise InputError("the selection in this link is not readable (it may have been cut or edited)") from None
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8))
    if len(bits) < n or bits[n:].any():
        raise InputError("the selection in this link is not readable (it may have been cut or edited)")
    return np.flatnonzero(bits[:n])


# --- exports ----------------------------------------------------------------------------------------

EXPORT_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def export_frame(coords: np.ndarray, meta: pd.DataFrame, rows=None) -> pd.DataFrame:
    """Coordinates (x, y[, z]) and every metadata column of ``rows`` (all rows when None)."""
    rows = np.arange(len(meta)) if rows is None else np.asarray(rows, dtype=np.int64)
    axes = ["x", "y", "z"][: coords.shape[1]]
    out = meta.iloc[rows].reset_index(drop=True).copy()
    out = out.rename(columns={a: f"meta_{a}" for a in axes if a in out.columns})  # keep both, never clash
    for i, a in enumerate(axes):
        out.insert(i, a, coords[rows, i].astype(np.float32))
    return out


def export_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The frame as a CSV (UTF-8) or Parquet file."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"format={fmt!r} is not known; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def figure_html(fig) -> bytes:
    """A standalone HTML page of a Plotly figure (plotly.js inlined: opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


def scatter_png(coords: np.ndarray, colors: np.ndarray, title: str = "", highlight=None, dim=None,
                size: float = 5.0, width: int = 1200, height: int = 900) -> bytes:
    """A static PNG of a 2-D projection with the same colours as the page (matplotlib, no browser needed).

    ``highlight`` rows are drawn on top with a dark outline; ``dim`` is a per-point mask of points drawn faint.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise InputError("a PNG needs 2-D coordinates")
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_subplot()
    alpha = np.full(len(coords), 0.8)
    if dim is not None:
        alpha[np.asarray(dim, dtype=bool)] = 0.12
    ax.scatter(coords[:, 0], coords[:, 1], c=list(colors), s=size * 1.6, alpha=alpha, linewidths=0)
    if highlight is not None and len(highlight):
        h = np.asarray(highlight, dtype=np.int64)
        ax.scatter(coords[h, 0], coords[h, 1], s=size * 8, facecolors="none", edgecolors="#000000", linewidths=1.2)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
