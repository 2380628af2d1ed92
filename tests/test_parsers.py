"""Parsers of data people bring: good files give the right Dataset, every broken one a message that says why.

Broken files also go through the CLI (`embedlab import` and `embedlab project --input`): exit status 2,
one ``error:`` line, and nothing saved to the workspace.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.cli import main
from core.datasets import parsers
from core.errors import InputError

# --- helpers ------------------------------------------------------------------------------------------


def png(color=(200, 30, 30), size=(12, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def workspace_entries(home: Path) -> list[str]:
    ws = home / "workspace"
    return sorted(p.name for p in ws.iterdir()) if ws.exists() else []


@pytest.fixture
def fake_encoders(monkeypatch, fake_encoder):
    """Route the CLI's text and image embedding to the fake encoder (no model loads)."""
    import core.embed.encoders as enc

    calls = []

    def get_encoder(name, device=None):
        calls.append(name)
        return fake_encoder

    monkeypatch.setattr(enc, "get_encoder", get_encoder)
    return calls


VEC_TSV = b"0.1\t0.2\t0.3\n0.4\t0.5\t0.6\n0.7\t0.8\t0.9\n"

# --- good inputs ------------------------------------------------------------------------------------------


def test_projector_vectors_alone():
    ds = parsers.parse_projector(VEC_TSV, "vectors.tsv")
    assert ds.vectors.shape == (3, 3) and ds.vectors.dtype == np.float32
    np.testing.assert_allclose(ds.vectors[1], [0.4, 0.5, 0.6], rtol=1e-6)
    assert list(ds.ids) == ["0", "1", "2"] and list(ds.labels) == ["0", "1", "2"]
    assert ds.name == "vectors"
    assert ds.description == "uploaded from vectors.tsv"


def test_projector_with_single_column_metadata_has_no_header():
    ds = parsers.parse_bytes("vectors.tsv", VEC_TSV, metadata=("metadata.tsv", b"cat\ndog\nbird\n"))
    assert ds.vectors.shape == (3, 3)
    assert list(ds.labels) == ["cat", "dog", "bird"]
    assert list(ds.ids) == ["0", "1", "2"]


def test_projector_with_multi_column_metadata_has_a_header():
    meta = b"word\tpos\tcount\ncat\tnoun\t10\nrun\tverb\t7\nblue\tadj\t3\n"
    ds = parsers.parse_bytes("vectors.tsv", VEC_TSV, metadata=("metadata.tsv", meta))
    assert list(ds.meta.columns) == ["id", "label", "word", "pos", "count"]
    assert list(ds.labels) == ["cat", "run", "blue"]  # 'word' is a label column
    assert ds.meta["pos"].tolist() == ["noun", "verb", "adj"]


def test_projector_metadata_with_an_id_column_and_a_csv_metadata_file():
    meta = b"id,colour\nr1,red\nr2,green\nr3,blue\n"
    ds = parsers.parse_bytes("vectors.tsv", VEC_TSV, metadata=("metadata.csv", meta))
    assert list(ds.ids) == ["r1", "r2", "r3"]
    assert list(ds.labels) == ["red", "green", "blue"]  # the first non-id column


def test_projector_file_with_a_header_row_skips_it():
    ds = parsers.parse_projector(b"x\ty\n1\t2\n3\t4\n", "v.tsv")
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4]])


def test_projector_tolerates_blank_lines_and_a_bom():
    ds = parsers.parse_projector(b"\xef\xbb\xbf1\t2\n\n3\t4\n\n", "v.tsv")
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4]])


def test_csv_numeric_columns_are_vectors_the_rest_metadata():
    data = b"name,x,y,z,colour\ncat,1,2,3,red\ndog,4,5,6.5,blue\nemu,-1,0,1e-3,green\n"
    ds = parsers.parse_csv(data, "animals.csv")
    np.testing.assert_allclose(ds.vectors, [[1, 2, 3], [4, 5, 6.5], [-1, 0, 1e-3]], rtol=1e-6)
    assert list(ds.labels) == ["cat", "dog", "emu"]
    assert list(ds.meta.columns) == ["id", "label", "name", "colour"]
    assert ds.meta["colour"].tolist() == ["red", "blue", "green"]
    assert ds.name == "animals"


def test_csv_id_and_label_columns_are_used():
    data = b"id,label,a,b\nq1,one,1,2\nq2,two,3,4\n"
    ds = parsers.parse_csv(data, "d.csv")
    assert list(ds.ids) == ["q1", "q2"] and list(ds.labels) == ["one", "two"]
    assert ds.vectors.shape == (2, 2)


def test_csv_with_a_json_list_column():
    data = b'word,vec\ncat,"[0.1, 0.2, 0.3, 0.4]"\ndog,"[1, 2, 3, 4]"\nemu,"[-1,-2,-3,-4]"\n'
    ds = parsers.parse_csv(data, "d.csv")
    assert ds.vectors.shape == (3, 4)
    np.testing.assert_allclose(ds.vectors[2], [-1, -2, -3, -4])
    assert list(ds.labels) == ["cat", "dog", "emu"]
    assert "vec" not in ds.meta.columns


def test_tsv_through_parse_csv_uses_tabs():
    ds = parsers.parse_csv(b"label\ta\tb\nx\t1\t2\ny\t3\t4\n", "d.tsv")
    assert ds.vectors.shape == (2, 2) and list(ds.labels) == ["x", "y"]


