"""Keep numba's compilation off the user's path.

umap-learn and pynndescent compile dozens of numba functions on first use (tens of seconds on two
cores). :func:`umap_module` points numba's on-disk cache at EmbedLab's home before umap is first
imported, so compiled code is reused by every later process; :func:`warmup` runs one fit big enough
to take the same code paths as real data (nearest-neighbour descent starts above 4,096 rows), which
`make` runs once at set-up and the dashboard runs in a background thread at start.
"""

from __future__ import annotations

import os
import threading
import time
import warnings

import numpy as np

from core.paths import numba_cache_dir

_lock = threading.Lock()


def umap_module():
    """``import umap`` with numba's disk cache in place."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap
    return umap


def warmup(n: int = 5000, seed: int = 0) -> float:
    """One seeded UMAP fit on random data shaped like real data; returns the seconds it took."""
    with _lock:
        start = time.perf_counter()
        umap = umap_module()
        x = np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            umap.UMAP(n_neighbors=15, random_state=seed, n_epochs=20).fit_transform(x)
        return time.perf_counter() - start


def warmup_in_background() -> threading.Thread:
    """Start :func:`warmup` in a daemon thread (the dashboard calls this once at start)."""
    thread = threading.Thread(target=warmup, name="embedlab-umap-warmup", daemon=True)
    thread.start()
    return thread
