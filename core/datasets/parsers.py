"""Parsers for data people bring: projector TSV, CSV, Parquet, .npy, text and images.

Each parser takes bytes (what an upload widget hands over) or a path and returns a
:class:`~core.datasets.base.Dataset`, or raises :class:`~core.errors.InputError` with a message
that says what is wrong and how to fix it. Nothing is ever unpickled.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.datasets.base import Dataset, make_meta
from core.errors import InputError

DEFAULT_MAX_MB = 200.0
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
THUMB = 64
ID_NAMES = ("id", "ID", "Id")
LABEL_NAMES = ("label", "Label", "name", "word", "title", "class", "category")
TEXT_NAMES = ("text", "sentence", "document", "content", "body")

Encoder = Callable[[Sequence], np.ndarray]
Progress = Callable[[int, int], None] | None  # progress(items embedded, items in all)


def max_bytes() -> int:
    """The upload size cap: ``EMBEDLAB_MAX_UPLOAD_MB`` megabytes (default 200)."""
    raw = os.environ.get("EMBEDLAB_MAX_UPLOAD_MB", str(DEFAULT_MAX_MB))
    try:
        return int(float(raw) * 1e6)
    except ValueError:
        raise InputError(f"EMBEDLAB_MAX_UPLOAD_MB={raw!r} is not a number of megabytes") from None


def check_size(nbytes: int, what: str, cap: int | None = None) -> None:
    cap = max_bytes() if cap is None else cap
    if nbytes > cap:
        raise InputError(
            f"{what} is {nbytes / 1e6:.1f} MB, over the {cap / 1e6:g} MB size cap; split it, keep fewer rows, "
            "or raise the cap with EMBEDLAB_MAX_UPLOAD_MB"
        )


def decode(data: bytes, what: str) -> str:
    """Strict UTF-8 (a BOM is dropped); anything else is refused with where it broke."""
    if not data or not data.strip():
        raise InputError(f"{what} is empty; it needs at least 2 rows of numbers")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{what} is not UTF-8 text (byte 0x{data[err.start]:02x} at position {err.start}); "
            "re-save it as UTF-8 (e.g. 'Save as... CSV UTF-8')"
        ) from None


def split_rows(text: str, delimiter: str, what: str) -> list[list[str]]:
    """Rows of cells; blank lines skipped; every row must have as many cells as the first."""
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r and any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{what} is empty; it needs at least 2 rows of numbers")
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise InputError(
                f"{what}: row {i + 1} has {len(r)} values but row 1 has {width}; every row needs the same "
                "number of columns (look for a missing or extra delimiter on that line)"
            )
    return rows


def header_of(row: list[str], what: str) -> list[str]:
    """Column names of a header row (blank ones numbered); a name used twice is refused."""
    header = [h.strip() or f"column_{j + 1}" for j, h in enumerate(row)]
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(f"{what}: the column name {h!r} appears more than once in the header row; rename one")
        seen.add(h)
    return header


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def to_matrix(rows: list[list[str]], what: str, columns: Sequence[str] | None = None, first_row: int = 1) -> np.ndarray:
    """Float32 matrix of string cells; the first non-number is named by row and column."""
    try:
        return np.array(rows, dtype=np.float64).astype(np.float32)
    except ValueError:
        for i, r in enumerate(rows):
            for j, cell in enumerate(r):
                if not _is_number(cell):
                    col = columns[j] if columns is not None else str(j + 1)
                    raise InputError(
                        f"{what}: row {i + first_row}, column {col!r} holds {cell[:40]!r}, which is not a number; "
                        "vectors must be all numbers (use '.' as the decimal point)"
                    ) from None
        raise


def _labels_from(meta: pd.DataFrame) -> tuple[list | None, list | None]:
    """Pick the id and label columns of a metadata table (by name, else the first text column)."""
    ids = next((meta[c].tolist() for c in ID_NAMES if c in meta.columns), None)
    label_col = next((c for c in LABEL_NAMES if c in meta.columns), None)
    if label_col is None:
        label_col = next((c for c in meta.columns if c not in ID_NAMES), None)
    labels = meta[label_col].tolist() if label_col is not None else None
    return ids, labels


def _dataset(name, vectors, meta_extra, description, **kw) -> Dataset:
    ids, labels = _labels_from(meta_extra) if meta_extra is not None and len(meta_extra.columns) else (None, None)
    n = len(vectors)
    if meta_extra is not None and len(meta_extra) != n:
        raise InputError(
            f"metadata has {len(meta_extra)} rows but there are {n} vectors; they must match row for row "
            "(a projector metadata.tsv with several columns needs a header row, one with a single column must not)"
        )
    meta = make_meta(n, labels=labels, ids=ids, extra=meta_extra)
    return Dataset(name=name, vectors=vectors, meta=meta, description=description, **kw)


# --- metadata files ---------------------------------------------------------------------------------


def parse_metadata(data: bytes, filename: str) -> pd.DataFrame:
    """A metadata table. Projector rule: one column means no header; several columns mean a header row."""
    what = f"metadata file {filename!r}"
    check_size(len(data), what)
    text = decode(data, what)
    delimiter = "," if filename.lower().endswith(".csv") else "\t"
    rows = split_rows(text, delimiter, what)
    if len(rows[0]) == 1:
        return pd.DataFrame({"label": [r[0] for r in rows]})
    if len(rows) < 2:
        raise InputError(f"{what} has a header row but no data rows")
    return pd.DataFrame(rows[1:], columns=header_of(rows[0], what))


# --- vectors ------------------------------------------------------------------------------------------


def parse_projector(data: bytes, filename: str = "vectors.tsv", metadata: pd.DataFrame | None = None) -> Dataset:
    """TensorFlow-projector ``vectors.tsv``: one vector a line, tab-separated, no header."""
    what = f"vectors file {filename!r}"
    check_size(len(data), what)
    rows = split_rows(decode(data, what), "\t", what)
    first = 1
    if not any(_is_number(c) for c in rows[0]):  # a header row, although the format has none
        if len(rows) == 1:
            raise InputError(f"{what} has a header row but no data rows")
        rows, first = rows[1:], 2
    vectors = to_matrix(rows, what, first_row=first)
    return _dataset(Path(filename).stem, vectors, metadata, f"uploaded from {filename}")


def _vectors_from_frame(frame: pd.DataFrame, what: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Split a table into vectors (numeric columns, or one list column) and metadata (the rest)."""
    if frame.empty or len(frame) == 0:
        raise InputError(f"{what} has a header row but no data rows")
    list_cols = [c for c in frame.columns if frame[c].map(lambda x: isinstance(x, (list, np.ndarray))).all()]
    if not list_cols:  # CSV cells that hold JSON lists: "[0.1, 0.2]"
        list_cols = [
            c for c in frame.columns
            if frame[c].dtype == object
            and frame[c].map(lambda x: isinstance(x, str) and x.strip().startswith("[")).all()
        ]
        for c in list_cols:
            try:
                frame[c] = frame[c].map(json.loads)
            except json.JSONDecodeError:
                raise InputError(
                    f"{what}: column {c!r} looks like lists but a cell is not a valid [a, b, ...] list"
                ) from None
    if len(list_cols) > 1:
        raise InputError(
            f"{what} has several list columns ({', '.join(map(str, list_cols))}); keep only the vector one"
        )
    if list_cols:
        col = list_cols[0]
        lengths = frame[col].map(len)
        if lengths.nunique() > 1:
            bad = int(np.flatnonzero(lengths.to_numpy() != lengths.iloc[0])[0])
            raise InputError(
                f"{what}: the vector in row {bad + 1} has {lengths.iloc[bad]} values but row 1 has {lengths.iloc[0]}; "
                "all vectors need the same length"
            )
        try:
            vectors = np.array(frame[col].tolist(), dtype=np.float32)
        except (TypeError, ValueError):
            raise InputError(f"{what}: column {col!r} holds lists with values that are not numbers") from None
        return vectors, frame.drop(columns=[col])
    numeric, meta_cols = [], []
    for c in frame.columns:
        s = frame[c]
        if str(c) in ID_NAMES or str(c) in LABEL_NAMES:
            meta_cols.append(c)
            continue
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            numeric.append(c)
            continue
        cells = s.astype(str).str.strip()
        ok = cells.map(_is_number) | (cells == "")
        if ok.all():
            numeric.append(c)
        elif ok.mean() >= 0.8:  # a numeric column with a few bad cells: say where, don't guess
            bad = int(np.flatnonzero(~ok.to_numpy())[0])
            raise InputError(
                f"{what}: row {bad + 1}, column {c!r} holds {cells.iloc[bad][:40]!r}, which is not a number; "
                "vectors must be all numbers (use '.' as the decimal point)"
            )
        else:
            meta_cols.append(c)
    if not numeric:
        raise InputError(f"{what} has no numeric columns; vectors need at least 2 numeric columns or one list column")
    block = frame[numeric].apply(lambda s: pd.to_numeric(s.replace("", np.nan), errors="coerce"))
    return block.to_numpy(dtype=np.float32), frame[meta_cols]


