"""Query assistance (autocomplete and "did you mean") against symspellpy: its frequency files, its
``lookup`` (Verbosity.ALL and CLOSEST) and its ``lookup_compound``; the FOLDOC corpus when installed."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from symspellpy import SymSpell, Verbosity

from core.errors import InputError
from core.search.assist import ENGLISH_PAIRS, ENGLISH_WORDS, Assistant, _osa, _popcount_bytes, symspell_dir
from core.search.corpus import load_corpus

CORRECT_QUERIES = ["machine learning", "operating system", "the quick brown fox", "python programming language"]
TYPOS = {"machine leaning": "machine learning", "teh": "the", "operatng sytem": "operating system",
         "compuetr": "computer"}
# ordinary misspellings (one or two edits from a common word); symspellpy's CLOSEST is the reference
ORDINARY_TYPOS = ["recieve", "seperate", "definately", "occured", "untill", "wich", "becuase", "teh", "adn", "thier",
                  "beleive", "acommodate", "goverment", "enviroment", "tommorow", "calender", "begining", "existance",
                  "wierd", "freind", "langauge", "probelm", "compter", "netwrok", "databse", "algoritm", "programing",
                  "acheive", "arguement", "basicly", "concious", "grammer", "happend", "independant", "knowlege",
                  "neccessary", "publically", "realy", "refered", "succesful", "truely", "wether", "writting",
                  "adress", "speach", "lenght", "hieght"]


@pytest.fixture(scope="module")
def english():
    return Assistant.build()


@pytest.fixture(scope="module")
def foldoc():
    try:
        corpus = load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(f"FOLDOC is not installed: {exc}")
    return Assistant.build(corpus)


@pytest.fixture(scope="module", params=["english", "foldoc"])
def assistant(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def symspell():
    """symspellpy as its README sets it up: the English words and pairs, max edit distance 2."""
    sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    assert sym.load_dictionary(symspell_dir() / ENGLISH_WORDS, 0, 1)
    assert sym.load_bigram_dictionary(symspell_dir() / ENGLISH_PAIRS, 0, 2)
    return sym


@pytest.fixture(scope="module")
def word_file():
    """The English word counts, read straight from symspellpy's file."""
    counts = {}
    for line in (symspell_dir() / ENGLISH_WORDS).read_text(encoding="utf-8").splitlines():
        word, count = line.split()
        counts[word] = int(count)
    return counts


def _reference_osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook dynamic programme."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


# ------------------------------------------------------------------------------------------ correction
@pytest.mark.parametrize("query", CORRECT_QUERIES)
def test_correctly_spelled_queries_stay(assistant, query):
    fixed = assistant.correct(query)
    assert fixed.correction == query and not fixed.changed


@pytest.mark.parametrize("typed, meant", TYPOS.items())
def test_typos_are_fixed(assistant, typed, meant):
    fixed = assistant.correct(typed)
    assert fixed.correction == meant and fixed.changed


def test_machine_leaning_needs_the_context(english, symspell):
    # a dictionary corrector leaves it: both words exist
    assert symspell.lookup("leaning", Verbosity.CLOSEST, 2)[0].term == "leaning"
    assert symspell.lookup_compound("machine leaning", 2)[0].term == "machine leaning"
    assert english.correct("leaning").correction == "leaning"  # alone, it stays too
    rows = {r["candidate"]: r for r in english.explain("machine leaning", 1)}
    learning, leaning = rows["learning"], rows["leaning"]
    assert learning["chosen"] and not leaning["chosen"]
    assert learning["left"] > 0 > leaning["left"]  # "machine learning" is a known pair, "machine leaning" is not
    assert learning["edit"] == -8.0 and leaning["edit"] == 0.0
    assert learning["unigram"] > leaning["unigram"]
    for r in rows.values():
        assert r["score"] == pytest.approx(r["unigram"] + r["left"] + r["right"] + r["edit"])


def test_score_terms_follow_the_formula_from_the_files(english, word_file):
    """unigram = ln(count / N), left = ln(0.9 pair N / (count(a) count(b)) + 0.1), pair = listed count / R."""
    words = {w: c for w, c in word_file.items() if re.fullmatch("[a-z0-9]+", w)}
    total = sum(words.values())
    pairs, after, before = {}, {}, {}
    for line in (symspell_dir() / ENGLISH_PAIRS).read_text(encoding="utf-8").splitlines():
        a, b, c = line.split()
        if a in words and b in words:
            pairs[a, b] = int(c)
            after[a] = after.get(a, 0) + int(c)
            before[b] = before.get(b, 0) + int(c)
    common = sorted(words, key=lambda w: -words[w])[:2000]
    scale = max(max(after.get(w, 0), before.get(w, 0)) / words[w] for w in common)
    assert english.pair_scale == pytest.approx(scale)
    assert 55 < scale < 65
    rows = {r["candidate"]: r for r in english.explain("machine leaning", 1)}
    assert rows["learning"]["unigram"] == pytest.approx(math.log(words["learning"] / total))
    lift = pairs["machine", "learning"] / scale * total / (words["machine"] * words["learning"])
    assert rows["learning"]["left"] == pytest.approx(math.log(0.9 * lift + 0.1))
    assert ("machine", "leaning") not in pairs and rows["leaning"]["left"] == pytest.approx(math.log(0.1))


