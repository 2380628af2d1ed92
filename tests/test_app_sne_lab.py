"""AppTest runs of the t-SNE / UMAP lab: its numbers, its URL state, links that went stale, and the sweep slider.

The first run computes the default sweep (six t-SNE maps of 500 toy points), a recorded t-SNE run and the
digits maps; they are shared through the module-scoped ``default`` fixture and the in-process caches, so the
later runs are quick.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from core.datasets.toys import TOYS, make_toy
from core.embed.sne import conditional_p
from core.embed.sweeps import SWEEPS, usable_values

SAMPLE = {"toy": "cluster-distances", "sw": "n_neighbors", "perp": "10", "pt": "7", "iter": "300", "ds": "iris"}


def lab(**query) -> AppTest:
    return open_page("sne_lab.py", timeout=600, **query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart(at: AppTest, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")).proto.spec)


def _values(spec) -> list[float]:
    """A Plotly array as JSON: a list, or {"dtype", "bdata"} base64 (Plotly >= 6)."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"]).tolist()
    return list(spec)


def big_title(at: AppTest) -> str:
    return chart(at, "lab_big")["layout"]["title"]["text"]


def sigma(toy: str, perplexity: float, point: int) -> str:
    return f"{conditional_p(make_toy(toy, 500, 0).vectors, perplexity)[1][point]:.3g}"


def real_table(at: AppTest):
    return at.dataframe[0].value.set_index("method")


@pytest.fixture(scope="module")
def default():
    return lab()


@pytest.fixture(scope="module")
def sample():
    return lab(**SAMPLE)


def test_the_lab_opens_with_its_three_parts(default):
    assert default.title[0].value == "t-SNE and UMAP lab"
    assert [h.value for h in default.header] == ["1 · Data with a known answer",
                                                 "2 · Inside t-SNE: one point's neighbours",
                                                 "3 · PCA, t-SNE and UMAP on real data, scored"]
    assert not default.warning and not default.error
    assert default.selectbox(key="toy").value == "cluster-sizes" and default.radio(key="sw").value == "perplexity"
    assert default.select_slider(key="sv").value == "perplexity 30"
    assert default.select_slider(key="sv").options == [SWEEPS["perplexity"].label(v) for v in
                                                       usable_values(SWEEPS["perplexity"], 500)]
    assert default.select_slider(key="perp").value == "30" and default.number_input(key="pt").value == 0
    assert default.select_slider(key="iter").value == default.select_slider(key="iter").options[-1]  # the end
    assert default.selectbox(key="ds").value == "digits"
    assert big_title(default) == "t-SNE, perplexity 30"
    titles = [a["text"] for a in chart(default, "lab_multiples")["layout"]["annotations"]]
    assert titles == default.select_slider(key="sv").options  # one small map per value of the sweep


def test_one_points_gaussian_matches_the_perplexity_asked_for(default):
    assert metric(default, "its perplexity 2^H") == "30.00"
    assert metric(default, "σ of point 0") == sigma("cluster-sizes", 30.0, 0)
    held = int(metric(default, "neighbours holding 90% of p(j|i)"))
    assert 1 <= held < 500


def test_the_kl_caption_agrees_with_opentsne(default):
    caption = next(c.value for c in default.caption if c.value.startswith("openTSNE's KL of the final map"))
    found = re.search(r"final map: ([\d.]+); computed exactly here from the same P: ([\d.]+)\.", caption)
    assert found, caption
    theirs, ours = float(found[1]), float(found[2])
    assert 0 < theirs < 5 and abs(theirs - ours) < 0.02, caption
    kl = chart(default, "lab_kl")
    assert kl["data"][0]["y"]  # the KL over the iterations is drawn


def test_real_data_is_scored_and_t_sne_keeps_neighbours_better_than_pca(default):
    table = real_table(default)
    assert list(table.index) == ["PCA", "t-SNE", "UMAP"]
    assert list(table.columns) == ["trustworthiness", "k-NN recall", "seconds"]
    assert table.loc["t-SNE", "trustworthiness"] > table.loc["PCA", "trustworthiness"]
    assert table.loc["t-SNE", "k-NN recall"] > table.loc["PCA", "k-NN recall"]
    assert ((table[["trustworthiness", "k-NN recall"]] > 0) & (table[["trustworthiness", "k-NN recall"]] <= 1)).all(
        axis=None)
    assert any(c.value.startswith("1,797 points.") for c in default.caption)
    panels = [a["text"] for a in chart(default, "lab_real")["layout"]["annotations"]]
    assert panels == [f"{m} · trust {table.loc[m, 'trustworthiness']:.3f}" for m in ("PCA", "t-SNE", "UMAP")]


def test_the_sample_link_opens_the_same_view(sample):
    assert not sample.warning, [w.value for w in sample.warning]
    assert sample.selectbox(key="toy").value == "cluster-distances"
    assert sample.radio(key="sw").value == "n_neighbors"
    assert sample.select_slider(key="sv").value == "n_neighbors 15"  # the sweep's default value
    assert sample.select_slider(key="perp").value == "10" and sample.number_input(key="pt").value == 7
    assert sample.select_slider(key="iter").value == "300" and sample.selectbox(key="ds").value == "iris"
    assert metric(sample, "its perplexity 2^H") == "10.00"
    assert big_title(sample) == "UMAP, n_neighbors 15"
    assert chart(sample, "lab_snapshot")["layout"]["title"]["text"] == "the map at iteration 300"
    assert list(real_table(sample).index) == ["PCA", "t-SNE", "UMAP"]
    assert any(c.value.startswith("150 points.") for c in sample.caption)
    assert any(TOYS["cluster-distances"].truth in m.value for m in sample.markdown)


