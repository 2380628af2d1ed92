"""The word-vector commands: `embedlab analogy` and `embedlab similar-words`, with their documented JSON."""

from __future__ import annotations

import pytest
from cli_run import one_error, run_json

from core.cli import main
from core.represent.words import WordVectors


@pytest.fixture(scope="module")
def wv() -> WordVectors:
    return WordVectors.load("400k")  # the commands share this process's copy


def test_analogy_prints_ranked_words(capsys, wv):
    got = run_json(capsys, "analogy", "--positive", "King", "woman", "--negative", "man", "--k", "5")
    assert got["positive"] == ["king", "woman"] and got["negative"] == ["man"]
    assert got["method"] == "3cosadd" and got["size"] == "400k"
    assert [set(r) for r in got["results"]] == [{"word", "score"}] * 5
    assert got["results"][0]["word"] == "queen" and got["results"][0]["score"] == pytest.approx(0.8524, abs=1e-3)
    expected = wv.analogy(["king", "woman"], ["man"], k=5)
    assert [(r["word"], r["score"]) for r in got["results"]] == [(w, pytest.approx(s)) for w, s in expected]


def test_analogy_with_3cosmul_and_no_negative_words(capsys, wv):
    got = run_json(capsys, "analogy", "--positive", "berlin", "france", "--negative", "germany", "--k", "3",
                   "--method", "3cosmul")
    assert got["results"][0]["word"] == "paris" and got["method"] == "3cosmul"
    got = run_json(capsys, "analogy", "--positive", "frog", "--k", "3")
    assert got["negative"] == [] and [r["word"] for r in got["results"]] == [w for w, _ in wv.nearest("frog", k=3)]


def test_similar_words_prints_ranked_words(capsys, wv):
    got = run_json(capsys, "similar-words", "Frog", "--k", "10")
    assert got["word"] == "frog" and got["size"] == "400k" and len(got["results"]) == 10
    words = [r["word"] for r in got["results"]]
    assert "frog" not in words and {"toad", "frogs"} & set(words)
    scores = [r["score"] for r in got["results"]]
    assert scores == sorted(scores, reverse=True)


def test_similar_words_in_a_smaller_vocabulary(capsys):
    got = run_json(capsys, "similar-words", "king", "--k", "5", "--size", "5k")
    top = WordVectors.load("5k")
    assert [r["word"] for r in got["results"]] == [w for w, _ in top.nearest("king", k=5)]
    assert all(top.index_of(r["word"]) < 5_000 for r in got["results"])


def test_human_output_has_one_line_per_word(capsys, wv):
    assert main(["similar-words", "paris", "--k", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].split()[-1] == wv.nearest("paris", k=1)[0][0]


def test_word_commands_refuse_bad_input(capsys, wv):
    err = one_error(capsys, "similar-words", "kingg")
    assert "no word 'kingg' among the 400,000 GloVe words; did you mean king, kings" in err
    assert "did you mean paris" in one_error(capsys, "analogy", "--positive", "paaris", "italy", "--negative", "france")
    assert "--k must be from 1 to 1000 (got 0)" in one_error(capsys, "analogy", "--positive", "king", "--k", "0")
    assert "--k must be from 1 to 1000 (got 1001)" in one_error(capsys, "similar-words", "king", "--k", "1001")
    assert "required: --positive" in one_error(capsys, "analogy", "--negative", "man")
    assert "invalid choice: '3k'" in one_error(capsys, "similar-words", "king", "--size", "3k")
    assert "zero vector" in one_error(capsys, "analogy", "--positive", "king", "--negative", "king")
