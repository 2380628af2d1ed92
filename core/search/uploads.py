"""Corpora people upload to the search lab: checked, kept in the workspace, reopened by id.

People can bring their own corpus as CSV (``.csv``) or JSON Lines (``.jsonl``, ``.ndjson``), UTF-8
(a byte-order mark is fine). Each document has an ``id`` and a ``text`` (both required, non-empty
strings), a ``title`` (optional: when it is missing or empty the id is the title; when it is given
and the text does not start with it, it is put in front of the text, since a corpus's texts include
their titles) and ``links`` (optional: the ids the document links to). Column and key names are
matched ignoring case and surrounding spaces; other columns or keys are ignored. A CSV file::

    id,title,text,links
    cat,Cats,"Cats are small, furry carnivores.",dog|mouse
    dog,Dogs,Dogs are loyal companions.,cat
    mouse,,A mouse is a small rodent.,

In CSV the links of a document are ids separated by ``|`` (:data:`LINK_SEPARATOR`); a value with
commas, quotes or line breaks goes in double quotes (a quote inside is written twice). A JSON Lines
file, one object a line, ``links`` a list of ids (a string is split on ``|`` as in CSV)::

    {"id": "cat", "title": "Cats", "text": "Cats are small, furry carnivores.", "links": ["dog", "mouse"]}
    {"id": "dog", "title": "Dogs", "text": "Dogs are loyal companions.", "links": "cat"}
    {"id": "mouse", "text": "A mouse is a small rodent."}

:func:`parse_corpus` checks everything and says what is wrong, where (line numbers) and how to fix it;
limits: at most :data:`MAX_UPLOAD_BYTES` (50 MB, checked before parsing, and never more than
``EMBEDLAB_MAX_UPLOAD_MB``), 2 to :data:`MAX_DOCS` documents, ids of at most :data:`MAX_ID_CHARS`
characters on one line. Links to ids that are not in the file, self-links and repeated links are
dropped and counted in :attr:`Corpus.notes`. :func:`save_corpus` keeps the file (its bytes as uploaded,
never a pickle) in the workspace under a content id ``c-`` + 12 hex digits, written atomically;
:func:`load_upload` reopens such an id (a shared link; :func:`core.search.corpus.load_corpus` calls it), and
:func:`list_uploads` lists them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.paths import read_manifest, saved_folders, workspace_dir, write_folder
from core.search.corpus import Corpus, _show

UPLOAD_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MAX_UPLOAD_BYTES = 50_000_000
MAX_DOCS = 100_000
MAX_ID_CHARS = 200
LINK_SEPARATOR = "|"
UPLOAD_ID = re.compile(r"^c-[0-9a-f]{12}$")
UPLOAD_FORMAT_VERSION = 1
_FIELDS = ("id", "title", "text", "links")
_REQUIRED = ("id", "text")
_NEEDS = "a corpus needs an id and a text for every document (title and links are optional)"
_JSONL_EXAMPLE = '{"id": "d1", "title": "Cats", "text": "Cats are small carnivores.", "links": ["d2"]}'
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _few(items, k: int = 5) -> str:
    items = list(items)
    shown = ", ".join(str(x) for x in items[:k])
    return shown + (f" and {len(items) - k:,} more" if len(items) > k else "")


def _lines(numbers) -> str:
    numbers = list(numbers)
    return f"line{'s' if len(numbers) > 1 else ''} {_few(numbers)}"


def _kind(value) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "a list", str: "text"}.get(type(value), type(value).__name__)


def _described(value) -> str:
    """A JSON value in words, with the value as JSON writes it: 'a number (7)', 'null', 'true'."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return f"{_kind(value)} ({shown if len(shown) <= 40 else shown[:37] + '...'})"


def max_upload_bytes() -> int:
    """The size cap of an uploaded corpus: :data:`MAX_UPLOAD_BYTES`, or ``EMBEDLAB_MAX_UPLOAD_MB`` if lower."""
    from core.datasets.parsers import max_bytes

    return min(int(MAX_UPLOAD_BYTES), max_bytes())


def _format_of(filename: str) -> str:
    ext = Path(str(filename)).suffix.lower()
    if ext not in UPLOAD_FORMATS:
        raise InputError(
            f"{_show(str(filename))}: a corpus is read from .csv or .jsonl files (JSON Lines: one JSON object a line), "
            f"not from files ending {ext or '(no extension)'}; save it in one of those formats"
        )
    return UPLOAD_FORMATS[ext]


def corpus_id(filename: str, data: bytes) -> str:
    """The content id of an upload, ``c-`` and 12 hex digits: the same file always gets the same id."""
    return "c-" + hashlib.sha256(_format_of(filename).encode() + b"\0" + bytes(data)).hexdigest()[:12]


