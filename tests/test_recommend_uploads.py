"""Uploaded interactions for the recommendation lab: CSV read exactly (aliases, separators, implicit
feedback, repeats), every broken file refused with a message that names the lines and the fix, and uploads
kept in the workspace under a content id that a shared link reopens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.recommend import uploads as up
from core.recommend.uploads import (
    RATINGS_ID,
    UPLOAD_HELP,
    list_ratings,
    load_ratings,
    parse_interactions,
    ratings_id,
    save_ratings,
    uploads_dir,
)

# 3 users x 4 items, 11 rows of which one repeats a pair (user 10, item 5: 2 then 4, the 4 is kept)
RATINGS_CSV = (
    b"user,item,rating,timestamp\n"
    b"10,5,2,881250949\n"
    b"2,40,4.5,881250950\n"
    b"2,7,1,1997-09-20\n"
    b"10,40,3,881250952\n"
    b"3,5,5,881250953\n"
    b"3,7,2.5,881250954\n"
    b"10,7,1,881250955\n"
    b"2,5,4,881250956\n"
    b"3,1,3,881250957\n"
    b"10,5,4,881250958\n"
    b"2,1,5,881250959\n"
)
MOVIES_CSV = (
    b"movieId,title,genres,year\n"
    b'5,"Father of the Bride, Part II",Comedy,1995\n'
    b"40,Cry the Beloved Country,Drama|War ,1995\n"
    b"99,Never Rated,Horror,2001\n"
    b"7,Sabrina,Comedy|Romance,\n"
)
USERS = ["2", "3", "10"]
ITEMS = ["1", "5", "7", "40"]
DENSE = np.array([[5, 4, 1, 4.5],
                  [3, 5, 2.5, 0],
                  [0, 4, 1, 3]], dtype=np.float32)


def refused(data: bytes, filename: str = "r.csv", items: bytes | None = None) -> str:
    with pytest.raises(InputError) as info:
        parse_interactions(filename, data, None if items is None else "movies.csv", items)
    return str(info.value)


def rows(n_users: int = 3, n_items: int = 4, header: bytes = b"user,item,rating\n") -> bytes:
    """A full matrix of distinct ratings 1..n (a valid upload)."""
    body = b"".join(f"u{u},i{i},{1 + u * n_items + i}\n".encode() for u in range(n_users) for i in range(n_items))
    return header + body


# --- good files ---------------------------------------------------------------------------------------


def test_a_good_upload_with_items_reads_the_matrix_titles_years_genres_and_times():
    r = parse_interactions("ratings.csv", RATINGS_CSV, "movies.csv", MOVIES_CSV)
    assert r.user_ids == USERS and r.item_ids == ITEMS  # whole-number ids in numeric order
    np.testing.assert_array_equal(r.matrix.toarray(), DENSE)
    assert r.explicit and r.n == 10 and r.rating_range == (1.0, 5.0)
    assert r.users.dtype == np.int32 and r.items.dtype == np.int32 and r.values.dtype == np.float32
    assert r.timestamps.dtype == np.int64  # the ISO date is 1997-09-20 00:00 UTC = 874713600 s
    assert r.timestamps[r.items == ITEMS.index("7")].tolist() == [874713600, 881250954, 881250955]
    assert list(r.item_meta["title"]) == ["1", "Father of the Bride, Part II", "Sabrina", "Cry the Beloved Country"]
    assert str(r.item_meta["year"].dtype) == "Int64" and r.item_meta["year"].isna().tolist() == [True, False, True,
                                                                                                  False]
    assert [int(y) for y in r.item_meta["year"].dropna()] == [1995, 1995]
    assert list(r.item_meta["genres"]) == [(), ("Comedy",), ("Comedy", "Romance"), ("Drama", "War")]
    assert r.titles == ["1", "Father of the Bride, Part II (1995)", "Sabrina", "Cry the Beloved Country (1995)"]
    assert r.name == ratings_id("ratings.csv", RATINGS_CSV, MOVIES_CSV) and RATINGS_ID.match(r.name)
    assert r.label == "ratings.csv" and r.credit == "uploaded by you: ratings.csv and movies.csv"
    assert r.notes == (
        "1 repeated user-item pair: the last rating kept",
        "items file: columns read under other names: 'movieId' as item",
        "1 item of the items file is in no interaction: left out",
        "1 item has no row in the items file: its id is its title",
    )


def test_without_an_items_file_the_ids_are_the_titles():
    r = parse_interactions("ratings.csv", RATINGS_CSV)
    assert list(r.item_meta.columns) == ["title"] and r.titles == ITEMS
    assert r.credit == "uploaded by you: ratings.csv"
    assert r.notes == ("1 repeated user-item pair: the last rating kept",)


def test_aliases_and_case_are_understood_and_reported_extra_columns_ignored():
    data = RATINGS_CSV.replace(b"user,item,rating,timestamp", b"UserId,movie_id,Stars,Time,comment")
    data = b"\n".join(line + b",x" if i else line for i, line in enumerate(data.split(b"\n")) if line) + b"\n"
    r = parse_interactions("ratings.csv", data)
    np.testing.assert_array_equal(r.matrix.toarray(), DENSE)
    assert r.notes[:2] == (
        "columns read under other names: 'UserId' as user, 'movie_id' as item, 'Stars' as rating, 'Time' as timestamp",
        "1 column ignored: 'comment' (EmbedLab reads user, item, rating, timestamp)",
    )
    plain = parse_interactions("r.csv", b"USER , Item\n" + b"".join(f"{u},{i}\n".encode() for u in "ab"
                                                                     for i in "vwxyz"))
    assert plain.n == 10 and not any("other names" in n for n in plain.notes)


@pytest.mark.parametrize("filename, sep, note", [("r.tsv", b"\t", None),
                                                 ("r.csv", b"\t", "values are separated by tabs"),
                                                 ("r.csv", b";", "values are separated by semicolons")])
def test_tabs_and_semicolons_are_told_apart_by_the_header(filename, sep, note):
    r = parse_interactions(filename, RATINGS_CSV.replace(b",", sep))
    np.testing.assert_array_equal(r.matrix.toarray(), DENSE)
    assert (note in r.notes) if note else not any("separated" in n for n in r.notes)
    assert r.name == ratings_id("r.csv", RATINGS_CSV.replace(b",", sep))  # the name never changes the reading


def test_semicolon_files_may_use_a_decimal_comma():
    r = parse_interactions("r.csv", RATINGS_CSV.replace(b",", b";").replace(b"4.5", b"4,5").replace(b"2.5", b"2,5"))
    np.testing.assert_array_equal(r.matrix.toarray(), DENSE)
    assert "ratings written with a decimal comma (3,5 = 3.5)" in r.notes
    assert "rating on line 3 is not a number: '4,5'" in refused(RATINGS_CSV.replace(b"4.5", b'"4,5"'))


def test_no_rating_column_is_implicit_feedback():
    data = b"user_id,item_id\n" + b"".join(f"u{u},i{i}\n".encode() for u in range(4) for i in range(4) if u != i)
    r = parse_interactions("clicks.csv", data)
    assert not r.explicit and r.values.tolist() == [1.0] * 12 and r.rating_range == (1.0, 1.0)
    assert r.matrix.toarray().tolist() == (1 - np.eye(4)).tolist()
    assert r.timestamps is None
    assert "no rating column: interactions without ratings (each counts 1)" in r.notes


def test_the_same_rating_everywhere_is_implicit_feedback_and_repeats_count_once():
    data = rows().replace(b"rating", b"score")
    data = b"\n".join(line.rsplit(b",", 1)[0] + b",5" if i else line for i, line in enumerate(data.split(b"\n"))
                      if line) + b"\nu0,i0,5\nu0,i0,5\n"
    r = parse_interactions("likes.csv", data)
    assert not r.explicit and r.n == 12 and set(r.values.tolist()) == {1.0}
    assert r.notes[1:] == ("2 repeated user-item pairs: counted once",
                           "every rating is 5: read as interactions without ratings (each counts 1)")


def test_repeated_pairs_keep_the_last_rating_and_its_time():
    data = RATINGS_CSV + b"3,7,4,881260000\n2,40,1,881260001\n"
    r = parse_interactions("r.csv", data)
    assert r.notes == ("3 repeated user-item pairs: the last rating kept",)
    assert r.matrix[USERS.index("3"), ITEMS.index("7")] == 4 and r.matrix[USERS.index("2"), ITEMS.index("40")] == 1
    at = (r.users == USERS.index("3")) & (r.items == ITEMS.index("7"))
    assert r.timestamps[at].tolist() == [881260000]
    assert r.n == 10


def test_ids_in_natural_order_numbers_by_value_else_as_text():
    numeric = b"user,item\n" + b"".join(f"{u},{i}\n".encode() for u in ("10", "9", "100", "007")
                                        for i in ("2", "-1", "30"))
    r = parse_interactions("r.csv", numeric)
    assert r.user_ids == ["007", "9", "10", "100"] and r.item_ids == ["-1", "2", "30"]
    text = b"user,item\n" + b"".join(f"{u},{i}\n".encode() for u in ("b", "a10", "a9") for i in ("x", "10", "9", "Z"))
    r = parse_interactions("r.csv", text)
    assert r.user_ids == ["a10", "a9", "b"] and r.item_ids == ["10", "9", "Z", "x"]
    assert r.matrix.shape == (3, 4) and r.matrix.nnz == 12


def test_a_bom_spaces_blank_lines_empty_rows_and_line_breaks_in_quotes_are_fine():
    data = (b"\xef\xbb\xbf\r\nuser , item ,rating,comment\r\n\r\n"
            b' 2 ,5, 4 ,"two\r\nlines"\r\n,,,\r\n'
            + b"".join(f"{u},{i},{u + i},\r\n".encode() for u in (2, 3) for i in (6, 7, 8, 9)) + b"3,5,1,\r\n")
    r = parse_interactions("r.csv", data)
    assert r.user_ids == ["2", "3"] and r.item_ids == ["5", "6", "7", "8", "9"] and r.n == 10
    assert r.matrix[0, 0] == 4 and r.matrix[1, 4] == 12
    # line numbers count the blank lines and the line break in quotes: the bad rating is on line 8
    bad = data.replace(b"2,7,9,", b"2,7,x,")
    assert "rating on line 8 is not a number: 'x'" in refused(bad)


def test_negative_ratings_are_kept_and_noted():
    data = rows().replace(b",1\n", b",-3\n").replace(b",2\n", b",-0.5\n")
    r = parse_interactions("r.csv", data)
    assert r.explicit and r.rating_range == (-3.0, 12.0)
    assert r.notes == ("2 ratings are below 0 (lowest -3): kept as given",)


def test_titles_lose_control_characters_and_the_label_its_folders():
    items = b"item,title\ni0,\"Tab\there\"\ni1,\x07Bell\ni2,\n"
    r = parse_interactions("some/dir/my\x1bfile.csv", rows(), "items.csv", items)
    assert list(r.item_meta["title"])[:3] == ["Tab here", "Bell", "i2"]
    assert r.label == "myfile.csv" and r.credit == "uploaded by you: myfile.csv and items.csv"


def test_repeated_item_rows_keep_the_last_one():
    items = b"item,title,year\ni0,Old,1990\ni1,One,\ni0,New,2000.0\n"
    r = parse_interactions("r.csv", rows(), "items.csv", items)
    assert list(r.item_meta["title"]) == ["New", "One", "i2", "i3"]
    assert r.item_meta["year"].iloc[0] == 2000 and r.titles[0] == "New (2000)"
    assert "1 row of the items file repeats an item listed above: the last row of each item kept" in r.notes
    assert "2 items have no row in the items file: their ids are their titles" in r.notes


def test_recboles_own_movielens_file_reads_as_the_built_in_set():
    try:
        root = up.movielens_dir()
    except InputError:
        pytest.skip("MovieLens 100k (the recbole package) is not installed")
    r = parse_interactions("ml-100k.tsv", (root / "ml-100k.inter").read_bytes())
    m = up.load_movielens()
    assert r.user_ids == m.user_ids and sorted(r.item_ids, key=int) == r.item_ids and r.n == 100_000
    columns = [m.item_ids.index(i) for i in r.item_ids]
    assert (r.matrix != m.matrix[:, columns]).nnz == 0
    assert r.notes == ("columns read under other names: 'user_id:token' as user, 'item_id:token' as item",)


def test_the_help_text_example_reads():
    example = UPLOAD_HELP.split("```")[1].strip().encode()
    more = b"".join(f"u{k},i{k % 3},{k % 5 + 1}\n".encode() for k in range(8))
    r = parse_interactions("r.csv", example + b"\n" + more)
    assert r.user_ids[:2] == ["alice", "bob"] and r.n == 10 and r.explicit


def test_ratings_id_depends_on_the_content_only():
    rid = ratings_id("a.csv", RATINGS_CSV)
    assert RATINGS_ID.match(rid) and rid == ratings_id("b.tsv", RATINGS_CSV)
    assert len({rid, ratings_id("a.csv", RATINGS_CSV, MOVIES_CSV), ratings_id("a.csv", RATINGS_CSV, b""),
                ratings_id("a.csv", RATINGS_CSV + b"\n")}) == 4


# --- bad files ------------------------------------------------------------------------------------------

TOO_FEW_USERS = b"user,item,rating\n" + b"".join(f"solo,i{i},{i % 4 + 1}\n".encode() for i in range(12))
BROKEN = [
    (b"", "file 'r.csv' is empty: it has no interactions; its first line must be a header such as "
          "user,item,rating,timestamp"),
    (b" \n\n", "file 'r.csv' is empty: it has no interactions"),
    (b"user,item,rating\n\n", "file 'r.csv' has no interactions, only a header row; add one row an interaction "
                              "below it (a recommender needs at least 2 users, 2 items and 10 interactions"),
    (b"user,rating\n1,4\n", "file 'r.csv' has no 'item' column; its first row must be a header naming the columns, "
                            "such as user,item,rating,timestamp. Its header (line 1) has: 'user', 'rating' ('item' may "
                            "also be called 'item_id', 'itemid', 'movieid', 'movie_id')"),
    (b"who;what\n1;2\n", "has no 'user' or 'item' column; its first row must be a header naming the columns, "
                         "such as user,item,rating,timestamp. Its header (line 1) has: 'who', 'what'"),
    (b"196\t242\t3\t881250949\n", "Its header (line 1) has: '196', '242', '3', '881250949'. Its first row looks "
                                  "like data: add a header line such as user,item,rating,timestamp above it"),
    (b"user,item,user_id\n1,2,3\n", "file 'r.csv': the header (line 1) has two user columns, 'user' (column 1) and "
                                    "'user_id' (column 3); keep one"),
    (rows() + b"u9,i9\nu9,i8,3\nu9,i7,3,x\n", "file 'r.csv': lines 14, 16 do not have 3 values like the header "
                                              "(line 1); line 14 has 2. Every row needs one value per column (a "
                                              "value with commas in it must be in double quotes)"),
    (rows() + b'u9,"i9,3\n', "file 'r.csv', line 14: unexpected end of data; check the quotes there"),
    (RATINGS_CSV.replace(b"10,40,3,", b"10,40,five,").replace(b"2,1,5,", b"2,1,NaN,"),
     "file 'r.csv': rating on lines 5, 12 is not a number: 'five', 'NaN'; write each rating as a number such as 4 "
     "or 3.5 (NaN and infinity are not allowed)"),
    (RATINGS_CSV.replace(b"3,5,5,", b"3,5,inf,").replace(b"3,1,3,", b"3,1,-1e999,"),
     "rating on lines 6, 10 is not a number: 'inf', '-1e999'"),
    (RATINGS_CSV.replace(b"3,5,5,", b"3,5, ,"), "file 'r.csv': the rating on line 6 is empty; fill it in or delete "
                                                "that line (leave out the whole rating column if"),
    (RATINGS_CSV.replace(b"3,5,5,", b"3,5,0,"), "file 'r.csv': the rating on line 6 is 0, but the rating matrix uses "
                                                "0 for 'not rated'; shift the scale (add 1 to every rating)"),
    (RATINGS_CSV.replace(b"1997-09-20", b"yesterday").replace(b"881250959", b"20/09/1997"),
     "file 'r.csv': timestamp on lines 4, 12 is not a time: 'yesterday', '20/09/1997'; write seconds since 1970 "
     "(such as 881250949) or a date such as 2024-05-31"),
    (RATINGS_CSV.replace(b"881250959", b"881250959000"), "timestamp on line 12 is not a time: '881250959000' "
                                                         "('881250959000' is too large for seconds; if the times are "
                                                         "in milliseconds, divide them by 1000)"),
    (RATINGS_CSV.replace(b"3,1,3,881250957", b"3,1,3,"), "timestamp on line 10 is not a time: ''"),
    ("user,item\nRené,1\n".encode("latin-1") + rows()[17:],
     "file 'r.csv' is not UTF-8 text (byte 0xe9 at position 13, line 2); save it as UTF-8"),
    (rows().decode().encode("utf-16"), "file 'r.csv' is UTF-16 text; save it as UTF-8"),
    (b"PK\x03\x04rest of a workbook", "file 'r.csv' is a zip archive (an Excel workbook?), not text; export it as "
                                      "'CSV UTF-8'"),
    (TOO_FEW_USERS, "file 'r.csv' holds 1 user, 12 items, 12 interactions; a recommender needs at least 2 users, "
                    "2 items and 10 interactions: it suggests to each user what similar users chose"),
    (rows(3, 1), "file 'r.csv' holds 3 users, 1 item, 3 interactions"),
    (rows(2, 4)[:-9], "holds 2 users, 4 items, 7 interactions"),
    (rows() + f"{'u' * 201},i0,3\n".encode(), "file 'r.csv': line 14 has a user id longer than 200 characters; "
                                               "use shorter ids"),
    (rows() + b'u1,"i\tx",3\nu2,"i\ny",4\n', "file 'r.csv': lines 14, 15 have an item id with a tab, line break or "
                                              "other control character; ids must be one line of text"),
    (rows() + b" ,i1,3\nu1,,3\n", "file 'r.csv': line 14 has an empty user id; give every row one"),
]


@pytest.mark.parametrize("data, fragment", BROKEN, ids=[f"{i}-{b[1][:30]}" for i, b in enumerate(BROKEN)])
def test_a_broken_upload_says_what_where_and_how(data, fragment):
    assert fragment in refused(data)


@pytest.mark.parametrize("items, fragment", [
    (b"", "items file 'movies.csv' is empty: it has no items; its first line must be a header"),
    (b"item,title\n", "items file 'movies.csv' has a header row but no items; add one row an item below it, or "
                      "upload no items file"),
    (b"title,year\nA,1999\n", "items file 'movies.csv' has no 'item' column; its first row must be a header naming "
                              "the columns, such as item,title,year,genres. Its header (line 1) has: 'title', 'year'"),
    (b"item,year\n5,1995\n7,nineteen\n40,99999\n", "items file 'movies.csv': year on lines 3, 4 is not a whole "
                                                   "number: 'nineteen', '99999'; write a year such as 1995"),
    (b"item,title\n5,A\n7\n", "items file 'movies.csv': line 3 does not have 2 values like the header (line 1)"),
])
def test_a_broken_items_file_says_what_where_and_how(items, fragment):
    assert fragment in refused(RATINGS_CSV, items=items)


def test_only_csv_and_tsv_files_are_read():
    with pytest.raises(InputError, match=r"file 'r.xlsx': interactions and items are read from .csv or .tsv files, "
                                         r"not from files ending .xlsx; save it as CSV"):
        parse_interactions("r.xlsx", RATINGS_CSV)
    assert "not from files ending (no extension)" in refused(RATINGS_CSV, filename="ratings")
    assert "items file 'movies.json': interactions and items are read from .csv or .tsv" in str(
        pytest.raises(InputError, parse_interactions, "r.csv", RATINGS_CSV, "movies.json", MOVIES_CSV).value)


def test_the_size_cap_is_checked_before_anything_is_read(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.0001")
    big = b"\xff" * 150  # not UTF-8 either: the size is what it hears about first
    assert refused(big) == ("file 'r.csv' is 0.00015 MB, over the 0.0001 MB limit for an upload; upload a sample "
                            "(the interactions of fewer users, say) or split the file")
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.0003")
    assert len(RATINGS_CSV) < 300 and parse_interactions("r.csv", RATINGS_CSV).n == 10
    assert "items file 'movies.csv' is 0.0004 MB, over the 0.0003 MB limit" in refused(RATINGS_CSV, items=b"x" * 400)


def test_too_many_interactions_are_refused(monkeypatch):
    monkeypatch.setattr(up, "MAX_INTERACTIONS", 10)
    assert refused(RATINGS_CSV) == ("file 'r.csv' has more than 10 interactions, the most an upload may hold; "
                                    "upload a sample (the interactions of fewer users, say)")
    monkeypatch.setattr(up, "MAX_INTERACTIONS", 11)
    assert parse_interactions("r.csv", RATINGS_CSV).n == 10


def test_every_cut_of_a_good_file_reads_or_is_refused_cleanly():
    """A file cut short anywhere (an interrupted upload) never raises anything but InputError."""
    read = {"interactions": 0, "items": 0}
    cuts = [("interactions", RATINGS_CSV[:end], None) for end in range(len(RATINGS_CSV) + 1)]
    cuts += [("items", RATINGS_CSV, MOVIES_CSV[:end]) for end in range(len(MOVIES_CSV) + 1)]
    for which, data, items in cuts:
        try:
            parse_interactions("r.csv", data, "m.csv", items)
            read[which] += 1
        except InputError as err:
            assert str(err)
    assert read["interactions"] > 0 and read["items"] > 0


def test_no_pickle_anywhere_in_the_module():
    assert "pickle" not in Path(up.__file__).read_text().replace("never a pickle", "")


# --- the workspace and shared links ------------------------------------------------------------------


def test_save_keeps_the_files_and_a_link_reopens_them(home):
    rid = save_ratings("ratings.csv", RATINGS_CSV, "movies.csv", MOVIES_CSV)
    assert rid == ratings_id("ratings.csv", RATINGS_CSV, MOVIES_CSV) and RATINGS_ID.match(rid)
    folder = home / "workspace" / "ratings" / rid
    assert sorted(p.name for p in folder.iterdir()) == ["interactions.csv", "items.csv", "manifest.json"]
    assert (folder / "interactions.csv").read_bytes() == RATINGS_CSV  # the uploads as they came
    assert (folder / "items.csv").read_bytes() == MOVIES_CSV
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {k: manifest[k] for k in ("id", "filename", "items_filename", "n_users", "n_items", "n", "explicit",
                                     "format_version")} == {
        "id": rid, "filename": "ratings.csv", "items_filename": "movies.csv", "n_users": 3, "n_items": 4, "n": 10,
        "explicit": True, "format_version": 1}
    assert manifest["files"]["interactions.csv"]["bytes"] == len(RATINGS_CSV)
    back = load_ratings(rid)  # what `?ratings=<id>` does
    first = parse_interactions("ratings.csv", RATINGS_CSV, "movies.csv", MOVIES_CSV)
    assert back.name == rid and back.user_ids == USERS and back.item_ids == ITEMS
    np.testing.assert_array_equal(back.matrix.toarray(), DENSE)
    np.testing.assert_array_equal(back.timestamps, first.timestamps)
    assert back.titles == first.titles and list(back.item_meta["genres"]) == list(first.item_meta["genres"])
    assert back.notes == first.notes and back.credit == first.credit
    assert [p.name for p in uploads_dir().iterdir()] == [rid]  # no temporary folder left behind


def test_the_same_upload_saved_twice_gets_the_same_id_and_is_not_rewritten(home):
    first = save_ratings("ratings.csv", RATINGS_CSV)
    manifest = (uploads_dir() / first / "manifest.json").read_text()
    assert save_ratings("renamed.tsv", RATINGS_CSV) == first
    assert (uploads_dir() / first / "manifest.json").read_text() == manifest
    assert load_ratings(first).label == "ratings.csv"  # the first save is kept
    assert save_ratings("ratings.csv", RATINGS_CSV, "movies.csv", MOVIES_CSV) != first
    assert len(list(uploads_dir().iterdir())) == 2


def test_a_bad_upload_writes_nothing(home):
    with pytest.raises(InputError, match="is not a number"):
        save_ratings("r.csv", RATINGS_CSV.replace(b"4.5", b"n/a"))
    with pytest.raises(InputError, match="year on line 2 is not a whole number"):
        save_ratings("r.csv", RATINGS_CSV, "movies.csv", MOVIES_CSV.replace(b"1995\n", b"'95\n", 1))
    assert not uploads_dir().exists()


def test_a_crash_while_saving_leaves_no_half_set(home, monkeypatch):
    def crash(self, target):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(Path, "rename", crash)
        with pytest.raises(OSError, match="disk full"):
            save_ratings("r.csv", RATINGS_CSV)
    assert list(uploads_dir().iterdir()) == []
    with pytest.raises(InputError, match="not in this workspace"):
        load_ratings(ratings_id("r.csv", RATINGS_CSV))
    assert load_ratings(save_ratings("r.csv", RATINGS_CSV)).n == 10  # and saving again works


def test_a_link_to_an_upload_that_is_not_here_explains_itself(home):
    with pytest.raises(InputError) as info:
        load_ratings("r-0123456789ab")
    assert str(info.value) == (
        "the uploaded interactions r-0123456789ab are not in this workspace: they may have been uploaded on another "
        "machine, or deleted; upload the file again here, or pick another set")


@pytest.mark.parametrize("name", ["r-0123456789a", "r-0123456789abc", "R-0123456789AB", "r-../../etc/passwd",
                                  " r-0123456789ab"])
def test_a_cut_or_edited_upload_id_explains_itself(home, name):
    with pytest.raises(InputError) as info:
        load_ratings(name)
    assert "looks like the id of uploaded interactions but is not one (those are 'r-' and 12 hex digits" in str(
        info.value)
    assert "the link may be cut short or edited" in str(info.value)


@pytest.mark.parametrize("name", ["ml-1m", "", "../workspace", None, "x" * 500])
def test_an_unknown_name_explains_itself(home, name):
    with pytest.raises(InputError) as info:
        load_ratings(name)
    message = str(info.value)
    assert message.startswith(f"ratings {name!r}"[:30])
    assert "are not known; choose ml-100k, or uploaded interactions (their id looks like 'r-1a2b3c4d5e6f')" in message
    assert len(message) < 250


def test_ml_100k_is_read_from_its_loader(monkeypatch):
    monkeypatch.setattr(up, "load_movielens", lambda: "movielens")
    assert load_ratings() == "movielens" and load_ratings("ml-100k") == "movielens"


def test_a_damaged_upload_on_disk_is_refused(home):
    rid = save_ratings("r.csv", RATINGS_CSV)
    folder = uploads_dir() / rid
    (folder / "interactions.csv").write_bytes(RATINGS_CSV.replace(b"4.5", b"3.5"))
    with pytest.raises(InputError, match=f"the uploaded interactions {rid} on disk do not match their id"):
        load_ratings(rid)
    (folder / "interactions.csv").unlink()
    with pytest.raises(InputError, match=f"the uploaded interactions {rid} are damaged"):
        load_ratings(rid)
    (folder / "manifest.json").write_text('{"id": "' + rid + '", "filename": "../../x.csv"}')
    with pytest.raises(InputError, match=f"the uploaded interactions {rid} have a damaged manifest.json"):
        load_ratings(rid)
    (folder / "manifest.json").unlink()
    assert save_ratings("r.csv", RATINGS_CSV) == rid  # no manifest: the folder is written afresh
    assert load_ratings(rid).n == 10


def test_list_ratings_offers_movielens_then_uploads_newest_first(home, monkeypatch):
    def missing():
        raise InputError("not installed")

    monkeypatch.setattr(up, "movielens_dir", missing)
    assert list_ratings() == [{"name": "ml-100k", "label": "MovieLens 100k (943 users, 1,682 movies, 100,000 ratings)",
                               "n_users": 943, "n_items": 1682, "n": 100_000, "source": "built-in",
                               "installed": False}]
    first = save_ratings("ratings.csv", RATINGS_CSV)
    second = save_ratings("clicks.csv", b"user,item\n" + b"".join(f"u{u},i{i}\n".encode() for u in range(3)
                                                                   for i in range(4)))
    manifest = uploads_dir() / first / "manifest.json"
    data = json.loads(manifest.read_text())
    data["created"] -= 60  # the first was saved a minute earlier
    manifest.write_text(json.dumps(data))
    (uploads_dir() / "r-ffffffffffff").mkdir()  # no manifest: left out
    (uploads_dir() / "r-eeeeeeeeeeee").mkdir()
    (uploads_dir() / "r-eeeeeeeeeeee" / "manifest.json").write_text("{not json")  # broken: left out
    (uploads_dir() / "notes.txt").write_text("not an upload")
    monkeypatch.setattr(up, "movielens_dir", lambda: Path("."))
    listed = list_ratings()
    assert [e["name"] for e in listed] == ["ml-100k", second, first]
    assert listed[0]["installed"] is True
    assert {k: v for k, v in listed[2].items() if k != "created"} == {
        "name": first, "source": "uploaded", "n_users": 3, "n_items": 4, "n": 10, "explicit": True,
        "label": "ratings.csv (3 users, 4 items, 10 ratings)"}
    assert listed[1]["label"] == "clicks.csv (3 users, 4 items, 12 interactions)" and not listed[1]["explicit"]
