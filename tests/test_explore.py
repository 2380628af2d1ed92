"""What the Explore page computes besides projections: colours, search, row sets in links, exports."""

from __future__ import annotations

import io
import re
import urllib.parse

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core import explore
from core.embed.projectors import TSNE, make_projector
from core.errors import InputError
from core.explore import (
    ANY_COLUMN,
    CONTINUOUS_ABOVE,
    MAX_CATEGORIES,
    NONE,
    OKABE_ITO,
    OTHER_COLOR,
    RECALL,
    SAFE,
    color_spec,
    decode_rows,
    encode_rows,
    export_bytes,
    export_frame,
    search,
)

HEX = re.compile(r"#[0-9a-fA-F]{6}")


@pytest.fixture
def meta() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(6)],
        "label": ["Cat", "dog", "caterpillar", "CAT.", "bird", None],
        "colour": ["brown", "black", "green", "grey", "blue", "red"],
        "size": [3.0, 10.0, 0.5, 3.0, 0.2, np.nan],
    })


# --- color_spec: categorical or continuous --------------------------------------------------------


def test_numbers_with_many_values_are_coloured_on_a_scale():
    values = np.random.default_rng(0).normal(size=50)
    spec = color_spec(pd.DataFrame({"v": values}), "v")
    assert spec.kind == "continuous"
    assert spec.values.dtype == np.float32
    np.testing.assert_allclose(spec.values, values, rtol=1e-6)
    assert spec.colorscale == "Viridis"


@pytest.mark.parametrize("dtype", [None, object])
def test_numbers_written_as_text_count_as_numbers(dtype):
    # pandas 3 reads text as the "str" dtype, an explicit object column must behave the same
    text = pd.Series([str(i * 1.5) for i in range(20)], dtype=dtype)
    spec = color_spec(pd.DataFrame({"v": text}), "v")
    assert spec.kind == "continuous"
    np.testing.assert_allclose(spec.values, np.arange(20) * 1.5)


@pytest.mark.parametrize("distinct, kind", [(CONTINUOUS_ABOVE, "categorical"), (CONTINUOUS_ABOVE + 1, "continuous")])
def test_continuous_above_is_the_boundary(distinct, kind):
    values = np.tile(np.arange(distinct), 3)
    assert color_spec(pd.DataFrame({"v": values}), "v").kind == kind
    assert color_spec(pd.DataFrame({"v": values.astype(str)}), "v").kind == kind


def test_a_column_of_mostly_words_stays_categorical():
    # 17 of 20 are numbers (85% < 90%): the column is treated as categories, words included
    values = [str(i) for i in range(17)] + ["n/a"] * 3
    spec = color_spec(pd.DataFrame({"v": values}), "v")
    assert spec.kind == "categorical"
    assert spec.categories[-1] == "n/a"


def test_missing_values_numbers_on_a_scale_keep_nan():
    values = np.arange(30, dtype=float)
    values[[4, 9]] = np.nan  # 28 of 30 known: still a scale
    spec = color_spec(pd.DataFrame({"v": values}), "v")
    assert spec.kind == "continuous"
    assert np.isnan(spec.values[[4, 9]]).all()
    assert np.isfinite(np.delete(spec.values, [4, 9])).all()


def test_booleans_are_categories():
    spec = color_spec(pd.DataFrame({"ok": [True, False, True, True]}), "ok")
    assert spec.kind == "categorical"
    assert spec.categories == ["False", "True"]
    assert spec.codes.tolist() == [1, 0, 1, 1]


def test_categories_sort_naturally_and_codes_point_at_them():
    values = ["10", "2", "item10", "1", "item2", "b", "A", "2"]
    spec = color_spec(pd.DataFrame({"v": values}), "v")
    assert spec.categories == ["1", "2", "10", "A", "b", "item2", "item10"]
    assert [spec.categories[c] for c in spec.codes] == values
    assert spec.codes.dtype == np.int32


