"""Interactions people upload to the recommendation lab: read exactly, checked, kept under a content id.

>>> from core.recommend.uploads import save_ratings, load_ratings
>>> rid = save_ratings("ratings.csv", open("ratings.csv", "rb").read())      # doctest: +SKIP
>>> load_ratings(rid).matrix.shape                                          # doctest: +SKIP
(610, 9724)

The interactions file is CSV (``.csv``; values separated by commas, or by tabs or semicolons, told apart by
the header) or TSV (``.tsv``), UTF-8 (a byte-order mark is fine), with a header row and one interaction
a row: ``user`` and ``item`` (required), ``rating`` and ``timestamp`` (optional). Column names are matched
ignoring case, and the usual other names are understood (``userId``, ``movieId``, ``score``, ``time``...,
see :data:`INTERACTION_COLUMNS`; a RecBole type suffix such as ``user_id:token`` is dropped); other columns
are ignored and noted. MovieLens's ``ratings.csv`` and ``movies.csv``, and RecBole's ``ml-100k.inter``, read as
they are. The rules, each with a message that names the lines:

- ids are text (surrounding spaces dropped), not empty, at most :data:`MAX_ID_CHARS` characters, one line
  (a tab or other control character in an id is refused, never silently changed, since the id would no
  longer match the one in the items file or in a shared link);
- a rating is a finite number; negative ones are kept (a like/dislike scale) and noted, but not 0, since
  the rating matrix uses 0 for "not rated"; a semicolon-separated file may write ``3,5`` for 3.5; no rating
  column, or the same rating everywhere, means implicit feedback (every interaction counts 1);
- a timestamp is whole or decimal seconds since 1970 or an ISO date (``2024-05-31``,
  ``2024-05-31T14:30:00+02:00``; no zone means UTC), kept as int64 seconds;
- a user-item pair given more than once keeps its last row (noted);
- at least :data:`MIN_USERS` users, :data:`MIN_ITEMS` items and :data:`MIN_INTERACTIONS` interactions,
  at most :data:`MAX_INTERACTIONS` interactions and :func:`~core.search.uploads.max_upload_bytes` bytes.

An optional items file (same format) names the items: ``item`` (required), ``title`` (default: the id;
control characters become spaces), ``year`` (a whole number) and ``genres`` (separated by ``|``). An item
listed twice keeps its last row; items that no interaction mentions are left out; both are noted.

Users and items are numbered in a natural order: numerically when every id is a whole number, else as text.
:func:`save_ratings` keeps the uploaded bytes as they came (never a pickle) in the workspace under
``ratings/<id>/``; :func:`load_ratings` reopens an id (a shared link) by reading them again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError
from core.paths import read_manifest, saved_folders, workspace_dir, write_folder
from core.recommend.data import MOVIELENS, MOVIELENS_LABEL, Ratings, load_movielens, movielens_dir
from core.search.corpus import _show
from core.search.uploads import MAX_ID_CHARS, MAX_UPLOAD_BYTES, _decode, _few, _lines, _plural, max_upload_bytes

UPLOAD_EXTS = (".csv", ".tsv")
MAX_INTERACTIONS = 5_000_000
MIN_USERS = 2
MIN_ITEMS = 2
MIN_INTERACTIONS = 10
GENRE_SEPARATOR = "|"
RATINGS_ID = re.compile(r"^r-[0-9a-f]{12}$")
UPLOAD_FORMAT_VERSION = 1
MOVIELENS_COUNTS = {"n_users": 943, "n_items": 1682, "n": 100_000}

_ITEM = ("item", "item_id", "itemid", "movieid", "movie_id")
INTERACTION_COLUMNS = {
    "user": ("user", "user_id", "userid"),
    "item": _ITEM,
    "rating": ("rating", "score", "stars"),
    "timestamp": ("timestamp", "time", "date"),
}
ITEM_COLUMNS = {
    "item": _ITEM,
    "title": ("title", "name", "movie_title"),
    "year": ("year", "release_year"),
    "genres": ("genres", "genre"),
}
_SEPARATORS = {",": "commas", "\t": "tabs", ";": "semicolons"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_YEAR = re.compile(r"[+-]?[0-9]{1,4}(\.0*)?")
_SNIFF_CHARS = 65_536
_MAX_SECONDS = 1e11  # year 5138: a larger "timestamp" is not seconds (milliseconds, most likely)
_EXAMPLE = "user,item,rating,timestamp"
_ITEMS_EXAMPLE = "item,title,year,genres"
_NEEDS = (f"a recommender needs at least {MIN_USERS} users, {MIN_ITEMS} items and {MIN_INTERACTIONS} "
          "interactions: it suggests to each user what similar users chose, so with fewer there is nobody to "
          "learn from and nothing to recommend")

UPLOAD_HELP = f"""\
**Interactions**: a CSV file (UTF-8; values separated by commas, tabs or semicolons) with a header row and one
interaction a row: `user` and `item` (required), `rating` (a number; leave the column out if you only know
who chose what) and `timestamp` (seconds since 1970, or a date such as `2024-05-31`). For example:

```
user,item,rating
alice,matrix,5
bob,amelie,3.5
```

**Items** (optional): a second CSV file with `item`, `title`, `year` and `genres` (separated by `|`), such as
MovieLens's `movies.csv`. At least {MIN_USERS} users, {MIN_ITEMS} items and {MIN_INTERACTIONS} interactions; \
at most {MAX_INTERACTIONS:,} interactions and {MAX_UPLOAD_BYTES / 1e6:g} MB a file.
"""


# --- reading a table ---------------------------------------------------------------------------------------


@dataclass
class _Table:
    """The rows of a CSV file that are not blank, each column factorised: ``codes[f][k]`` is the index into
    ``uniques[f]`` of the raw cell of column ``f`` on row ``k``, which starts on line ``starts[k]``."""

    sep: str
    starts: np.ndarray
    codes: dict[str, np.ndarray]
    uniques: dict[str, list[str]]
    notes: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def lines(self, rows) -> list[int]:
        """The first line of each row at indices (or mask) ``rows``."""
        return self.starts[rows].tolist()

    def lines_where(self, field: str, bad) -> list[int]:
        """The lines whose ``field`` is one of the unique values at indices ``bad``."""
        return self.lines(np.isin(self.codes[field], np.asarray(list(bad), dtype=np.int64)))


def _verb(lines: list[int], one: str, many: str) -> str:
    return one if len(lines) == 1 else many


def _ext(filename: str, what: str) -> str:
    ext = Path(str(filename)).suffix.lower()
    if ext not in UPLOAD_EXTS:
        raise InputError(f"{what}: interactions and items are read from .csv or .tsv files, not from files ending "
                         f"{ext or '(no extension)'}; save it as CSV (in a spreadsheet: 'Save as... CSV UTF-8')")
    return ext


def _text(data, what: str, noun: str, example: str) -> str:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"the upload functions take the file's bytes, not {type(data).__name__}")
    data = bytes(data)
    cap = max_upload_bytes()
    if len(data) > cap:
        raise InputError(f"{what} is {len(data) / 1e6:.3g} MB, over the {cap / 1e6:g} MB limit for an upload; "
                         "upload a sample (the interactions of fewer users, say) or split the file")
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{what} is a zip archive (an Excel workbook?), not text; export it as 'CSV UTF-8'")
    try:
        blank = not data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        blank = False  # _decode says where the encoding breaks
    if blank:
        raise InputError(f"{what} is empty: it has no {noun}; its first line must be a header such as "
                         f"{example}, and each line below it one {noun[:-1]}")
    return _decode(data, what)


def _column_name(cell: str) -> str:
    """A header cell as matched against the column names: lower case, spaces and dashes as ``_``, without a
    RecBole type suffix (``user_id:token``)."""
    return re.sub(r"[\s-]+", "_", cell.split(":", 1)[0].strip().lower())


def _match(row: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for j, cell in enumerate(row):
        name = _column_name(cell)
        for f, aliases in columns.items():
            if name in aliases:
                found.setdefault(f, []).append(j)
    return found


def _first_row(text: str, sep: str) -> tuple[list[str], int, int] | None:
    """The first row that is not blank, the line it starts on and its record number (from 0), or None."""
    cut = text.find("\n", _SNIFF_CHARS) + 1  # the header is near the top: no need to copy the whole file
    if 0 < cut < len(text):
        found = _first_row(text[:cut], sep)
        if found is not None:
            return found
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    start = 1
    try:
        for record, row in enumerate(reader):
            if any(cell.strip() for cell in row):
                return row, start, record
            start = reader.line_num + 1
    except csv.Error:
        return None
    return None


def _header(text: str, what: str, columns: dict[str, tuple[str, ...]], required: tuple[str, ...],
            noun: str) -> tuple[str, list[str], int, int, dict[str, int]]:
    """The separator, the header row, the line it starts on, its record number (from 0) and the column of each
    field. The separator is the first of comma, tab and semicolon whose split of the first row names every
    required column; never the file name's extension, so that a file reads the same whatever it is called."""
    example = _EXAMPLE if "user" in columns else _ITEMS_EXAMPLE
    tries = []
    for sep in _SEPARATORS:
        first = _first_row(text, sep)
        if first is None:
            continue
        found = _match(first[0], columns)
        if all(f in found for f in required):
            row, line, record = first
            twice = {f: js for f, js in found.items() if len(js) > 1}
            if twice:
                f, js = next(iter(twice.items()))
                raise InputError(f"{what}: the header (line {line}) has two {f} columns, "
                                 f"{' and '.join(f'{_show(row[j].strip(), 40)} (column {j + 1})' for j in js)}; "
                                 "keep one")
            return sep, row, line, record, {f: js[0] for f, js in found.items()}
        tries.append(first)
    if not tries:
        raise InputError(f"{what} has no {noun}; its first line must be a header such as {example}")
    row, line, _ = max(tries, key=lambda t: len(t[0]))
    missing = [f for f in required if f not in _match(row, columns)]
    names = ", ".join(_show(c.strip(), 40) for c in row)
    also = "; ".join(f"{f!r} may also be called {', '.join(repr(a) for a in columns[f] if a != f)}"
                     for f in missing if len(columns[f]) > 1)
    data_like = all(_NUMBER.fullmatch(c.strip()) for c in row if c.strip())
    hint = (f". Its first row looks like data: add a header line such as {example} above it" if data_like else
            f" ({also})" if also else "")
    raise InputError(
        f"{what} has no {' or '.join(repr(f) for f in missing)} column; its first row must be a header naming "
        f"the columns, such as {example}. Its header "
        f"(line {line}) has: {names}{hint}"
    )