def _decode(data: bytes, what: str) -> str:
    """Strict UTF-8 (a BOM is dropped); anything else is refused with where it broke."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{what} is UTF-16 text; save it as UTF-8 (in a spreadsheet: 'Save as... CSV UTF-8')")
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{what} is a zip archive (an Excel workbook?), not text; export it as 'CSV UTF-8' "
                         "or write JSON Lines")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(
            f"{what} is not UTF-8 text (byte 0x{data[err.start]:02x} at position {err.start:,}, line {line:,}); "
            "save it as UTF-8 (in a spreadsheet: 'Save as... CSV UTF-8'; in a text editor: encoding UTF-8)"
        ) from None
    if not text.strip():
        raise InputError(f"{what} is empty; {_NEEDS}, and at least 2 documents")
    return text


def _too_many(what: str) -> InputError:
    return InputError(f"{what} has more than {MAX_DOCS:,} documents, the most an uploaded corpus may hold; "
                      "keep fewer (split the file, or upload a sample)")


def _csv_records(text: str, what: str) -> list[tuple[int, dict]]:
    """(first line, {field: cell}) of each data row; the header row names the fields."""
    # the csv module refuses a cell longer than 128 KiB unless told otherwise; raising the limit only lets
    # longer texts through, and the upload's size cap bounds them anyway
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    width = 0
    records: list[tuple[int, dict]] = []
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns, width = _csv_header(row, line, what), len(row)
                continue
            if len(row) != width:
                raise InputError(
                    f"{what}, line {line}: the row has {_plural(len(row), 'value', 'values')} but the header has "
                    f"{width}; every row "
                    "needs one value per column (a text with commas must be in double quotes)"
                )
            records.append((line, {f: row[j] for f, j in columns.items()}))
            if len(records) > MAX_DOCS:
                raise _too_many(what)
    except csv.Error as err:
        raise InputError(
            f"{what}, line {start}: {err}; check the quotes there (a value with commas, quotes or line breaks "
            'goes in double quotes, and a quote inside it is written twice: "say ""hi""")'
        ) from None
    if columns is None:
        raise InputError(f"{what} is empty; {_NEEDS}, and at least 2 documents")
    return records


def _csv_header(row: list[str], line: int, what: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for j, cell in enumerate(row):
        name = cell.strip().lower()
        if name in _FIELDS:
            if name in columns:
                raise InputError(f"{what}: the header (line {line}) has the column {name!r} twice "
                                 f"(columns {columns[name] + 1} and {j + 1}); keep one")
            columns[name] = j
    missing = [f for f in _REQUIRED if f not in columns]
    if missing:
        found = ", ".join(_show(c.strip(), 40) for c in row)
        hint = ""
        if len(row) == 1 and any(sep in row[0] for sep in (";", "\t")):
            sep = "semicolons" if ";" in row[0] else "tabs"
            hint = f"; its columns seem separated by {sep}: separate them with commas"
        raise InputError(
            f"{what} has no {' or '.join(repr(f) for f in missing)} column; {_NEEDS}, and its first row must be "
            f"a header naming the columns, such as id,title,text,links. Its header (line {line}) has: {found}{hint}"
        )
    return columns


def _jsonl_records(text: str, what: str) -> list[tuple[int, dict]]:
    """(line, {field: value}) of each line that is not blank."""
    records: list[tuple[int, dict]] = []
    for number, raw in enumerate(text.split("\n"), 1):  # not splitlines(): JSON text may hold U+2028
        if not raw.strip():
            continue
        array = " (the file looks like one JSON array: write one object a line instead)" if (
            number == 1 and raw.lstrip().startswith("[")) else ""
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{what}, line {number} is not valid JSON ({err.msg} at column {err.colno}){array}; every line "
                f"must be one JSON object such as {_JSONL_EXAMPLE}"
            ) from None
        except RecursionError:
            raise InputError(f"{what}, line {number} nests lists or objects too deeply to be a document; every "
                             f"line must be one JSON object such as {_JSONL_EXAMPLE}") from None
        if not isinstance(obj, dict):
            raise InputError(f"{what}, line {number} holds {_kind(obj)}, not a JSON object{array}; every line "
                             f"must be one JSON object such as {_JSONL_EXAMPLE}")
        fields: dict = {}
        for key, value in obj.items():
            name = key.strip().lower()
            if name in _FIELDS:
                if name in fields:
                    raise InputError(f"{what}, line {number}: the object has the key {name!r} twice "
                                     "(in different cases or spacing); keep one")
                fields[name] = value
        missing = [f for f in _REQUIRED if f not in fields]
        if missing:
            keys = ", ".join(_show(k, 40) for k in obj) or "none"
            raise InputError(f"{what}, line {number}: the object has no {' or '.join(repr(f) for f in missing)} "
                             f"key; {_NEEDS}, such as {_JSONL_EXAMPLE}. Its keys are: {keys}")
        records.append((number, fields))
        if len(records) > MAX_DOCS:
            raise _too_many(what)
    return records


