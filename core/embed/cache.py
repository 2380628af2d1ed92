"""Disk cache of projections, keyed by (dataset content hash, method, parameters, format version).

Entries are a ``.npz`` of plain arrays (read back with ``allow_pickle=False``) plus a ``.json`` of
scalars, written atomically. The cache is bounded: past ``EMBEDLAB_CACHE_ENTRIES`` entries (default
500) the least recently used ones are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np

from core.paths import cache_dir

FORMAT_VERSION = 3  # 2: PCA keeps >= 10 components of explained variance; 3: t-SNE uses Barnes-Hut below 10k


def _canonical(value):
    """One spelling per value: 30 and 30.0 (or numpy's 30) are the same parameter, tuples are lists."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def cache_key(content_hash: str, method: str, params: dict) -> str:
    params = {k: _canonical(v) for k, v in params.items()}
    blob = json.dumps({"data": content_hash, "method": method, "params": params, "v": FORMAT_VERSION},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _paths(key: str) -> tuple[Path, Path]:
    root = cache_dir() / "projections"
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{key}.npz", root / f"{key}.json"


def get(key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    arrays_path, info_path = _paths(key)
    try:
        info = json.loads(info_path.read_text())
        with np.load(arrays_path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # missing or damaged: recompute
        return None
    os.utime(info_path)  # mark as recently used
    return arrays, info


def put(key: str, arrays: dict[str, np.ndarray], info: dict) -> None:
    arrays_path, info_path = _paths(key)
    tag = uuid.uuid4().hex
    tmp_arrays = arrays_path.with_name(f".{tag}.npz")
    tmp_info = info_path.with_name(f".{tag}.json")
    np.savez(tmp_arrays, **arrays)
    tmp_info.write_text(json.dumps(info, default=float))
    os.replace(tmp_arrays, arrays_path)
    os.replace(tmp_info, info_path)  # the .json last: an entry counts only once both are in place
    _prune(info_path.parent)


def _prune(root: Path) -> None:
    limit = int(os.environ.get("EMBEDLAB_CACHE_ENTRIES", "500"))
    infos = sorted(root.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in infos[: max(0, len(infos) - limit)]:
        old.unlink(missing_ok=True)
        old.with_suffix(".npz").unlink(missing_ok=True)