@pytest.mark.parametrize("toy, perplexity, point", [("cluster-sizes", 30, 0), ("cluster-distances", 10, 7)])
def test_sigma_is_the_one_the_binary_search_finds(default, sample, toy, perplexity, point):
    at = default if toy == "cluster-sizes" else sample
    assert metric(at, f"σ of point {point}") == sigma(toy, float(perplexity), point)


def test_a_tampered_link_explains_each_bad_value_and_falls_back(default):
    at = lab(toy="x", sw="y", perp="7", pt="9999", iter="3", sv="q", ds="nope")
    warnings = [w.value for w in at.warning]
    expected = ["the toy data set “x”", "the sweep “y”", "the sweep value “q”", "the perplexity “7”",
                "sets the point to “9999”, but it must be a whole number from 0 to 499", "the iteration “3”",
                "the dataset “nope”"]
    assert len(warnings) == len(expected), warnings
    for words in expected:
        assert sum(words in w for w in warnings) == 1, (words, warnings)
    assert all("Showing the default instead" in w and "(The link may be old or edited.)" in w for w in warnings)
    assert dict(at.query_params) == {}  # the bad values are dropped from the link
    assert at.selectbox(key="toy").value == "cluster-sizes" and at.radio(key="sw").value == "perplexity"
    assert at.select_slider(key="sv").value == "perplexity 30" and at.select_slider(key="perp").value == "30"
    assert at.number_input(key="pt").value == 0 and at.selectbox(key="ds").value == "digits"
    assert at.select_slider(key="iter").value == default.select_slider(key="iter").value
    assert [(m.label, m.value) for m in at.metric] == [(m.label, m.value) for m in default.metric]


@pytest.mark.parametrize("query, words", [
    ({"pt": "2.5"}, "sets the point to “2.5”, but it must be a whole number"),
    ({"pt": "-1"}, "sets the point to “-1”"),
    ({"sw": "min_dist", "sv": "perplexity 30"}, "the sweep value “perplexity 30”"),
], ids=["fractional-point", "negative-point", "value-of-another-sweep"])
def test_a_stale_link_explains_itself(default, query, words):
    at = lab(**query)
    assert [w.value for w in at.warning if words in w.value], [w.value for w in at.warning]


def test_changing_the_sweep_resets_the_slider_to_a_value_of_the_new_sweep(default):
    at = lab()
    at.radio(key="sw").set_value("min_dist").run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    slider = at.select_slider(key="sv")
    assert slider.options == [SWEEPS["min_dist"].label(v) for v in SWEEPS["min_dist"].values]
    assert slider.value == "min dist 0.1"
    assert big_title(at) == "UMAP, min dist 0.1"
    at.radio(key="sw").set_value("tsne-seed").run()
    assert not at.exception and not at.warning
    assert at.select_slider(key="sv").value == "seed 0" and big_title(at) == "t-SNE, seed 0"  # a seed sweep: the first
    at.radio(key="sw").set_value("perplexity").run()
    assert not at.warning and at.select_slider(key="sv").value == "perplexity 30"


def test_the_slider_picks_the_big_map_and_the_sweep_is_not_recomputed(default):
    at = lab()
    before = chart(at, "lab_multiples")
    at.select_slider(key="sv").set_value("perplexity 5").run()
    assert not at.exception and not at.warning
    assert big_title(at) == "t-SNE, perplexity 5"
    big = chart(at, "lab_big")["data"]
    small = chart(at, "lab_multiples")
    assert small == before  # the small multiples do not change
    # the big map is the small multiple titled "perplexity 5" (same x of the first point)
    panel = [a["text"] for a in small["layout"]["annotations"]].index("perplexity 5")
    assert sum(len(_values(t["x"])) for t in big) == 500
    assert _values(small["data"][panel * len(big)]["x"])[:3] == pytest.approx(_values(big[0]["x"])[:3], rel=1e-5)


def test_a_new_perplexity_and_point_update_the_math(default):
    at = lab()
    at.select_slider(key="perp").set_value("5").run()
    at.number_input(key="pt").set_value(42).run()
    assert not at.exception and not at.warning
    assert metric(at, "its perplexity 2^H") == "5.00"
    assert metric(at, "σ of point 42") == sigma("cluster-sizes", 5.0, 42)
    held = "neighbours holding 90% of p(j|i)"
    assert int(metric(at, held)) < int(metric(default, held))  # a smaller perplexity listens to fewer


def test_the_lab_opens_on_what_the_warmup_precomputes():
    from core.embed import sweeps
    from dashboard import cached
    from dashboard.components import sne_lab

    assert list(TOYS)[0] == sweeps.LESSON_TOY and cached.TOY_POINTS == sweeps.LESSON_TOY_POINTS
    assert sne_lab.REAL[0] == sweeps.LESSON_DATASET and list(sweeps.SWEEPS)[0] == "perplexity"


@pytest.mark.parametrize("label, method", [("t-SNE", "tsne"), ("UMAP", "umap"), ("PCA", "pca")])
def test_explore_reuses_the_labs_real_data_maps(default, label, method):
    """Explore's default parameters are the lab's, so both pages share one map per method (no second t-SNE)."""
    from dashboard import cached

    def maps():
        return [key for key in cached.projected.store().items if key[:4] == ("digits", "", method, 2)]

    assert len(maps()) == 1  # drawn by the lab
    open_page("explore.py", timeout=600, ds="digits", m=label)
    assert len(maps()) == 1, maps()