@pytest.mark.parametrize("query", ["operatng sytem", "machine leaning", "teh quick brown fox", "unix shel"])
def test_the_decision_is_the_best_sequence(english, query):
    """Brute force over the candidates of every word (score from the public counts) finds the same query."""
    fixed = english.correct(query, per_word=None)
    by_position: dict[int, list[dict]] = {}
    for r in fixed.candidates:
        by_position.setdefault(r["position"], []).append(r)
    total = english.total

    def prior(r):
        count = english.counts_of(r["candidate"])["count"] if r["source"] != "unknown" else 0.1
        return math.log(max(count, 0.1) / total) - 8 * r["distance"]

    def lift(a, b):
        pair = english.pair_count(a, b)["count"]
        ca, cb = english.counts_of(a)["count"], english.counts_of(b)["count"]
        return math.log(0.9 * pair * total / (ca * cb) + 0.1) if pair else math.log(0.1)

    lists = [sorted(rows, key=lambda r: -prior(r))[:12] for _, rows in sorted(by_position.items())]
    best = max(itertools.product(*lists), key=lambda seq: sum(map(prior, seq)) + sum(
        lift(a["candidate"], b["candidate"]) for a, b in itertools.pairwise(seq)))
    assert " ".join(r["candidate"] for r in best) == fixed.correction


def test_the_candidate_table(english):
    fixed = english.correct("operatng sytem")
    cols = {"position", "word", "candidate", "distance", "count", "english", "corpus", "source", "context",
            "unigram", "left", "right", "edit", "score", "chosen"}
    assert all(set(r) == cols for r in fixed.candidates)
    for position in (0, 1):
        rows = [r for r in fixed.candidates if r["position"] == position]
        assert sum(r["chosen"] for r in rows) == 1 and rows[0]["chosen"]  # best first, and it is the one chosen
        assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
        assert all(r["distance"] <= 2 for r in rows)
        assert any(r["candidate"] == r["word"] and r["source"] == "unknown" for r in rows)  # as typed
    chosen = [r for r in fixed.candidates if r["chosen"]]
    assert [r["candidate"] for r in chosen] == ["operating", "system"]
    assert "operating system: english 424,866,624" in chosen[0]["context"]
    assert chosen[0]["english"] == 64046921 and chosen[0]["count"] == 64046921 and chosen[0]["source"] == "english"
    everything = english.correct("operatng sytem", per_word=None).candidates
    assert len([r for r in everything if r["position"] == 1]) == len(english.candidates("sytem")) + 1


def test_correct_agrees_with_symspell_closest_on_single_typos(english, symspell):
    disagree = [(t, symspell.lookup(t, Verbosity.CLOSEST, 2)[0].term, english.correct(t).correction)
                for t in ORDINARY_TYPOS]
    assert [d for d in disagree if d[1] != d[2]] == []


