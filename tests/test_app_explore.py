"""AppTest runs of the Explore page: every control, links that reproduce a view, tampered links, exports.

A bound widget's URL value is the option as shown ("t-SNE", "3-D", "true"); the selection (``sel``),
the isolated rows (``iso``), the clicked point (``pt``) and the raster's zoom are unbound URL state.
Query parameters are set after ``switch_page`` (switching pages drops the bound ones). Small data only,
and one raster run on glove-400k (PCA, cached in the process after its first run).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from core.explore import encode_rows

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # numba / torch imports and the first projections on a cold two-core machine
DIGITS = 1797


def explore(**query: str) -> AppTest:
    """The Explore page run once with ``query`` as the link's parameters."""
    return open_page("explore.py", timeout=TIMEOUT, check=False, **query)


def figure(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def traces(at: AppTest, i: int = 0) -> dict[str, dict]:
    return {t.get("name", ""): t for t in figure(at, i)["data"]}


def array(value) -> np.ndarray:
    """A Plotly array as sent to the browser: a list, or a base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.main.caption]


def caption_with(at: AppTest, text: str) -> str:
    found = [c for c in captions(at) if text in c]
    assert found, f"no caption with {text!r} in {captions(at)}"
    return found[0]


def labels(elements) -> list[str]:
    return [e.proto.label for e in elements]


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def default() -> AppTest:
    return ok(explore())


@pytest.fixture(scope="module")
def point5() -> AppTest:
    return ok(explore(pt="5"))


# --- the default view -------------------------------------------------------------------------------


def test_the_default_view_is_a_pca_of_digits_coloured_by_label(default):
    assert not default.warning and not default.error
    assert default.selectbox(key="ds").value == "digits"
    assert default.segmented_control(key="m").value == "PCA"
    assert default.segmented_control(key="d").value == "2-D"
    assert default.segmented_control(key="view").value == "Map"
    assert default.selectbox(key="c").value == "label"
    assert len(default.get("plotly_chart")) == 2  # the map and the explained variance
    fig = figure(default)
    assert fig["layout"]["title"]["text"] == "PCA of digits"
    assert list(traces(default)) == [str(d) for d in range(10)]
    rows = np.concatenate([array(t["customdata"]) for t in fig["data"]])
    assert sorted(rows.tolist()) == list(range(DIGITS))  # every row once: a selection maps back to rows
    assert caption_with(default, "points ·").startswith(f"{DIGITS:,} points")


def test_the_explained_variance_highlights_the_plotted_components(default):
    bars, total = figure(default, 1)["data"]
    assert (bars["name"], total["name"]) == ("per component", "cumulative")
    assert bars["x"] == [f"PC{i}" for i in range(1, 11)]  # ten components: what the two axes leave out shows
    assert bars["marker"]["color"] == ["#0072B2"] * 2 + ["#9ecae1"] * 8  # the plotted ones stand out
    cumulative = array(total["y"])
    assert np.all(np.diff(cumulative) >= 0) and 0 < cumulative[-1] <= 100.0001


def test_the_default_view_scores_how_far_to_trust_the_map(default):
    metrics = {m.label: float(m.value) for m in default.metric}
    assert set(metrics) == {"Trustworthiness", "k-NN recall (k=10)"}
    assert all(0 < v <= 1 for v in metrics.values()), metrics


def test_the_default_view_offers_rows_and_figure_downloads(default):
    assert labels(default.download_button) == [
        f"CSV: all {DIGITS:,} rows", f"PARQUET: all {DIGITS:,} rows", "Figure as HTML", "Figure as PNG"]


# --- links that reproduce a view --------------------------------------------------------------------


@pytest.mark.parametrize("query, sliders, radios, title", [
    ({"ds": "wine", "m": "t-SNE", "perp": "12", "it": "300"}, {"perp": 12, "it": 300}, {}, "t-SNE of wine"),
    ({"ds": "iris", "m": "UMAP", "nn": "5", "md": "0.5", "um": "cosine"}, {"nn": 5, "md": 0.5}, {"um": "cosine"},
     "UMAP of iris"),
], ids=["tsne", "umap"])
def test_a_link_sets_the_method_and_its_parameters(query, sliders, radios, title):
    at = ok(explore(**query))
    assert not at.warning
    assert at.segmented_control(key="m").value == query["m"]
    assert {key: at.slider(key=key).value for key in sliders} == sliders
    assert {key: at.radio(key=key).value for key in radios} == radios
    assert figure(at)["layout"]["title"]["text"] == title
    n = 178 if query["ds"] == "wine" else 150
    assert caption_with(at, "points ·").startswith(f"{n} points")
    assert len(at.get("plotly_chart")) == 1  # explained variance is PCA's only
    assert {m.label for m in at.metric} == {"Trustworthiness", "k-NN recall (k=10)"}


def test_a_link_picks_the_principal_components_on_the_axes():
    at = ok(explore(ds="wine", px="3", py="5"))
    assert (at.number_input(key="px").value, at.number_input(key="py").value) == (3, 5)
    colors = figure(at, 1)["data"][0]["marker"]["color"]
    assert [i + 1 for i, c in enumerate(colors) if c == "#0072B2"] == [3, 5]


def test_the_same_component_on_both_axes_is_pointed_out():
    at = ok(explore(ds="wine", px="2", py="2"))
    assert "same component" in at.warning[0].value


def test_a_full_link_reproduces_the_whole_view():
    at = ok(explore(ds="iris", m="UMAP", nn="10", c="petal width (cm)", pal="plasma", q="virg", pt="3", k="5",
                    lbl="label", sz="8"))
    assert not at.warning
    assert at.slider(key="nn").value == 10 and at.slider(key="k").value == 5 and at.slider(key="sz").value == 8
    assert at.selectbox(key="c").value == "petal width (cm)" and at.selectbox(key="pal").value == "plasma"
    assert at.text_input(key="q").value == "virg" and at.selectbox(key="lbl").value == "label"
    shown = traces(at)
    assert shown["petal width (cm)"]["marker"]["colorscale"][0][1].lower() == "#0d0887"  # plasma starts dark blue
    assert shown["petal width (cm)"]["marker"]["size"] == 8
    assert shown["matches (50)"] and array(shown["selected point"]["customdata"]).tolist() == [3]
    assert len(array(shown["5 nearest (original space)"]["customdata"])) == 5
    assert "labels" in shown
    assert "**50** of 150 points match “virg”." in captions(at)
    assert len(at.dataframe[0].value) == 5


# --- each control -----------------------------------------------------------------------------------


def test_choosing_another_method_reprojects():
    at = ok(explore(ds="iris"))
    at.segmented_control(key="m").set_value("t-SNE").run()
    ok(at)
    assert figure(at)["layout"]["title"]["text"] == "t-SNE of iris"
    assert at.slider(key="perp").value == 30  # min(30, (n - 1) / 3)
    assert len(at.get("plotly_chart")) == 1


def test_umap_parameters_change_the_map():
    at = ok(explore(ds="iris", m="UMAP"))
    before = array(figure(at)["data"][0]["x"])
    at.slider(key="nn").set_value(5).run()
    after = array(figure(ok(at))["data"][0]["x"])
    assert before.shape == after.shape and not np.allclose(before, after)
    at.slider(key="md").set_value(0.8).run()
    at.radio(key="um").set_value("cosine").run()
    ok(at)
    assert not np.allclose(after, array(figure(at)["data"][0]["x"]))


def test_colouring_by_a_numeric_column_uses_a_scale_and_none_uses_one_colour():
    at = ok(explore(ds="iris"))
    at.selectbox(key="c").select("petal length (cm)").run()
    (trace,) = figure(ok(at))["data"]
    assert trace["name"] == "petal length (cm)" and trace["marker"]["colorscale"]
    assert trace["marker"]["colorbar"]["title"]["text"] == "petal length (cm)"
    assert len(array(trace["marker"]["color"])) == 150
    at.selectbox(key="c").select("(none)").run()
    (trace,) = figure(ok(at))["data"]
    assert trace["marker"]["color"] == "#0072B2" and len(array(trace["customdata"])) == 150


def test_point_size_density_and_labels():
    at = ok(explore(ds="iris"))
    at.slider(key="sz").set_value(12).run()
    assert {t["marker"]["size"] for t in figure(ok(at))["data"]} == {12}
    at.toggle(key="dens").set_value(True).run()
    assert figure(ok(at))["data"][0]["type"] == "histogram2dcontour"
    at.selectbox(key="lbl").select("label").run()
    text = traces(ok(at))["labels"]
    assert text["mode"] == "text" and len(text["text"]) == 150  # few points: every one is labelled


def test_the_search_box_and_its_regex_toggle():
    at = ok(explore())
    at.text_input(key="q").input("^3").run()
    assert f"**0** of {DIGITS:,} points match “^3”." in captions(ok(at))  # the text "^3" as it is
    at.toggle(key="rx").set_value(True).run()
    assert f"**183** of {DIGITS:,} points match “^3”." in captions(ok(at))
    assert "matches (183)" in traces(at)


def test_switching_to_3d():
    at = ok(explore(ds="iris"))
    at.segmented_control(key="d").set_value("3-D").run()
    assert {t["type"] for t in figure(ok(at))["data"]} == {"scatter3d"}


def test_the_neighbour_controls_change_the_list():
    at = ok(explore(pt="5"))
    at.slider(key="k").set_value(25).run()
    cosine = ok(at).dataframe[0].value
    assert len(cosine) == 25 and "its 25 nearest" in at.markdown[0].value
    at.radio(key="nm").set_value("euclidean").run()
    euclidean = ok(at).dataframe[0].value
    assert len(euclidean) == 25
    # digits are pixel counts 0-16: euclidean distances are in the tens, cosine ones below 1
    assert euclidean["distance"].min() > 1 > cosine["distance"].max()


# --- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query, n", [
    ({"q": "^3", "rx": "true"}, 183),
    ({"q": "^3"}, 0),
    ({"q": "^17", "rx": "true", "qc": "(any column)"}, 108),  # ids 17, 170-179, 1700-1796
    ({"q": "7"}, 179),
], ids=["regex", "literal", "regex-in-any-column", "label"])
def test_a_search_in_the_link_highlights_its_matches(query, n):
    at = ok(explore(**query))
    assert f"**{n:,}** of {DIGITS:,} points match “{query['q']}”." in captions(at)
    if n:
        assert len(array(traces(at)[f"matches ({n:,})"]["customdata"])) == n


def test_a_bad_regular_expression_is_explained():
    at = ok(explore(q="(", rx="true"))
    assert "regular expression" in at.error[0].value
    assert not [c for c in captions(at) if "points match" in c]
    assert figure(at)["layout"]["title"]["text"] == "PCA of digits"


def test_matching_faces_show_as_thumbnails():
    at = ok(explore(ds="faces", q="person 03"))
    assert "**Matches**" in [m.value for m in at.markdown]
    (grid,) = at.image
    assert [i.caption for i in grid.proto.imgs] == ["person 03"] * 10


# --- the clicked point and its neighbours -------------------------------------------------------------


def test_a_point_in_the_link_lists_its_neighbours(point5):
    at = point5
    header = at.markdown[0].value
    assert header.startswith("**5** (id 5): its 10 nearest in the original 64-D space;") and "of 10**" in header
    table = at.dataframe[0].value
    assert {"rank", "image", "label", "id", "distance"} <= set(table.columns)
    assert table["rank"].tolist() == list(range(1, 11))
    assert "5" not in table["id"].tolist()
    assert table["distance"].is_monotonic_increasing
    shown = traces(at)
    assert array(shown["selected point"]["customdata"]).tolist() == [5]
    assert array(shown["10 nearest (original space)"]["customdata"]).tolist() == table["id"].astype(int).tolist()
    assert len(at.image) == 1  # the clicked digit, large
    assert "Clear selection" in labels(at.button)


def test_more_neighbours_in_the_link():
    at = ok(explore(pt="5", k="25"))
    assert len(at.dataframe[0].value) == 25 and "of 25**" in at.markdown[0].value


def test_the_neighbour_metric_in_the_link_changes_the_distances(point5):
    at = ok(explore(pt="5", nm="euclidean"))
    assert at.radio(key="nm").value == "euclidean"
    assert not np.allclose(at.dataframe[0].value["distance"], point5.dataframe[0].value["distance"])


def test_a_point_named_by_its_label_selects_the_first_such_row():
    at = ok(explore(ds="faces", pt="person 07"))
    assert at.markdown[0].value.startswith("**person 07** (id s7/1):")
    table = at.dataframe[0].value
    assert "image" in table.columns and table["image"].str.startswith("data:image/png;base64,").all()
    assert table["label"].iloc[0] == "person 07"  # the nearest face is the same person
    assert at.image[0].proto.imgs[0].caption == "selected point"


def test_clear_selection_empties_the_point_from_the_link():
    at = ok(explore(pt="5", sel=encode_rows(range(40), DIGITS)))
    next(b for b in at.button if b.proto.label == "Clear selection").click().run()
    ok(at)
    assert "pt" not in at.query_params and "sel" not in at.query_params
    assert not at.dataframe and "Click a point to list its nearest neighbours in the original space." in captions(at)


def test_another_dataset_forgets_the_point_and_selection_of_the_last():
    at = ok(explore(pt="5", sel=encode_rows(range(40), DIGITS)))
    at.selectbox(key="ds").select("iris").run()
    ok(at)
    assert "pt" not in at.query_params and "sel" not in at.query_params  # row 5 of iris is another flower
    assert not at.warning and not at.dataframe
    assert caption_with(at, "points ·").startswith("150 points")


# --- selection and isolation ------------------------------------------------------------------------


def test_a_selection_in_the_link_is_highlighted_and_can_be_exported():
    at = ok(explore(sel=encode_rows(range(40), DIGITS)))
    assert "Isolate selection (40)" in labels(at.button)
    assert array(traces(at)["selection (40)"]["customdata"]).tolist() == list(range(40))
    assert labels(at.download_button)[:4] == [
        "CSV: 40 selected rows", f"CSV: all {DIGITS:,} rows", "PARQUET: 40 selected rows",
        f"PARQUET: all {DIGITS:,} rows"]
    assert len(at.image[0].proto.imgs) == 40  # digits have pictures: the selection as thumbnails


def test_isolating_the_selection_reprojects_only_those_rows_and_show_all_returns():
    rows = np.arange(200, 240)
    at = ok(explore(sel=encode_rows(rows, DIGITS)))
    next(b for b in at.button if b.proto.label == "Isolate selection (40)").click().run()
    ok(at)
    assert at.query_params["iso"] == encode_rows(rows, DIGITS) and "sel" not in at.query_params
    assert figure(at)["layout"]["title"]["text"] == "PCA of digits (40 isolated rows)"
    assert caption_with(at, "points ·").startswith("40 points")
    assert labels(at.download_button)[0] == "CSV: all 40 rows"
    next(b for b in at.button if b.proto.label == "Show all rows").click().run()
    ok(at)
    assert "iso" not in at.query_params
    assert caption_with(at, "points ·").startswith(f"{DIGITS:,} points")


def test_isolating_inside_an_isolated_view_keeps_rows_of_the_full_dataset():
    at = ok(explore(iso=encode_rows(range(100, 140), DIGITS), sel=encode_rows(range(5, 30), 40)))
    next(b for b in at.button if b.proto.label == "Isolate selection (25)").click().run()
    assert ok(at).query_params["iso"] == encode_rows(range(105, 130), DIGITS)


def test_isolating_a_handful_of_rows_still_draws_them():
    at = explore(iso=encode_rows(range(5), DIGITS))
    assert not at.exception
    assert caption_with(at, "points ·").startswith("5 points")
    assert [m.label for m in at.metric][1] == "k-NN recall (k=2)"  # k shrinks to below n/2


def test_selected_faces_show_as_thumbnails():
    at = ok(explore(ds="faces", sel=encode_rows(range(60), 400)))
    assert "**Selected** (first 48 of 60)" in [m.value for m in at.markdown]
    captions_ = [i.caption for i in at.image[0].proto.imgs]
    assert len(captions_) == 48 and captions_[:10] == ["person 01"] * 10 and captions_[-1] == "person 05"


# --- 3-D, recall colour, compare ----------------------------------------------------------------------


def test_a_3d_link_draws_a_3d_scatter_and_explains_the_png():
    at = ok(explore(d="3-D"))
    assert at.segmented_control(key="d").value == "3-D"
    fig = figure(at)
    assert {t["type"] for t in fig["data"]} == {"scatter3d"} and fig["layout"]["dragmode"] == "orbit"
    assert "Figure as PNG" not in labels(at.download_button)
    assert "camera button" in caption_with(at, "PNG:")
    how = caption_with(at, "points ·")
    assert "drag to turn the view" in how and "lasso" not in how  # 3-D charts report no selections
    assert len(at.metric) == 2


def test_colouring_by_knn_recall_shows_the_recall_of_each_point():
    at = ok(explore(c="(k-NN recall)"))
    trace = traces(at)["(k-NN recall)"]
    per_point = array(trace["marker"]["color"])
    assert trace["marker"]["colorscale"] and len(per_point) == DIGITS
    assert 0 <= per_point.min() and per_point.max() <= 1
    overall = float(next(m.value for m in at.metric if m.label.startswith("k-NN recall")))
    assert per_point.mean() == pytest.approx(overall, abs=6e-4)  # the metric is the mean of the colours


def test_compare_shows_three_methods_with_the_same_highlight():
    at = ok(explore(ds="iris", view="Compare", pt="3"))
    assert at.segmented_control(key="view").value == "Compare"
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # PCA, t-SNE, UMAP, and the explained variance beside them
    for i, title in enumerate(["PCA", "t-SNE", "UMAP"]):
        fig = figure(at, i)
        assert fig["layout"]["title"]["text"] == title and fig["layout"]["showlegend"] is False
        shown = {t["name"]: t for t in fig["data"]}
        assert array(shown["selected point"]["customdata"]).tolist() == [3]
        assert len(array(shown["10 nearest (original space)"]["customdata"])) == 10
    assert "Each method with its default parameters" in captions(at)[0]


# --- tampered links -----------------------------------------------------------------------------------


TAMPERED = [  # (link, the bad key, words the warning must hold, (widget kind, key, default) or None)
    ({"ds": "nope"}, "ds", ["“nope”", "does not exist", "digits"], ("selectbox", "ds", "digits")),
    ({"m": "XYZ"}, "m", ["projection method", "“XYZ”", "t-SNE"], ("segmented_control", "m", "PCA")),
    ({"d": "4-D"}, "d", ["number of dimensions", "“4-D”"], ("segmented_control", "d", "2-D")),
    ({"view": "Table"}, "view", ["the view", "“Table”"], ("segmented_control", "view", "Map")),
    ({"ds": "iris", "m": "t-SNE", "perp": "abc"}, "perp", ["perplexity", "“abc”", "must be a number from 2 to 49"],
     ("slider", "perp", 30)),
    ({"k": "1000"}, "k", ["number of neighbours k", "“1000”", "from 1 to 100"], ("slider", "k", 10)),
    ({"px": "99"}, "px", ["principal component x", "from 1 to 50"], ("number_input", "px", 1)),
    ({"sz": "-3"}, "sz", ["point size", "from 1 to 20"], ("slider", "sz", 5)),
    ({"c": "nope"}, "c", ["colour column", "“nope”"], ("selectbox", "c", "label")),
    ({"pt": "nobody"}, "pt", ["“nobody”", "not in this view of digits"], None),
    ({"sel": "garbage"}, "sel", ["selection", "not readable"], None),
    ({"sel": encode_rows([1, 2], 150)}, "sel", ["150 rows", "1,797"], None),
    ({"iso": "garbage"}, "iso", ["not readable", "Showing all rows"], None),
]


@pytest.mark.parametrize("query, bad, words, widget", TAMPERED,
                         ids=[f"{bad}={query[bad][:12]}" for query, bad, _, _ in TAMPERED])
def test_a_tampered_link_explains_itself_and_falls_back(query, bad, words, widget):
    at = ok(explore(**query))
    (warning,) = at.warning
    assert all(w in warning.value for w in words), warning.value
    assert bad not in at.query_params  # the address bar no longer carries the bad value
    if widget:
        kind, key, value = widget
        assert getattr(at, kind)(key=key).value == value
    assert at.get("plotly_chart") and not at.dataframe
    n = 150 if query.get("ds") == "iris" else DIGITS
    assert caption_with(at, "points ·").startswith(f"{n:,} points")
    assert not [b for b in labels(at.button) if b.startswith("Isolate")]


# --- a big dataset: the datashader raster -------------------------------------------------------------


@pytest.fixture(scope="module")
def glove() -> AppTest:
    return ok(explore(ds="glove-400k"))


def test_a_big_dataset_is_drawn_as_an_image(glove):
    fig = figure(glove)
    assert len(fig["layout"]["images"]) == 1
    assert "400,000 points drawn as an image (datashader); 20,000 sampled points" in caption_with(glove, "datashader")
    (overlay,) = fig["data"]  # invisible points that answer hover, clicks and lasso
    assert len(array(overlay["customdata"])) == 20_000
    assert not glove.metric and glove.toggle(key="trust").value is False  # scoring 400k points is on request


def test_a_zoomed_link_redraws_only_the_region_and_zooms_out():
    at = ok(explore(ds="glove-400k", zoom="0,1,0,1"))
    in_view = int(caption_with(at, "datashader").split(" points drawn")[0].replace(",", ""))
    assert 0 < in_view < 400_000
    image = figure(at)["layout"]["images"][0]
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (0, 1, 1, 1)  # covers the zoomed box
    next(b for b in at.button if b.proto.label == "Zoom out to the whole map").click().run()
    ok(at)
    assert "zoom" not in at.query_params
    assert caption_with(at, "datashader").startswith("400,000 points")


def test_a_zoom_that_is_not_a_box_is_explained():
    at = ok(explore(ds="glove-400k", zoom="1,0,0,1"))
    assert "not a box" in at.warning[0].value and "zoom" not in at.query_params
    assert caption_with(at, "datashader").startswith("400,000 points")


def test_a_word_in_the_link_lists_its_neighbours_on_the_raster():
    at = ok(explore(ds="glove-400k", pt="king"))
    table = at.dataframe[0].value
    assert "id" not in table.columns and "image" not in table.columns  # a word's id is the word; no pictures
    assert {"queen", "prince"} <= set(table["label"])
    shown = traces(at)
    assert "selected point" in shown and len(array(shown["10 nearest (original space)"]["customdata"])) == 10
