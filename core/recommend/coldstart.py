"""A visitor's ratings: kept in a shared link as ``item:rating,item:rating`` and turned into the 1 x n_items row
that every model's ``score_new`` / ``recommend_new`` folds in."""

from __future__ import annotations

from urllib.parse import quote, unquote

import numpy as np
import scipy.sparse as sp

from core.errors import InputError

MAX_RATED = 200


def encode_rated(rated: dict[int, float], data) -> str:
    """``{column: rating}`` as ``id:rating`` pairs joined by commas (ids percent-encoded)."""
    return ",".join(f"{quote(data.item_ids[c], safe='')}:{v:g}" for c, v in rated.items())


def decode_rated(code: str, data) -> dict[int, float]:
    """The inverse of :func:`encode_rated`, checked: known ids, ratings in the set's range, at most 200."""
    code = (code or "").strip()
    if not code:
        return {}
    pairs = code.split(",")
    if len(pairs) > MAX_RATED:
        raise InputError(f"the link rates {len(pairs)} items; at most {MAX_RATED} are kept in a link")
    lo, hi = data.rating_range if data.explicit else (1.0, 1.0)
    out: dict[int, float] = {}
    for pair in pairs:
        item, sep, value = pair.rpartition(":")
        if not sep:
            raise InputError(f"the ratings in the link are not “item:rating” pairs (saw {pair[:40]!r})")
        col = data.item_col(unquote(item))  # an unknown id says so, with close titles
        what = f"the rating of {data.titles[col]!r} in the link"
        try:
            rating = float(value)
        except ValueError:
            raise InputError(f"{what} is not a number: {value[:20]!r}") from None
        if not np.isfinite(rating) or not lo <= rating <= hi:
            raise InputError(f"{what} is {value[:20]}, outside {lo:g} to {hi:g}")
        out[col] = rating
    return out


def visitor_row(rated: dict[int, float], n_items: int) -> sp.csr_matrix:
    """A visitor's ratings as a 1 x n_items float32 row."""
    cols = np.fromiter(rated.keys(), dtype=np.int64, count=len(rated))
    vals = np.fromiter(rated.values(), dtype=np.float32, count=len(rated))
    return sp.csr_matrix((vals, (np.zeros(len(cols), dtype=np.int64), cols)), shape=(1, n_items), dtype=np.float32)
