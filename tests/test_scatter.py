"""Projector scatter figures (row ids, colours, highlights, labels, typed arrays) and image thumbnails."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
from PIL import Image

from core.explore import NONE, OKABE_ITO, RECALL, color_spec
from core.viz.images import png_data_uri, thumbnail
from core.viz.scatter import (
    DIM_OPACITY,
    LABEL_ALL_UP_TO,
    MAX_LABELS,
    Highlights,
    projection_figure,
    projector_figure,
    variance_figure,
)

N = 30
LABELS = np.array(["b", "a", "c"] * 10, dtype=object)


@pytest.fixture
def coords() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(N, 2)).astype(np.float32)


@pytest.fixture
def meta() -> pd.DataFrame:
    return pd.DataFrame({"id": [f"r{i}" for i in range(N)], "label": LABELS,
                         "score": np.linspace(0, 1, N)})


@pytest.fixture
def by_label(meta):
    return color_spec(meta, "label")


def hover() -> list[str]:
    return [f"point {i}" for i in range(N)]


def names(fig) -> list[str]:
    return [t.name for t in fig.data]


def trace(fig, name: str):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def assert_maps_back(t, coords: np.ndarray) -> None:
    """The trace's points sit at the coordinates of the rows its customdata names."""
    rows = np.asarray(t.customdata)
    assert rows.dtype == np.int32
    np.testing.assert_array_equal(t.x, coords[rows, 0])
    np.testing.assert_array_equal(t.y, coords[rows, 1])
    if coords.shape[1] == 3:
        np.testing.assert_array_equal(t.z, coords[rows, 2])


# --- base traces -----------------------------------------------------------------------------------


def test_one_trace_per_category_holding_its_rows(coords, by_label):
    fig = projector_figure(coords, by_label, hover())
    assert names(fig) == ["a", "b", "c"]
    for t, colour in zip(fig.data, OKABE_ITO, strict=False):
        assert t.type == "scattergl"
        assert t.marker.color == colour and t.marker.opacity == 0.8
        assert_maps_back(t, coords)
        assert set(LABELS[np.asarray(t.customdata)]) == {t.name}
    drawn = np.concatenate([t.customdata for t in fig.data])
    assert sorted(drawn.tolist()) == list(range(N))


def test_category_names_are_escaped_in_the_legend(coords):
    spec = color_spec(pd.DataFrame({"v": ["<b>x</b>", "y"] * 15}), "v")
    assert names(projector_figure(coords, spec, hover())) == ["&lt;b&gt;x&lt;/b&gt;", "y"]


def test_a_scale_has_a_colour_bar_and_grey_for_unscored(coords, meta):
    recall = np.linspace(0, 1, N)
    recall[[3, 7]] = np.nan
    fig = projector_figure(coords, color_spec(meta, RECALL, recall=recall), hover())
    assert names(fig) == ["not scored", RECALL]
    grey, scored = fig.data
    assert grey.customdata.tolist() == [3, 7] and grey.marker.color == "#CCCCCC"
    assert scored.marker.showscale and scored.marker.colorbar.title.text == RECALL
    assert scored.marker.colorscale[0][1] == "#440154"  # Viridis, resolved by Plotly
    np.testing.assert_array_equal(scored.marker.color, recall[scored.customdata].astype(np.float32))
    for t in fig.data:
        assert_maps_back(t, coords)


def test_a_scale_without_gaps_is_one_trace(coords, meta):
    fig = projector_figure(coords, color_spec(meta, "score", scale="plasma"), hover())
    assert names(fig) == ["score"]
    assert fig.data[0].showlegend is False and len(fig.data[0].customdata) == N


def test_no_colour_is_one_blue_trace(coords, meta):
    fig = projector_figure(coords, color_spec(meta, NONE), hover())
    assert names(fig) == ["points"]
    assert fig.data[0].marker.color == "#0072B2"
    assert_maps_back(fig.data[0], coords)


