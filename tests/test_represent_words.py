"""Word vectors: nearest words, analogies (3CosAdd, 3CosMul), expressions, projection axes, the bias probe and
analogy accuracy, on real GloVe vectors and on tiny hand-made ones."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.errors import InputError
from core.represent import words as words_mod
from core.represent.words import GENDER_PAIR, OCCUPATIONS, WordVectors, load_analogy_questions, parse_analogy_questions


@pytest.fixture(scope="module")
def wv() -> WordVectors:
    return WordVectors.load("400k")


@pytest.fixture(scope="module")
def wv20() -> WordVectors:
    return WordVectors.load("20k")


def brute_force(unit: np.ndarray, q: np.ndarray, k: int, skip=()) -> tuple[np.ndarray, np.ndarray]:
    scores = unit @ (q / np.linalg.norm(q))
    scores[list(skip)] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]


def test_load_is_cached_and_checks_the_size(wv):
    assert WordVectors.load("400k") is wv
    assert len(wv) == 400_000 and wv.dim == 50 and wv.vectors.dtype == wv.unit.dtype == np.float32
    assert np.allclose(np.linalg.norm(wv.unit[:1000], axis=1), 1, atol=1e-6)
    with pytest.raises(InputError, match="size='3k' is not offered; choose one of 5k, 20k, 100k, 400k"):
        WordVectors.load("3k")


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_king_minus_man_plus_woman_is_queen(wv, method):
    got = wv.analogy(["king", "woman"], ["man"], k=5, method=method)
    assert got[0][0] == "queen"
    assert not {"king", "woman", "man"} & {w for w, _ in got}
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True) and len(got) == 5


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_capitals_by_analogy(wv, method):
    assert wv.analogy(["berlin", "france"], ["germany"], k=3, method=method)[0][0] == "paris"
    assert wv.analogy(["paris", "italy"], ["france"], k=3, method=method)[0][0] == "rome"


def test_3cosadd_score_is_the_cosine_to_the_normalised_offset(wv):
    got = wv.analogy(["King", "WOMAN"], ["man"], k=10)  # case does not matter
    rows = [wv.index_of(w) for w in ("king", "woman", "man")]
    target = wv.unit[rows[0]] + wv.unit[rows[1]] - wv.unit[rows[2]]
    idx, scores = brute_force(wv.unit, target, 10, skip=rows)
    assert [w for w, _ in got] == list(wv.words[idx])
    assert np.allclose([s for _, s in got], scores, atol=1e-6)
    assert got[0][1] == pytest.approx(0.8524, abs=1e-3)


def test_nearest_words_of_frog(wv):
    got = wv.nearest("frog", k=10)
    names = [w for w, _ in got]
    assert "frog" not in names and {"toad", "frogs"} & set(names)
    assert got[0][1] == pytest.approx(float(wv.unit[wv.index_of("frog")] @ wv.unit[wv.index_of(names[0])]), abs=1e-6)


@pytest.mark.parametrize("size", ["20k", "400k"])
def test_nearest_is_exactly_the_brute_force_cosine(wv, wv20, size):
    vocab = wv20 if size == "20k" else wv
    rng = np.random.default_rng(0)
    for row in rng.choice(min(vocab.n, 50_000), size=15, replace=False):
        got = vocab.nearest(str(vocab.words[row]), k=10)
        idx, scores = brute_force(vocab.unit, vocab.unit[row], 10, skip=[row])
        assert [w for w, _ in got] == list(vocab.words[idx])
        assert np.allclose([s for _, s in got], scores, atol=1e-6)
    for _ in range(5):  # free vectors, with words left out
        q = rng.normal(size=vocab.dim).astype(np.float32)
        first = vocab.nearest(q, k=3)
        got = vocab.nearest(q * 7, k=10, exclude=[first[0][0], "not-a-word-at-all"])
        idx, scores = brute_force(vocab.unit, q, 10, skip=[vocab.index_of(first[0][0])])
        assert [w for w, _ in got] == list(vocab.words[idx])
        assert np.allclose([s for _, s in got], scores, atol=1e-6)


def tiny(n: int = 60, dim: int = 6, seed: int = 0) -> WordVectors:
    rng = np.random.default_rng(seed)
    return WordVectors([f"w{i}" for i in range(n)], rng.normal(size=(n, dim)) * rng.uniform(0.5, 3, size=(n, 1)))


def test_3cosmul_follows_levy_and_goldberg():
    """arg max_w  prod_p s(w, p) / (prod_n s(w, n) + 0.001),  s = (cos + 1) / 2, computed word by word."""
    vocab = tiny()
    vecs = vocab.vectors.astype(np.float64)

    def cos(i: int, j: int) -> float:
        return float(vecs[i] @ vecs[j] / (np.linalg.norm(vecs[i]) * np.linalg.norm(vecs[j])))

    for positive, negative in [(["w1", "w2"], ["w3"]), (["w4"], []), (["w5", "w6", "w7"], ["w8", "w9"])]:
        pos = [int(w[1:]) for w in positive]
        neg = [int(w[1:]) for w in negative]
        direct = {}
        for i in range(vocab.n):
            if i in pos or i in neg:
                continue
            num = math.prod((cos(i, p) + 1) / 2 for p in pos)
            den = math.prod((cos(i, m) + 1) / 2 for m in neg)
            direct[f"w{i}"] = num / (den + 0.001)
        best = sorted(direct, key=direct.get, reverse=True)[:8]
        got = vocab.analogy(positive, negative, k=8, method="3cosmul")
        assert [w for w, _ in got] == best
        assert np.allclose([s for _, s in got], [direct[w] for w in best], rtol=1e-5)


def test_3cosadd_on_a_tiny_vocabulary_matches_the_definition():
    vocab = tiny(seed=1)
    unit = vocab.vectors / np.linalg.norm(vocab.vectors, axis=1, keepdims=True)
    target = unit[1] + unit[2] - unit[3]
    idx, scores = brute_force(unit, target, 5, skip=[1, 2, 3])
    got = vocab.analogy(["w1", "w2"], ["w3"], k=5)
    assert [w for w, _ in got] == [f"w{i}" for i in idx]
    assert np.allclose([s for _, s in got], scores, atol=1e-6)


def test_unknown_words_are_named_with_close_suggestions(wv):
    with pytest.raises(InputError, match=r"^no word 'kingg' among the 400,000 GloVe words; did you mean king, kings"):
        wv.index_of("kingg")
    with pytest.raises(InputError, match=r"did you mean paris"):
        wv.analogy(["paaris", "italy"], ["france"])
    with pytest.raises(InputError, match=r"did you mean computer"):
        wv.nearest("computr")
    with pytest.raises(InputError, match=r"no word 'xyzzyq' .*; check the spelling"):
        wv.index_of("xyzzyq")
    with pytest.raises(InputError, match="a word is needed"):
        wv.index_of("  ")
    assert wv.index_of("Queen") == wv.index_of("queen") and "QUEEN" in wv and "kingg" not in wv
    assert wv.suggestions("qeen")[0] == "queen" and "king" in wv.suggestions("ikng")  # first two letters swapped


def test_analogy_and_nearest_check_their_arguments(wv):
    with pytest.raises(InputError, match="at least one positive word"):
        wv.analogy([], ["man"])
    with pytest.raises(InputError, match=r"k=0 must be a whole number from 1 to 1000"):
        wv.analogy(["king"], k=0)
    with pytest.raises(InputError, match=r"k=1001 must be a whole number from 1 to 1000"):
        wv.nearest("king", k=1001)
    with pytest.raises(InputError, match=r"k='3' must be a whole number"):
        wv.nearest("king", k="3")
    with pytest.raises(InputError, match="method='cosine' is not known; choose one of 3cosadd, 3cosmul"):
        wv.analogy(["king"], method="cosine")
    with pytest.raises(InputError, match="the query vector has 3 numbers; the word vectors have 50"):
        wv.nearest(np.ones(3))
    with pytest.raises(InputError, match="zero vector"):
        wv.analogy(["king"], ["king"])
    assert len(tiny(n=5).nearest("w0", k=4)) == 4
    with pytest.raises(InputError, match=r"k=5 must be a whole number from 1 to 4"):
        tiny(n=5).nearest("w0", k=5)


def test_expressions_parse_words_signs_and_weights(wv):
    assert wv.expression_terms("King - man + woman") == [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]
    assert wv.expression_terms("0.5*king \u2212 2 * man+.25*woman") == [(0.5, "king"), (-2.0, "man"),
                                                                         (0.25, "woman")]
    assert wv.expression_terms("-paris-france") == [(-1.0, "paris"), (-1.0, "france")]  # not a word: a difference
    assert wv.expression_terms("x-ray + 1990") == [(1.0, "x-ray"), (1.0, "1990")]  # a hyphenated word stays whole
    rows = [wv.index_of(w) for w in ("king", "man", "woman")]
    expected = 0.5 * wv.unit[rows[0]] - 2 * wv.unit[rows[1]] + 0.25 * wv.unit[rows[2]]
    assert np.allclose(wv.expression("0.5*king - 2*man + 0.25*woman"), expected, atol=1e-6)
    got = wv.nearest(wv.expression("paris - france + italy"), k=1, exclude=["paris", "france", "italy"])
    assert got[0][0] == "rome"


def test_parse_expression_splits_positive_and_negative_words(wv):
    assert wv.parse_expression("King - man + woman") == (["king", "woman"], ["man"])
    assert wv.parse_expression("frog") == (["frog"], [])
    with pytest.raises(InputError, match=r"not weights \(0.5\*king\)"):
        wv.parse_expression("0.5*king - man")
    with pytest.raises(InputError, match="needs at least one word with \\+"):
        wv.parse_expression("-king - man")


@pytest.mark.parametrize("text, message", [
    ("", "the expression is empty"),
    ("king man", "put \\+ or - between 'king' and 'man'"),
    ("king -", "ends with an operator or a weight"),
    ("king + - man", "two operators in a row"),
    ("king * 2", "'\\*' goes between a number and a word"),
    ("2*3*king", "two weights in a row"),
    ("king 2*man", "put \\+ or - before the weight 2"),
    ("kingg + man", "no word 'kingg' .* did you mean king"),
])
def test_malformed_expressions_are_refused(wv, text, message):
    with pytest.raises(InputError, match=message):
        wv.expression(text)


def test_projection_axes_match_a_hand_computation():
    # x: a=(1,0,0) -> b=(0,2,0), direction (-1, 1, 0)/sqrt(2); y: c=(0,0,3) -> e=(0,0,-1), direction (0, 0, -1)
    vocab = WordVectors(["a", "b", "c", "e", "p", "q"],
                        np.array([[1, 0, 0], [0, 2, 0], [0, 0, 3], [0, 0, -1], [2, 2, 0], [0, 5, 5]], dtype=float))
    got = vocab.projection_axes(("a", "b"), ("c", "e"), ["p", "q", "a", "P"])
    assert list(got.columns) == ["word", "x", "y"] and list(got["word"]) == ["p", "q", "a"]  # "P" is "p" again
    h = 1 / math.sqrt(2)
    # p: unit (h, h, 0) -> x = (-h*h + h*h) = 0, y = 0; q: unit (0, h, h) -> x = h*h = 0.5, y = -h
    # a: unit (1, 0, 0) -> x = -h, y = 0
    assert np.allclose(got["x"], [0.0, 0.5, -h], atol=1e-6)
    assert np.allclose(got["y"], [0.0, -h, 0.0], atol=1e-6)
    strip = vocab.projection_axes(("a", "b"), None, ["q"])
    assert strip["x"].tolist() == pytest.approx([0.5]) and strip["y"].tolist() == [0.0]
    with pytest.raises(InputError, match="needs two different words"):
        vocab.projection_axes(("a", "A"), None, ["p"])
    with pytest.raises(InputError, match="an axis is a pair of words"):
        vocab.projection_axes(("a",), None, ["p"])
    with pytest.raises(InputError, match="at least one word"):
        vocab.projection_axes(("a", "b"), None, [])


def test_projection_axes_on_glove(wv):
    got = wv.projection_axes(("man", "woman"), ("poor", "rich"), ["king", "queen", "beggar", "millionaire"])
    x = dict(zip(got["word"], got["x"], strict=True))
    y = dict(zip(got["word"], got["y"], strict=True))
    assert x["queen"] > x["king"] and y["millionaire"] > y["beggar"]


def test_bias_probe_orders_occupations_on_he_to_she(wv):
    assert len(OCCUPATIONS) >= 40 and GENDER_PAIR == ("he", "she")
    assert all(wv.index_of(o) < 50_000 for o in OCCUPATIONS)
    got = wv.bias_probe(*GENDER_PAIR)
    assert list(got.columns) == ["word", "score"] and len(got) == len(OCCUPATIONS)
    assert got["score"].is_monotonic_increasing
    score = dict(zip(got["word"], got["score"], strict=True))
    assert score["nurse"] > score["engineer"] and score["homemaker"] > score["programmer"]
    direction = wv.unit[wv.index_of("she")] - wv.unit[wv.index_of("he")]
    expected = wv.unit[wv.index_of("nurse")] @ direction / np.linalg.norm(direction)
    assert score["nurse"] == pytest.approx(float(expected), abs=1e-6)


QUESTIONS = """\
: capital-common-countries
athens greece berlin germany
athens greece paris france
berlin germany rome italy
madrid spain tokyo japan
: family
boy girl brother sister
king queen man woman
father mother son daughter
his her he she
: gram8-plural
banana bananas car cars
dog dogs cat cats
eye eyes hand hands
zzzqqq zzzqqqs car cars
"""


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy_accuracy_agrees_with_one_question_at_a_time(wv, method):
    questions = parse_analogy_questions(QUESTIONS.splitlines())
    restrict = 5_000
    got = wv.analogy_accuracy(questions, restrict=restrict, method=method)
    assert list(got.columns) == ["section", "questions", "answered", "correct", "accuracy"]
    assert list(got["section"]) == ["capital-common-countries", "family", "gram8-plural", "total"]
    top = WordVectors(wv.words[:restrict], wv.vectors[:restrict])
    answered, correct = [], []
    for q in questions.itertuples():
        known = all(top.__contains__(w) for w in (q.a, q.b, q.c, q.d))
        answered.append(known)
        correct.append(known and top.analogy([q.b, q.c], [q.a], k=1, method=method)[0][0] == q.d)
    per = questions.assign(answered=answered, correct=correct).groupby("section", sort=False)[["answered", "correct"]]
    sums = per.sum()
    assert got["answered"].tolist()[:3] == sums["answered"].tolist()
    assert got["correct"].tolist()[:3] == sums["correct"].tolist()
    assert got["questions"].tolist() == [4, 4, 4, 12]
    assert 0 < got["correct"].iloc[-1] < got["answered"].iloc[-1] < 12  # "bananas" and "zzzqqq" are not in the top 5k
    assert got["accuracy"].iloc[-1] == pytest.approx(got["correct"].iloc[-1] / got["answered"].iloc[-1])


def test_analogy_accuracy_checks_its_input(wv):
    with pytest.raises(InputError, match="restrict=3 must be a whole number from 4 to 400,000"):
        wv.analogy_accuracy([("s", "a", "b", "c", "d")], restrict=3)
    with pytest.raises(InputError, match="each question is"):
        wv.analogy_accuracy([("a", "b", "c", "d")])
    with pytest.raises(InputError, match="lack the column"):
        wv.analogy_accuracy(pd.DataFrame({"a": ["x"]}))
    none = wv.analogy_accuracy([("s", "zzzqqq", "b", "c", "d")])
    assert none["answered"].tolist() == [0, 0] and none["accuracy"].isna().all()


def test_analogy_questions_file(tmp_path, monkeypatch):
    path = tmp_path / "questions-words.txt"
    path.write_text(QUESTIONS.replace("athens greece berlin", "Athens Greece Berlin"), encoding="utf-8")
    got = load_analogy_questions(path)
    assert len(got) == 12 and got.iloc[0].tolist() == ["capital-common-countries", "athens", "greece", "berlin",
                                                       "germany"]
    path.write_text(": s\nking queen man\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"questions-words.txt, line 2: expected 4 words"):
        load_analogy_questions(path)
    monkeypatch.setattr(words_mod, "installed_analogy_file", lambda: None)
    with pytest.raises(InputError, match="not installed; `pip install gensim` ships a copy"):
        load_analogy_questions()


def test_the_google_analogy_set_when_installed():
    if words_mod.installed_analogy_file() is None:
        pytest.skip("the Google analogy set is not installed (gensim ships it)")
    got = load_analogy_questions()
    assert len(got) == 19_544 and got["section"].nunique() == 14
