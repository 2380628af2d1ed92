"""AppTest runs of the Eigenfaces lesson: its numbers, its URL state, and links that went stale."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest


def lesson(**query) -> AppTest:
    return open_page("eigenfaces.py", **query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def default():
    return lesson()


def test_the_lesson_opens_with_the_mean_face_and_eigenfaces(default):
    assert default.title[0].value == "Eigenfaces"
    captions = [i.caption for i in default.image[0].proto.imgs]
    assert captions[0] == "mean face" and len(captions) == 13  # the mean and 12 eigenfaces
    first = float(captions[1].split("·")[1].strip(" %"))
    assert 15 < first < 25  # the first eigenface holds about a fifth of the variance (sklearn agrees, see unit tests)
    assert default.slider(key="k").value == 20 and default.selectbox(key="face").value == "s1/1"


def test_rebuilding_improves_with_k_and_the_metrics_say_so():
    few, many = lesson(k="5"), lesson(k="120")
    err = [float(metric(a, "RMS pixel error")) for a in (few, many)]
    var = [float(metric(a, v).rstrip("%")) for a, v in ((few, "variance in 5 components"),
                                                         (many, "variance in 120 components"))]
    assert err[1] < err[0] / 2 and var[0] < var[1] <= 100


def test_the_randomized_svd_is_compared_with_the_full_one(default):
    gap = float(metric(default, "extra reconstruction error").rstrip("%"))
    assert 0 <= gap < 1
    assert "faster" in next(m for m in default.metric if m.label == "randomized SVD").proto.delta


def test_identification_accuracy_climbs_with_components(default):
    caption = next(c.value for c in default.caption if c.value.startswith("Eigenfaces fitted on shots"))
    assert "With 20 components: 9" in caption  # 90 % or more of the held-out photos named right
    import json

    chart = json.loads(default.get("plotly_chart")[-1].proto.spec)
    assert chart["layout"]["xaxis"]["type"] == "log"
    acc = chart["data"][0]["y"]
    assert acc[0] < 30 < 90 <= acc[-1]  # one component names few; a hundred and fifty name nearly all


def test_a_link_reproduces_the_view():
    at = lesson(face="s7/3", k="35", n="16", px="3", py="4")
    assert at.selectbox(key="face").value == "s7/3" and at.slider(key="k").value == 35
    assert len(at.image[0].proto.imgs) == 17
    assert [i.caption for i in at.image[1].proto.imgs][0] == "person 07 (photo s7/3)"
    assert (at.number_input(key="px").value, at.number_input(key="py").value) == (3, 4)
    assert not at.warning


@pytest.mark.parametrize("query, words", [
    ({"face": "nobody"}, "photo “nobody”, which does not exist"),
    ({"k": "999"}, "sets k to “999”, but it must be a whole number from 0 to 150"),
    ({"n": "2"}, "number of eigenfaces shown to “2”"),
    ({"px": "abc"}, "x component to “abc”"),
])
def test_a_stale_link_explains_itself(query, words):
    at = lesson(**query)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]


def test_the_face_plane_carries_every_photo_once(default):
    import json

    spec = json.loads(next(c for c in default.get("plotly_chart") if '"customdata"' in c.proto.spec).proto.spec)
    rows = []
    for trace in spec["data"]:
        cd = trace["customdata"]
        rows += list(np.frombuffer(__import__("base64").b64decode(cd["bdata"]), dtype=cd["dtype"]))
    assert sorted(int(r) for r in rows) == list(range(400))
