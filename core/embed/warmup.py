"""Keep numba's compilation off the user's path.

umap-learn and pynndescent compile dozens of numba functions on first use (over a minute on two
cores). EmbedLab's UMAP skips pynndescent (its code cannot be cached; see
:class:`core.embed.projectors.UMAP`). :func:`umap_module` points numba's on-disk cache at EmbedLab's
home before umap is first imported, so the rest is compiled once and reused by every later process;
:func:`warmup` runs 2-D and 3-D fits on data shaped like real data, which `make` runs once at set-up
and the dashboard runs in a background thread at start (the few functions numba does not cache are
then compiled before anyone asks for a UMAP).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
import warnings

import numpy as np

from core.paths import numba_cache_dir

_lock = threading.Lock()  # one warm-up at a time
# numba is patched for the length of umap's import; nothing else may import numba code meanwhile
# (datashader's generated functions cannot be cached and would fail under the patch)
NUMBA_IMPORT_LOCK = threading.RLock()


@contextlib.contextmanager
def _numba_cache_by_default():
    """While umap is imported, numba's ``njit``/``jit`` default to ``cache=True``.

    umap-learn leaves ``cache`` off on some hot functions (``smooth_knn_dist``,
    ``compute_membership_strengths``, the layout epoch), so every process compiled them again (~9 s
    here). Turning the default on for the duration of the import caches them too; an explicit
    ``cache=`` in umap's code still wins.
    """
    import numba

    njit, jit = numba.njit, numba.jit

    def with_cache(decorator):
        @functools.wraps(decorator)
        def wrapper(*args, **kwargs):
            kwargs.setdefault("cache", True)
            return decorator(*args, **kwargs)

        return wrapper

    numba.njit, numba.jit = with_cache(njit), with_cache(jit)
    try:
        yield
    finally:
        numba.njit, numba.jit = njit, jit


_UMAP = None  # the module, once its import has finished (sys.modules holds it half-imported meanwhile)


def umap_module():
    """``import umap`` with numba's disk cache in place.

    Thread-safe: the numba patch never outlives the import, and no thread gets the module before its
    import has finished (another thread's ``"umap" in sys.modules`` is true half way through).
    """
    global _UMAP
    if _UMAP is not None:
        return _UMAP
    with NUMBA_IMPORT_LOCK:
        if _UMAP is not None:
            return _UMAP
        if "NUMBA_CACHE_DIR" not in os.environ:
            os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
            if "numba" in sys.modules:  # numba reads its settings at import: make it read them again
                sys.modules["numba"].core.config.reload_config()
        with warnings.catch_warnings(), _numba_cache_by_default():
            warnings.simplefilter("ignore")
            import umap
        _UMAP = umap
    return umap


def warmup(n: int = 5000, seed: int = 0, dims: tuple[int, ...] = (2, 3)) -> float:
    """Seeded UMAP fits on random data shaped like real data; returns the seconds they took.

    ``make`` runs the full one (compiles everything into the disk cache); the dashboard a small one at
    start, which only loads the cached code into the process and so stays off visitors' CPU.
    """
    with _lock:
        start = time.perf_counter()
        from core.embed.projectors import UMAP

        x = np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)
        for d in dims:
            UMAP(n_components=d, random_state=seed).fit(x)
        return time.perf_counter() - start


def warmup_raster(seed: int = 0) -> float:
    """Compile datashader's kernels (counts, categories, values) on a few points; returns the seconds.

    datashader generates and compiles its code per process (none of it can be cached on disk), about
    2 s, which would otherwise fall on the first person to open a big dataset.
    """
    from core.viz.raster import rasterize

    start = time.perf_counter()
    xy = np.random.default_rng(seed).normal(size=(64, 2)).astype(np.float32)
    rasterize(xy, width=32, height=32)
    rasterize(xy, width=32, height=32, categories=np.arange(64) % 3, palette=["#000000", "#555555", "#AAAAAA"])
    rasterize(xy, width=32, height=32, values=xy[:, 0])
    return time.perf_counter() - start


def _warm_all() -> None:
    warmup(n=400, dims=(2,))
    warmup_raster()


def warmup_in_background() -> threading.Thread:
    """Start :func:`warmup` and :func:`warmup_raster` in a daemon thread (the dashboard does this once at start)."""
    thread = threading.Thread(target=_warm_all, name="embedlab-warmup", daemon=True)
    thread.start()
    return thread
