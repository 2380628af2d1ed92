"""Corpora for the search lab: documents with titles, texts and links between them (a small web).

>>> from core.search.corpus import load_corpus
>>> web = load_corpus("foldoc")                     # doctest: +SKIP
>>> web.n, web.n_links                               # doctest: +SKIP
(11816, 4xxxx)

The default corpus is FOLDOC, the Free On-line Dictionary of Computing (GFDL), as Debian packages it
for dictd (``dict-foldoc``). ``embedlab fetch-corpus`` (run by ``make``) downloads that package with
``apt-get download`` and unpacks it with ``dpkg-deb`` into :func:`corpora_dir`, once, at set-up time:
nothing is fetched while the dashboard runs. Each dictionary entry is a document; its ``{term}``
cross-references are its links.

Uploaded corpora (CSV or JSON Lines) are checked, kept and reopened by :mod:`core.search.uploads`;
:func:`load_corpus` opens either kind by name, and :func:`list_corpora` lists what can be opened.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import InputError

FOLDOC_PACKAGE = "dict-foldoc"
FOLDOC_FILES = ("usr/share/dictd/foldoc.index", "usr/share/dictd/foldoc.dict.dz")
FOLDOC_CREDIT = ("FOLDOC, the Free On-line Dictionary of Computing, edited by Denis Howe (foldoc.org), GFDL; "
                 "from Debian's dict-foldoc package")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_LINK = re.compile(r"\{([^{}]+)\}")


def corpora_dir() -> Path:
    """Where set-up puts downloaded corpora: ``EMBEDLAB_CORPORA``, else ``.corpora/`` in the checkout
    (beside ``.venv``: it belongs to the installation, not to a user's EmbedLab home)."""
    root = os.environ.get("EMBEDLAB_CORPORA")
    return Path(root).expanduser() if root else Path(__file__).resolve().parents[2] / ".corpora"


@dataclass
class Corpus:
    """Documents and the links between them.

    Attributes
    ----------
    name : the corpus name
    ids : (n,) document ids (unique strings)
    titles : (n,) titles
    texts : (n,) full texts (the title included)
    link_src, link_dst : (m,) int32 row numbers: document ``link_src[i]`` links to ``link_dst[i]``
        (no self-links, no duplicates)
    credit : where the documents come from, and their licence
    notes : what was dropped or changed while reading it, for the page to show (uploads: links to
        unknown ids, self-links, repeated links)
    """

    name: str
    ids: list[str]
    titles: list[str]
    texts: list[str]
    link_src: np.ndarray = field(repr=False)
    link_dst: np.ndarray = field(repr=False)
    credit: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def n_links(self) -> int:
        return len(self.link_src)

    def row_of(self, doc_id: str) -> int:
        if not hasattr(self, "_rows"):
            self._rows = {d: i for i, d in enumerate(self.ids)}
        if doc_id not in self._rows:
            raise InputError(f"document {doc_id!r} is not in the {self.name} corpus")
        return self._rows[doc_id]


# --------------------------------------------------------------------------------------- FOLDOC
def _b64(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 64 + _B64[ch]
    return value


def foldoc_dir() -> Path:
    return corpora_dir() / "foldoc"


def fetch_foldoc(dest: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Download Debian's ``dict-foldoc`` and unpack the dictionary into ``dest`` (set-up time only).

    Needs ``apt-get`` and ``dpkg-deb`` (Debian, Ubuntu) and a reachable package mirror; raises
    :class:`InputError` saying how to get the files by hand otherwise. Does nothing if they are there.
    """
    dest = Path(dest or foldoc_dir())
    if all((dest / f).is_file() for f in FOLDOC_FILES):
        return dest
    how = (f"get the files by hand: `apt-get download {FOLDOC_PACKAGE} && dpkg-deb -x {FOLDOC_PACKAGE}_*.deb "
           f"{dest}` on a Debian/Ubuntu machine (they are {', '.join(FOLDOC_FILES)}), or upload your own corpus")
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise InputError(f"cannot fetch FOLDOC: `{tool}` is not available here; {how}")
    with tempfile.TemporaryDirectory() as tmp:
        def download():
            return subprocess.run(["apt-get", "download", FOLDOC_PACKAGE], cwd=tmp, capture_output=True, text=True,
                                  timeout=300)

        got = download()
        if got.returncode != 0 and hasattr(os, "geteuid") and os.geteuid() == 0:
            log("apt-get download failed; updating the package lists once and trying again")
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600)
            got = download()
        debs = sorted(Path(tmp).glob(f"{FOLDOC_PACKAGE}_*.deb"))
        if got.returncode != 0 or not debs:
            reason = (got.stderr or got.stdout).strip().splitlines()[-1:] or ["no package file"]
            raise InputError(f"cannot fetch FOLDOC: apt-get download failed ({reason[0]}); "
                             f"try `apt-get update` first, or {how}")
        unpacked = Path(tmp) / "unpacked"
        subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(unpacked)], check=True, timeout=120)
        dest.mkdir(parents=True, exist_ok=True)
        for f in FOLDOC_FILES:
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked / f, dest / f)
    log(f"FOLDOC unpacked into {dest}")
    return dest


def load_foldoc(root: Path | None = None) -> Corpus:
    """FOLDOC's entries as documents and their ``{cross-references}`` as links."""
    root = Path(root or foldoc_dir())
    index_path, dict_path = (root / f for f in FOLDOC_FILES)
    if not index_path.is_file() or not dict_path.is_file():
        raise InputError(f"the FOLDOC corpus is not installed (looked in {root}); run `make setup` or "
                         "`embedlab fetch-corpus` once (it needs a Debian package mirror), or upload your own corpus")
    data = gzip.open(dict_path).read()
    headwords: dict[str, int] = {}  # lower-cased headword or alias -> document row
    spans: dict[tuple[int, int], int] = {}
    ids, titles, texts = [], [], []
    for line in index_path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue
        span = (_b64(parts[1]), _b64(parts[2]))
        if span not in spans:
            body = data[span[0]:span[0] + span[1]].decode("utf-8", errors="replace").strip()
            title = body.split("\n", 1)[0].strip()
            if not title or title.startswith("00"):
                continue
            spans[span] = len(ids)
            ids.append(title)
            titles.append(title)
            texts.append(body)
        headwords.setdefault(parts[0].strip().lower(), spans[span])
    src, dst = [], []
    for row, text in enumerate(texts):
        targets = {headwords.get(" ".join(t.split()).lower()) for t in _LINK.findall(text)}
        for t in sorted(x for x in targets if x is not None and x != row):
            src.append(row)
            dst.append(t)
    _unique_ids(ids)
    return Corpus("foldoc", ids, titles, texts, np.asarray(src, np.int32), np.asarray(dst, np.int32),
                  credit=FOLDOC_CREDIT)


def _unique_ids(ids: list[str]) -> None:
    """Make repeated ids unique in place ("x", "x (2)", ...)."""
    seen: dict[str, int] = {}
    for i, d in enumerate(ids):
        if d in seen:
            seen[d] += 1
            ids[i] = f"{d} ({seen[d]})"
        else:
            seen[d] = 1


CORPORA: dict[str, Callable[[], Corpus]] = {"foldoc": load_foldoc}
BUILTIN_LABELS = {"foldoc": "FOLDOC, the Free On-line Dictionary of Computing"}
BUILTIN_INSTALLED: dict[str, Callable[[], bool]] = {
    "foldoc": lambda: all((foldoc_dir() / f).is_file() for f in FOLDOC_FILES),
}


def _show(value, width: int = 60) -> str:
    """``repr`` of a value from a file or a link, cut to ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def load_corpus(name: str = "foldoc") -> Corpus:
    """A built-in corpus by name (:data:`CORPORA`), or an uploaded one by its id (``c-`` + 12 hex digits)."""
    from core.search import uploads

    if isinstance(name, str) and name in CORPORA:
        return CORPORA[name]()
    if isinstance(name, str) and uploads.UPLOAD_ID.match(name):
        return uploads.load_upload(name)
    if isinstance(name, str) and name.strip().lower().startswith("c-"):
        raise InputError(
            f"{_show(name)} looks like the id of an uploaded corpus but is not one (those are 'c-' and 12 hex "
            "digits, such as 'c-1a2b3c4d5e6f'); the link may be cut short or edited: copy it again, or upload "
            "the file again"
        )
    raise InputError(f"corpus {_show(name)} is not known; choose one of {', '.join(CORPORA)}, or an uploaded corpus "
                     "(its id looks like 'c-1a2b3c4d5e6f'); the link may be cut short or edited")


def list_corpora() -> list[dict]:
    """What a corpus picker offers: installed built-ins, then uploads (oldest first), each a dict with
    ``name`` (for :func:`load_corpus` and the URL), ``label``, ``kind`` ("built-in" or "uploaded") and
    ``n`` (documents; None for built-ins, known only once loaded). Damaged uploads are left out."""
    from core.search import uploads

    return [{"name": n, "label": f"{BUILTIN_LABELS.get(n, n)} (built in)", "kind": "built-in", "n": None}
            for n in CORPORA if BUILTIN_INSTALLED.get(n, lambda: True)()] + uploads.list_uploads()