def test_parquet_with_a_list_column_keeps_typed_metadata():
    frame = pd.DataFrame({"title": ["a", "b", "c"], "year": [2001, 2002, 2003],
                          "embedding": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]})
    ds = parsers.parse_parquet(parquet(frame), "films.parquet")
    np.testing.assert_array_equal(ds.vectors, [[0, 1], [1, 0], [0.5, 0.5]])
    assert list(ds.labels) == ["a", "b", "c"]
    assert ds.meta["year"].tolist() == [2001, 2002, 2003]
    assert ds.name == "films"


def test_parquet_with_numeric_columns():
    frame = pd.DataFrame({"label": ["p", "q", "r"], "f1": [0.1, 0.2, 0.3], "f2": [1, 2, 3],
                          "f3": np.float32([9, 8, 7])})
    ds = parsers.parse_parquet(parquet(frame), "d.parquet")
    np.testing.assert_allclose(ds.vectors, frame[["f1", "f2", "f3"]].to_numpy(np.float32))
    assert list(ds.labels) == ["p", "q", "r"]


def test_npy_with_metadata():
    arr = np.arange(12, dtype=np.float64).reshape(4, 3)
    ds = parsers.parse_bytes("emb.npy", npy(arr), metadata=("meta.tsv", b"label\tgroup\na\tg1\nb\tg1\nc\tg2\nd\tg2\n"))
    np.testing.assert_array_equal(ds.vectors, arr.astype(np.float32))
    assert list(ds.labels) == ["a", "b", "c", "d"]
    assert ds.meta["group"].tolist() == ["g1", "g1", "g2", "g2"]


def test_npy_of_integers_is_accepted():
    ds = parsers.parse_npy(npy(np.array([[1, 2], [3, 4]], dtype=np.int16)), "i.npy")
    assert ds.vectors.dtype == np.float32
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4]])


def test_text_file_with_the_fake_encoder(fake_encoder):
    data = b"a cat sits on the mat\n\nstock markets fell sharply\n  a kitten rests on a rug  \n"
    ds = parsers.parse_text_file(data, "sentences.txt", encoder=fake_encoder)
    assert ds.vectors.shape == (3, 8)
    assert ds.texts == ["a cat sits on the mat", "stock markets fell sharply", "a kitten rests on a rug"]
    assert list(ds.labels) == ds.texts
    np.testing.assert_array_equal(ds.vectors[0], fake_encoder(["a cat sits on the mat"])[0])
    assert ds.description == "3 texts from sentences.txt, embedded with MiniLM"


def test_long_texts_are_labelled_by_their_start(fake_encoder):
    long = "word " * 40
    ds = parsers.parse_texts([long, "short"], "t.txt", encoder=fake_encoder)
    assert ds.labels[0] == long.strip()[:60]
    assert ds.texts[0] == long.strip()


def test_csv_text_column_with_the_fake_encoder(fake_encoder):
    data = b"review,stars\ngreat film,5\nterrible plot,1\nfine,3\n"
    ds = parsers.parse_csv(data, "reviews.csv", text_column="review", encoder=fake_encoder)
    assert ds.vectors.shape == (3, 8)
    assert ds.texts == ["great film", "terrible plot", "fine"]
    assert list(ds.meta.columns) == ["id", "label", "review", "stars"]
    assert ds.meta["stars"].tolist() == ["5", "1", "3"]
    np.testing.assert_array_equal(ds.vectors[1], fake_encoder(["terrible plot"])[0])


def test_csv_with_a_text_column_and_no_numbers_is_embedded(fake_encoder):
    ds = parsers.parse_csv(b"text,topic\nhello there,a\ngood bye,b\n", "d.csv", encoder=fake_encoder)
    assert ds.texts == ["hello there", "good bye"] and ds.vectors.shape == (2, 8)


def test_parquet_text_column(fake_encoder):
    frame = pd.DataFrame({"sentence": ["one thing", "another thing"], "n": [1, 2]})
    ds = parsers.parse_parquet(parquet(frame), "s.parquet", text_column="sentence", encoder=fake_encoder)
    assert ds.texts == ["one thing", "another thing"] and ds.vectors.shape == (2, 8)


def _check_images(ds, names, labels):
    assert ds.vectors.shape == (len(names), 8)
    assert list(ds.ids) == names
    assert list(ds.labels) == labels
    assert ds.meta["file"].tolist() == names
    assert ds.images.shape == (len(names), 64, 64, 3) and ds.images.dtype == np.uint8


IMAGES = {"cats/a.png": png((255, 0, 0)), "cats/b.png": png((250, 5, 0), (40, 20)),
          "dogs/c.png": png((0, 0, 255), (8, 30)), "loose.png": png((0, 255, 0))}
IMAGE_NAMES = ["cats/a.png", "cats/b.png", "dogs/c.png", "loose.png"]
IMAGE_LABELS = ["cats", "cats", "dogs", "loose"]  # sub-folder name, else the file's stem