def _read_table(text: str, what: str, ext: str, columns: dict[str, tuple[str, ...]], required: tuple[str, ...],
                noun: str) -> _Table:
    sep, header, header_line, header_record, index = _header(text, what, columns, required, noun)
    notes = []
    if sep != ("\t" if ext == ".tsv" else ","):
        notes.append(f"values are separated by {_SEPARATORS[sep]}")
    renamed = [f"{_show(header[j].strip(), 40)} as {f}" for f, j in index.items() if _column_name(header[j]) != f]
    if renamed:
        notes.append(f"columns read under other names: {', '.join(renamed)}")
    ignored = [_show(c.strip(), 40) for j, c in enumerate(header) if j not in index.values() and c.strip()]
    if ignored:
        notes.append(f"{_plural(len(ignored), 'column', 'columns')} ignored: {_few(ignored)} (EmbedLab reads "
                     f"{', '.join(columns)})")
    # the csv module refuses a cell over 128 KiB unless told otherwise; the upload's size cap bounds them anyway
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    width = len(header)
    maps: dict[str, dict[str, int]] = {f: {} for f in index}
    codes: dict[str, list[int]] = {f: [] for f in index}
    specs = [(j, maps[f], codes[f]) for f, j in index.items()]
    starts: list[int] = []
    ragged: list[tuple[int, int]] = []
    start = 1
    try:
        for record, row in enumerate(reader):
            line, start = start, reader.line_num + 1
            if record <= header_record:
                continue
            if len(row) != width:
                if any(cell.strip() for cell in row):
                    ragged.append((line, len(row)))
                continue
            starts.append(line)
            for j, seen, out in specs:  # factorised as read: a repeated id or rating is stored once
                out.append(seen.setdefault(row[j], len(seen)))
            if len(starts) > MAX_INTERACTIONS:
                raise InputError(f"{what} has more than {MAX_INTERACTIONS:,} {noun}, the most an upload may hold; "
                                 "upload a sample (the interactions of fewer users, say)")
    except csv.Error as err:
        raise InputError(
            f"{what}, line {start}: {err}; check the quotes there (a value with {_SEPARATORS[sep]}, quotes or line "
            'breaks goes in double quotes, and a quote inside it is written twice: "say ""hi""")'
        ) from None
    if ragged:
        bad = [line for line, _ in ragged]
        raise InputError(
            f"{what}: {_lines(bad)} {_verb(bad, 'does', 'do')} not have {width} values like the header (line "
            f"{header_line}); line {bad[0]} has {ragged[0][1]}. Every row needs one value per column (a value "
            f"with {_SEPARATORS[sep]} in it must be in double quotes)"
        )
    code_arrays = {f: np.asarray(c, dtype=np.int64) for f, c in codes.items()}
    uniques = {f: list(m) for f, m in maps.items()}
    blank = np.ones(len(starts), dtype=bool)  # rows of empty cells (",,,", a spreadsheet's habit) are skipped
    for f in index:
        blank &= np.asarray([not u.strip() for u in uniques[f]], dtype=bool)[code_arrays[f]]
    if blank.any():  # and forget the cells only they had, so that no check finds a value on no line
        for f in index:
            used, code_arrays[f] = np.unique(code_arrays[f][~blank], return_inverse=True)
            uniques[f] = [uniques[f][k] for k in used.tolist()]
    return _Table(sep, np.asarray(starts, dtype=np.int64)[~blank], code_arrays, uniques, notes)