def test_rows_draws_only_those(coords, by_label):
    rows = np.array([0, 4, 5, 17, 29])
    fig = projector_figure(coords, by_label, hover(), rows=rows)
    drawn = np.concatenate([t.customdata for t in fig.data])
    assert sorted(drawn.tolist()) == rows.tolist()
    for t in fig.data:
        assert_maps_back(t, coords)


def test_without_base_only_highlights_are_drawn(coords, by_label):
    assert len(projector_figure(coords, by_label, hover(), base_visible=False).data) == 0
    fig = projector_figure(coords, by_label, hover(), base_visible=False,
                           highlights=Highlights(matches=LABELS == "a"))
    assert names(fig) == ["matches (10)"]


def test_ghost_points_are_one_transparent_trace(coords, by_label):
    fig = projector_figure(coords, by_label, hover(), ghost=True)
    assert names(fig) == ["points"]
    assert fig.data[0].marker.color == "rgba(0,0,0,0)" and len(fig.data[0].customdata) == N


# --- highlights ---------------------------------------------------------------------------------------


def test_matches_stand_out_and_the_rest_is_dimmed(coords, by_label):
    mask = np.zeros(N, dtype=bool)
    mask[[2, 5, 8, 20]] = True
    fig = projector_figure(coords, by_label, hover(), highlights=Highlights(matches=mask))
    assert names(fig) == ["a", "b", "c", "matches (4)"]
    assert [t.marker.opacity for t in fig.data[:3]] == [DIM_OPACITY] * 3
    lit = trace(fig, "matches (4)")
    assert lit.customdata.tolist() == [2, 5, 8, 20]
    assert lit.marker.opacity == 1.0
    assert list(lit.marker.color) == [by_label.palette[c] for c in by_label.codes[[2, 5, 8, 20]]]
    assert_maps_back(lit, coords)


def test_no_match_is_still_a_search(coords, by_label):
    fig = projector_figure(coords, by_label, hover(), highlights=Highlights(matches=np.zeros(N, dtype=bool)))
    assert names(fig)[-1] == "matches (0)"
    assert fig.data[0].marker.opacity == DIM_OPACITY


def test_selection_focus_and_neighbours(coords, by_label):
    hl = Highlights(selected=np.array([1, 2, 3]), focus=9, neighbors=np.array([12, 4, 7]),
                    neighbor_text=["#1 <b>d=0.1</b>", "#2 d=0.2", "#3 d=0.3"])
    fig = projector_figure(coords, by_label, hover(), highlights=hl)
    assert names(fig) == ["a", "b", "c", "selection (3)", "3 nearest (original space)", "selected point"]
    near = trace(fig, "3 nearest (original space)")
    assert near.customdata.tolist() == [12, 4, 7]
    assert list(near.text) == ["#1 &lt;b&gt;d=0.1&lt;/b&gt;", "#2 d=0.2", "#3 d=0.3"]
    star = trace(fig, "selected point")
    assert star.customdata.tolist() == [9] and star.marker.symbol == "star"
    assert list(star.text) == ["point 9"]
    for t in fig.data:
        assert_maps_back(t, coords)


def test_neighbours_without_their_text_show_the_hover(coords, by_label):
    hl = Highlights(focus=0, neighbors=np.array([5, 6]), neighbor_text=["only one"])
    near = trace(projector_figure(coords, by_label, hover(), highlights=hl), "2 nearest (original space)")
    assert list(near.text) == ["point 5", "point 6"]


def test_hover_text_is_escaped(coords, by_label):
    texts = hover()
    texts[4] = "<script>alert('x')</script> & co"
    fig = projector_figure(coords, by_label, texts)
    t = trace(fig, by_label.categories[by_label.codes[4]])
    text = dict(zip(t.customdata.tolist(), t.text, strict=True))
    assert text[4] == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co"
    assert text[t.customdata[0]] == f"point {t.customdata[0]}"
    assert "<script>" not in pio.to_json(fig, validate=False)


