"""AppTest runs of the generative lab's latent pages: Samples & latent walks, Conditional GAN, Latent slice.

The pictures on the pages are checked against the shipped generators called here directly: each figure's PNG
is decoded and cut back into its tiles.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from apptest_pages import open_page
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.generate import latent, models
from core.generate.data import to_uint8
from core.generate.quality import nearest
from core.viz.generate import enlarge

DIGITS = [str(d) for d in range(10)]


@pytest.fixture(scope="module")
def dcgan():
    return models.load("mnist-dcgan")


@pytest.fixture(scope="module")
def cgan():
    return models.load("mnist-cgan")


def chart(at: AppTest, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.key == key).proto.spec)


def png(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def tiles(at: AppTest, key: str, side: int, columns: int, tile: int = 64, pad: int = 4) -> np.ndarray:
    """The pictures of a pictures_figure chart, cut out of its sheet and brought back to ``side`` pixels."""
    sheet = png(chart(at, key)["data"][0]["source"])[..., 0]
    s = enlarge(np.zeros((1, side, side), np.uint8), tile).shape[1]
    rows = (sheet.shape[0] - pad) // (s + pad)
    assert sheet.shape == (rows * (s + pad) + pad, columns * (s + pad) + pad), sheet.shape
    f = s // side
    return np.stack([sheet[pad + r * (s + pad):pad + r * (s + pad) + s:f, pad + c * (s + pad):pad + c * (s + pad) + s:f]
                     for r in range(rows) for c in range(columns)])


def values(array) -> np.ndarray:
    """A plotly array as sent: a list, or a typed array ({"bdata", "dtype"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def train_pictures(gen) -> np.ndarray:
    return to_uint8(models.training_images(gen.spec)[0].x)


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def image_captions(at: AppTest) -> list[str]:
    return [i.caption for image in at.image for i in image.proto.imgs]


# ------------------------------------------------------------------------------------ samples page
@pytest.fixture(scope="module")
def samples_link():
    return open_page("gen_samples.py", gm="mnist-dcgan", gs="3", psi="0.7", gn="16", gp="5", ga="2", gb="7",
                     gc="9", path="linear")


def test_the_samples_page_opens_on_the_faces():
    at = open_page("gen_samples.py")
    assert not at.error and not at.warning
    assert at.title[0].value == "Samples & latent walks"
    assert (at.selectbox(key="gm").value, at.number_input(key="gs").value) == ("faces-dcgan", 0)
    assert (at.select_slider(key="gn").value, at.slider(key="psi").value) == ("36", 1.0)
    assert [s.value for s in at.subheader] == ["Samples", "Walking from A to B", "Latent arithmetic: A − B + C",
                                               "Truncation: the same sample, pulled toward the centre"]
    assert len(tiles(at, "gen_grid", 64, 6)) == 36
    assert [c.value for c in at.caption][0].startswith("36 samples of faces-dcgan from seed 0 at ψ = 1;")


def test_the_command_shown_keeps_every_digit_of_a_linked_psi():
    at = open_page("gen_samples.py", gm="mnist-dcgan", gs="3", psi="0.1234567", gn="16")
    assert not at.error and not at.warning and at.slider(key="psi").value == pytest.approx(0.1234567)
    assert any("--psi 0.1234567 --out" in c.value for c in at.caption)  # 0.123457 would draw other pictures


def test_a_link_sets_every_widget(samples_link):
    at = samples_link
    assert not at.error and not at.warning
    assert (at.selectbox(key="gm").value, at.number_input(key="gs").value, at.slider(key="psi").value) == \
        ("mnist-dcgan", 3, 0.7)
    assert at.select_slider(key="gn").value == "16"
    assert [at.number_input(key=k).value for k in ("gp", "ga", "gb", "gc")] == [5, 2, 7, 9]
    assert at.radio(key="path").value == "linear"
    captions = [c.value for c in at.caption]
    assert "16 pictures decoded along the linear path from sample #2 to sample #7." in captions
    assert "sample #5" in image_captions(at)
    labels = [a["text"] for a in chart(at, "gen_grid")["layout"]["annotations"]]
    assert labels[:10] == ["#0", "#1", "#2 A", "#3", "#4", "#5", "#6", "#7 B", "#8", "#9 C"]
    assert [b.label for b in at.download_button] == ["Samples as PNG"]
    assert ("The same file from the command line: `embedlab generate --model mnist-dcgan --n 16 --seed 3 --psi 0.7 "
            "--out mnist-dcgan-seed3.png`") in captions


def test_the_grid_is_the_generators_pictures_for_that_seed(samples_link, dcgan):
    want = dcgan.sample(16, seed=3, psi=0.7)
    shown = tiles(samples_link, "gen_grid", 32, 4)
    np.testing.assert_array_equal(shown[[0, 1, 2, 3, 4, 6, 15]], want[[0, 1, 2, 3, 4, 6, 15]])
    inner = shown[5][2:-2, 2:-2]  # the looked-at sample is framed: compare inside the frame
    np.testing.assert_array_equal(inner, want[5][2:-2, 2:-2])
    again = open_page("gen_samples.py", gm="mnist-dcgan", gs="3", psi="0.7", gn="16", gp="5")
    np.testing.assert_array_equal(tiles(again, "gen_grid", 32, 4), shown)  # the same link, the same pictures
    other = open_page("gen_samples.py", gm="mnist-dcgan", gs="4", psi="0.7", gn="16", gp="5")
    assert not np.array_equal(tiles(other, "gen_grid", 32, 4), shown)


def test_the_walk_the_arithmetic_and_the_truncation_row(samples_link, dcgan):
    z = dcgan.noise(16, seed=3, psi=0.7)
    walk = tiles(samples_link, "gen_walk", 32, 16)
    np.testing.assert_array_equal(walk, dcgan.decode(latent.lerp(z[2], z[7], 16)))
    norms = chart(samples_link, "gen_norms")["data"]
    assert [t["name"] for t in norms] == ["linear", "spherical", "the samples' shell, |z| ≈ 5.6"]  # 0.7 * √64
    line, arc = (values(t["y"]) for t in norms[:2])
    np.testing.assert_allclose(line, np.linalg.norm(latent.lerp(z[2], z[7], 16), axis=1), rtol=1e-5)
    assert line[8] < 0.85 * arc[8]  # the straight path dips inside the shell
    total = tiles(samples_link, "gen_arithmetic", 32, 4, tile=96)
    np.testing.assert_array_equal(total[3], dcgan.decode((z[2] - z[7] + z[9])[None])[0])
    row = tiles(samples_link, "gen_truncation", 32, 5, tile=96)
    base = dcgan.noise(16, seed=3)[5]
    np.testing.assert_array_equal(row, dcgan.decode(np.stack([base * p for p in (0, 0.25, 0.5, 0.75, 1)])))


def test_the_nearest_training_image_and_its_distance(samples_link, dcgan):
    train, _ = models.training_images(dcgan.spec)
    rows, dist = nearest(dcgan.sample(16, seed=3, psi=0.7)[5:6], to_uint8(train.x))
    metrics = {m.label: m.value for m in samples_link.metric}
    assert metrics["RMS distance to it"] == f"{dist[0]:.3f}"
    assert metrics["held-out real: median"] == f"{dcgan.meta['quality']['median_nn_distance_heldout']:.3f}"
    assert f"nearest training image (#{rows[0]}, {train.labels[rows[0]]})" in image_captions(samples_link)


def test_the_conditional_model_draws_each_class_in_turn(cgan):
    at = open_page("gen_samples.py", gm="mnist-cgan", gs="1", gn="16")
    assert not at.error and not at.warning
    np.testing.assert_array_equal(tiles(at, "gen_grid", 32, 4)[1:],
                                  cgan.sample(16, seed=1, labels=[DIGITS[i % 10] for i in range(16)])[1:])
    assert "asked for class i mod 10" in at.caption[0].value


@pytest.mark.parametrize("query, words, key", [
    ({"gm": "stylegan9"}, "the generative model “stylegan9”, which does not exist here", "gm"),
    ({"psi": "9"}, "sets the truncation ψ to “9”, but it must be a number from 0 to 1.5", "psi"),
    ({"gn": "50"}, "the number of samples “50”, which does not exist here", "gn"),
    ({"gs": "-3"}, "sets the seed to “-3”, but it must be a whole number from 0 to 99,999", "gs"),
    ({"gp": "40", "gn": "16"}, "sets the sample looked at to “40”, but it must be a whole number from 0 to 15", "gp"),
    ({"path": "zigzag"}, "the path “zigzag”, which does not exist here", "path"),
])
def test_a_stale_samples_link_explains_itself_and_falls_back(query, words, key):
    at = open_page("gen_samples.py", **({"gm": "mnist-dcgan"} if key != "gm" else {}), **query)
    assert any(words in w for w in warnings(at)), warnings(at)
    assert not at.error and key not in at.query_params
    defaults = {"gm": "faces-dcgan", "psi": 1.0, "gn": "36", "gs": 0, "gp": 0, "path": "spherical"}
    widget = {"gm": at.selectbox, "psi": at.slider, "gn": at.select_slider, "gs": at.number_input,
              "gp": at.number_input, "path": at.radio}[key]
    assert widget(key=key).value == defaults[key]


# -------------------------------------------------------------------------------- conditional page
@pytest.fixture(scope="module")
def conditional():
    return open_page("gen_conditional.py", cls="7", gs="2", cls2="1", row="3")


def test_the_conditional_page_opens_with_its_defaults(cgan):
    at = open_page("gen_conditional.py")
    assert not at.error and not at.warning
    assert (at.radio(key="cls").value, at.radio(key="cls2").value, at.number_input(key="gs").value) == ("0", "1", 0)
    np.testing.assert_array_equal(tiles(at, "cgan_class", 32, 16), cgan.sample(16, seed=0, labels=["0"] * 16))


def test_the_style_by_class_table(conditional, cgan):
    spec = chart(conditional, "cgan_table")
    table = tiles(conditional, "cgan_table", 32, 10, tile=56)
    assert table.shape == (8 * 10, 32, 32)  # 8 latent vectors (rows) x 10 classes (columns)
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert texts == [f"<b>{d}</b>" for d in DIGITS] + [f"z #{i}" for i in range(8)]
    z = cgan.noise(8, seed=2)
    want = cgan.decode(np.repeat(z, 10, axis=0), DIGITS * 8)
    np.testing.assert_array_equal(table, want)
    assert not np.array_equal(table[0], table[1]) and not np.array_equal(table[0], table[10])


def test_the_class_mix_strip_and_the_model_card(conditional, cgan):
    at = conditional
    assert (at.radio(key="cls").value, at.radio(key="cls2").value, at.number_input(key="row").value) == ("7", "1", 3)
    np.testing.assert_array_equal(tiles(at, "cgan_class", 32, 16), cgan.sample(16, seed=2, labels=["7"] * 16))
    strip = tiles(at, "cgan_mix", 32, 11, tile=72)
    z = cgan.noise(8, seed=2)[3][None]
    np.testing.assert_array_equal(strip[0], cgan.decode(z, ["7"])[0])
    np.testing.assert_array_equal(strip[-1], cgan.decode(z, ["1"])[0])
    half = np.zeros((1, 10), np.float32)
    half[0, [7, 1]] = 0.5
    np.testing.assert_array_equal(strip[5], cgan.decode(z, half)[0])
    labels = [a["text"] for a in chart(at, "cgan_mix")["layout"]["annotations"]]
    assert labels[0] == "0% 1" and labels[5] == "50% 1" and labels[-1] == "100% 1"
    quality = cgan.meta["quality"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["drawn as asked"] == f"{quality['conditional_accuracy']:.1%}"
    assert metrics["the classifier on real held-out digits"] == f"{quality['classifier_heldout_accuracy']:.1%}"


def test_a_stale_conditional_link_explains_itself():
    at = open_page("gen_conditional.py", cls="x", row="12")
    shown = warnings(at)
    assert any("the class “x”, which does not exist here" in w for w in shown), shown
    assert any("sets the style row to “12”, but it must be a whole number from 0 to 7" in w for w in shown), shown
    assert at.radio(key="cls").value == "0" and at.number_input(key="row").value == 0 and not at.error


# ------------------------------------------------------------------------------------ latent slice
def test_the_slice_opens_and_asks_for_a_click():
    at = open_page("gen_slice.py")
    assert not at.error and not at.warning
    assert (at.selectbox(key="gm").value, at.selectbox(key="ctr").value) == ("faces-dcgan", "0")
    assert (at.number_input(key="ps").value, at.slider(key="ext").value, at.slider(key="sg").value) == (1, 4.0, 9)
    assert "Click anywhere in the grid to decode that point, large, with its nearest training image." in \
        [c.value for c in at.caption]
    assert not at.metric


def test_a_link_decodes_a_point_of_the_plane(dcgan):
    at = open_page("gen_slice.py", gm="mnist-dcgan", ctr="origin", ps="5", ext="2", sg="7", at="1.2,-0.8")
    assert not at.error and not at.warning
    assert (at.selectbox(key="ctr").value, at.slider(key="sg").value, at.slider(key="ext").value) == ("origin", 7, 2.0)
    spec = chart(at, "gen_slice_grid")
    star = next(t for t in spec["data"] if t.get("name") == "decoded point")
    assert (star["x"][0], star["y"][0]) == pytest.approx((1.2, -0.8))
    vectors, _, _ = latent.plane(np.zeros(64), 5, 7, 2.0)
    sheet = png(spec["layout"]["images"][0]["source"])  # grey
    np.testing.assert_array_equal(sheet[::2, ::2], np.vstack([np.hstack(list(r)) for r in
                                                              dcgan.decode(vectors).reshape(7, 7, 32, 32)]))
    point = latent.plane_point(np.zeros(64), 5, 1.2, -0.8)
    assert f"**The point (1.20, -0.80)** · |z| = {np.linalg.norm(point):.2f}" in [m.value for m in at.markdown]
    assert "decoded at (1.20, -0.80)" in image_captions(at)
    _, dist = nearest(dcgan.decode(point), train_pictures(dcgan))
    assert {m.label: m.value for m in at.metric}["RMS distance to it"] == f"{dist[0]:.3f}"


def test_the_conditional_slice_draws_the_class_asked_for(cgan):
    at = open_page("gen_slice.py", gm="mnist-cgan", cls="3", sg="5", ctr="2")
    assert not at.error and at.radio(key="cls").value == "3"
    vectors, _, _ = latent.plane(cgan.noise(16, 0)[2], 1, 5, 4.0)
    sheet = png(chart(at, "gen_slice_grid")["layout"]["images"][0]["source"])
    np.testing.assert_array_equal(sheet[:64:2, :64:2], cgan.decode(vectors[:1], ["3"])[0])


@pytest.mark.parametrize("query, words, key", [
    ({"at": "abc"}, "the plane point “abc”, which is not two numbers between -12.5 and 12.5", "at"),
    ({"at": "1,2,3"}, "the plane point “1,2,3”, which is not two numbers", "at"),
    ({"at": "40,0"}, "the plane point “40,0”, which is not two numbers between -12.5 and 12.5", "at"),
    ({"ctr": "99"}, "the centre “99”, which does not exist here", "ctr"),
    ({"sg": "30"}, "sets the grid size to “30”, but it must be a whole number from 5 to 15", "sg"),
    ({"ext": "0"}, "sets the extent to “0”, but it must be a number from 0.5 to 10", "ext"),
])
def test_a_stale_slice_link_explains_itself_and_falls_back(query, words, key):
    at = open_page("gen_slice.py", gm="mnist-dcgan", **query)
    assert any(words in w for w in warnings(at)), warnings(at)
    assert key not in at.query_params and not at.error
    assert not at.metric  # nothing decoded from a bad point
    assert at.slider(key="sg").value == 9 and at.slider(key="ext").value == 4.0 and at.selectbox(key="ctr").value == "0"