def test_missing_values_are_a_category_of_their_own(meta):
    spec = color_spec(meta, "label")
    assert "(missing)" in spec.categories
    assert spec.categories[spec.codes[5]] == "(missing)"


@pytest.mark.parametrize("k, palette", [(3, OKABE_ITO[:3]), (8, OKABE_ITO), (9, SAFE[:9]), (11, SAFE)])
def test_palette_is_colour_blind_safe_while_it_can_be(k, palette):
    spec = color_spec(pd.DataFrame({"v": [f"c{i}" for i in range(k)] * 2}), "v")
    assert spec.palette == palette
    assert spec.safe


def test_more_categories_than_safe_colours_use_distinct_glasbey_colours():
    spec = color_spec(pd.DataFrame({"v": [f"c{i:02d}" for i in range(12)] * 3}), "v")
    assert not spec.safe
    assert len(spec.palette) == 12 and len(set(spec.palette)) == 12
    assert all(HEX.fullmatch(c) for c in spec.palette)
    assert spec.palette[:11] != SAFE


def test_beyond_max_categories_the_rarest_are_pooled_as_other():
    frequent = [f"v{i:02d}" for i in range(MAX_CATEGORIES - 1)] * 4
    rare = [f"w{i:02d}" for i in range(11)]  # 50 values in 167 rows: not identifier-like
    spec = color_spec(pd.DataFrame({"v": frequent + rare}), "v")
    assert spec.kind == "categorical"
    assert len(spec.categories) == MAX_CATEGORIES
    assert set(spec.categories[:-1]) == {f"v{i:02d}" for i in range(MAX_CATEGORIES - 1)}
    assert spec.categories[-1] == "other (11 values)"
    assert spec.palette[-1] == OTHER_COLOR
    assert OTHER_COLOR not in spec.palette[:-1]
    assert (spec.codes[len(frequent):] == MAX_CATEGORIES - 1).all()
    assert (spec.codes[: len(frequent)] < MAX_CATEGORIES - 1).all()
    assert not spec.safe


def test_identifier_like_columns_are_not_coloured_and_say_why():
    spec = color_spec(pd.DataFrame({"word": [f"w{i}" for i in range(60)]}), "word")
    assert spec.kind == "none"
    assert spec.codes.tolist() == [0] * 60
    assert "“word” has 60 different values for 60 points" in spec.note
    assert "Search it instead" in spec.note


def test_many_values_repeated_enough_are_pooled_not_refused():
    # 41 values in 82 rows is exactly n/2: colourable (pooled); 41 in 81 rows is identifier-like
    values = [f"v{i}" for i in range(MAX_CATEGORIES + 1)]
    assert color_spec(pd.DataFrame({"v": values * 2}), "v").kind == "categorical"
    assert color_spec(pd.DataFrame({"v": (values * 2)[:-1]}), "v").kind == "none"


def test_no_colour(meta):
    spec = color_spec(meta, NONE)
    assert spec.kind == "none"
    assert spec.codes.tolist() == [0] * len(meta)
    assert spec.note == ""


def test_recall_is_a_scale_of_the_given_values(meta):
    recall = np.array([1.0, 0.5, np.nan, 0.0, 0.25, 0.75])
    spec = color_spec(meta, RECALL, recall=recall, scale="cividis")
    assert (spec.kind, spec.column, spec.colorscale) == ("continuous", RECALL, "Cividis")
    np.testing.assert_array_equal(spec.values, recall.astype(np.float32))


@pytest.mark.parametrize("recall", [None, np.ones(5)])
def test_recall_must_be_given_for_every_point(meta, recall):
    with pytest.raises(InputError, match="colouring by k-NN recall needs the projection's per-point recall"):
        color_spec(meta, RECALL, recall=recall)


def test_unknown_column_names_the_choices_without_id(meta):
    with pytest.raises(InputError, match=r"there is no column 'nope'; colour by one of: label, colour, size$"):
        color_spec(meta, "nope")