def _ids(table: _Table, field: str, what: str) -> tuple[np.ndarray, list[str]]:
    """Stripped ids of a column, checked: (code of each row, distinct ids in order of appearance)."""
    stripped = [u.strip() for u in table.uniques[field]]
    a = "an" if field == "item" else "a"
    checks = [
        ([k for k, s in enumerate(stripped) if not s], f"an empty {field} id; give every row one (or delete it)"),
        ([k for k, s in enumerate(stripped) if len(s) > MAX_ID_CHARS],
         f"{a} {field} id longer than {MAX_ID_CHARS} characters; use shorter ids"),
        ([k for k, s in enumerate(stripped) if _CONTROL.search(s)],
         f"{a} {field} id with a tab, line break or other control character; ids must be one line of text"),
    ]
    for bad, problem in checks:
        lines = table.lines_where(field, bad) if bad else []
        if lines:
            raise InputError(f"{what}: {_lines(lines)} {_verb(lines, 'has', 'have')} {problem}")
    codes, distinct = pd.factorize(np.asarray(stripped, dtype=object))
    return codes.astype(np.int64)[table.codes[field]], [str(d) for d in distinct]


def _natural(ids: list[str]) -> np.ndarray:
    """Positions of ``ids`` in natural order: by value when every id is a whole number, else as text."""
    if all(_INTEGER.fullmatch(s) for s in ids):
        return np.asarray(sorted(range(len(ids)), key=lambda k: (int(ids[k]), ids[k])), dtype=np.int64)
    return np.asarray(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)


def _ordered(codes: np.ndarray, ids: list[str]) -> tuple[np.ndarray, list[str]]:
    order = _natural(ids)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank[codes], [ids[k] for k in order]


def _cells(table: _Table, field: str) -> list[str]:
    return [u.strip() for u in table.uniques[field]]


# --- the columns of an interaction ------------------------------------------------------------------------