def parse_csv(data: bytes, filename: str = "data.csv", text_column: str | None = None,
              encoder: Encoder | None = None, progress: Progress = None) -> Dataset:
    """CSV with a header: numeric columns (or one list column) are the vectors, the rest metadata.

    With ``text_column`` the named column is embedded with the sentence encoder instead.
    """
    what = f"file {filename!r}"
    check_size(len(data), what)
    text = decode(data, what)
    delimiter = "\t" if filename.lower().endswith(".tsv") else ","
    rows = split_rows(text, delimiter, what)
    if len(rows) < 2:
        raise InputError(f"{what} has a header row but no data rows")
    frame = pd.DataFrame(rows[1:], columns=header_of(rows[0], what), dtype=object)
    return _from_frame(frame, filename, what, text_column, encoder, progress)


def parse_parquet(data: bytes, filename: str = "data.parquet", text_column: str | None = None,
                  encoder: Encoder | None = None, progress: Progress = None) -> Dataset:
    what = f"file {filename!r}"
    check_size(len(data), what)
    if not data:
        raise InputError(f"{what} is empty")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise InputError(f"{what} is not a readable Parquet file ({type(err).__name__}); re-export it") from None
    return _from_frame(frame, filename, what, text_column, encoder, progress)


def _from_frame(frame, filename, what, text_column, encoder, progress: Progress = None) -> Dataset:
    if text_column is None and len(frame.columns) and not any(c in frame.columns for c in ("vector", "embedding")):
        numeric_like = frame.apply(lambda s: s.astype(str).map(_is_number).mean()).max() if len(frame) else 0
        if numeric_like < 0.8:  # no vectors at all: a text table
            text_column = next((c for c in TEXT_NAMES if c in frame.columns), None)
    if text_column is not None:
        if text_column not in frame.columns:
            raise InputError(
                f"{what} has no column {text_column!r}; its columns are {', '.join(map(str, frame.columns))}"
            )
        texts = frame[text_column].astype(str).tolist()
        return parse_texts(texts, filename, meta=frame, encoder=encoder, progress=progress)
    if len(frame) == 0:
        raise InputError(f"{what} has a header row but no data rows")
    vectors, meta = _vectors_from_frame(frame, what)
    return _dataset(Path(filename).stem, vectors, meta.reset_index(drop=True), f"uploaded from {filename}")