def _link_ids(value, line: int, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(LINK_SEPARATOR)
    elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{what}, line {line}: 'links' is {_described(value)}; write a list of ids "
                         f'such as ["d2", "d7"], or ids separated by {LINK_SEPARATOR!r} such as "d2|d7"')
    return [v.strip() for v in value if v.strip()]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _starts_with(text: str, title: str) -> bool:
    """Whether ``text`` begins with ``title`` as a whole word ("Cats are..." does, "Category" not with "Cat")."""
    return text.startswith(title) and (len(text) == len(title) or not text[len(title)].isalnum())


def _build(records: list[tuple[int, dict]], fmt: str, filename: str, what: str, name: str) -> Corpus:
    if not records and fmt == "csv":
        raise InputError(f"{what} has a header row but no documents; add at least 2 rows below it")
    if len(records) < 2:
        raise InputError(f"{what} holds {_plural(len(records), 'document', 'documents')}; a corpus needs at least 2")
    for line, rec in records:
        for f in ("id", "title", "text"):
            value = rec.get(f)
            if not isinstance(value, str) and not (f == "title" and value is None):
                raise InputError(f"{what}, line {line}: {f!r} is {_described(value)}, not text; "
                                 'write it as a string in double quotes, such as "17"')
    ids = [rec["id"].strip() for _, rec in records]
    texts = [rec["text"].strip() for _, rec in records]
    lines = [line for line, _ in records]

    def where(values, test) -> list[int]:
        return [lines[i] for i, v in enumerate(values) if test(v)]

    checks = [
        (where(ids, lambda d: not d), "an empty id; give every document an id (or delete those lines)"),
        (where(ids, lambda d: len(d) > MAX_ID_CHARS),
         f"an id longer than {MAX_ID_CHARS} characters; use shorter ids (the title can be long)"),
        (where(ids, _CONTROL.search), "an id with a line break, tab or other control character; ids must be "
                                      "one line of text"),
        (where(texts, lambda t: not t), "an empty text; fill it in or delete those lines"),
    ]
    for bad, problem in checks:
        if bad:
            raise InputError(f"{what}: {_lines(bad)} {'has' if len(bad) == 1 else 'have'} {problem}")
    seen: dict[str, list[int]] = {}
    for i, d in enumerate(ids):
        seen.setdefault(d, []).append(lines[i])
    repeated = [(d, ls) for d, ls in seen.items() if len(ls) > 1]
    if repeated:
        shown = _few([f"{_show(d, 40)} ({_lines(ls)})" for d, ls in repeated], 3)
        raise InputError(f"{what}: ids must be unique, but {shown} {'is' if len(repeated) == 1 else 'are'} used more "
                         "than once; rename or merge those documents")
    titles = []
    for i, (_, rec) in enumerate(records):
        title = (rec.get("title") or "").strip()
        if title and not _starts_with(texts[i], title):
            texts[i] = f"{title}\n\n{texts[i]}"
        titles.append(title or ids[i])
    rows = {d: i for i, d in enumerate(ids)}
    src, dst, unknown = [], [], {}
    n_unknown = n_self = n_repeated = 0
    for i, (line, rec) in enumerate(records):
        targets: set[int] = set()
        for target in _link_ids(rec.get("links"), line, what):
            j = rows.get(target)
            if j is None:
                n_unknown += 1
                unknown.setdefault(target, None)
            elif j == i:
                n_self += 1
            elif j in targets:
                n_repeated += 1
            else:
                targets.add(j)
        src += [i] * len(targets)
        dst += sorted(targets)
    notes = []
    if n_unknown:
        examples = ", ".join(_show(t, 40) for t in list(unknown)[:3])
        sep = f"; in CSV, separate the ids a document links to with {LINK_SEPARATOR!r}" if fmt == "csv" else ""
        notes.append(f"{n_unknown:,} {'link points to an id' if n_unknown == 1 else 'links point to ids'} that "
                     f"{'is' if n_unknown == 1 else 'are'} not in the file and {'was' if n_unknown == 1 else 'were'} "
                     f"ignored (such as {examples}){sep}")
    if n_self:
        notes.append(f"{_plural(n_self, 'link', 'links')} from a document to itself "
                     f"{'was' if n_self == 1 else 'were'} ignored")
    if n_repeated:
        notes.append(f"{_plural(n_repeated, 'link', 'links')} repeated in the same document "
                     f"{'was' if n_repeated == 1 else 'were'} counted once")
    return Corpus(name, ids, titles, texts, np.asarray(src, np.int32), np.asarray(dst, np.int32),
                  credit=f"uploaded from {Path(filename).name}", notes=notes)


