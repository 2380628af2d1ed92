"""Session-state keys and URL (query-param) state in one place.

Widgets whose value belongs in a shared link use ``bind="query-params"`` with a key listed here.
Before such a widget is drawn, :func:`check_url_choice` / :func:`check_url_number` look at the value
the link carries: an unknown or out-of-range one (a stale or edited link) is explained on the page
instead of silently ignored, and the widget falls back to its default.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.checks import show_number

# URL keys (short: they are part of every shared link)
DATASET = "ds"
METHOD, DIMS = "m", "d"
PC_X, PC_Y, PC_Z = "px", "py", "pz"
PERPLEXITY, LEARNING_RATE, ITERATIONS = "perp", "lr", "it"
N_NEIGHBORS, MIN_DIST, UMAP_METRIC = "nn", "md", "um"
COLOR, SCALE, LABEL, SIZE, DENSITY = "c", "pal", "lbl", "sz", "dens"
QUERY, QUERY_COLUMN, REGEX = "q", "qc", "rx"
POINT, K, NEIGHBOR_METRIC = "pt", "k", "nm"
SELECTION, ISOLATE, ZOOM, VIEW, TRUST = "sel", "iso", "zoom", "view", "trust"

# Eigenfaces lesson (k and the axes reuse the Explore keys' names: one meaning per key)
EIGEN_SHOWN, FACE = "n", "face"

# Autoencoder lesson (the dataset is "ds" again)
CODE, LATENT, FROM, TO, GRID, SPAN = "code", "z", "a", "b", "grid", "span"
TRAIN_KIND, TRAIN_CODE, EPOCHS, TRAIN_LR, TRAINED = "tk", "tc", "ep", "tlr", "tr"

# t-SNE / UMAP lab (the point is "pt", the perplexity "perp", the real dataset "ds")
TOY, SWEEP, SWEEP_VALUE, SNAPSHOT = "toy", "sw", "sv", "iter"

# Search lab (the query is "q", the number of results "k")
K1, B, CORPUS = "k1", "b", "corpus"
REPEATS, WEIGHT = "rep", "w"  # keyword stuffing: the spam page's repeats; the PageRank weight of a blend
DAMPING, PAGE, FARM = "damp", "page", "farm"  # PageRank: damping, the page looked at, link-farm size
NEED, QUERIES = "need", "nq"  # semantic search: the paraphrase set; evaluation: the number of queries

SCATTER = "explore_scatter"  # the projector chart's selection state (session only)


def _warn(text: str) -> None:
    st.warning(text + " (The link may be old or edited.)", icon=":material/link:")


def check_url_choice(key: str, options: Sequence, what: str) -> bool:
    """Warn when the link names a ``what`` that is not among ``options``; the default is used instead.
    True when the link's value was refused."""
    value = st.query_params.get(key)
    if key in st.session_state:  # the widget holds a value already: the URL is its echo, not a link
        return False
    if value is not None and value not in [str(o) for o in options]:
        shown = ", ".join(str(o) for o in options[:12]) + (" …" if len(options) > 12 else "")
        _warn(f"This link asks for {what} “{value}”, which does not exist here. "
              f"Showing the default instead; pick one of: {shown}.")
        del st.query_params[key]
        return True
    return False


def check_url_number(key: str, lo: float, hi: float, what: str, integer: bool = False) -> bool:
    """Warn when the link's ``what`` is not a number between ``lo`` and ``hi``; the default is used instead.
    True when the link's value was refused."""
    value = st.query_params.get(key)
    if value is None or key in st.session_state:  # (see check_url_choice)
        return False
    try:
        number = float(value)
        ok = lo <= number <= hi and (not integer or number == int(number))
    except ValueError:
        ok = False
    if not ok:
        kind = "a whole number" if integer else "a number"
        _warn(f"This link sets {what} to “{value}”, but it must be {kind} from {show_number(lo)} to {show_number(hi)}. "
              "Showing the default instead.")
        del st.query_params[key]
    return not ok


def clamp(key: str, lo: float, hi: float) -> None:
    """Pull a number widget's remembered value into [lo, hi] before it is drawn (its range follows the data)."""
    value = st.session_state.get(key)
    if isinstance(value, (int, float)) and not lo <= value <= hi:
        st.session_state[key] = type(value)(min(max(value, lo), hi))