def parse_npy(data: bytes, filename: str = "vectors.npy", metadata: pd.DataFrame | None = None) -> Dataset:
    """A plain numeric 2-D ``.npy`` array; object arrays (pickles) are refused, never loaded."""
    what = f"file {filename!r}"
    check_size(len(data), what)
    if not data:
        raise InputError(f"{what} is empty")
    if not data.startswith((b"\x93NUMPY", b"PK\x03\x04")):  # np.load would take anything else for a pickle
        raise InputError(f"{what} is not a .npy array (it does not start like one); save it with numpy.save")
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise InputError(
                f"{what} holds Python objects (a pickle); EmbedLab never unpickles uploads. "
                "Save a plain numeric array instead: np.save(path, vectors.astype('float32'))"
            ) from None
        raise InputError(f"{what} is not a valid .npy array ({err}); save it with numpy.save") from None
    except (OSError, EOFError) as err:
        raise InputError(f"{what} is not a valid .npy array ({err}); save it with numpy.save") from None
    if isinstance(arr, np.lib.npyio.NpzFile) or not isinstance(arr, np.ndarray):
        raise InputError(f"{what} is an .npz archive; save one array with numpy.save")
    if arr.dtype.names or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise InputError(f"{what} has dtype {arr.dtype}; vectors must be a plain integer or float array")
    if arr.ndim != 2:
        raise InputError(f"{what} has shape {arr.shape}; vectors must be 2-D (rows x dimensions)")
    return _dataset(Path(filename).stem, arr.astype(np.float32), metadata, f"uploaded from {filename}")