def test_hover_of_the_wrong_length_is_left_out(coords, by_label):
    fig = projector_figure(coords, by_label, ["x"] * (N - 1))
    assert {s for t in fig.data for s in t.text} == {""}


# --- labels -------------------------------------------------------------------------------------------


def test_few_points_are_all_labelled(coords, by_label):
    labels = [f"<{i}>" for i in range(N)]
    fig = projector_figure(coords, by_label, hover(), labels=labels)
    t = trace(fig, "labels")
    assert t.mode == "text" and t.customdata.tolist() == list(range(N))
    assert t.text[3] == "&lt;3&gt;"
    assert_maps_back(t, coords)


def test_labels_are_capped_and_the_focus_and_neighbours_come_first():
    n = 1000
    coords = np.random.default_rng(1).normal(size=(n, 2)).astype(np.float32)
    spec = color_spec(pd.DataFrame({"v": ["x"] * n}), "v")
    labels = [f"w{i}" for i in range(n)]
    mask = np.zeros(n, dtype=bool)
    mask[:400] = True
    hl = Highlights(matches=mask, focus=900, neighbors=np.array([950, 3, 901]))
    t = trace(projector_figure(coords, spec, [""] * n, highlights=hl, labels=labels), "labels")
    rows = t.customdata.tolist()
    assert len(rows) == MAX_LABELS and len(set(rows)) == MAX_LABELS
    assert rows[:5] == [900, 950, 3, 901, 0]  # focus, neighbours nearest first, then matches (3 not twice)
    assert list(t.text[:2]) == ["w900", "w950"]
    assert_maps_back(t, coords)


def test_few_points_without_highlights_are_all_labelled_many_are_not():
    few = LABEL_ALL_UP_TO
    coords = np.random.default_rng(2).normal(size=(few, 2))
    spec = color_spec(pd.DataFrame({"v": ["x"] * few}), "v")
    t = trace(projector_figure(coords, spec, [""] * few, labels=[str(i) for i in range(few)]), "labels")
    assert len(t.customdata) == few
    n = LABEL_ALL_UP_TO + 1
    coords = np.random.default_rng(2).normal(size=(n, 2))
    spec = color_spec(pd.DataFrame({"v": ["x"] * n}), "v")
    t = trace(projector_figure(coords, spec, [""] * n, labels=[str(i) for i in range(n)]), "labels")
    assert len(t.customdata) == 0


# --- 3-D and density ------------------------------------------------------------------------------------


def test_three_dimensions_use_scatter3d(by_label):
    coords = np.random.default_rng(3).normal(size=(N, 3))
    hl = Highlights(focus=2, neighbors=np.array([5, 1]))
    fig = projector_figure(coords, by_label, hover(), highlights=hl, labels=LABELS, density=True)
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert names(fig) == ["a", "b", "c", "labels", "2 nearest (original space)", "selected point"]
    assert trace(fig, "selected point").marker.symbol == "diamond"  # Scatter3d has no star
    for t in fig.data:
        assert_maps_back(t, coords.astype(np.float32))
    assert fig.layout.dragmode == "orbit"


def test_density_lies_under_the_points_in_2d(coords, by_label):
    fig = projector_figure(coords, by_label, hover(), density=True)
    assert fig.data[0].type == "histogram2dcontour"
    np.testing.assert_array_equal(fig.data[0].x, coords[:, 0])
    assert [t.type for t in fig.data[1:]] == ["scattergl"] * 3
    assert "histogram2dcontour" not in {t.type for t in projector_figure(coords, by_label, hover()).data}


# --- typed arrays -------------------------------------------------------------------------------------


def test_coordinates_and_rows_travel_as_typed_arrays(coords, by_label):
    spec = by_label
    fig = json.loads(pio.to_json(projector_figure(coords, spec, hover()), validate=False))
    for t in fig["data"]:
        assert t["x"]["dtype"] == "f4" and t["y"]["dtype"] == "f4"
        assert t["customdata"]["dtype"] == "i4"
        rows = np.frombuffer(base64.b64decode(t["customdata"]["bdata"]), dtype=np.int32)
        np.testing.assert_array_equal(np.frombuffer(base64.b64decode(t["x"]["bdata"]), dtype=np.float32),
                                      coords[rows, 0])