def test_unknown_scale_names_the_choices(meta):
    with pytest.raises(InputError, match=r"scale='jet' is not known; choose one of viridis, cividis, plasma"):
        color_spec(meta, "size", scale="jet")


# --- ColorSpec.point_colors ------------------------------------------------------------------------


def test_point_colours_of_categories_are_their_palette_entries():
    spec = color_spec(pd.DataFrame({"v": ["b", "a", "b", "c"]}), "v")
    assert spec.point_colors().tolist() == [OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]]


def test_point_colours_on_a_scale_run_low_to_high_and_nan_is_grey():
    spec = explore.ColorSpec("continuous", "v", values=np.array([0.0, 0.5, 1.0, np.nan], dtype=np.float32))
    colors = spec.point_colors().tolist()
    assert colors[0] == "#440154" and colors[2] == "#fde725"  # viridis' ends
    assert HEX.fullmatch(colors[1]) and colors[1] not in (colors[0], colors[2])
    assert colors[3] == OTHER_COLOR


def test_point_colours_of_a_scale_are_scale_invariant():
    a = explore.ColorSpec("continuous", "v", values=np.array([1, 2, 3], dtype=np.float32), colorscale="Plasma")
    b = explore.ColorSpec("continuous", "v", values=np.array([10, 20, 30], dtype=np.float32), colorscale="Plasma")
    assert a.point_colors().tolist() == b.point_colors().tolist()
    assert a.point_colors().tolist() != explore.ColorSpec(
        "continuous", "v", values=a.values, colorscale="Viridis").point_colors().tolist()


def test_point_colours_of_constant_or_unknown_values():
    same = explore.ColorSpec("continuous", "v", values=np.full(3, 7.0, dtype=np.float32))
    assert same.point_colors().tolist() == ["#440154"] * 3
    unknown = explore.ColorSpec("continuous", "v", values=np.full(3, np.nan, dtype=np.float32))
    assert unknown.point_colors().tolist() == [OTHER_COLOR] * 3


def test_point_colours_without_colouring_match_the_page(meta):
    from core.viz.scatter import projector_figure

    spec = color_spec(meta, NONE)
    page = projector_figure(np.zeros((len(meta), 2)), spec, hover=[""] * len(meta)).data[0].marker.color
    assert spec.point_colors().tolist() == [page] * len(meta)


# --- search ------------------------------------------------------------------------------------------


def test_search_is_a_case_insensitive_substring(meta):
    assert search(meta, "cat").tolist() == [True, False, True, True, False, False]
    # without regex "." is a dot
    assert search(meta, "CAT.").tolist() == [False, False, False, True, False, False]


def test_search_with_regex(meta):
    assert search(meta, "cat.", regex=True).tolist() == [False, False, True, True, False, False]
    assert search(meta, r"^dog$|^bird$", regex=True).tolist() == [False, True, False, False, True, False]


def test_search_does_not_find_missing_values_as_text(meta):
    assert not search(meta, "nan", column=ANY_COLUMN).any()
    assert not search(meta, "none").any()


def test_search_another_column_or_any(meta):
    assert search(meta, "gre", column="colour").tolist() == [False, False, True, True, False, False]
    # "r" is in ids r0..r5 too: any column matches every row
    assert search(meta, "r", column=ANY_COLUMN).all()
    assert search(meta, "bl", column=ANY_COLUMN).tolist() == [False, True, False, False, True, False]
    assert search(meta, "10", column=ANY_COLUMN).tolist() == [False, True, False, False, False, False]


def test_empty_search_matches_nothing(meta):
    mask = search(meta, "")
    assert mask.dtype == bool and mask.shape == (6,) and not mask.any()


def test_bad_regex_says_so(meta):
    with pytest.raises(InputError, match=r"the search '\(cat' is not a valid regular expression \(.*\); untick"):
        search(meta, "(cat", regex=True)
    assert search(meta, "(cat").tolist() == [False] * 6  # as plain text it is fine


