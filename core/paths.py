"""Where EmbedLab keeps what it writes: the workspace of uploads and the projection cache.

``EMBEDLAB_HOME`` moves everything (tests point it at a temporary folder); the default is
``~/.embedlab``.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    root = Path(os.environ.get("EMBEDLAB_HOME", Path.home() / ".embedlab")).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def workspace_dir() -> Path:
    path = home() / "workspace"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    path = home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def numba_cache_dir() -> Path:
    """Numba's on-disk cache of compiled code (UMAP, pynndescent) so no process compiles twice."""
    path = Path(os.environ.get("NUMBA_CACHE_DIR") or home() / "numba")
    path.mkdir(parents=True, exist_ok=True)
    return path