def parse_corpus(filename: str, data: bytes) -> Corpus:
    """An uploaded corpus (CSV or JSON Lines, see the module docstring), checked; its name is its content id.

    Raises :class:`InputError` saying what is wrong, where and how to fix it; nothing is written.
    """
    fmt = _format_of(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_corpus takes the file's bytes, not {type(data).__name__}")
    data = bytes(data)
    what = f"file {_show(Path(str(filename)).name)}"
    cap = max_upload_bytes()
    if len(data) > cap:
        raise InputError(f"{what} is {len(data) / 1e6:.3g} MB, over the {cap / 1e6:g} MB limit for an uploaded "
                         "corpus; split it, or keep fewer or shorter documents")
    text = _decode(data, what)
    records = _csv_records(text, what) if fmt == "csv" else _jsonl_records(text, what)
    return _build(records, fmt, str(filename), what, corpus_id(filename, data))


def uploads_dir() -> Path:
    """Where uploaded corpora are kept: ``corpora/`` in the workspace (not created here)."""
    return workspace_dir() / "corpora"


def save_corpus(filename: str, data: bytes) -> str:
    """Check an upload and keep it in the workspace; returns its id (``c-`` + 12 hex digits).

    The folder ``<workspace>/corpora/<id>/`` holds the file's bytes as uploaded (``corpus.csv`` or
    ``corpus.jsonl``) and ``manifest.json``; it is written under a temporary name and renamed into place,
    so a crash never leaves half a corpus. A bad file raises :class:`InputError` and writes nothing.
    Saving the same file twice gives the same id.
    """
    corpus = parse_corpus(filename, data)
    data, cid, fmt = bytes(data), corpus.name, _format_of(filename)
    root = uploads_dir()
    final = root / cid
    if (final / "manifest.json").is_file():
        return cid
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"id": cid, "filename": Path(str(filename)).name, "format": fmt, "n": corpus.n,
                "n_links": corpus.n_links, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "created": time.time(), "format_version": UPLOAD_FORMAT_VERSION}
    write_folder(final, {f"corpus.{fmt}": data}, manifest)
    return cid


def _upload_manifest(cid: str) -> dict:
    def valid(m: dict) -> bool:
        return (m.get("format_version") == UPLOAD_FORMAT_VERSION and m.get("format") in UPLOAD_FORMATS.values()
                and isinstance(m.get("filename"), str)
                and UPLOAD_FORMATS.get(Path(m["filename"]).suffix.lower()) == m["format"]
                and isinstance(m.get("n"), int) and isinstance(m.get("created"), (int, float)))

    return read_manifest(
        uploads_dir() / cid,
        missing=f"the link points to an uploaded corpus ({cid}) that is not on this server (it was uploaded to "
                "another EmbedLab, or deleted); upload the file again here, or pick another corpus",
        damaged=f"uploaded corpus {cid} has a damaged manifest.json (or one from another EmbedLab version); "
                "upload the file again", valid=valid)


def load_upload(cid: str) -> Corpus:
    """An uploaded corpus by its id, checked against its content id and re-parsed (never unpickled)."""
    manifest = _upload_manifest(cid)
    filename = manifest["filename"]
    try:
        data = (uploads_dir() / cid / f"corpus.{manifest['format']}").read_bytes()
    except OSError:
        raise InputError(f"uploaded corpus {cid} is damaged (its file cannot be read); upload the file again") from None
    if corpus_id(filename, data) != cid:
        raise InputError(f"uploaded corpus {cid} on disk does not match its id (edited or damaged); "
                         "upload the file again")
    try:
        return parse_corpus(filename, data)
    except InputError as err:  # the limits changed since it was saved
        raise InputError(f"uploaded corpus {cid} can no longer be read ({err}); upload a fixed file") from None


def list_uploads() -> list[dict]:
    """The uploaded corpora, oldest first, as :func:`core.search.corpus.list_corpora` lists them; damaged ones
    are left out."""
    return [{"name": cid, "kind": "uploaded", "n": m["n"],
             "label": f"{m['filename']}: {m['n']:,} documents (uploaded, {cid})"}
            for cid, m in saved_folders(uploads_dir(), UPLOAD_ID, _upload_manifest)]