def test_search_of_an_unknown_column(meta):
    with pytest.raises(InputError, match=r"there is no column 'nope' to search; choose one of: id, label"):
        search(meta, "cat", column="nope")


# --- row sets in links -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 8, 9, 1000])
def test_rows_round_trip(n):
    rng = np.random.default_rng(n)
    for rows in (np.zeros(0, dtype=np.int64), np.arange(n), np.sort(rng.choice(n, (n + 1) // 2, replace=False))):
        code = encode_rows(rows, n)
        np.testing.assert_array_equal(decode_rows(code, n), rows)


def test_rows_are_a_set():
    np.testing.assert_array_equal(decode_rows(encode_rows([5, 1, 5, 3], 10), 10), [1, 3, 5])


def test_codes_are_url_safe_and_short():
    rows = np.random.default_rng(0).choice(10_000, 3_000, replace=False)
    for code in (encode_rows(rows, 10_000), encode_rows(np.arange(10_000), 10_000), encode_rows([], 10_000)):
        assert re.fullmatch(r"10000\.[A-Za-z0-9_-]+", code)
        assert urllib.parse.quote(code, safe="") == code
    assert len(encode_rows(np.arange(10_000), 10_000)) < 40  # a bitmap that compresses


@pytest.mark.parametrize("rows", [[-1], [0, 10]])
def test_rows_outside_the_dataset_are_refused(rows):
    with pytest.raises(InputError, match="rows must lie between 0 and 9"):
        encode_rows(rows, 10)


def test_a_code_for_another_dataset_names_both_sizes():
    code = encode_rows([1, 2], 1000)
    with pytest.raises(InputError, match=r"made on a dataset of 1,000 rows, but this one has 999; the data has"):
        decode_rows(code, 999)


def _mangled() -> list[str]:
    good = encode_rows(np.arange(0, 100, 3), 100)
    body = good.split(".", 1)[1]
    beyond = encode_rows([99, 101], 104).split(".", 1)[1]  # a bit set past the last of 100 rows
    short = encode_rows([1], 8).split(".", 1)[1]  # 8 bits for 100 rows
    return [good[:-6], good[:5], "100", "100.", ".abc", "x100." + body, "1e2." + body, "²." + body,
            "9" * 5000 + "." + body, "100.!!!!", "100." + body[::-1], "100." + beyond, "100." + short, ""]


@pytest.mark.parametrize("code", _mangled())
def test_mangled_codes_are_refused(code):
    with pytest.raises(InputError, match=r"the selection in this link is not readable \(it may have been cut or"):
        decode_rows(code, 100)


# --- exports -----------------------------------------------------------------------------------------


@pytest.fixture
def coords(meta) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(len(meta), 3))


def test_export_frame_puts_coordinates_first(coords, meta):
    frame = export_frame(coords[:, :2], meta)
    assert list(frame.columns) == ["x", "y", "id", "label", "colour", "size"]
    assert frame["x"].dtype == np.float32
    np.testing.assert_array_equal(frame["y"], coords[:, 1].astype(np.float32))
    assert list(export_frame(coords, meta).columns[:4]) == ["x", "y", "z", "id"]


def test_export_frame_of_some_rows_keeps_them_together(coords, meta):
    frame = export_frame(coords, meta, rows=[4, 1])
    assert frame.index.tolist() == [0, 1]
    assert frame["id"].tolist() == ["r4", "r1"]
    np.testing.assert_array_equal(frame[["x", "y", "z"]].to_numpy(), coords[[4, 1]].astype(np.float32))


def test_csv_export_reads_back_the_same(coords, meta):
    frame = export_frame(coords, meta)
    back = pd.read_csv(io.BytesIO(export_bytes(frame, "csv")))
    assert list(back.columns) == list(frame.columns)
    for axis in "xyz":  # written as float32 digits: exact once read back as float32
        np.testing.assert_array_equal(back[axis].to_numpy(np.float32), frame[axis].to_numpy())
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["label"].iloc[:5].tolist() == frame["label"].iloc[:5].tolist() and pd.isna(back["label"].iloc[5])
    np.testing.assert_array_equal(back["size"], frame["size"])


def test_parquet_export_reads_back_the_same(coords, meta):
    frame = export_frame(coords, meta, rows=[0, 2, 3])
    back = pd.read_parquet(io.BytesIO(export_bytes(frame, "parquet")))
    pd.testing.assert_frame_equal(back, frame)


def test_unknown_export_format(coords, meta):
    with pytest.raises(InputError, match=r"format='xlsx' is not known; choose one of csv, parquet"):
        export_bytes(export_frame(coords, meta), "xlsx")


def test_figure_html_is_standalone(meta):
    from core.viz.scatter import projector_figure

    page = explore.figure_html(projector_figure(np.zeros((len(meta), 2)), color_spec(meta, "label"), ["a"] * 6))
    assert b"<html" in page and b"</html>" in page
    assert b"plotly.js v" in page and len(page) > 1_000_000  # the library itself, inline
    sources = re.findall(rb"<script[^>]*\bsrc=[\"']([^\"']*)", page)
    assert sources == []
    assert not re.search(rb"src=[\"']https?://cdn\.plot\.ly", page)


# --- scatter_png ---------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(coords, **kw) -> Image.Image:
    data = explore.scatter_png(coords, ["#0072B2"] * len(coords), **kw)
    assert data.startswith(PNG_SIGNATURE)
    return Image.open(io.BytesIO(data))


def test_scatter_png_has_the_asked_size():
    coords = np.random.default_rng(2).normal(size=(40, 2))
    assert _png(coords, width=300, height=200).size == (300, 200)
    assert _png(coords, width=240, height=320, title="t", highlight=[0, 3]).size == (240, 320)


def test_scatter_png_draws_dimmed_points_fainter():
    coords = np.random.default_rng(3).normal(size=(200, 2))
    plain = np.asarray(_png(coords, width=200, height=200, size=20).convert("L"), dtype=float)
    faint = np.asarray(_png(coords, width=200, height=200, size=20, dim=np.ones(200, bool)).convert("L"), dtype=float)
    assert faint.mean() > plain.mean() + 5  # brighter: more white shows through


@pytest.mark.parametrize("coords", [np.arange(5.0), np.ones((5, 1))])
def test_scatter_png_needs_two_dimensions(coords):
    with pytest.raises(InputError, match="a PNG needs 2-D coordinates"):
        explore.scatter_png(coords, ["#000000"] * 5)


# --- t-SNE learning rate -----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["fast", 0, 0.5, 100_001, float("nan")])
def test_tsne_learning_rate_out_of_range_is_refused(rate):
    x = np.random.default_rng(0).normal(size=(60, 4))
    with pytest.raises(InputError, match=r"learning_rate=.* must be 'auto' \(n/12\) or a number from 1 to 100000"):
        TSNE(perplexity=5, n_iter=50, learning_rate=rate, n_jobs=1).fit(x)


def test_tsne_numeric_learning_rate_is_used():
    x = np.random.default_rng(0).normal(size=(60, 6)).astype(np.float32)
    x[:30] += 4.0

    def run(rate):  # 3-D: Barnes-Hut, much quicker than FFT on 60 points
        est = make_projector("tsne", n_components=3, perplexity=5, n_iter=50, learning_rate=rate, n_jobs=1)
        return est.fit_transform(x)

    fast, again, slow = run(500), run(500.0), run(10)
    assert fast.shape == (60, 3) and np.isfinite(fast).all()
    np.testing.assert_array_equal(fast, again)
    # a step 50 times larger spreads the points further in as many iterations
    assert np.ptp(fast, axis=0).mean() > 2 * np.ptp(slow, axis=0).mean()
