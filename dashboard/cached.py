"""THE caching boundary: every ``st.cache_data`` / ``st.cache_resource`` of the dashboard lives here.

Pages call these functions; they call :mod:`core`. Arrays and frames go through ``cache_data``
(copies), models and indexes through ``cache_resource`` (shared, never mutated). All are bounded.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import datasets, embed
from core.embed.warmup import warmup_in_background


@st.cache_resource(max_entries=1, show_spinner=False)
def start_warmup():
    """Compile UMAP's numba code once per server, in the background, off every user's path."""
    return warmup_in_background()


@st.cache_data(max_entries=1, show_spinner=False)
def catalog() -> list[dict]:
    return datasets.catalog()


@st.cache_resource(max_entries=8, show_spinner="Loading dataset…")
def dataset(name: str):
    """A loaded dataset, shared between sessions (read-only)."""
    return datasets.load(name)


PREVIEW_POINTS = 20_000


@st.cache_data(max_entries=8, show_spinner=False)
def preview_rows(n: int, limit: int = PREVIEW_POINTS, seed: int = 0):
    """Rows a quick preview draws: all of them up to ``limit``, else a fixed random sample."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


@st.cache_data(max_entries=32, show_spinner="Projecting…")
def projection(name: str, method: str, dims: int = 2, seed: int = 0):
    p = embed.project(dataset(name), method, dims=dims, seed=seed)
    return p.coords, p.explained_variance_ratio