def check_number(key: str, lo: float, hi: float, what: str, integer: bool = False) -> bool:
    """:func:`check_url_number` and :func:`clamp` together: what every bounded number widget needs first.
    True when the link's value was refused."""
    refused = check_url_number(key, lo, hi, what, integer)
    clamp(key, lo, hi)
    return refused


VIEW_KEYS = (POINT, SELECTION, ISOLATE, ZOOM)  # unbound state that belongs to one dataset


def reset_view() -> None:
    """Forget the selection, isolation and zoom (they name rows of the previous dataset)."""
    for key in VIEW_KEYS:
        set_url(key, None)


def url_value(key: str, default: str = "") -> str:
    """A URL parameter that is not bound to a widget (selection, zoom)."""
    return st.query_params.get(key, default)


def set_url(key: str, value: str | None) -> None:
    """Set (or, with None or "", remove) a URL parameter that is not bound to a widget."""
    if value in (None, ""):
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value



def url_point(key: str, limit: float, what: str, names: str, hint: str) -> tuple[float, float] | None:
    """The point "x,y" a link carries under ``key`` (both within +-``limit``); a malformed one is explained,
    dropped from the URL, and None is returned."""
    import math

    text = url_value(key)
    if not text:
        return None
    try:
        x, y = (float(v) for v in text.split(","))
        if not (math.isfinite(x) and math.isfinite(y) and max(abs(x), abs(y)) <= limit):
            raise ValueError
    except ValueError:
        _warn(f"This link decodes the {what} “{text}”, which is not two numbers between -{limit:g} and {limit:g} "
              f"({names}). {hint}")
        set_url(key, None)
        return None
    return x, y


def store_clicked_point(chart_key: str, url_key: str) -> None:
    """A chart's ``on_select`` callback: put the last clicked point into the URL as "x,y"."""
    points = ((st.session_state.get(chart_key) or {}).get("selection") or {}).get("points", [])
    if points:
        set_url(url_key, f"{points[-1]['x']:.3f},{points[-1]['y']:.3f}")


def reset_widgets(values: dict) -> None:
    """Set URL-bound widgets to ``values`` (their new defaults) from an ``on_change`` callback, when
    another choice has changed their options: a bound query parameter cannot simply be deleted."""
    for key, value in values.items():
        st.session_state[key] = value

# Recommendation lab (the number of results is "k" again)
RATINGS, MODEL, USER, ITEM = "rs", "model", "user", "item"
ORDER, N_USERS, N_ITEMS, FILL = "order", "nu", "ni", "fill"  # the user-item matrix block
RATED, SEED = "rated", "seed"  # cold start: the visitor's ratings ("50:5,181:4"); evaluation: the split's seed

# Representation lab (the query is "q", k "k", epochs "ep", the snapshot "iter")
W2V_KIND, W2V_DIM, W2V_WINDOW = "kind", "dim", "win"

# Image similarity (the map method is "m", the number of similar images "k")
IMAGE_SET, IMAGE = "set", "img"
TRIPLET_SOURCE, MINING, MARGIN, TRIPLET_DIM = "src", "mine", "margin", "tdim"  # the triplet-loss page

# Sequence models (character LSTM / GRU / Transformer on FOLDOC)
SEQ_MODELS, PROMPT, TEMPERATURE = "seq", "prompt", "temp"

# Generative lab (shared by its pages: the model, the seed, the number of samples, the truncation)
GEN_MODEL, GEN_SEED, GEN_N, PSI = "gm", "gs", "gn", "psi"
GEN_PICK, GEN_A, GEN_B, GEN_C, GEN_PATH = "gp", "ga", "gb", "gc", "path"  # samples: picked, walk ends, arithmetic
GEN_CLASS, GEN_CLASS_TO, GEN_STYLE = "cls", "cls2", "row"  # conditional GAN: the class, the mix's end, a style row
SLICE_CENTER, PLANE_SEED, EXTENT, SLICE_GRID, SLICE_AT = "ctr", "ps", "ext", "sg", "at"  # the latent slice
# Image to image: the held-out row; training replay: the model "gm" and the snapshot "iter" (as in the t-SNE lab);
# train your own GAN: its settings, the "Run N steps" choice and the schedule of the updates done (custom.py)
HELDOUT_ROW = "hr"
GAN_SET, GAN_SIDE, GAN_LR, GAN_BATCH, GAN_SEED = "gset", "gside", "glr", "gbatch", "gseed"
GAN_RUN, GAN_STEPS = "grun", "gsteps"
