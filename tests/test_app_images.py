"""AppTest runs of the image-similarity page (a fake encoder in place of EfficientNet-Lite0: same process)."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_pages import open_page
from test_represent_images import _fake

from core.represent import images


@pytest.fixture(autouse=True)
def fake_encoder(monkeypatch):
    monkeypatch.setattr(images, "_encoder", lambda: _fake)


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_shared_link_shows_the_image_and_the_ones_most_like_it():
    at = open_page("repr_images.py", set="digits-500", img="12", k="5", m="PCA")
    assert not at.error and not at.warning
    assert at.number_input(key="img").value == 12 and at.slider(key="k").value == 5
    feats = images.image_features("digits-500")
    labels = images.load_collection("digits-500").labels.astype(str)
    rows, _ = images.more_like_this(feats, 12, 5)
    share = images.same_label_share(labels, 12, rows)
    assert f"**{share:.0%}** of the 5 images most like #12 ({labels[12]}) show the same digit" in _markdown(at)
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 3  # strip, map, grid
    assert "/explore?ds=" in _markdown(at) and "&m=PCA&pt=12" in _markdown(at)


def test_choosing_another_image_updates_more_like_this():
    at = open_page("repr_images.py", set="digits-500", img="0", k="3", m="PCA")
    at.number_input(key="img").set_value(40).run()
    assert not at.exception
    assert "images most like #40" in _markdown(at)


def test_a_stale_link_is_explained_and_the_defaults_are_used():
    at = open_page("repr_images.py", set="cats", img="9999", m="PCA")
    warnings = " ".join(w.value for w in at.warning)
    assert "the image collection “cats”, which does not exist" in warnings
    assert "the image to “9999”, but it must be a whole number from 0 to 399" in warnings
    assert at.selectbox(key="set").value == "faces" and at.number_input(key="img").value == 0
    assert not at.error


def test_every_image_of_the_grid_gets_its_own_cell():
    open_page("repr_images.py", set="digits-500", m="PCA")
    from dashboard import cached

    ws_id = cached.image_features_dataset("digits-500")
    shown, cells, rows, cols = cached.image_grid(ws_id, "pca")
    assert len(shown) == 500 and rows * cols >= 500 and len(np.unique(cells)) == 500
