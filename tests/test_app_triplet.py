"""AppTest runs of the metric-learning page: it trains live, the link sets the settings, the comparison holds."""

from __future__ import annotations

from apptest_pages import open_page


def test_the_triplet_page_trains_and_compares():
    at = open_page("repr_triplet.py", mine="semi-hard", margin="0.2", src="mnist-5k")  # the defaults, spelled out
    assert not at.error and not at.warning
    assert at.selectbox(key="mine").value == "semi-hard" and at.slider(key="margin").value == 0.2
    table = at.dataframe[-1].value
    acc = dict(zip(table["representation"], table["knn_accuracy"], strict=True))
    assert acc["triplet embedding"] > acc["untrained network"] + 0.3  # at 2-D on MNIST
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 3  # before/after, loss, active share
    assert len(at.get("imgs")) >= 12 or len(at.image) >= 12  # four triplets of three images


def test_bad_links_are_explained():  # they fall back to the defaults: the model trained above is reused
    at = open_page("repr_triplet.py", src="cifar", margin="5", tdim="3")
    texts = " ".join(w.value for w in at.warning)
    assert "cifar" in texts and "5" in texts
    assert at.selectbox(key="src").value == "mnist-5k"
