"""Uploaded corpora for the search lab: CSV and JSON Lines read exactly, every broken file refused with a
message that says what, where and how to fix it, and uploads kept in the workspace under a content id
that a shared link reopens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.search import corpus as corpus_mod
from core.search import uploads as uploads_mod
from core.search.corpus import list_corpora, load_corpus
from core.search.lexical import Index, make_ranker
from core.search.uploads import LINK_SEPARATOR, UPLOAD_ID, corpus_id, parse_corpus, save_corpus, uploads_dir

PETS_CSV = (
    b"id,title,text,links\n"
    b'cat,Cats,"Cats are small, furry carnivores that hunt mice.",dog|mouse\n'
    b"dog,Dogs,Loyal companions that chase cats.,cat\n"
    b"mouse,,A mouse is a small rodent.,\n"
    b'owl,Owl,"Birds of prey; they hunt at night, ""silently"".",mouse | cat\n'
)
PETS_JSONL = (
    b'{"id": "cat", "title": "Cats", "text": "Cats are small, furry carnivores that hunt mice.", '
    b'"links": ["dog", "mouse"]}\n'
    b'{"id": "dog", "title": "Dogs", "text": "Loyal companions that chase cats.", "links": "cat"}\n'
    b"\n"
    b'{"id": "mouse", "text": "A mouse is a small rodent.", "links": []}\n'
    b'{"id": "owl", "title": "Owl", "text": "Birds of prey; they hunt at night, \\"silently\\".", '
    b'"links": "mouse|cat", "extra": 3}\n'
)
IDS = ["cat", "dog", "mouse", "owl"]
TITLES = ["Cats", "Dogs", "mouse", "Owl"]
TEXTS = [
    "Cats are small, furry carnivores that hunt mice.",  # starts with its title: kept as it is
    "Dogs\n\nLoyal companions that chase cats.",  # the title is put in front
    "A mouse is a small rodent.",  # no title: the id is the title, the text stays
    'Owl\n\nBirds of prey; they hunt at night, "silently".',
]
PAIRS = [("cat", "dog"), ("cat", "mouse"), ("dog", "cat"), ("owl", "cat"), ("owl", "mouse")]


def pairs(c) -> list[tuple[str, str]]:
    return [(c.ids[s], c.ids[d]) for s, d in zip(c.link_src.tolist(), c.link_dst.tolist(), strict=True)]


def refused(filename: str, data: bytes) -> str:
    with pytest.raises(InputError) as info:
        parse_corpus(filename, data)
    return str(info.value)


# --- good files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename, data", [("pets.csv", PETS_CSV), ("pets.jsonl", PETS_JSONL),
                                            ("pets.ndjson", PETS_JSONL)])
def test_an_upload_reads_ids_titles_texts_and_links(filename, data):
    c = parse_corpus(filename, data)
    assert c.ids == IDS and c.titles == TITLES and c.texts == TEXTS
    assert pairs(c) == PAIRS
    assert c.link_src.dtype == np.int32 and c.link_dst.dtype == np.int32
    assert c.n == 4 and c.n_links == 5 and c.notes == []
    assert c.credit == f"uploaded from {filename}"
    assert c.name == corpus_id(filename, data) and UPLOAD_ID.match(c.name)
    assert c.row_of("owl") == 3


def test_csv_and_jsonl_of_the_same_documents_agree_but_have_their_own_ids():
    a, b = parse_corpus("pets.csv", PETS_CSV), parse_corpus("pets.jsonl", PETS_JSONL)
    assert (a.ids, a.titles, a.texts, pairs(a)) == (b.ids, b.titles, b.texts, pairs(b))
    assert a.name != b.name
    assert corpus_id("other-name.csv", PETS_CSV) == a.name  # the id is the content's, not the file name's


def test_links_to_unknown_ids_self_links_and_repeats_are_dropped_and_counted():
    data = (b"id,text,links\n"
            b"a,alpha,b|ghost|a|b\n"
            b"b,beta,a|phantom|ghost\n"
            b"c,gamma,a;b\n")
    c = parse_corpus("web.csv", data)
    assert pairs(c) == [("a", "b"), ("b", "a")]
    assert c.notes == [
        "4 links point to ids that are not in the file and were ignored (such as 'ghost', 'phantom', 'a;b'); "
        f"in CSV, separate the ids a document links to with {LINK_SEPARATOR!r}",
        "1 link from a document to itself was ignored",
        "1 link repeated in the same document was counted once",
    ]
    one = parse_corpus("web.jsonl", b'{"id": "a", "text": "x", "links": ["zz"]}\n{"id": "b", "text": "y"}\n')
    assert one.notes == ["1 link points to an id that is not in the file and was ignored (such as 'zz')"]
    assert one.n_links == 0 and one.link_src.dtype == np.int32


def test_text_that_pandas_would_call_missing_stays_text():
    c = parse_corpus("na.csv", b"id,title,text\nNA,null,NaN\nnull,NA,None\n")
    assert c.ids == ["NA", "null"] and c.titles == ["null", "NA"]
    assert c.texts == ["null\n\nNaN", "NA\n\nNone"]


def test_a_bom_crlf_line_ends_and_odd_header_case_are_fine():
    csv_bytes = "\ufeffID , Title,TEXT\r\nä,Äpfel,Äpfel sind rund\r\nb,B,bé\r\n".encode()
    c = parse_corpus("bom.csv", csv_bytes)
    assert c.ids == ["ä", "b"] and c.texts == ["Äpfel sind rund", "B\n\nbé"]
    jsonl = '\ufeff{"Id": "a", "text": "one\u2028line"}\r\n{"id": "b", "text": "two"}\r\n'.encode()
    c = parse_corpus("bom.jsonl", jsonl)
    assert c.ids == ["a", "b"] and c.texts == ["one\u2028line", "two"]


def test_long_texts_and_quoted_line_breaks_in_csv():
    long = "word " * 40_000  # over the csv module's default 128 KiB cell limit
    data = f'id,text\na,"{long}"\nb,"two\nlines"\n'.encode()
    c = parse_corpus("long.csv", data)
    assert c.texts == [long.strip(), "two\nlines"]


def test_bm25_ranks_an_uploaded_corpus():
    c = parse_corpus("pets.jsonl", PETS_JSONL)
    ranker = make_ranker("bm25", Index.build(c.texts))
    assert c.ids[ranker.search("rodent", k=3).rows[0]] == "mouse"
    assert c.ids[ranker.search("birds of prey at night", k=3).rows[0]] == "owl"
    assert c.titles[ranker.search("dogs", k=3).rows[0]] == "Dogs"  # found by its title, put in front of the text


# --- broken files -------------------------------------------------------------------------------------

BROKEN = [
    ("notes.txt", b"id,text\na,b\n", "'notes.txt': a corpus is read from .csv or .jsonl files"),
    ("noext", b"id,text\na,b\n", "not from files ending (no extension)"),
    ("web.csv", b"", "file 'web.csv' is empty; a corpus needs an id and a text for every document"),
    ("web.jsonl", b"  \n\n", "file 'web.jsonl' is empty"),
    ("web.csv", b"\xef\xbb\xbf", "file 'web.csv' is empty"),
    ("web.csv", b"id,title\na,b\nc,d\n",
     "file 'web.csv' has no 'text' column; a corpus needs an id and a text for every document (title and links are "
     "optional), and its first row must be a header naming the columns, such as id,title,text,links. "
     "Its header (line 1) has: 'id', 'title'"),
    ("web.csv", b"a,Cats,Cats purr\nb,Dogs,Dogs bark\n", "has no 'id' or 'text' column"),
    ("web.csv", b"id;title;text\na;b;c\n", "its columns seem separated by semicolons: separate them with commas"),
    ("web.csv", b"id,text,ID\na,b,c\n", "the header (line 1) has the column 'id' twice (columns 1 and 3); keep one"),
    ("web.csv", b"id,text\na,x\nb,y,z\nc,w\n",
     "file 'web.csv', line 3: the row has 3 values but the header has 2; every row needs one value per column "
     "(a text with commas must be in double quotes)"),
    ("web.csv", b"id,text\na,x\n\nb\n", "line 4: the row has 1 value but the header has 2"),
    ("web.csv", b'id,text\na,x\nb,"open quote\nc,z\n', "line 3: unexpected end of data; check the quotes there"),
    ("web.csv", b'id,text\na,x\nb,"y"z\n', "line 3: ',' expected after '\"'; check the quotes there"),
    ("web.csv", b"id,text\n", "file 'web.csv' has a header row but no documents; add at least 2 rows below it"),
    ("web.csv", b"id,text\na,x\n", "file 'web.csv' holds 1 document; a corpus needs at least 2"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n', "file 'web.jsonl' holds 1 document; a corpus needs at least 2"),
    ("web.csv", b"id,text\na,x\n ,y\nc,z\n,w\n",
     "file 'web.csv': lines 3, 5 have an empty id; give every document an id (or delete those lines)"),
    ("web.csv", b"id,text\na,x\nb,  \nc,z\n", "file 'web.csv': line 3 has an empty text; fill it in or delete"),
    ("web.csv", b"id,text\na,x\nb,y\na,z\n",
     "file 'web.csv': ids must be unique, but 'a' (lines 2, 4) is used more than once; rename or merge"),
    ("web.csv", b"id,text\na,1\na,2\nb,3\nb,4\nc,5\nc,6\nd,7\nd,8\ne,9\n",
     "ids must be unique, but 'a' (lines 2, 3), 'b' (lines 4, 5), 'c' (lines 6, 7) and 1 more are used"),
    ("web.csv", b"id,text\n" + b"x" * 201 + b",long\nb,y\n", "line 2 has an id longer than 200 characters"),
    ("web.jsonl", b'{"id": "a\\nb", "text": "x"}\n{"id": "c", "text": "y"}\n',
     "line 1 has an id with a line break, tab or other control character; ids must be one line of text"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y"\n',
     "file 'web.jsonl', line 2 is not valid JSON (Expecting ',' delimiter at column 24); every line must be one "
     'JSON object such as {"id": "d1", "title": "Cats", "text": "Cats are small carnivores.", "links": ["d2"]}'),
    ("web.jsonl", b'[\n{"id": "a", "text": "x"},\n]\n', "(the file looks like one JSON array: write one object a line"),
    ("web.jsonl", b'[{"id": "a", "text": "x"}, {"id": "b", "text": "y"}]\n',
     "line 1 holds a list, not a JSON object (the file looks like one JSON array"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n42\n', "line 2 holds a number, not a JSON object"),
    ("web.jsonl", b"[" * 100_000 + b"\n", "line 1 nests lists or objects too deeply"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "body": "y"}\n',
     "line 2: the object has no 'text' key; a corpus needs an id and a text for every document"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "body": "y"}\n', "Its keys are: 'id', 'body'"),
    ("web.jsonl", b'{"id": "a", "ID": "b", "text": "x"}\n', "line 1: the object has the key 'id' twice"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": 7, "text": "y"}\n',
     "file 'web.jsonl', line 2: 'id' is a number (7), not text; write it as a string in double quotes"),
    ("web.jsonl", b'{"id": "a", "text": NaN}\n{"id": "b", "text": "y"}\n',
     "line 1: 'text' is a number (NaN), not text"),
    ("web.jsonl", b'{"id": null, "text": "x"}\n{"id": "b", "text": "y"}\n', "line 1: 'id' is null, not text"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "text": ["y"]}\n', "line 2: 'text' is a list ([\"y\"])"),
    ("web.jsonl", b'{"id": "a", "title": true, "text": "x"}\n{"id": "b", "text": "y"}\n',
     "line 1: 'title' is true, not text"),
    ("web.jsonl", b'{"id": "a", "text": "x", "links": 5}\n{"id": "b", "text": "y"}\n',
     "line 1: 'links' is a number (5); write a list of ids such as [\"d2\", \"d7\"], or ids separated by '|'"),
    ("web.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y", "links": ["a", 1]}\n',
     "line 2: 'links' is a list ([\"a\", 1])"),
    ("web.csv", "id,text\na,café\nb,x\n".encode("latin-1"),
     "file 'web.csv' is not UTF-8 text (byte 0xe9 at position 13, line 2); save it as UTF-8"),
    ("web.jsonl", "id,text\n".encode("utf-16"), "file 'web.jsonl' is UTF-16 text; save it as UTF-8"),
    ("web.csv", b"PK\x03\x04\x14\x00rest of a workbook", "is a zip archive (an Excel workbook?), not text"),
]


@pytest.mark.parametrize("filename, data, fragment", BROKEN, ids=[f"{i}-{b[0]}" for i, b in enumerate(BROKEN)])
def test_a_broken_upload_says_what_where_and_how(filename, data, fragment):
    assert fragment in refused(filename, data)


def test_fewer_than_two_documents_counts_non_blank_rows_only():
    assert "holds 1 document" in refused("web.csv", b"id,text\n\n,,\na,x\n\n")


@pytest.mark.parametrize("valid, name", [(PETS_CSV, "pets.csv"), (PETS_JSONL, "pets.jsonl")])
def test_every_cut_of_a_good_file_reads_or_is_refused_cleanly(valid, name):
    """A file cut short anywhere (an interrupted upload) never raises anything but InputError."""
    read = 0
    for end in range(len(valid)):
        try:
            parse_corpus(name, valid[:end])
            read += 1
        except InputError as err:
            assert str(err)
    assert read > 0


def test_the_size_cap_is_checked_before_anything_is_read(monkeypatch):
    monkeypatch.setattr(uploads_mod, "MAX_UPLOAD_BYTES", 100)
    big = b"\xff" * 150  # not UTF-8 either: the size is what it hears about first
    assert refused("big.csv", big) == (
        "file 'big.csv' is 0.00015 MB, over the 0.0001 MB limit for an uploaded corpus; split it, or keep fewer "
        "or shorter documents")
    monkeypatch.setattr(uploads_mod, "MAX_UPLOAD_BYTES", len(PETS_CSV))
    assert parse_corpus("pets.csv", PETS_CSV).n == 4  # exactly at the cap is fine


def test_a_lower_global_upload_cap_applies_to_corpora(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.0001")
    assert "over the 0.0001 MB limit for an uploaded corpus" in refused("pets.csv", PETS_CSV)


def test_too_many_documents_are_refused(monkeypatch):
    monkeypatch.setattr(uploads_mod, "MAX_DOCS", 3)
    for name, data in [("pets.csv", PETS_CSV), ("pets.jsonl", PETS_JSONL)]:
        assert refused(name, data) == (
            f"file {name!r} has more than 3 documents, the most an uploaded corpus may hold; keep fewer "
            "(split the file, or upload a sample)")
    monkeypatch.setattr(uploads_mod, "MAX_DOCS", 4)
    assert parse_corpus("pets.csv", PETS_CSV).n == 4


def test_no_pickle_anywhere_in_the_modules():
    for module in (corpus_mod, uploads_mod):
        source = Path(module.__file__).read_text()
        assert "pickle" not in source.replace("never a pickle", "").replace("never unpickled", "")


# --- the workspace and shared links ------------------------------------------------------------------


def test_save_keeps_the_file_and_a_link_reopens_it(home):
    cid = save_corpus("pets.csv", PETS_CSV)
    assert UPLOAD_ID.match(cid) and cid == corpus_id("pets.csv", PETS_CSV)
    folder = home / "workspace" / "corpora" / cid
    assert sorted(p.name for p in folder.iterdir()) == ["corpus.csv", "manifest.json"]
    assert (folder / "corpus.csv").read_bytes() == PETS_CSV  # the upload as it came, nothing else
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {k: manifest[k] for k in ("id", "filename", "format", "n", "n_links", "bytes")} == {
        "id": cid, "filename": "pets.csv", "format": "csv", "n": 4, "n_links": 5, "bytes": len(PETS_CSV)}
    back = load_corpus(cid)  # what `?corpus=<id>` does
    assert back.name == cid and back.ids == IDS and back.titles == TITLES and back.texts == TEXTS
    assert pairs(back) == PAIRS and back.credit == "uploaded from pets.csv"
    assert [p.name for p in uploads_dir().iterdir()] == [cid]  # no temporary folder left behind


def test_the_same_upload_saved_twice_gets_the_same_id(home):
    first = save_corpus("pets.jsonl", PETS_JSONL)
    assert save_corpus("renamed.jsonl", PETS_JSONL) == first
    assert save_corpus("pets.csv", PETS_CSV) != first
    assert len(list(uploads_dir().iterdir())) == 2
    assert load_corpus(first).credit == "uploaded from pets.jsonl"  # the first save is kept


def test_a_bad_upload_writes_nothing(home):
    with pytest.raises(InputError, match="has an empty text"):
        save_corpus("web.csv", b"id,text\na,x\nb,\n")
    with pytest.raises(InputError, match="a corpus is read from .csv or .jsonl"):
        save_corpus("web.json", b"[]")
    assert not uploads_dir().exists()


def test_a_crash_while_saving_leaves_no_half_corpus(home, monkeypatch):
    def crash(self, target):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(Path, "rename", crash)
        with pytest.raises(OSError, match="disk full"):
            save_corpus("pets.csv", PETS_CSV)
    assert list(uploads_dir().iterdir()) == []
    with pytest.raises(InputError, match="not on this server"):
        load_corpus(corpus_id("pets.csv", PETS_CSV))
    assert load_corpus(save_corpus("pets.csv", PETS_CSV)).n == 4  # and saving again works


def test_a_link_to_an_upload_that_is_not_here_explains_itself(home):
    with pytest.raises(InputError) as info:
        load_corpus("c-0123456789ab")
    assert str(info.value) == (
        "the link points to an uploaded corpus (c-0123456789ab) that is not on this server (it was uploaded to "
        "another EmbedLab, or deleted); upload the file again here, or pick another corpus")


@pytest.mark.parametrize("name", ["c-0123456789a", "c-0123456789abc", "C-0123456789AB", "c-../../etc/passwd",
                                  " c-0123456789ab"])
def test_a_cut_or_edited_upload_id_explains_itself(home, name):
    with pytest.raises(InputError) as info:
        load_corpus(name)
    assert "looks like the id of an uploaded corpus but is not one (those are 'c-' and 12 hex digits" in str(info.value)
    assert "the link may be cut short or edited" in str(info.value)


@pytest.mark.parametrize("name", ["wiki", "", "../workspace", None, "x" * 500])
def test_an_unknown_corpus_name_explains_itself(home, name):
    with pytest.raises(InputError) as info:
        load_corpus(name)
    message = str(info.value)
    assert message.startswith(f"corpus {name!r}"[:30])
    assert "is not known; choose one of foldoc, or an uploaded" in message
    assert len(message) < 250  # a tampered, very long name is cut short in the message


def test_a_damaged_upload_on_disk_is_refused(home):
    cid = save_corpus("pets.csv", PETS_CSV)
    folder = uploads_dir() / cid
    (folder / "corpus.csv").write_bytes(PETS_CSV.replace(b"Loyal", b"Royal"))
    with pytest.raises(InputError, match=f"uploaded corpus {cid} on disk does not match its id"):
        load_corpus(cid)
    (folder / "corpus.csv").unlink()
    with pytest.raises(InputError, match=f"uploaded corpus {cid} is damaged"):
        load_corpus(cid)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match=f"uploaded corpus {cid} has a damaged manifest.json"):
        load_corpus(cid)
    assert save_corpus("pets.csv", PETS_CSV) == cid  # a manifest is there: left as it is
    (folder / "manifest.json").unlink()
    assert save_corpus("pets.csv", PETS_CSV) == cid  # no manifest: the folder is written afresh
    assert load_corpus(cid).ids == IDS


def test_list_corpora_offers_installed_builtins_and_uploads(home, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CORPORA", str(tmp_path / "no-corpora"))
    assert list_corpora() == []  # FOLDOC not installed, nothing uploaded
    first = save_corpus("pets.csv", PETS_CSV)
    second = save_corpus("birds.jsonl", PETS_JSONL)
    (uploads_dir() / "c-ffffffffffff").mkdir()  # a folder without a manifest is left out
    listed = list_corpora()
    assert [e["name"] for e in listed] == [first, second]
    assert listed[0] == {"name": first, "kind": "uploaded", "n": 4,
                         "label": f"pets.csv: 4 documents (uploaded, {first})"}
    for f in corpus_mod.FOLDOC_FILES:
        path = tmp_path / "no-corpora" / "foldoc" / f
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    assert list_corpora()[0] == {"name": "foldoc", "kind": "built-in", "n": None,
                                 "label": "FOLDOC, the Free On-line Dictionary of Computing (built in)"}