# --- raw text and images, embedded with pretrained encoders -----------------------------------------


def parse_texts(texts: Sequence[str], filename: str = "texts.txt", meta: pd.DataFrame | None = None,
                encoder: Encoder | None = None, progress: Progress = None) -> Dataset:
    """Embed texts with the MiniLM sentence encoder (or ``encoder``, e.g. a fake one in tests);
    ``progress(texts embedded, texts)`` is called as the batches finish."""
    texts = [t.strip() for t in texts]
    if sum(bool(t) for t in texts) < 2:
        raise InputError(f"{filename!r} holds fewer than 2 non-empty texts; add more rows of text")
    if any(not t for t in texts):
        bad = texts.index("")
        raise InputError(f"{filename!r}: row {bad + 1} has an empty text; remove it or fill it in")
    if encoder is None:
        from core.embed.encoders import get_encoder

        encoder = get_encoder("minilm")
    if progress:
        n = len(texts)
        vectors = encoder(texts, progress=lambda fraction: progress(min(n, round(fraction * n)), n))
    else:
        vectors = encoder(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    extra = meta.reset_index(drop=True) if meta is not None else pd.DataFrame({"text": texts})
    if "label" not in extra.columns:
        extra = extra.assign(label=[t[:60] for t in texts])
    return _dataset(Path(filename).stem, vectors, extra, f"{len(texts):,} texts from {filename}, embedded with MiniLM",
                    texts=list(texts))


def parse_text_file(data: bytes, filename: str = "texts.txt", encoder: Encoder | None = None,
                    progress: Progress = None) -> Dataset:
    """Plain text, one document a line."""
    what = f"file {filename!r}"
    check_size(len(data), what)
    lines = [ln for ln in decode(data, what).splitlines() if ln.strip()]
    return parse_texts(lines, filename, encoder=encoder, progress=progress)


MAX_MEMBER_PIXELS = 89_478_485  # one picture of a collection: Pillow's own decompression-bomb warning limit
ENCODE_CHUNK = 64  # pictures decoded and embedded at a time: a large collection is never all in memory at full size


def _member_header(data: bytes, name: str, what: str) -> None:
    """Check one picture of a collection from its header alone (cheap: nothing is decoded), so that a wrong
    file is reported before minutes of embedding rather than after."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
    except Image.DecompressionBombError:  # over twice Pillow's limit: it will not even say the size
        raise InputError(f"{what}: image {name!r} has far too many pixels (at most {MAX_MEMBER_PIXELS:,}); "
                         "scale it down or remove it") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise InputError(f"{what}: image {name!r} cannot be read ({type(err).__name__}); remove or replace that file") \
            from None
    if width * height > MAX_MEMBER_PIXELS:
        raise InputError(f"{what}: image {name!r} has far too many pixels ({width:,} x {height:,}; at most "
                         f"{MAX_MEMBER_PIXELS:,}); scale it down or remove it")


def on_white(im):
    """A picture as 8-bit RGB: transparency (an alpha channel, or a PNG's transparent colour) laid on white
    paper, 16-bit grey scaled to 8 bits (``convert`` alone would clip it to white)."""
    from PIL import Image

    if im.mode.startswith("I"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        im = Image.fromarray(np.clip(np.rint(arr / top * 255), 0, 255).astype(np.uint8))
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return im.convert("RGB")


def _member_picture(data: bytes, name: str, what: str, side: int | None):
    """One picture of a collection as an upright 8-bit RGB image (the camera's EXIF rotation applied; see
    :func:`on_white`). With ``side`` a JPEG is decoded at a reduced scale that still has at least ``side``
    pixels a side (the encoder's input): a 12-megapixel photo decodes several times faster, its pixels within
    a few grey levels of a full decode's."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            if side:
                im.draft("RGB", (side, side))
            im.load()
            return on_white(ImageOps.exif_transpose(im))
    except Image.DecompressionBombError:
        raise InputError(f"{what}: image {name!r} has far too many pixels (at most {MAX_MEMBER_PIXELS:,}); "
                         "scale it down or remove it") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise InputError(f"{what}: image {name!r} cannot be read ({type(err).__name__}); it is "
                         "damaged: remove or replace that file") from None


def _thumbnail(rgb) -> np.ndarray:
    """A picture fitted into THUMB x THUMB (shrunk in place: ``rgb`` is not used again), centred on white."""
    from PIL import Image

    rgb.thumbnail((THUMB, THUMB))
    canvas = Image.new("RGB", (THUMB, THUMB), (255, 255, 255))
    canvas.paste(rgb, ((THUMB - rgb.width) // 2, (THUMB - rgb.height) // 2))
    return np.asarray(canvas)


def _image_members(files: dict[str, Callable[[], bytes]], source: str, what: str,
                   encoder: Encoder | None, progress: Progress = None) -> Dataset:
    """Embed a collection's pictures: every header is checked first, then the pictures are decoded and
    embedded ENCODE_CHUNK at a time (``progress(pictures embedded, pictures)`` after each chunk)."""
    from PIL import Image

    names = sorted(n for n in files if Path(n).suffix.lower() in IMAGE_EXTS
                   and not any(part.startswith((".", "__MACOSX")) for part in Path(n).parts))
    if not names:
        raise InputError(
            f"{what} holds no images; put .png, .jpg, .bmp, .gif or .webp files in it (sub-folders become labels)"
        )
    for name in names:
        _member_header(files[name](), name, what)
    if encoder is None:
        from core.embed.encoders import get_encoder

        encoder = get_encoder("efficientnet-lite0")
    side = getattr(encoder, "size", None)  # the encoder's input side, when it says
    if progress:
        progress(0, len(names))
    vectors, thumbs, chunk = [], [], []
    for i, name in enumerate(names, 1):
        rgb = _member_picture(files[name](), name, what, side)
        # the encoder's own resize, done here so that only the small copy is kept (the same pixels)
        chunk.append(rgb.resize((side, side), Image.BILINEAR) if side else rgb.copy())
        thumbs.append(_thumbnail(rgb))
        if len(chunk) == ENCODE_CHUNK or i == len(names):
            vectors.append(np.asarray(encoder(chunk), dtype=np.float32))
            chunk = []
            if progress:
                progress(i, len(names))
    labels = [Path(n).parent.name or Path(n).stem for n in names]
    extra = pd.DataFrame({"file": names, "label": labels})
    return _dataset(Path(source).stem, np.concatenate(vectors), extra.assign(id=names),
                    f"{len(names):,} images from {source}, embedded with EfficientNet-Lite0", images=np.stack(thumbs))


def parse_image_zip(data: bytes, filename: str = "images.zip", encoder: Encoder | None = None,
                    progress: Progress = None) -> Dataset:
    what = f"zip file {filename!r}"
    check_size(len(data), what)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{what} is not a valid zip archive; re-create it") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        check_size(sum(i.file_size for i in infos), f"{what} (unpacked)")
        return _image_members({i.filename: (lambda i=i: zf.read(i)) for i in infos}, filename, what, encoder,
                              progress)


def parse_image_folder(folder: str | Path, encoder: Encoder | None = None, progress: Progress = None) -> Dataset:
    folder = Path(folder)
    files = {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}
    check_size(sum(p.stat().st_size for p in files.values()), f"folder '{folder}'")
    return _image_members({k: p.read_bytes for k, p in files.items()}, folder.name, f"folder '{folder}'", encoder,
                          progress)


def parse_image_files(files: dict[str, bytes], source: str = "folder", encoder: Encoder | None = None,
                      progress: Progress = None) -> Dataset:
    """Pictures uploaded one by one (a browser's folder upload): {relative name: bytes}."""
    what = f"the {len(files)} uploaded files of {source!r}"
    check_size(sum(len(b) for b in files.values()), what)
    return _image_members({k: (lambda b=b: b) for k, b in files.items()}, source, what, encoder, progress)


# --- one entry point by file type -------------------------------------------------------------------

PARSERS: dict[str, Callable[..., Dataset]] = {
    ".tsv": parse_projector,
    ".csv": parse_csv,
    ".parquet": parse_parquet,
    ".pq": parse_parquet,
    ".npy": parse_npy,
    ".txt": parse_text_file,
    ".zip": parse_image_zip,
}
WITH_METADATA = {".tsv", ".npy"}
WITH_TEXT_COLUMN = {".csv", ".parquet", ".pq"}


def parse_bytes(filename: str, data: bytes, metadata: tuple[str, bytes] | None = None,
                text_column: str | None = None, encoder: Encoder | None = None, progress: Progress = None) -> Dataset:
    """Parse an upload by its file name's extension; ``progress(done, total)`` follows the embedding of texts
    or pictures (files that carry vectors never call it)."""
    ext = Path(filename).suffix.lower()
    if ext not in PARSERS:
        raise InputError(
            f"{filename!r}: files ending {ext or '(none)'} are not read; use one of {', '.join(sorted(PARSERS))} "
            "or a folder of images"
        )
    kwargs: dict = {}
    if metadata is not None:
        if ext not in WITH_METADATA:
            raise InputError(
                f"a separate metadata file goes with .tsv or .npy vectors; {filename!r} carries its own columns"
            )
        kwargs["metadata"] = parse_metadata(metadata[1], metadata[0])
    if text_column is not None:
        if ext not in WITH_TEXT_COLUMN:
            raise InputError(f"--text-column applies to CSV or Parquet files, not {filename!r}")
        kwargs["text_column"] = text_column
    if ext in WITH_TEXT_COLUMN | {".txt", ".zip"}:
        kwargs["encoder"] = encoder
        kwargs["progress"] = progress
    return PARSERS[ext](data, filename, **kwargs)


def parse_path(path: str | Path, metadata: str | Path | None = None, text_column: str | None = None,
               encoder: Encoder | None = None) -> Dataset:
    """Parse a file or a folder of images from disk (the CLI's ``--input``)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"input {str(path)!r} does not exist; check the path")
    if path.is_dir():
        return parse_image_folder(path, encoder=encoder)
    check_size(path.stat().st_size, f"file {path.name!r}")
    meta = None
    if metadata is not None:
        mp = Path(metadata)
        if not mp.is_file():
            raise InputError(f"metadata file {str(mp)!r} does not exist; check the path")
        check_size(mp.stat().st_size, f"metadata file {mp.name!r}")
        meta = (mp.name, mp.read_bytes())
    return parse_bytes(path.name, path.read_bytes(), metadata=meta, text_column=text_column, encoder=encoder)


# --- one uploaded picture (a photo to match, a sketch to translate) -----------------------------------
MAX_PICTURE_BYTES = 5_000_000
MAX_PICTURE_PIXELS = 4096 * 4096


def read_picture(data: bytes, filename: str = "picture", what: str = "picture") -> np.ndarray:
    """An uploaded PNG / JPG as a grey uint8 picture (h, w), checked: bytes, format, pixels (no decompression
    bomb), damage. Transparent parts count as white paper; a phone photo is turned upright (its EXIF
    orientation). ``what`` names it in the messages ("a sketch ...")."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) == 0:
        raise InputError(f"{filename!r} is empty; upload a PNG or JPG {what}")
    if len(data) > MAX_PICTURE_BYTES:
        raise InputError(f"{filename!r} is {len(data) / 1e6:.1f} MB; a {what} may be at most "
                         f"{MAX_PICTURE_BYTES / 1e6:.0f} MB: save it smaller")
    try:
        im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InputError(f"{filename!r} has far too many pixels; a {what} may have at most "
                         f"{MAX_PICTURE_PIXELS:,}") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise InputError(f"{filename!r} cannot be read as an image ({type(err).__name__}); upload a PNG or JPG") \
            from None
    with im:
        if im.format not in ("PNG", "JPEG", "MPO"):  # MPO: a JPEG with extra embedded images (phones)
            raise InputError(f"{filename!r} is a {im.format} image; upload a PNG or JPG")
        if im.width * im.height > MAX_PICTURE_PIXELS:
            raise InputError(f"{filename!r} is {im.width}x{im.height} pixels; a {what} may have at most "
                             f"{MAX_PICTURE_PIXELS:,} pixels: scale it down")
        try:
            im.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
            raise InputError(f"{filename!r} is damaged ({type(err).__name__}); save it again as PNG or JPG") \
                from None
        return np.asarray(on_white(ImageOps.exif_transpose(im)).convert("L"))  # transparent paper is white