def test_image_zip_with_the_fake_encoder(fake_encoder):
    data = zipped({**IMAGES, "readme.txt": b"not an image", "__MACOSX/cats/._a.png": b"junk",
                   ".hidden/x.png": b"junk"})
    ds = parsers.parse_image_zip(data, "pets.zip", encoder=fake_encoder)
    _check_images(ds, IMAGE_NAMES, IMAGE_LABELS)
    assert ds.name == "pets"
    # thumbnails: the picture fitted into 64x64 and centred on white
    red = ds.images[0]
    assert tuple(red[32, 32]) == (255, 0, 0)
    tall = ds.images[2]  # 8x30 -> about 17x64, centred: white at the left and right edges
    assert tuple(tall[32, 0]) == (255, 255, 255) and tuple(tall[32, 32]) == (0, 0, 255)


def test_image_folder_with_the_fake_encoder(tmp_path, fake_encoder):
    folder = tmp_path / "pets"
    write(folder, {**IMAGES, "notes.txt": b"skip me"})
    ds = parsers.parse_image_folder(folder, encoder=fake_encoder)
    _check_images(ds, IMAGE_NAMES, IMAGE_LABELS)
    same = parsers.parse_path(folder, encoder=fake_encoder)
    np.testing.assert_array_equal(same.vectors, ds.vectors)


def test_uploaded_image_files_with_the_fake_encoder(fake_encoder):
    ds = parsers.parse_image_files({**IMAGES, "notes.txt": b"skip me"}, "pets", encoder=fake_encoder)
    _check_images(ds, IMAGE_NAMES, IMAGE_LABELS)
    with pytest.raises(InputError, match="holds no images"):
        parsers.parse_image_files({"notes.txt": b"skip me"}, "pets", encoder=fake_encoder)


def test_images_are_handed_to_the_encoder_as_rgb_pictures(fake_encoder):
    seen = []

    def encoder(items, progress=None):
        seen.extend(items)
        return fake_encoder(items)

    gray = io.BytesIO()
    Image.new("L", (5, 5), 7).save(gray, "PNG")
    parsers.parse_image_zip(zipped({"g/a.png": gray.getvalue(), "g/b.png": png()}), "z.zip", encoder=encoder)
    assert [im.mode for im in seen] == ["RGB", "RGB"]
    assert [im.size for im in seen] == [(5, 5), (12, 10)]


def _exif_rotated_jpeg() -> bytes:
    """A 40x20 JPEG, red left half and blue right half, whose EXIF says: turn me 90 degrees clockwise to view
    (orientation 6, as a phone held upright writes it)."""
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""
    import struct
    import zlib

    data = bytearray(png())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def test_collection_pictures_are_turned_upright_and_transparency_is_white(fake_encoder):
    clear = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(clear, "PNG")  # fully transparent black
    ds = parsers.parse_image_zip(zipped({"a/phone.jpg": _exif_rotated_jpeg(), "a/clear.png": clear.getvalue()}),
                                 "z.zip", encoder=fake_encoder)
    phone = ds.images[list(ds.ids).index("a/phone.jpg")]
    # upright it is 20 wide and 40 tall (centred, not enlarged: columns 22-41, rows 12-51): white beside it,
    # red on top (the left half, turned clockwise)
    assert tuple(phone[32, 10]) == (255, 255, 255) and tuple(phone[32, 53]) == (255, 255, 255)
    top, bottom = phone[16, 32].astype(int), phone[47, 32].astype(int)
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60, (top, bottom)
    assert tuple(ds.images[list(ds.ids).index("a/clear.png")][32, 32]) == (255, 255, 255)


