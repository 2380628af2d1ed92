"""The ``Dataset``: what every loader and parser returns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import InputError


@dataclass
class Dataset:
    """Vectors plus what is known about each row.

    Attributes
    ----------
    name : str
        Short name (a registry name, or a workspace id for uploaded data).
    vectors : ndarray of float32, shape (n, d)
        The embedding, C-contiguous, finite.
    meta : DataFrame
        One row per vector; always has string columns ``id`` (unique) and ``label``.
    description : str
        One line saying what the data is.
    credit : str
        Where it comes from and its licence.
    images : ndarray of uint8, shape (n, h, w) or (n, h, w, 3), optional
        Pictures of the rows (digits, faces, uploaded images as thumbnails).
    texts : list of str, optional
        The text each row embeds, when it came from text.
    """

    name: str
    vectors: np.ndarray
    meta: pd.DataFrame
    description: str = ""
    credit: str = ""
    images: np.ndarray | None = None
    texts: list[str] | None = None
    _hash: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        validate(self)

    @property
    def n(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def labels(self) -> np.ndarray:
        return self.meta["label"].to_numpy()

    @property
    def ids(self) -> np.ndarray:
        return self.meta["id"].to_numpy()

    def content_hash(self) -> str:
        """SHA-256 of the vectors (shape and bytes): the key of everything computed from them."""
        if self._hash is None:
            self._hash = array_hash(self.vectors)
        return self._hash

    def row_of(self, query: str) -> int:
        """Row index of an id or, failing that, of the first row with that label."""
        q = str(query)
        hits = np.flatnonzero(self.meta["id"].to_numpy() == q)
        if hits.size == 0:
            hits = np.flatnonzero(self.meta["label"].astype(str).to_numpy() == q)
        if hits.size == 0:
            raise InputError(
                f"{q!r} is neither an id nor a label in dataset {self.name!r}; "
                f"try one of: {', '.join(map(str, self.meta['label'].head(5)))}"
            )
        return int(hits[0])

    def subset(self, rows: np.ndarray | slice, name: str | None = None) -> Dataset:
        """The same dataset restricted to some rows."""
        return Dataset(
            name=name or self.name,
            vectors=self.vectors[rows],
            meta=self.meta.iloc[rows].reset_index(drop=True),
            description=self.description,
            credit=self.credit,
            images=None if self.images is None else self.images[rows],
            texts=None if self.texts is None else list(np.asarray(self.texts, dtype=object)[rows]),
        )


def array_hash(x: np.ndarray) -> str:
    """SHA-256 of a float32 array's shape and bytes."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    return hashlib.sha256(str(x.shape).encode() + memoryview(x).cast("B")).hexdigest()


def validate(ds: Dataset) -> None:
    """Check the invariants every Dataset keeps; raise InputError naming the first broken one."""
    v = ds.vectors
    if v.ndim != 2:
        raise InputError(f"vectors must be a 2-D table (rows x dimensions), got shape {v.shape}")
    n, d = v.shape
    if n == 0:
        raise InputError("the data has no rows; a dataset needs at least 2 vectors")
    if n < 2:
        raise InputError("the data has only 1 row; a dataset needs at least 2 vectors")
    if d < 2:
        raise InputError(
            f"the vectors have only {d} column; an embedding needs at least 2 numeric dimensions "
            "(check the delimiter, or which columns are numeric)"
        )
    finite = np.isfinite(v).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        rows = ", ".join(str(i + 1) for i in bad[:5]) + (" ..." if bad.size > 5 else "")
        raise InputError(
            f"{bad.size} vector(s) contain NaN or infinite values (rows {rows}); "
            "remove those rows or fill the missing values before loading"
        )
    if len(ds.meta) != n:
        raise InputError(
            f"metadata has {len(ds.meta)} rows but there are {n} vectors; they must match row for row "
            "(a projector metadata.tsv with several columns needs a header row, "
            "one with a single column must not have one)"
        )
    for col in ("id", "label"):
        if col not in ds.meta.columns:
            raise InputError(f"metadata needs an {col!r} column")
    ids = ds.meta["id"].astype(str)
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        where = ", ".join(str(i + 1) for i in np.flatnonzero(ids.to_numpy() == first)[:5])
        raise InputError(
            f"id {first!r} appears {int((ids == first).sum())} times (rows {where}); ids must be unique: "
            "fix the id column, or drop it and rows will be numbered"
        )
    if ds.images is not None and len(ds.images) != n:
        raise InputError(f"there are {len(ds.images)} images for {n} vectors; they must match")
    if ds.texts is not None and len(ds.texts) != n:
        raise InputError(f"there are {len(ds.texts)} texts for {n} vectors; they must match")


def make_meta(n: int, labels=None, ids=None, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Build a metadata table with string ``id`` and ``label`` columns first."""
    meta = pd.DataFrame(index=range(n)) if extra is None else extra.reset_index(drop=True).copy()
    id_col = [str(i) for i in range(n)] if ids is None else [str(x) for x in ids]
    label_col = id_col if labels is None else [str(x) for x in labels]
    meta = meta.drop(columns=[c for c in ("id", "label") if c in meta.columns])
    meta.insert(0, "label", pd.Series(label_col, dtype=object))
    meta.insert(0, "id", pd.Series(id_col, dtype=object))
    return meta