def _ratings(table: _Table, what: str) -> tuple[np.ndarray, list[str]]:
    cells = _cells(table, "rating")
    values = np.full(len(cells), np.nan)
    decimal_comma = False
    for k, cell in enumerate(cells):
        if _NUMBER.fullmatch(cell):
            values[k] = float(cell)
        elif table.sep == ";" and _DECIMAL_COMMA.fullmatch(cell):
            values[k], decimal_comma = float(cell.replace(",", ".")), True
    empty = table.lines_where("rating", [k for k, c in enumerate(cells) if not c])
    if empty:
        raise InputError(f"{what}: the rating on {_lines(empty)} is empty; fill it in or delete "
                         f"{_verb(empty, 'that line', 'those lines')} (leave out the whole rating column if the "
                         "interactions have no ratings)")
    bad = [k for k, v in enumerate(values) if not math.isfinite(v)]
    if bad:
        lines = table.lines_where("rating", bad)
        shown = _few([_show(cells[k], 30) for k in bad], 3)
        raise InputError(f"{what}: rating on {_lines(lines)} is not a number: {shown}; write each rating as a "
                         "number such as 4 or 3.5 (NaN and infinity are not allowed)")
    return values[table.codes["rating"]], ["ratings written with a decimal comma (3,5 = 3.5)"] if decimal_comma else []


