"""AppTest runs of the word-vectors page: results that match core, shared links, unknown words explained."""

from __future__ import annotations

import pytest
from apptest_pages import open_page

from core.represent.words import WordVectors


@pytest.fixture(scope="module")
def glove():
    return WordVectors.load("400k")


def test_the_page_opens_on_king_minus_man_plus_woman(glove):
    at = open_page("repr_words.py")
    assert not at.warning and not at.error
    table = at.dataframe[0].value
    assert table["word"].iloc[0] == "queen"
    expected = glove.analogy(["king", "woman"], ["man"], k=10)
    assert table["word"].tolist() == [w for w, _ in expected]
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 3  # scores, axes, bias probe


def test_a_shared_link_sets_the_expression_k_and_axes(glove):
    at = open_page("repr_words.py", q="paris - france + italy", k="3", ax_x0="he", ax_x1="she")
    assert at.dataframe[0].value["word"].tolist() == ["rome", "milan", "turin"]
    assert at.text_input(key="ax_x0").value == "he" and at.slider(key="k").value == 3


def test_one_word_gives_its_neighbours_without_itself(glove):
    at = open_page("repr_words.py", q="frog")
    words = at.dataframe[0].value["word"].tolist()
    assert "frog" not in words and words == [w for w, _ in glove.nearest("frog", k=10)]


def test_unknown_words_and_bad_expressions_are_explained():
    at = open_page("repr_words.py", q="kingg - man")
    assert any("did you mean king" in w.value for w in at.warning)
    at = open_page("repr_words.py", q="king + + queen")
    assert at.warning and not at.exception
    at = open_page("repr_words.py", ax_x0="zzqxv")
    assert any("zzqxv" in w.value for w in at.warning)