def test_candidates_are_symspells_lookup_all(english, symspell, word_file):
    rng = np.random.default_rng(0)
    vocab = sorted(english.words)
    sample = [vocab[i] for i in rng.choice(len(vocab), 150, replace=False)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    edited = []
    for w in sample:
        i = int(rng.integers(len(w)))
        edited += [w[:i] + letters[rng.integers(26)] + w[i + 1:], w[:i] + w[i + 1:],
                   w[:i] + w[i:i + 2][::-1] + w[i + 2:]]
    words = ORDINARY_TYPOS + sample + edited + ["a", "x", "the", "mach", "leaning", "qu", "electroencephalographic"]
    for w in words:
        # symspellpy's list has words with an apostrophe, which tokenize() never yields; and it reports distance
        # 2 from a 2-letter word to a 1-letter one when it reaches it through the empty string ("ab" -> "a")
        theirs = {s.term: s.distance for s in symspell.lookup(w, Verbosity.ALL, 2)
                  if "'" not in s.term and not (len(s.term) == 1 and len(w) == 2)}
        ours = {t: d for t, d in english.candidates(w).items() if not (len(t) == 1 and len(w) == 2)}
        assert ours == theirs, w
    assert english.candidates("ab")["a"] == 1 == _reference_osa("ab", "a")
    assert english.candidates("teh")["the"] == 1  # a swap is one edit
    assert "the" in english.candidates("the") and english.candidates("the")["the"] == 0


def test_the_bit_vector_distance_is_the_textbook_one():
    rng = np.random.default_rng(1)
    for alphabet in ("ab", "abc", "abcdefgh"):
        for _ in range(40):
            q = "".join(rng.choice(list(alphabet), rng.integers(1, 12)))
            words = sorted(("".join(rng.choice(list(alphabet), rng.integers(1, 14))) for _ in range(50)),
                           key=len, reverse=True)
            width = len(words[0])
            lut = {ch: i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789")}
            codes = np.full((len(words), width), 36, np.uint8)
            for row, w in enumerate(words):
                codes[row, :len(w)] = [lut[ch] for ch in w]
            got = _osa(np.array([lut[ch] for ch in q], np.uint8), codes, np.array([len(w) for w in words]))
            assert got.tolist() == [_reference_osa(q, w) for w in words]


def test_the_popcount_for_old_numpy():
    x = np.random.default_rng(2).integers(0, 2**63, 500, dtype=np.uint64)
    assert _popcount_bytes(x).tolist() == [bin(int(v)).count("1") for v in x]


def test_acronyms_numbers_and_far_words_are_left_as_typed(english):
    assert english.correct("NC").correction == "nc"  # capitals: an acronym ("nc" alone would become "no")
    assert english.correct("nc").correction == "no"
    assert english.correct("bm25 rankng").correction == "bm25 ranking"
    assert english.correct("xqzvwk").correction == "xqzvwk"  # nothing within two edits
    assert english.correct("Machine Leaning").correction == "machine learning"  # capitalised, not capitals


def test_empty_and_bad_text(english):
    assert english.suggest("") == [] and english.suggest("   ") == []
    empty = english.correct("")
    assert empty.correction == "" and not empty.changed and empty.candidates == []
    with pytest.raises(InputError, match="501 characters; keep it under 500"):
        english.suggest("a" * 501)
    with pytest.raises(InputError, match="501 characters"):
        english.correct("a " * 250 + "a")
    with pytest.raises(InputError, match="no letters or digits"):
        english.suggest("?!")
    with pytest.raises(InputError, match="no letters or digits"):
        english.correct("-- ++")
    with pytest.raises(InputError, match="must be text"):
        english.correct(None)
    with pytest.raises(InputError, match="k=0 must be a whole number from 1 to 100"):
        english.suggest("mach", k=0)
    with pytest.raises(InputError, match="position=2 must be a word's place in the query, from 0 to 1"):
        english.explain("machine leaning", 2)
    with pytest.raises(InputError, match="the query is empty"):
        english.explain("", 0)
    with pytest.raises(InputError, match="corpus_weight"):
        Assistant.build(corpus_weight=0)


# ------------------------------------------------------------------------------------------ autocomplete
def test_completion_order_is_the_frequency_files(english, word_file):
    for prefix in ("mach", "pro", "data", "z", "qu"):
        expected = sorted((w for w in word_file if w.startswith(prefix) and "'" not in w),
                          key=lambda w: (-word_file[w], w))[:10]
        got = english.suggest(prefix)
        assert [s.word for s in got] == expected
        assert [s.count for s in got] == [word_file[w] for w in expected]
        assert all(s.source == "english" and s.english == s.count and s.corpus == 0 for s in got)
    assert [s.word for s in english.suggest("mach", k=3)] == ["machine", "machines", "machinery"]


def test_completion_keeps_what_was_typed(english):
    got = english.suggest("Operating sys", k=3)
    assert got[0].text == "Operating system" and got[0].word == "system"
    assert all(s.text == "Operating " + s.word for s in got)


def test_the_previous_word_ranks_completions_first(english):
    got = english.suggest("machine lea")
    assert got[0].word == "learning" and got[0].source == "english bigram"
    assert got[0].english == 18554048  # the pair's line in the file: "machine learning 18554048"
    rest = got[1:]
    assert all(s.source == "english" for s in rest)
    assert [s.count for s in rest] == sorted((s.count for s in rest), reverse=True)
    assert [s.word for s in english.suggest("lea", k=1)] == ["learn"]  # without context: by count alone


def test_next_words_after_a_space(english):
    got = english.suggest("machine ")
    assert "learning" in [s.word for s in got]
    assert all(s.text == "machine " + s.word and s.source == "english bigram" for s in got)
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)
    assert "and" not in [s.word for s in got]  # "machine and" is frequent, but no more than chance
    assert [s.word for s in english.suggest("operating ", k=2)] == ["system", "systems"]
    assert english.suggest("xqzvwk ") == []


# ------------------------------------------------------------------------------------------ the corpus
def test_corpus_words_are_known(english, foldoc):
    for word in ("prolog", "fortran", "posix", "tcp"):  # not in the English list
        assert english.counts_of(word)["source"] == "unknown"
        counts = foldoc.counts_of(word)
        assert counts["english"] == 0 and counts["corpus"] > 10 and counts["source"] == "corpus"
    unix = foldoc.counts_of("unix")
    assert unix["english"] == 23461474 and unix["corpus"] > 1000 and unix["count"] > unix["english"]
    assert english.correct("prolgo").correction != "prolog"
    assert foldoc.correct("prolgo").correction == "prolog"
    assert foldoc.correct("fortarn").correction == "fortran"
    assert "prolog" in [s.word for s in foldoc.suggest("prol")]
    sources = {s.word: s.source for s in foldoc.suggest("machine ", k=20)}
    assert sources.get("code") == "corpus bigram" and "learning" in sources


def test_the_corpus_leaves_the_examples_alone(foldoc):
    assert foldoc.correct("operating system concepts").correction == "operating system concepts"
    assert foldoc.correct("the C programming language").correction == "the c programming language"
    assert foldoc.build_seconds < 30  # a real measurement is in bench/bench_assist.py; this only catches a hang
