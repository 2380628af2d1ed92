"""AppTest runs of the Autoencoders lesson: its numbers, a link that decodes a point, stale links, training.

The page's numbers are checked against ``core`` computed here (PCA and the shipped weights on the
lesson's seeded split). Training runs use two epochs (a few seconds on two cores).
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from core.embed import autoencoders as ae

SUBHEADERS = ["Two numbers per image: PCA against an autoencoder", "Rebuilding images from a code of k numbers",
              "A VAE's latent plane, decoded", "Walking between two images", "Train one yourself"]


def lesson(**query) -> AppTest:
    return open_page("autoencoders.py", **query)


def chart(at: AppTest, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.key == key).proto.spec)


def values(array) -> np.ndarray:
    """A plotly array as sent: a list, or a typed array ({"bdata", "dtype"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def captions(at: AppTest) -> list[str]:
    return [i.caption for image in at.image for i in image.proto.imgs]


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label))


@pytest.fixture(scope="module")
def default():
    return lesson()


@pytest.fixture(scope="module")
def truth():
    """The lesson's numbers, from core: PCA and the shipped autoencoders on MNIST-5k's held-out digits."""
    x, _ = ae.pixels("mnist-5k")
    train, test = ae.split(len(x), seed=ae.RECIPES["mnist-5k"].seed)
    shipped = {k: float(ae.shipped("mnist-5k", "ae", k).reconstruction_error(x[test]).mean()) for k in ae.CODE_SIZES}
    return ae.pca_errors(x[train], x[test]), shipped


def test_the_lesson_opens_on_mnist_with_its_sections(default):
    assert default.title[0].value == "Autoencoders and VAEs"
    assert [s.value for s in default.subheader] == SUBHEADERS
    assert default.radio(key="ds").value == "mnist-5k" and default.select_slider(key="code").value == "8"
    assert (default.slider(key="grid").value, default.slider(key="span").value) == (20, 3.0)
    assert not default.warning and not default.metric  # nothing trained until asked
    assert "the decoder's image at each point of a 20×20 grid over [-3, 3]²" in captions(default)
    assert "Click anywhere in the plane on the right to decode that point." in [c.value for c in default.caption]


def test_the_two_scatters_place_every_digit(default, truth):
    pca, shipped = truth
    for key, title in (("ae_pca", f"PCA, 2 components · held-out MSE {pca[2]:.4f}"),
                       ("ae_codes", f"Autoencoder, 2-D code · held-out MSE {shipped[2]:.4f}")):
        spec = chart(default, key)
        assert spec["layout"]["title"]["text"] == title
        assert sum(len(values(t["x"])) for t in spec["data"]) == 5000, key


def test_the_error_table_is_the_cached_numbers(default, truth):
    pca, shipped = truth
    table = default.dataframe[0].value
    assert table["code size"].tolist() == list(ae.CODE_SIZES)
    np.testing.assert_allclose(table["PCA"], [pca[k] for k in ae.CODE_SIZES], rtol=1e-6)
    np.testing.assert_allclose(table["autoencoder"], [shipped[k] for k in ae.CODE_SIZES], rtol=1e-4)
    np.testing.assert_allclose(table["autoencoder / PCA"], table["autoencoder"] / table["PCA"], rtol=1e-9)
    assert table["autoencoder / PCA"].iloc[0] < 0.9  # two numbers: the network clearly wins
    curve = chart(default, "ae_error_curve")
    np.testing.assert_allclose(values(curve["data"][0]["y"]), table["PCA"], rtol=1e-6)
    np.testing.assert_allclose(values(curve["data"][1]["y"]), table["autoencoder"], rtol=1e-6)


def test_a_link_decodes_a_point_of_the_faces_plane():
    at = lesson(ds="faces", code="4", z="1.2,-0.5", grid="12")
    assert at.radio(key="ds").value == "faces" and at.select_slider(key="code").value == "4"
    assert at.slider(key="grid").value == 12 and not at.warning
    shown = captions(at)
    assert any("(1.20, -0.50)" in c for c in shown), shown
    assert "the decoder's image at each point of a 12×12 grid over [-3, 3]²" in shown
    assert any(c.endswith("from 4 numbers") for c in shown)
    plane = chart(at, "ae_latent")
    star = next(t for t in plane["data"] if t.get("name") == "decoded point")
    assert (values(star["x"])[0], values(star["y"])[0]) == pytest.approx((1.2, -0.5))


@pytest.mark.parametrize("query, words", [
    ({"code": "7"}, "the code size “7”, which does not exist here"),
    ({"z": "abc"}, "the latent point “abc”, which is not two numbers between -10 and 10"),
    ({"a": "zzz"}, "the first image “zzz”, which does not exist here"),
    ({"grid": "99"}, "sets the grid size to “99”, but it must be a whole number from 5 to 30"),
    ({"ds": "cifar"}, "the dataset “cifar”, which does not exist here"),
])
def test_a_stale_link_explains_itself_and_falls_back(query, words):
    at = lesson(**query)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
    (key,) = query
    assert key not in at.query_params  # the address bar no longer carries the bad value
    assert at.radio(key="ds").value == "mnist-5k" and at.select_slider(key="code").value == "8"
    assert at.slider(key="grid").value == 20
    assert not any("decoded at z" in c for c in captions(at))


def test_a_link_trains_a_model_and_compares_it(truth):
    pca, shipped = truth
    at = lesson(tr="1", ep="2", tk="vae")
    assert at.selectbox(key="tk").value == "vae" and at.slider(key="ep").value == 2
    mine = metric(at, "your model: held-out MSE")
    assert metric(at, "PCA with 2 components") == pytest.approx(pca[2], abs=5e-5)
    reference = metric(at, "shipped variational autoencoder (60 epochs)")  # the same kind as the one trained
    assert reference < mine < 0.12  # two epochs learn something, sixty learn more
    assert reference != pytest.approx(shipped[2], abs=5e-5)  # not the plain autoencoder's number
    loss = values(chart(at, "loss_final")["data"][0]["y"])
    assert len(loss) == 2 and loss[1] < loss[0]
    assert any(c.value.startswith("Trained on 4,000 images in") for c in at.caption)

    at.slider(key="ep").set_value(3).run()  # another recipe: the old result no longer applies
    assert not at.exception and "tr" not in at.query_params and not at.metric


def test_the_train_button_trains():
    at = lesson(ep="2", tc="4")
    assert "tr" not in at.query_params and not at.metric
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.exception, at.exception
    assert at.query_params["tr"] == "1"
    assert 0 < metric(at, "your model: held-out MSE") < 0.12
    assert "PCA with 4 components" in [m.label for m in at.metric]
    assert not any(c.key == "ae_trained_codes" for c in at.get("plotly_chart"))  # a scatter only for 2-D codes


def test_switching_the_dataset_forgets_what_belonged_to_the_last():
    at = lesson(z="0.5,0.5", tr="1", ep="1", tc="2")
    at.radio(key="ds").set_value("faces").run()
    assert not at.exception, at.exception
    assert "z" not in at.query_params and "tr" not in at.query_params and not at.metric
    assert at.selectbox(key="a").value.startswith("s") and at.selectbox(key="b").value.startswith("s")  # face ids
