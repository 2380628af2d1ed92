"""The local workspace: uploaded datasets saved so they survive a restart and reopen by id.

Each dataset is a folder ``<workspace>/<id>/`` holding ``data.parquet`` (metadata columns, the
vector as a list column, optional text and raw thumbnail bytes) and ``manifest.json`` (name, shape,
description, source, format version). The folder is written under a temporary name and renamed into
place, so a crash never leaves half a dataset. The id is derived from the content: saving the same
upload twice gives the same id.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.datasets.base import Dataset
from core.errors import InputError
from core.paths import read_manifest, workspace_dir, write_folder

FORMAT_VERSION = 1
ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")
VECTOR, TEXT, IMAGE = "__vector__", "__text__", "__image__"


def dataset_id(ds: Dataset) -> str:
    h = hashlib.sha256(ds.content_hash().encode())
    h.update(pd.util.hash_pandas_object(ds.meta.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:12]


def _check_id(ws_id: str) -> None:
    if not ID_PATTERN.match(str(ws_id)):
        raise InputError(
            f"{ws_id!r} is not a workspace dataset id (12 hex digits such as 'a1b2c3d4e5f6'); "
            "the link may be cut short or edited: `embedlab datasets` lists the ids"
        )


def exists(ws_id: str) -> bool:
    return bool(ID_PATTERN.match(str(ws_id))) and (workspace_dir() / ws_id / "manifest.json").is_file()


def list_ids() -> list[str]:
    root = workspace_dir()
    found = [p for p in root.iterdir() if ID_PATTERN.match(p.name) and (p / "manifest.json").is_file()]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime)]


def _meta_column(s: pd.Series):
    """Numbers and booleans keep their type (a reopened dataset equals the upload); the rest is text."""
    if pd.api.types.is_bool_dtype(s) or (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_complex_dtype(s)):
        return pa.array(s)
    return s.astype(str).to_numpy()


def save(ds: Dataset, source: str = "") -> str:
    """Save a dataset atomically and return its id (the same content always gets the same id)."""
    ws_id = dataset_id(ds)
    final = workspace_dir() / ws_id
    if (final / "manifest.json").is_file():
        return ws_id
    columns = {c: _meta_column(ds.meta[c]) for c in ds.meta.columns}
    flat = pa.array(ds.vectors.reshape(-1), type=pa.float32())
    columns[VECTOR] = pa.FixedSizeListArray.from_arrays(flat, ds.dim)
    if ds.texts is not None:
        columns[TEXT] = pa.array([str(t) for t in ds.texts], type=pa.string())
    if ds.images is not None:
        columns[IMAGE] = pa.array([img.tobytes() for img in ds.images], type=pa.binary())
    manifest = {
        "id": ws_id, "name": ds.name, "n": ds.n, "dim": ds.dim, "description": ds.description,
        "credit": ds.credit or "uploaded by a user", "source": source, "created": time.time(),
        "image_shape": None if ds.images is None else list(ds.images.shape[1:]),
        "format_version": FORMAT_VERSION, "vectors_sha256": ds.content_hash(),
    }
    write_folder(final, {"data.parquet": lambda path: pq.write_table(pa.table(columns), path)}, manifest)
    return ws_id


def _manifest(ws_id: str) -> dict:
    _check_id(ws_id)
    manifest = read_manifest(
        workspace_dir() / ws_id,
        missing=f"dataset {ws_id!r} is not in this workspace (it was never uploaded here, or it was deleted); "
                "upload the file again or pick a dataset from `embedlab datasets`",
        damaged=f"dataset {ws_id!r} has a damaged manifest.json (not valid JSON); upload it again")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InputError(f"dataset {ws_id!r} was saved by another EmbedLab version; upload it again")
    return manifest


def describe(ws_id: str) -> dict:
    m = _manifest(ws_id)
    return {"name": ws_id, "n": m["n"], "dim": m["dim"], "description": f"{m['name']}: {m['description']}",
            "credit": m["credit"], "source": "workspace"}


def load(ws_id: str) -> Dataset:
    manifest = _manifest(ws_id)
    try:
        table = pq.read_table(workspace_dir() / ws_id / "data.parquet")
        vec = table.column(VECTOR).combine_chunks()
        vectors = vec.flatten().to_numpy().reshape(len(vec), manifest["dim"])
        names = [c for c in table.column_names if c not in (VECTOR, TEXT, IMAGE)]
        meta = table.select(names).to_pandas()
        texts = table.column(TEXT).to_pylist() if TEXT in table.column_names else None
        images = None
        if IMAGE in table.column_names:
            shape = tuple(manifest["image_shape"])
            images = np.stack([np.frombuffer(b, dtype=np.uint8).reshape(shape)
                               for b in table.column(IMAGE).to_pylist()])
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
        raise InputError(
            f"dataset {ws_id!r} on disk is damaged (data.parquet cannot be read); upload it again"
        ) from None
    ds = Dataset(name=ws_id, vectors=vectors, meta=meta, description=manifest["description"],
                 credit=manifest["credit"], images=images, texts=texts)
    if ds.content_hash() != manifest["vectors_sha256"]:
        raise InputError(f"dataset {ws_id!r} on disk does not match its manifest (edited or damaged); upload it again")
    return ds


def delete(ws_id: str) -> None:
    _check_id(ws_id)
    shutil.rmtree(workspace_dir() / ws_id, ignore_errors=True)