def _timestamps(table: _Table, what: str) -> np.ndarray | None:
    cells = _cells(table, "timestamp")
    if not any(cells):
        return None
    numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    numeric = np.isfinite(numbers)
    ok = numeric & (np.abs(numbers) < _MAX_SECONDS)
    seconds = np.zeros(len(cells), dtype=np.int64)
    seconds[ok] = np.floor(numbers[ok])
    dates = np.flatnonzero(~numeric & np.asarray([bool(c) for c in cells], dtype=bool)).tolist()
    if dates:
        parsed = pd.to_datetime([cells[k] for k in dates], format="ISO8601", utc=True, errors="coerce")
        read = ~np.asarray(parsed.isna())
        at = np.asarray(dates, dtype=np.int64)[read]
        seconds[at] = np.asarray((parsed[read] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(1, "s"), dtype=np.int64)
        ok[at] = True
    bad = np.flatnonzero(~ok).tolist()
    if bad:
        lines = table.lines_where("timestamp", bad)
        large = [cells[k] for k in bad if numeric[k]]
        hint = (f" ({_show(large[0], 30)} is too large for seconds; if the times are in milliseconds, divide them "
                "by 1000)" if large else "")
        raise InputError(
            f"{what}: timestamp on {_lines(lines)} is not a time: {_few([_show(cells[k], 30) for k in bad], 3)}"
            f"{hint}; write seconds since 1970 (such as 881250949) or a date such as 2024-05-31 or "
            "2024-05-31T14:30:00 (or leave out the timestamp column)"
        )
    return seconds[table.codes["timestamp"]]


# --- the items file ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """A title or genre without control characters (each becomes a space)."""
    return _CONTROL.sub(" ", text).strip()


def _file_name(filename: str) -> str:
    """The name of an uploaded file without folders or control characters: what people read."""
    return _CONTROL.sub("", Path(str(filename)).name)


def _item_meta(items_filename: str, items_data, item_ids: list[str]) -> tuple[pd.DataFrame, list[str]]:
    what = f"items file {_show(_file_name(items_filename))}"
    ext = _ext(items_filename, what)
    table = _read_table(_text(items_data, what, "items", _ITEMS_EXAMPLE), what, ext, ITEM_COLUMNS, ("item",), "items")
    if not len(table):
        raise InputError(f"{what} has a header row but no items; add one row an item below it, or upload no "
                         "items file")
    codes, ids = _ids(table, "item", what)
    notes = [f"items file: {n}" for n in table.notes]
    last = np.full(len(ids), -1, dtype=np.int64)
    last[codes] = np.arange(len(codes))  # numpy assigns in order: the last row of each item wins
    repeated = len(codes) - len(ids)
    if repeated:
        notes.append(f"{_plural(repeated, 'row', 'rows')} of the items file {'repeats' if repeated == 1 else 'repeat'} "
                     "an item listed above: the last row of each item kept")
    row_of = dict(zip(ids, last.tolist(), strict=True))
    rows = [row_of.get(i, -1) for i in item_ids]
    unused = len(ids) - sum(r >= 0 for r in rows)
    if unused:
        notes.append(f"{_plural(unused, 'item', 'items')} of the items file {'is' if unused == 1 else 'are'} in no "
                     "interaction: left out")
    untitled = sum(r < 0 for r in rows)
    if untitled:
        notes.append(f"{_plural(untitled, 'item has', 'items have')} no row in the items file: "
                     f"{'its id is its title' if untitled == 1 else 'their ids are their titles'}")

    def column(field: str) -> list[str | None]:
        cells = [_clean(c) for c in table.uniques[field]]
        return [cells[table.codes[field][r]] if r >= 0 else None for r in rows]

    meta = {"title": [t or i for t, i in zip(column("title"), item_ids, strict=True)] if "title" in table.codes
            else list(item_ids)}
    if "year" in table.codes:
        cells = _cells(table, "year")
        bad = [k for k, c in enumerate(cells) if c and not _YEAR.fullmatch(c)]
        if bad:
            lines = table.lines_where("year", bad)
            raise InputError(f"{what}: year on {_lines(lines)} is not a whole number: "
                             f"{_few([_show(cells[k], 30) for k in bad], 3)}; write a year such as 1995, or "
                             "leave the cell empty")
        years = [int(float(c)) if c else None for c in cells]
        meta["year"] = pd.array([years[table.codes["year"][r]] if r >= 0 else None for r in rows], dtype="Int64")
    if "genres" in table.codes:
        meta["genres"] = [tuple(g.strip() for g in (s or "").split(GENRE_SEPARATOR) if g.strip())
                          for s in column("genres")]
    return pd.DataFrame(meta), notes


# --- parsing ----------------------------------------------------------------------------------------------


def ratings_id(filename: str, data: bytes, items_data: bytes | None = None) -> str:
    """The content id of an upload, ``r-`` and 12 hex digits: the same files always get the same id (the
    file names do not count; a file is read the same whatever it is called, as long as it is .csv or .tsv)."""
    _ext(filename, f"file {_show(_file_name(filename))}")
    digest = hashlib.sha256()
    for part in (bytes(data), None if items_data is None else bytes(items_data)):
        digest.update(b"-" if part is None else len(part).to_bytes(8, "little") + part)
    return "r-" + digest.hexdigest()[:12]


def parse_interactions(filename: str, data: bytes, items_filename: str | None = None,
                       items_data: bytes | None = None) -> Ratings:
    """An uploaded interactions file (and optional items file), checked; see the module docstring.

    Raises :class:`InputError` saying what is wrong, on which lines, and how to fix it; nothing is written.
    """
    name = _file_name(filename)
    what = f"file {_show(name)}"
    ext = _ext(filename, what)
    table = _read_table(_text(data, what, "interactions", _EXAMPLE), what, ext, INTERACTION_COLUMNS, ("user", "item"),
                        "interactions")
    if not len(table):
        raise InputError(f"{what} has no interactions, only a header row; add one row an interaction below it "
                         f"({_NEEDS})")
    notes = list(table.notes)
    users, user_ids = _ids(table, "user", what)
    items, item_ids = _ids(table, "item", what)
    values = np.ones(len(users))
    if "rating" in table.codes:
        values, extra = _ratings(table, what)
        notes += extra
    timestamps = _timestamps(table, what) if "timestamp" in table.codes else None
    if "timestamp" in table.codes and timestamps is None:
        notes.append("the timestamp column is empty: ignored")
    key = users * len(item_ids) + items
    _, first_of_reversed = np.unique(key[::-1], return_index=True)
    keep = np.sort(len(key) - 1 - first_of_reversed)
    repeated = len(key) - len(keep)
    explicit = "rating" in table.codes and len(np.unique(values[keep])) > 1
    if repeated:
        notes.append(f"{_plural(repeated, 'repeated user-item pair', 'repeated user-item pairs')}: "
                     f"{'the last rating kept' if explicit else 'counted once'}")
    users, items, values = users[keep], items[keep], values[keep]
    timestamps = None if timestamps is None else timestamps[keep]
    zero_lines = table.lines(keep[values == 0]) if explicit else []
    if zero_lines:
        raise InputError(f"{what}: the rating on {_lines(zero_lines)} is 0, but the rating matrix uses 0 for "
                         "'not rated'; shift the scale (add 1 to every rating), or, if 0 only means 'chose it', "
                         "leave out the rating column")
    if "rating" in table.codes and not explicit:
        notes.append(f"every rating is {values[0]:g}: read as interactions without ratings (each counts 1)")
        values = np.ones(len(values))
    elif "rating" not in table.codes:
        notes.append("no rating column: interactions without ratings (each counts 1)")
    if explicit and values.min() < 0:
        negative = int((values < 0).sum())
        notes.append(f"{_plural(negative, 'rating is', 'ratings are')} below 0 (lowest {values.min():g}): kept as "
                     "given")
    few = [(len(user_ids), MIN_USERS, "user", "users"), (len(item_ids), MIN_ITEMS, "item", "items"),
           (len(keep), MIN_INTERACTIONS, "interaction", "interactions")]
    if any(n < least for n, least, _, _ in few):
        counts = ", ".join(_plural(n, one, many) for n, _, one, many in few)
        raise InputError(f"{what} holds {counts}; {_NEEDS}. Add more interactions")
    users, user_ids = _ordered(users, user_ids)
    items, item_ids = _ordered(items, item_ids)
    if items_data is not None:
        item_meta, item_notes = _item_meta(items_filename or "items.csv", items_data, item_ids)
        notes += item_notes
    else:
        item_meta = pd.DataFrame({"title": list(item_ids)})
    credit = f"uploaded by you: {name}"
    if items_data is not None:
        credit += f" and {_file_name(items_filename or 'items.csv')}"
    return Ratings(
        name=ratings_id(filename, data, items_data), label=name, user_ids=user_ids, item_ids=item_ids,
        users=users.astype(np.int32), items=items.astype(np.int32), values=values.astype(np.float32),
        timestamps=timestamps, item_meta=item_meta, user_meta=None, explicit=bool(explicit), credit=credit,
        notes=tuple(notes),
    )


# --- the workspace ----------------------------------------------------------------------------------------


def uploads_dir() -> Path:
    """Where uploaded interactions are kept: ``ratings/`` in the workspace (not created here)."""
    return workspace_dir() / "ratings"


def save_ratings(filename: str, data: bytes, items_filename: str | None = None,
                 items_data: bytes | None = None) -> str:
    """Check an upload and keep it in the workspace; returns its id (``r-`` + 12 hex digits).

    The folder ``<workspace>/ratings/<id>/`` holds the files' bytes as uploaded (``interactions.csv`` or
    ``.tsv``, ``items.csv`` or ``.tsv`` when given) and ``manifest.json``; it is written under a temporary
    name and renamed into place, so a crash never leaves half a set. A bad file raises :class:`InputError`
    and writes nothing. Saving the same files again gives the same id and rewrites nothing.
    """
    ratings = parse_interactions(filename, data, items_filename, items_data)
    rid, data = ratings.name, bytes(data)
    root = uploads_dir()
    final = root / rid
    if (final / "manifest.json").is_file():
        return rid
    items_filename = None if items_data is None else _file_name(items_filename or "items.csv")
    files = {"interactions" + _ext(filename, ""): data}
    if items_data is not None:
        files["items" + _ext(items_filename, "")] = bytes(items_data)
    manifest = {"id": rid, "filename": _file_name(filename), "items_filename": items_filename,
                "files": {f: {"bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()} for f, b in files.items()},
                "n_users": ratings.n_users, "n_items": ratings.n_items, "n": ratings.n,
                "explicit": ratings.explicit, "created": time.time(), "format_version": UPLOAD_FORMAT_VERSION}
    write_folder(final, files, manifest)
    return rid


def _manifest(rid: str) -> dict:
    def valid(m: dict) -> bool:
        def named(key: str, optional: bool = False) -> bool:
            value = m.get(key)
            return (optional and value is None) or (
                isinstance(value, str) and Path(value).suffix.lower() in UPLOAD_EXTS and value == _file_name(value))

        return (m.get("format_version") == UPLOAD_FORMAT_VERSION and m.get("id") == rid and named("filename")
                and named("items_filename", optional=True)
                and all(isinstance(m.get(k), int) and not isinstance(m.get(k), bool)
                        for k in ("n_users", "n_items", "n"))
                and isinstance(m.get("explicit"), bool)
                and isinstance(m.get("created"), (int, float)) and not isinstance(m.get("created"), bool))

    return read_manifest(
        uploads_dir() / rid,
        missing=f"the uploaded interactions {rid} are not in this workspace: they may have been uploaded on another "
                "machine, or deleted; upload the file again here, or pick another set",
        damaged=f"the uploaded interactions {rid} have a damaged manifest.json (or one from another EmbedLab "
                "version); upload the file again", valid=valid)


def _load_upload(rid: str) -> Ratings:
    manifest = _manifest(rid)
    filename, items_filename = manifest["filename"], manifest["items_filename"]
    folder = uploads_dir() / rid
    try:
        data = (folder / ("interactions" + Path(filename).suffix.lower())).read_bytes()
        items_data = None if items_filename is None else (
            folder / ("items" + Path(items_filename).suffix.lower())).read_bytes()
    except OSError:
        raise InputError(f"the uploaded interactions {rid} are damaged (a file cannot be read); upload the file "
                         "again") from None
    if ratings_id(filename, data, items_data) != rid:
        raise InputError(f"the uploaded interactions {rid} on disk do not match their id (edited or damaged); "
                         "upload the file again")
    try:
        return parse_interactions(filename, data, items_filename, items_data)
    except InputError as err:  # the limits changed since it was saved
        raise InputError(f"the uploaded interactions {rid} can no longer be read ({err}); upload a fixed "
                         "file") from None


def load_ratings(name: str = MOVIELENS) -> Ratings:
    """MovieLens 100k (``"ml-100k"``), or an upload by its id (``r-`` + 12 hex digits, as in a shared link)."""
    if name == MOVIELENS:
        return load_movielens()
    if isinstance(name, str) and RATINGS_ID.match(name):
        return _load_upload(name)
    if isinstance(name, str) and name.strip().lower().startswith("r-"):
        raise InputError(
            f"{_show(name)} looks like the id of uploaded interactions but is not one (those are 'r-' and 12 hex "
            "digits, such as 'r-1a2b3c4d5e6f'); the link may be cut short or edited: copy it again, or upload "
            "the file again"
        )
    raise InputError(f"ratings {_show(name)} are not known; choose {MOVIELENS}, or uploaded interactions (their id "
                     "looks like 'r-1a2b3c4d5e6f'); the link may be cut short or edited")


def list_ratings() -> list[dict]:
    """What a picker offers: MovieLens 100k first, then the uploads, newest first.

    Each entry has ``name`` (for :func:`load_ratings` and the URL), ``label``, ``n_users``, ``n_items``,
    ``n`` and ``source`` ("built-in" or "uploaded"); MovieLens also says whether it is ``installed`` (when
    not, loading it says how to install it), uploads also carry ``explicit`` and ``created``. An upload
    whose manifest is damaged is left out.
    """
    try:
        movielens_dir()
        installed = True
    except InputError:
        installed = False
    out = [{"name": MOVIELENS, "label": MOVIELENS_LABEL, **MOVIELENS_COUNTS, "source": "built-in",
            "installed": installed}]
    uploads = [{"name": rid, "source": "uploaded", "n_users": m["n_users"], "n_items": m["n_items"], "n": m["n"],
                "explicit": m["explicit"], "created": m["created"],
                "label": f"{m['filename']} ({m['n_users']:,} users, {m['n_items']:,} items, "
                         f"{m['n']:,} {'ratings' if m['explicit'] else 'interactions'})"}
               for rid, m in saved_folders(uploads_dir(), RATINGS_ID, _manifest)]
    return out + sorted(uploads, key=lambda e: (-e["created"], e["name"]))