def test_a_hundred_thousand_points_cost_a_few_bytes_a_coordinate():
    n = 100_000
    coords = np.random.default_rng(4).normal(size=(n, 2))
    spec = color_spec(pd.DataFrame({"v": ["x"] * n}), NONE)
    text = pio.to_json(projector_figure(coords, spec, np.full(n, "", dtype=object)), validate=False)
    assert "[" + json.dumps(float(coords[0, 0].astype(np.float32))) not in text  # no JSON list of numbers
    t = json.loads(text)["data"][0]
    assert (t["x"]["dtype"], t["y"]["dtype"], t["customdata"]["dtype"]) == ("f4", "f4", "i4")
    # float32 is 4 bytes, base64 makes 5.33 characters of them
    assert len(t["x"]["bdata"]) + len(t["y"]["bdata"]) <= 2 * n * 4 / 3 * 4 + 8
    # Plotly writes "/" as "\u002f" in its JSON (HTML safety), so the coordinates take about 6.8 bytes each
    # here; x, y, row ids and empty hover strings together stay well below the ~20 bytes a coordinate
    # costs as a JSON list of numbers
    assert len(text) / (2 * n) < 13


# --- the Home page's quick scatter and the PCA variance bars ----------------------------------------------


def test_projection_figure_colours_by_labels(coords):
    fig = projection_figure(coords, LABELS, title="digits")
    assert names(fig) == ["a", "b", "c"]
    assert fig.layout.height == 560 and fig.layout.title.text == "digits"
    a = trace(fig, "a")
    assert set(a.text) == {"a"}  # hover defaults to the label
    assert_maps_back(a, coords)
    assert set(trace(projection_figure(coords, LABELS, hover=hover()), "a").text) == {
        f"point {i}" for i in np.flatnonzero(LABELS == "a")}


def test_variance_bars_highlight_the_plotted_components():
    ratios = np.array([0.5, 0.25, 0.125, 0.0625])
    fig = variance_figure(ratios, highlight=(1, 3))
    bars, total = fig.data
    assert list(bars.x) == ["PC1", "PC2", "PC3", "PC4"]
    assert list(bars.marker.color) == ["#0072B2", "#9ecae1", "#0072B2", "#9ecae1"]
    np.testing.assert_allclose(bars.y, [50, 25, 12.5, 6.25])
    np.testing.assert_allclose(total.y, [50, 75, 87.5, 93.75])
    assert list(variance_figure(ratios).data[0].marker.color) == ["#0072B2"] * 4


# --- thumbnails -----------------------------------------------------------------------------------------


def test_thumbnail_upscales_with_nearest_neighbour():
    digit = np.random.default_rng(5).integers(0, 256, size=(8, 8), dtype=np.uint8)
    big = thumbnail(digit)
    assert big.shape == (64, 64) and big.dtype == np.uint8
    np.testing.assert_array_equal(big, np.kron(digit, np.ones((8, 8), dtype=np.uint8)))


def test_thumbnail_of_colour_and_of_large_images():
    rgb = np.random.default_rng(6).integers(0, 256, size=(8, 4, 3), dtype=np.uint8)
    big = thumbnail(rgb)
    assert big.shape == (64, 32, 3)
    np.testing.assert_array_equal(big, rgb.repeat(8, axis=0).repeat(8, axis=1))
    large = np.zeros((100, 100), dtype=np.uint8)
    assert thumbnail(large).shape == (100, 100)  # never shrunk


def test_png_data_uri_decodes_to_the_thumbnail():
    digit = np.random.default_rng(7).integers(0, 256, size=(8, 8), dtype=np.uint8)
    uri = png_data_uri(digit, size=32)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):])))
    assert image.format == "PNG" and image.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(image), thumbnail(digit, size=32))