def test_a_transparent_colour_and_16_bit_grey_are_read_as_people_see_them(fake_encoder):
    keyed = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 0)).save(keyed, "PNG", transparency=(0, 0, 0))  # black marked transparent
    deep = io.BytesIO()
    Image.fromarray(np.full((10, 10), 32768, np.uint16)).save(deep, "PNG")  # 16-bit mid grey
    ds = parsers.parse_image_zip(zipped({"a/keyed.png": keyed.getvalue(), "a/deep.png": deep.getvalue()}), "z.zip",
                                 encoder=fake_encoder)
    pixels = {name: tuple(ds.images[i][32, 32]) for i, name in enumerate(ds.ids)}
    assert pixels["a/keyed.png"] == (255, 255, 255)  # transparent: white paper
    assert pixels["a/deep.png"] == (128, 128, 128)  # not clipped to white
    assert parsers.read_picture(deep.getvalue(), "deep.png")[5, 5] == 128


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_close_to_a_full_decode():
    seen = []

    class Sized:  # as the real image encoder: its input side is .size
        size = 224

        def __call__(self, items, progress=None):
            seen.extend(np.asarray(im, dtype=np.float64) for im in items)
            return np.zeros((len(items), 8), np.float32)

    yy, xx = np.mgrid[:900, :1200]
    photo = np.stack([xx * 255 // 1199, yy * 255 // 899, (xx + yy) % 256], axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG", quality=92)
    parsers.parse_image_zip(zipped({"a/photo.jpg": buf.getvalue(), "a/small.png": png()}), "z.zip", encoder=Sized())
    full = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB").resize((224, 224), Image.BILINEAR),
                      dtype=np.float64)
    assert seen[0].shape == (224, 224, 3)
    assert np.abs(seen[0] - full)[..., :2].mean() < 2  # the smooth channels: within a couple of grey levels


def test_a_photo_for_a_lesson_is_turned_upright_too():
    grey = parsers.read_picture(_exif_rotated_jpeg(), "phone.jpg")
    assert grey.shape == (40, 20)  # upright: red (the left half, turned clockwise) on top, blue below
    truth = np.asarray(Image.new("RGB", (1, 1), (255, 0, 0)).convert("L"))[0, 0], \
        np.asarray(Image.new("RGB", (1, 1), (0, 0, 255)).convert("L"))[0, 0]
    assert abs(int(grey[5, 10]) - int(truth[0])) < 12 and abs(int(grey[35, 10]) - int(truth[1])) < 12


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, as it opens the header
def test_a_picture_with_too_many_pixels_is_refused_before_anything_is_embedded():
    calls = []

    def encoder(items, progress=None):
        calls.append(len(items))
        return np.zeros((len(items), 8), np.float32)

    for claim, said in (((12_000, 9_000), r"\(12,000 x 9,000; at most 89,478,485\)"),  # over the cap
                        ((30_000, 30_000), r"\(at most 89,478,485\)")):  # so far over that Pillow won't say
        data = zipped({"a/fine.png": png(), "z/huge.png": _png_claiming(*claim)})
        with pytest.raises(InputError, match=r"image 'z/huge.png' has far too many pixels " + said
                           + r"; scale it down or remove it$"):
            parsers.parse_image_zip(data, "z.zip", encoder=encoder)
    broken = zipped({"a/fine.png": png(), "z/notes.jpg": b"this is not a picture"})
    with pytest.raises(InputError, match=r"image 'z/notes.jpg' cannot be read"):
        parsers.parse_image_zip(broken, "z.zip", encoder=encoder)
    assert calls == []  # the last file is wrong: nothing was embedded first


def test_a_collection_is_embedded_a_chunk_at_a_time_with_progress(fake_encoder, monkeypatch):
    members = {f"c/{i:02d}.png": png((10 * i, 0, 0), (8 + i, 10)) for i in range(5)}
    whole = parsers.parse_image_files(members, "c", encoder=fake_encoder)
    monkeypatch.setattr(parsers, "ENCODE_CHUNK", 2)
    sizes, ticks = [], []

    def encoder(items, progress=None):
        sizes.append(len(items))
        return fake_encoder(items)

    chunked = parsers.parse_image_files(members, "c", encoder=encoder, progress=lambda d, t: ticks.append((d, t)))
    assert sizes == [2, 2, 1] and ticks == [(0, 5), (2, 5), (4, 5), (5, 5)]
    np.testing.assert_array_equal(chunked.vectors, whole.vectors)
    np.testing.assert_array_equal(chunked.images, whole.images)


def test_an_encoder_with_an_input_side_gets_pictures_of_that_side(fake_encoder):
    seen = []

    class Sized:
        size = 16

        def __call__(self, items, progress=None):
            seen.extend(im.size for im in items)
            return fake_encoder(items)

    parsers.parse_image_zip(zipped({"a/x.png": png(size=(300, 120)), "a/y.jpg": _exif_rotated_jpeg()}), "z.zip",
                            encoder=Sized())
    assert seen == [(16, 16), (16, 16)]


def test_texts_report_their_progress_in_texts(fake_encoder):
    ticks = []

    def encoder(texts, progress=None):
        if progress:
            progress(0.5)
            progress(1.0)
        return fake_encoder(texts)

    parsers.parse_bytes("t.txt", b"one\ntwo\nthree\nfour\n", encoder=encoder,
                        progress=lambda d, t: ticks.append((d, t)))
    assert ticks == [(2, 4), (4, 4)]


def test_parse_path_reads_by_extension(tmp_path):
    (tmp_path / "v.tsv").write_bytes(VEC_TSV)
    (tmp_path / "m.tsv").write_bytes(b"a\nb\nc\n")
    ds = parsers.parse_path(tmp_path / "v.tsv", metadata=tmp_path / "m.tsv")
    assert list(ds.labels) == ["a", "b", "c"] and ds.vectors.shape == (3, 3)


# --- broken inputs, parser by parser -------------------------------------------------------------------

NOT_UTF8 = "1\t2\n3\t4\u00e9\n".encode("latin-1")
PICKLED = npy(np.array([{"a": 1}, {"b": 2}], dtype=object), allow_pickle=True)
BAD_ZIP_IMAGE = zipped({"a/ok.png": png(), "a/broken.png": b"\x89PNG\r\n\x1a\n this is no picture"})

BROKEN = [
    # (case, filename, data, metadata, expected message)
    ("tsv-empty", "v.tsv", b"", None, r"vectors file 'v.tsv' is empty; it needs at least 2 rows of numbers"),
    ("tsv-blank", "v.tsv", b"\n \n\t\n", None, r"vectors file 'v.tsv' is empty"),
    ("tsv-header-only", "v.tsv", b"x\ty\tz\n", None, r"vectors file 'v.tsv' has a header row but no data rows"),
    ("tsv-one-row", "v.tsv", b"1\t2\t3\n", None, r"the data has only 1 row; a dataset needs at least 2 vectors"),
    ("tsv-ragged", "v.tsv", b"1\t2\t3\n4\t5\n6\t7\t8\n", None,
     r"vectors file 'v.tsv': row 2 has 2 values but row 1 has 3; every row needs the same number of columns"),
    ("tsv-non-numeric", "v.tsv", b"1\t2\n3\tabc\n", None,
     r"vectors file 'v.tsv': row 2, column '2' holds 'abc', which is not a number"),
    ("tsv-decimal-comma", "v.tsv", b"1,5\t2\n3\t4\n", None,
     r"row 1, column '1' holds '1,5', which is not a number; .*use '\.' as the decimal point"),
    ("tsv-nan", "v.tsv", b"1\t2\n3\tnan\n5\t6\n", None,
     r"1 vector\(s\) contain NaN or infinite values \(rows 2\); remove those rows or fill the missing values"),
    ("tsv-inf", "v.tsv", b"1\t2\n-inf\t4\ninf\t6\n", None,
     r"2 vector\(s\) contain NaN or infinite values \(rows 2, 3\)"),
    ("tsv-single-column", "v.tsv", b"1\n2\n3\n", None,
     r"the vectors have only 1 column; an embedding needs at least 2 numeric dimensions \(check the delimiter"),
    ("tsv-not-utf8", "v.tsv", NOT_UTF8, None,
     r"vectors file 'v.tsv' is not UTF-8 text \(byte 0xe9 at position 7\); re-save it as UTF-8"),
    ("tsv-meta-too-few", "v.tsv", VEC_TSV, ("m.tsv", b"a\nb\n"),
     r"metadata has 2 rows but there are 3 vectors; they must match row for row"),
    ("tsv-meta-header-on-one-column", "v.tsv", VEC_TSV, ("m.tsv", b"label\na\nb\nc\n"),
     r"metadata has 4 rows but there are 3 vectors; .*one with a single column must not"),
    ("tsv-meta-no-header-on-columns", "v.tsv", VEC_TSV, ("m.tsv", b"a\tx\nb\ty\nc\tz\n"),
     r"metadata has 2 rows but there are 3 vectors; .*several columns needs a header row"),
    ("tsv-meta-duplicate-ids", "v.tsv", VEC_TSV, ("m.tsv", b"id\tname\nk\ta\nk\tb\nm\tc\n"),
     r"id 'k' appears 2 times \(rows 1, 2\); ids must be unique"),
    ("tsv-meta-empty", "v.tsv", VEC_TSV, ("m.tsv", b""), r"metadata file 'm.tsv' is empty"),
    ("tsv-meta-header-only", "v.tsv", VEC_TSV, ("m.tsv", b"name\tcolour\n"),
     r"metadata file 'm.tsv' has a header row but no data rows"),
    ("tsv-meta-ragged", "v.tsv", VEC_TSV, ("m.tsv", b"name\tcolour\na\tred\nb\nc\tblue\n"),
     r"metadata file 'm.tsv': row 3 has 1 values but row 1 has 2"),
    ("tsv-meta-not-utf8", "v.tsv", VEC_TSV, ("m.tsv", "caf\u00e9\nb\nc\n".encode("cp1252")),
     r"metadata file 'm.tsv' is not UTF-8 text \(byte 0xe9 at position 3\)"),
    ("tsv-meta-duplicate-column", "v.tsv", VEC_TSV, ("m.tsv", b"name\tname\na\tb\nc\td\ne\tf\n"),
     r"metadata file 'm.tsv': the column name 'name' appears more than once in the header row"),
    ("csv-empty", "d.csv", b"", None, r"file 'd.csv' is empty; it needs at least 2 rows of numbers"),
    ("csv-header-only", "d.csv", b"label,x,y\n", None, r"file 'd.csv' has a header row but no data rows"),
    ("csv-ragged", "d.csv", b"label,x,y\na,1,2\nb,3\n", None, r"file 'd.csv': row 3 has 2 values but row 1 has 3"),
    ("csv-non-numeric", "d.csv", b"label,x,y\na,1,2\nb,3,4\nc,5,6\nd,7,8\ne,9,oops\n", None,
     r"file 'd.csv': row 5, column 'y' holds 'oops', which is not a number"),
    ("csv-nan", "d.csv", b"label,x,y\na,1,2\nb,nan,4\nc,5,NaN\n", None,
     r"2 vector\(s\) contain NaN or infinite values \(rows 2, 3\)"),
    ("csv-missing-cell", "d.csv", b"label,x,y\na,1,2\nb,,4\n", None, r"1 vector\(s\) contain NaN or infinite values"),
    ("csv-inf", "d.csv", b"x,y\n1,2\n3,inf\n", None, r"1 vector\(s\) contain NaN or infinite values \(rows 2\)"),
    ("csv-single-column", "d.csv", b"label,x\na,1\nb,2\n", None, r"the vectors have only 1 column"),
    ("csv-no-numbers", "d.csv", b"name,colour\na,red\nb,blue\n", None,
     r"file 'd.csv' has no numeric columns; vectors need at least 2 numeric columns or one list column"),
    ("csv-duplicate-ids", "d.csv", b"id,x,y\nr1,1,2\nr2,3,4\nr1,5,6\n", None,
     r"id 'r1' appears 2 times \(rows 1, 3\); ids must be unique"),
    ("csv-duplicate-column", "d.csv", b"x,x,label\n1,2,a\n3,4,b\n", None,
     r"file 'd.csv': the column name 'x' appears more than once in the header row; rename one"),
    ("csv-not-utf8", "d.csv", "label,x,y\nna\u00efve,1,2\nb,3,4\n".encode("latin-1"), None,
     r"file 'd.csv' is not UTF-8 text \(byte 0xef at position 12\)"),
    ("csv-bad-json-list", "d.csv", b'label,vec\na,"[1, 2]"\nb,"[3, oops]"\n', None,
     r"file 'd.csv': column 'vec' looks like lists but a cell is not a valid \[a, b, \.\.\.\] list"),
    ("csv-ragged-json-list", "d.csv", b'label,vec\na,"[1, 2]"\nb,"[3, 4, 5]"\n', None,
     r"the vector in row 2 has 3 values but row 1 has 2; all vectors need the same length"),
    ("csv-with-metadata-file", "d.csv", b"x,y\n1,2\n3,4\n", ("m.tsv", b"a\nb\n"),
     r"a separate metadata file goes with \.tsv or \.npy vectors; 'd.csv' carries its own columns"),
    ("parquet-empty", "d.parquet", b"", None, r"file 'd.parquet' is empty"),
    ("parquet-garbage", "d.parquet", b"PAR1 not really", None,
     r"file 'd.parquet' is not a readable Parquet file \(\w+\); re-export it"),
    ("parquet-no-rows", "d.parquet", parquet(pd.DataFrame({"x": pd.Series([], dtype=float),
                                                           "y": pd.Series([], dtype=float)})), None,
     r"file 'd.parquet' has a header row but no data rows"),
    ("parquet-ragged-lists", "d.parquet", parquet(pd.DataFrame({"label": ["a", "b"], "v": [[1.0, 2.0], [3.0]]})),
     None, r"file 'd.parquet': the vector in row 2 has 1 values but row 1 has 2"),
    ("parquet-lists-of-words", "d.parquet", parquet(pd.DataFrame({"label": ["a", "b"], "v": [["x", "y"], ["z", "w"]]})),
     None, r"file 'd.parquet': column 'v' holds lists with values that are not numbers"),
    ("parquet-two-list-columns", "d.parquet",
     parquet(pd.DataFrame({"a": [[1.0, 2.0], [3.0, 4.0]], "b": [[1.0, 2.0], [3.0, 4.0]]})), None,
     r"file 'd.parquet' has several list columns \(a, b\); keep only the vector one"),
    ("parquet-nan", "d.parquet", parquet(pd.DataFrame({"x": [1.0, np.nan, 3.0], "y": [1.0, 2.0, np.inf]})), None,
     r"2 vector\(s\) contain NaN or infinite values \(rows 2, 3\)"),
    ("parquet-single-column", "d.parquet", parquet(pd.DataFrame({"label": ["a", "b"], "x": [1.0, 2.0]})), None,
     r"the vectors have only 1 column"),
    ("parquet-duplicate-ids", "d.parquet",
     parquet(pd.DataFrame({"id": ["k", "k"], "x": [1.0, 2.0], "y": [3.0, 4.0]})), None,
     r"id 'k' appears 2 times \(rows 1, 2\)"),
    ("npy-empty", "v.npy", b"", None, r"file 'v.npy' is empty"),
    ("npy-pickle", "v.npy", PICKLED, None,
     r"file 'v.npy' holds Python objects \(a pickle\); EmbedLab never unpickles uploads"),
    ("npy-not-npy", "v.npy", b"1,2\n3,4\n", None, r"file 'v.npy' is not a \.npy array"),
    ("npy-truncated", "v.npy", npy(np.ones((10, 10)))[:-40], None, r"file 'v.npy' is not a valid \.npy array"),
    ("npy-1d", "v.npy", npy(np.arange(5.0)), None, r"file 'v.npy' has shape \(5,\); vectors must be 2-D"),
    ("npy-strings", "v.npy", npy(np.array([["a", "b"], ["c", "d"]])), None,
     r"file 'v.npy' has dtype <U1; vectors must be a plain integer or float array"),
    ("npy-npz", "v.npy", None, None, r"file 'v.npy' is an \.npz archive; save one array with numpy\.save"),
    ("npy-nan", "v.npy", npy(np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 4.0]])), None,
     r"1 vector\(s\) contain NaN or infinite values \(rows 2\)"),
    ("npy-single-column", "v.npy", npy(np.ones((4, 1))), None, r"the vectors have only 1 column"),
    ("npy-meta-mismatch", "v.npy", npy(np.ones((4, 2))), ("m.tsv", b"a\nb\nc\n"),
     r"metadata has 3 rows but there are 4 vectors"),
    ("npy-meta-duplicate-ids", "v.npy", npy(np.eye(3)), ("m.csv", b"id,name\n1,a\n2,b\n2,c\n"),
     r"id '2' appears 2 times \(rows 2, 3\)"),
    ("txt-empty", "t.txt", b"", None, r"file 't.txt' is empty"),
    ("txt-one-line", "t.txt", b"only one sentence\n\n", None, r"'t.txt' holds fewer than 2 non-empty texts"),
    ("txt-not-utf8", "t.txt", "na\u00efve\ncaf\u00e9\n".encode("latin-1"), None, r"file 't.txt' is not UTF-8 text"),
    ("zip-no-images", "z.zip", zipped({"notes/a.txt": b"hi", "data.csv": b"x,y\n1,2\n"}), None,
     r"zip file 'z.zip' holds no images; put \.png, \.jpg, \.bmp, \.gif or \.webp files in it"),
    ("zip-only-mac-junk", "z.zip", zipped({"__MACOSX/a/._x.png": b"junk", ".x.png": b"junk"}), None,
     r"zip file 'z.zip' holds no images"),
    ("zip-corrupt-image", "z.zip", BAD_ZIP_IMAGE, None,
     r"zip file 'z.zip': image 'a/broken.png' cannot be read \(UnidentifiedImageError\); remove or replace that file"),
    ("zip-truncated-image", "z.zip", zipped({"a/x.png": png(), "a/y.png": png(size=(50, 50))[:60]}), None,
     r"zip file 'z.zip': image 'a/y.png' cannot be read \(\w+\)"),
    ("zip-not-a-zip", "z.zip", b"PK\x03\x04 broken", None, r"zip file 'z.zip' is not a valid zip archive"),
    ("unknown-extension", "v.xlsx", b"whatever", None,
     r"'v.xlsx': files ending \.xlsx are not read; use one of \.csv, \.npy, \.parquet, \.pq, \.tsv, \.txt, \.zip"),
]


