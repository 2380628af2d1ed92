"""AppTest runs of the query-assistance page: the correction and its explanation for a shared query."""

from __future__ import annotations

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("foldoc")  # every test needs the corpus (skipped without it)


def page(**query) -> AppTest:
    return open_page("search_assist.py", **query)


def test_the_default_query_is_corrected_by_its_context():
    at = page()
    assert "**machine learning**" in [m.value for m in at.markdown]
    plain = next(c.value for c in at.caption if c.value.startswith("A plain dictionary corrector"))
    assert plain.endswith("gives: “machine leaning”.")  # both words exist: only the context can decide
    charts = [c for c in at.get("plotly_chart") if c.proto.id]
    assert len(charts) == 1  # one word changed: one "why" chart
    assert any(c.value.startswith("This keystroke: suggestions and correction in") for c in at.caption)


def test_a_shared_query_with_two_typos_explains_both_words():
    at = page(q="operatng sytem")
    assert "**operating system**" in [m.value for m in at.markdown]
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 2
    assert not at.warning and not at.error


def test_a_correct_query_is_left_alone_and_completions_follow_the_previous_word():
    at = page(q="machine le")
    table = at.dataframe[0].value
    assert table["suggestion"].iloc[0] == "machine learning"
    assert table["ranked by"].iloc[0].endswith("bigram")
    at = page(q="operating system")
    assert "**operating system**: nothing to correct." in [m.value for m in at.markdown]


def test_absurd_queries_get_a_message():
    at = page(q="?!?!")
    assert not at.exception and not at.get("plotly_chart")
    at = page(q="x" * 600)
    assert "500" in " ".join(w.value for w in at.warning)
