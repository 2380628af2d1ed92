"""AppTest runs of every page: state preset, real data, no exception."""

from __future__ import annotations

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

TIMEOUT = 120  # numba / torch imports on a cold machine


def run_app(query: dict | None = None) -> AppTest:
    return open_page(None, timeout=TIMEOUT, check=False, **(query or {}))


def test_home_renders_datasets_and_a_projection():
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "EmbedLab"
    table = at.dataframe[0].value
    assert {"glove-20k", "digits", "mnist-5k", "faces", "iris", "wine"} <= set(table["name"])
    assert at.selectbox(key="ds").value == "digits"
    assert len(at.get("plotly_chart")) == 2
    assert at.metric[0].value == "1,797"


@pytest.mark.parametrize("name, n", [("iris", "150"), ("faces", "400")])
def test_home_opens_the_dataset_named_in_the_link(name, n):
    at = run_app({"ds": name})
    assert not at.exception
    assert at.selectbox(key="ds").value == name
    assert at.metric[0].value == n
    assert not at.warning


def test_a_tampered_link_explains_itself():
    at = run_app({"ds": "no-such-data"})
    assert not at.exception
    assert "no-such-data" in at.warning[0].value and "does not exist" in at.warning[0].value
    assert at.selectbox(key="ds").value == "digits"


def test_changing_the_dataset_rerenders():
    at = run_app()
    at.selectbox(key="ds").select("wine").run()
    assert not at.exception
    assert at.metric[0].value == "178"


def test_a_big_dataset_is_previewed_on_a_sample():
    at = run_app({"ds": "glove-100k"})
    assert not at.exception
    assert at.metric[0].value == "100,000"
    assert any("20,000 of the 100,000" in c.value for c in at.caption)