def _npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, a=np.ones((3, 3)))
    return buf.getvalue()


def _case_data(data):
    return _npz() if data is None else data


@pytest.mark.parametrize("case, filename, data, metadata, message", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_upload_is_refused_with_its_reason(case, filename, data, metadata, message, fake_encoder):
    with pytest.raises(InputError, match=message):
        parsers.parse_bytes(filename, _case_data(data), metadata=metadata, encoder=fake_encoder)


@pytest.mark.parametrize("command", ["import", "project"])
@pytest.mark.parametrize("case, filename, data, metadata, message", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_file_through_the_cli_saves_nothing(case, filename, data, metadata, message, command, home, tmp_path,
                                                   capsys, fake_encoders):
    files = tmp_path / "in"
    write(files, {filename: _case_data(data)})
    argv = [command, "--input", str(files / filename)]
    if metadata is not None:
        write(files, {metadata[0]: metadata[1]})
        argv += ["--metadata", str(files / metadata[0])]
    if command == "project":
        argv += ["--method", "pca"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert re.search(message, lines[0]), lines[0]
    assert workspace_entries(home) == []


def test_broken_image_folder(tmp_path, fake_encoder):
    empty = tmp_path / "empty"
    write(empty, {"readme.md": b"# nothing here"})
    with pytest.raises(InputError, match=r"folder '.*empty' holds no images"):
        parsers.parse_path(empty, encoder=fake_encoder)
    broken = tmp_path / "broken"
    write(broken, {"cats/a.png": png(), "cats/b.jpg": b"\xff\xd8\xff not a jpeg"})
    with pytest.raises(InputError, match=r"folder '.*broken': image 'cats/b.jpg' cannot be read"):
        parsers.parse_path(broken, encoder=fake_encoder)


def test_broken_image_folder_through_the_cli_saves_nothing(tmp_path, home, capsys, fake_encoders):
    broken = tmp_path / "broken"
    write(broken, {"cats/a.png": png(), "cats/b.png": b"garbage"})
    assert main(["import", "--input", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: folder ") and "image 'cats/b.png' cannot be read" in err
    assert err.count("\n") == 1
    assert workspace_entries(home) == []


def test_missing_input_and_metadata_paths(tmp_path):
    with pytest.raises(InputError, match=r"input '.*nope.tsv' does not exist; check the path"):
        parsers.parse_path(tmp_path / "nope.tsv")
    (tmp_path / "v.tsv").write_bytes(VEC_TSV)
    with pytest.raises(InputError, match=r"metadata file '.*nope.tsv' does not exist"):
        parsers.parse_path(tmp_path / "v.tsv", metadata=tmp_path / "nope.tsv")


def test_text_column_errors(fake_encoder):
    with pytest.raises(InputError, match=r"file 'd.csv' has no column 'body'; its columns are text, n"):
        parsers.parse_csv(b"text,n\na,1\nb,2\n", "d.csv", text_column="body", encoder=fake_encoder)
    with pytest.raises(InputError, match=r"'d.csv': row 2 has an empty text; remove it or fill it in"):
        parsers.parse_csv(b"text,n\na,1\n ,2\nc,3\n", "d.csv", text_column="text", encoder=fake_encoder)
    with pytest.raises(InputError, match=r"--text-column applies to CSV or Parquet files, not 'v.tsv'"):
        parsers.parse_bytes("v.tsv", VEC_TSV, text_column="text")


# --- the size cap -------------------------------------------------------------------------------------------

BIG = 300_000  # bytes; the cap below is 0.05 MB
CAP_MESSAGE = re.escape(
    "is 0.3 MB, over the 0.05 MB size cap; split it, keep fewer rows, or raise the cap with EMBEDLAB_MAX_UPLOAD_MB"
)


def _big_tsv() -> bytes:
    row = b"\t".join([b"0.123456789"] * 10) + b"\n"
    return row * (BIG // len(row) + 1)


def _big_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (320, 320, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noisy.save(buf, "PNG")
    tsv = _big_tsv()
    return {
        "big.tsv": tsv,
        "big.csv": b"a,b,c,d,e,f,g,h,i,j\n" + tsv.replace(b"\t", b","),
        "big.txt": b"a sentence that repeats\n" * (BIG // 24 + 1),
        "big.npy": npy(rng.normal(size=(BIG // 80 + 1, 10))),
        "big.parquet": parquet(pd.DataFrame(rng.normal(size=(3100, 10)), columns=list("abcdefghij"))),
        "big.zip": zipped({"a/big.png": buf.getvalue(), "a/small.png": png()}),
    }


@pytest.mark.parametrize("filename", ["big.tsv", "big.csv", "big.txt", "big.npy", "big.parquet", "big.zip"])
def test_files_over_the_cap_are_refused_with_the_cap(filename, monkeypatch, tmp_path, fake_encoder, home, capsys):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.05")
    data = _big_files()[filename]
    assert 250_000 < len(data) < 350_000
    with pytest.raises(InputError, match=rf"file '{filename}' {CAP_MESSAGE}"):
        parsers.parse_bytes(filename, data, encoder=fake_encoder)
    (tmp_path / filename).write_bytes(data)
    with pytest.raises(InputError, match=rf"file '{filename}' {CAP_MESSAGE}"):
        parsers.parse_path(tmp_path / filename, encoder=fake_encoder)
    assert main(["import", "--input", str(tmp_path / filename)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: file '{filename}' is 0.3 MB, over the 0.05 MB size cap") and err.count("\n") == 1
    assert workspace_entries(home) == []


def test_metadata_over_the_cap(monkeypatch, tmp_path):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.05")
    (tmp_path / "v.tsv").write_bytes(VEC_TSV)
    (tmp_path / "m.tsv").write_bytes(b"x" * BIG)
    with pytest.raises(InputError, match=rf"metadata file 'm.tsv' {CAP_MESSAGE}"):
        parsers.parse_path(tmp_path / "v.tsv", metadata=tmp_path / "m.tsv")


def test_a_zip_that_unpacks_over_the_cap(monkeypatch, fake_encoder):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.05")
    data = zipped({"a/zeros.png": bytes(BIG), "a/b.png": png()})
    assert len(data) < 10_000
    with pytest.raises(InputError, match=r"zip file 'z.zip' \(unpacked\) is 0.3 MB, over the 0.05 MB size cap"):
        parsers.parse_image_zip(data, "z.zip", encoder=fake_encoder)


def test_an_image_folder_over_the_cap(monkeypatch, tmp_path, fake_encoder):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.05")
    write(tmp_path / "imgs", {"a/x.png": _big_files()["big.zip"], "a/y.png": png()})
    with pytest.raises(InputError, match=r"folder '.*imgs' is 0.3 MB, over the 0.05 MB size cap"):
        parsers.parse_image_folder(tmp_path / "imgs", encoder=fake_encoder)


def test_under_the_cap_is_fine_and_the_default_is_200_mb(monkeypatch):
    monkeypatch.delenv("EMBEDLAB_MAX_UPLOAD_MB", raising=False)
    assert parsers.max_bytes() == 200_000_000
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.05")
    assert parsers.max_bytes() == 50_000
    assert parsers.parse_projector(VEC_TSV, "v.tsv").n == 3


def test_a_cap_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "lots")
    with pytest.raises(InputError, match=r"EMBEDLAB_MAX_UPLOAD_MB='lots' is not a number of megabytes"):
        parsers.parse_projector(VEC_TSV, "v.tsv")


def test_nothing_is_ever_unpickled(monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a parser unpickled an upload")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    with pytest.raises(InputError, match="never unpickles"):
        parsers.parse_npy(PICKLED, "v.npy")


def test_error_messages_are_one_line():
    for case, filename, data, metadata, _ in BROKEN:
        try:
            parsers.parse_bytes(filename, _case_data(data), metadata=metadata,
                                encoder=lambda items, progress=None: np.ones((len(items), 4)))
        except InputError as err:
            assert "\n" not in str(err), case
        else:
            pytest.fail(f"{case} was accepted")


def test_cli_import_of_a_good_file_saves_it(tmp_path, home, capsys):
    (tmp_path / "v.tsv").write_bytes(VEC_TSV)
    (tmp_path / "m.tsv").write_bytes(b"a\nb\nc\n")
    assert main(["import", "--input", str(tmp_path / "v.tsv"), "--metadata", str(tmp_path / "m.tsv"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 3 and result["dim"] == 3
    assert workspace_entries(home) == [result["dataset"]]


def test_cli_import_of_texts_and_images_uses_the_encoders(tmp_path, home, capsys, fake_encoders):
    (tmp_path / "s.txt").write_text("first sentence\nsecond sentence\nthird one\n")
    write(tmp_path / "imgs", IMAGES)
    assert main(["import", "--input", str(tmp_path / "s.txt"), "--json"]) == 0
    assert main(["import", "--input", str(tmp_path / "imgs"), "--json"]) == 0
    texts, images = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (texts["n"], texts["dim"]) == (3, 8)
    assert (images["n"], images["dim"]) == (4, 8)
    assert fake_encoders == ["minilm", "efficientnet-lite0"]
    assert workspace_entries(home) == sorted([texts["dataset"], images["dataset"]])
