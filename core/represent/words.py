"""Word vectors to question: nearest words, analogies, custom projection axes, a bias probe, analogy accuracy.

>>> from core.represent.words import WordVectors
>>> wv = WordVectors.load("400k")            # GloVe 6B 50-d, 400,000 words in frequency order
>>> wv.analogy(["king", "woman"], ["man"], k=1)
[('queen', 0.8523...)]
>>> wv.nearest(wv.expression("paris - france + italy"), k=1, exclude=["paris", "france", "italy"])
[('rome', 0.8...)]

Everything is exact (every word is scored; no approximate index) and deterministic, on float32 unit vectors.

Analogies (``a : b :: c : ?``, asked as positive ``b, c`` and negative ``a``)
    3CosAdd (Mikolov et al. 2013): the words nearest by cosine to ``sum(unit(p)) - sum(unit(n))``, the input
    words left out; the score is that cosine. 3CosMul (Levy & Goldberg 2014, "Linguistic regularities in
    sparse and explicit word representations", eq. 4): with cosines shifted to [0, 1], ``s(w, x) =
    (cos(w, x) + 1) / 2``, the score of a word ``w`` is ``prod_p s(w, p) / (prod_n s(w, n) + eps)`` with
    ``eps = 0.001``; it keeps one large similarity from drowning the others.

Projection axes (as the TensorFlow projector's custom projection)
    An axis from word ``a`` to word ``b`` is the direction ``unit(b) - unit(a)``; a word's coordinate is the
    dot product of its unit vector with that direction normalised, i.e. the cosine between the word and the
    direction (a number in [-1, 1]). The bias probe is the same projection on one axis (he -> she).

Analogy accuracy
    The Google word-analogy test set (Mikolov et al. 2013: 19,544 questions in 14 sections) is not shipped
    with EmbedLab; :func:`load_analogy_questions` reads gensim's copy when gensim is installed, or any file
    in the same format. A question counts as answered when its four words are among the ``restrict`` most
    frequent words, and as correct when the best-scoring of those words, the question's first three left
    out, is its fourth.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError

MAX_K = 1000
COSMUL_EPS = 1e-3  # Levy & Goldberg's epsilon: keeps the division defined when a negative word is opposite
SUGGEST_POOL = 100_000  # unknown words get suggestions from the most frequent words only (fast, and likelier)
GENDER_PAIR = ("he", "she")
OCCUPATIONS = (
    "accountant", "architect", "banker", "carpenter", "cashier", "chef", "clerk", "dancer", "dentist", "designer",
    "doctor", "economist", "electrician", "engineer", "farmer", "firefighter", "hairdresser", "homemaker",
    "housekeeper", "janitor", "journalist", "judge", "lawyer", "librarian", "manager", "mathematician",
    "mechanic", "midwife", "nanny", "nurse", "painter", "pharmacist", "photographer", "physicist", "pilot",
    "plumber", "professor", "programmer", "receptionist", "sailor", "scientist", "secretary", "singer",
    "soldier", "surgeon", "teacher", "writer",
)
# the dashes people type for "minus" (a regex class fragment): hyphen-minus, minus sign, en dash, em dash
_MINUS = r"\-\u2212\u2013\u2014"
_TOKEN = re.compile(
    rf"(?P<space>\s+)|(?P<op>[+{_MINUS}])|(?P<num>(?:\d+(?:\.\d*)?|\.\d+)\s*\*)"
    rf"|(?P<word>[^\s+{_MINUS}*]+(?:-[^\s+{_MINUS}*]+)*)|(?P<star>\*)"
)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.where(norms == 0, 1, norms), dtype=np.float32)


def _cosmul(pos: Sequence[np.ndarray], neg: Sequence[np.ndarray]) -> np.ndarray:
    """3CosMul from the cosines of every candidate with each positive and each negative word."""
    num = functools.reduce(np.multiply, [(s + 1) / 2 for s in pos])
    den = functools.reduce(np.multiply, [(s + 1) / 2 for s in neg], np.float32(1))
    return num / (den + np.float32(COSMUL_EPS))


METHODS = ("3cosadd", "3cosmul")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"method={method!r} is not known; choose one of {', '.join(METHODS)}")


class WordVectors:
    """A vocabulary of words with one vector each, rows in frequency order (most frequent first).

    Parameters
    ----------
    words : sequence of str
        One word per row; looked up case-insensitively (GloVe's words are lower-case).
    vectors : array (n, d)
        The word vectors; kept as float32.
    source : str
        What the words are, for messages ("no word 'kingg' among the 400,000 GloVe words").

    Attributes
    ----------
    words : ndarray of str (object), shape (n,)
    vectors : ndarray of float32, shape (n, d)
    unit : ndarray of float32, shape (n, d)
        The vectors scaled to length 1 (a zero vector stays zero): cosines are their dot products.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, source: str = "known") -> None:
        self.words = np.asarray([str(w) for w in words], dtype=object)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.words) != len(self.vectors) or len(self.words) < 2:
            raise InputError(f"need one vector per word and at least 2 words; got {len(self.words)} words and "
                             f"vectors of shape {self.vectors.shape}")
        self.unit = _unit_rows(self.vectors)
        self.source = source

    @classmethod
    def from_dataset(cls, ds) -> WordVectors:
        """Words (the labels) and vectors of a :class:`~core.datasets.Dataset`."""
        source = "GloVe" if ds.name.startswith("glove") else repr(ds.name)
        return cls(ds.meta["label"].astype(str).tolist(), ds.vectors, source=source)

    @classmethod
    def load(cls, size: str = "400k") -> WordVectors:
        """GloVe 6B 50-d, the ``size`` most frequent words; built once per process (the last 2 sizes kept)."""
        return _load_glove(size)

    @property
    def n(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return self.n

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.strip().lower() in self._rows

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for i, w in enumerate(self.words):
            rows.setdefault(w.lower(), i)  # the most frequent spelling wins
        return rows

    @functools.cached_property
    def _index(self):
        from core.neighbors import NeighborIndex

        return NeighborIndex(self.unit, "cosine")  # exact; the pruned scan on big vocabularies

    @functools.cached_property
    def _pool(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Rows of the most frequent words grouped by first letter, with their lengths (for suggestions)."""
        groups: dict[str, list[int]] = {}
        for row, w in enumerate(self.words[:SUGGEST_POOL]):
            groups.setdefault(w[:1].lower(), []).append(row)
        return {k: (np.array(v), np.array([len(self.words[r]) for r in v])) for k, v in groups.items()}

    def suggestions(self, word: str, n: int = 5) -> list[str]:
        """Up to ``n`` frequent words spelled like ``word``, most alike first (the more frequent among equals).

        Candidates: the 100,000 most frequent words of a length within 2 that share the first letter, or
        that start with the first two letters swapped; alike: difflib's ratio, at least 0.6.
        """
        w = str(word).strip().lower()
        scored = []
        matcher = difflib.SequenceMatcher(b=w, autojunk=False)
        for first in dict.fromkeys([w[:1], w[1:2]]):
            if first not in self._pool:
                continue
            rows, lengths = self._pool[first]
            for row in rows[np.abs(lengths - len(w)) <= 2]:
                cand = self.words[row].lower()
                if first != w[:1] and not cand.startswith(w[1] + w[0]):
                    continue
                matcher.set_seq1(cand)
                if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and cand != w:
                    ratio = matcher.ratio()
                    if ratio >= 0.6:
                        scored.append((-ratio, int(row), cand))
        return list(dict.fromkeys(cand for _, _, cand in sorted(scored)))[:n]

    def index_of(self, word: str) -> int:
        """Row of ``word`` (case-insensitive); an unknown word raises InputError with close suggestions."""
        if not isinstance(word, str) or not word.strip():
            raise InputError(f"a word is needed, got {word!r}")
        w = word.strip().lower()
        row = self._rows.get(w)
        if row is None:
            close = self.suggestions(w)
            hint = f"did you mean {', '.join(close)}?" if close else "check the spelling (the words are lower-case)"
            raise InputError(f"no word {w!r} among the {self.n:,} {self.source} words; {hint}")
        return row

    def _check_k(self, k: int, excluded: int) -> None:
        limit = min(MAX_K, self.n - excluded)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= limit:
            raise InputError(f"k={k!r} must be a whole number from 1 to {limit}")

    def _query(self, query: str | np.ndarray) -> tuple[np.ndarray, list[int]]:
        """A unit query vector, and the row of the query word (left out of its own neighbours)."""
        if isinstance(query, str):
            row = self.index_of(query)
            if not self.unit[row].any():
                raise InputError(f"the word {self.words[row]!r} has a zero vector; it has no direction to compare")
            return self.unit[row], [row]
        q = np.asarray(query, dtype=np.float32).ravel()
        if q.size != self.dim:
            raise InputError(f"the query vector has {q.size} numbers; the word vectors have {self.dim}")
        if not np.isfinite(q).all():
            raise InputError("the query vector contains NaN or infinite values")
        norm = float(np.linalg.norm(q))
        if norm == 0:
            raise InputError("the query is the zero vector (e.g. a word minus itself); it has no nearest words")
        return q / np.float32(norm), []

    def nearest(self, query: str | np.ndarray, k: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words of highest cosine to a word or a vector, best first, with their cosines.

        A word query leaves the word itself out; ``exclude`` leaves out more words (unknown ones are ignored).
        """
        q, skip = self._query(query)
        skip = set(skip) | {self._rows[w.strip().lower()] for w in exclude if w in self}
        self._check_k(k, len(skip))
        found = self._index.query_vector(q, k + len(skip)).indices
        rows = np.array([r for r in found.tolist() if r not in skip][:k], dtype=np.int64)
        return self._ranked(rows, self.unit[rows] @ q)

    def _ranked(self, rows: np.ndarray, scores: np.ndarray) -> list[tuple[str, float]]:
        order = np.argsort(-scores, kind="stable")
        return [(str(self.words[r]), float(s)) for r, s in zip(rows[order], scores[order], strict=True)]

    def analogy(self, positive: Sequence[str], negative: Sequence[str] = (), k: int = 10,
                method: str = "3cosadd") -> list[tuple[str, float]]:
        """Words that complete an analogy: ``positive`` minus ``negative``, best first, input words left out.

        ``analogy(["king", "woman"], ["man"])`` asks man : king :: woman : ?. ``method`` is ``"3cosadd"``
        (the cosine to the sum of unit positives minus unit negatives) or ``"3cosmul"`` (Levy & Goldberg).
        """
        _check_method(method)
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive:
            raise InputError("an analogy needs at least one positive word (king - man + woman: positive king "
                             "and woman, negative man)")
        pos = [self.index_of(w) for w in positive]
        neg = [self.index_of(w) for w in negative]
        skip = set(pos) | set(neg)
        self._check_k(k, len(skip))
        if method == "3cosadd":
            target = self.unit[pos].sum(axis=0) - self.unit[neg].sum(axis=0)
            return self.nearest(target, k=k, exclude=[str(self.words[r]) for r in skip])
        sims = self.unit @ self.unit[pos + neg].T  # (n, words): one pass over the matrix
        scores = _cosmul([sims[:, j] for j in range(len(pos))], [sims[:, j] for j in range(len(pos), sims.shape[1])])
        scores[list(skip)] = -np.inf
        rows = np.argpartition(-scores, k - 1)[:k]
        return self._ranked(rows, scores[rows])

    def expression_terms(self, text: str) -> list[tuple[float, str]]:
        """``"king - man + woman"`` as ``[(1.0, "king"), (-1.0, "man"), (1.0, "woman")]``.

        Words joined by ``+`` and ``-`` (or the minus sign, en or em dash); a word may carry a weight,
        ``0.5*king``. A hyphenated word that is not in the vocabulary (``king-man``) is read as a difference.
        Raises InputError for malformed text or an unknown word.
        """
        if not isinstance(text, str) or not text.strip():
            raise InputError("the expression is empty; type words joined by + and -, e.g. king - man + woman")
        terms: list[tuple[float, str]] = []
        sign, weight, prev = 1.0, None, None  # prev: the kind of the previous token
        for kind, value in self._tokens(text):
            if kind == "star":
                raise InputError(f"{text!r}: '*' goes between a number and a word, as in 0.5*king")
            if kind == "op":
                if prev not in (None, "word"):
                    raise InputError(f"{text!r}: two operators in a row; put one word between them")
                sign, prev = (1.0 if value == "+" else -1.0), "op"
            elif kind == "num":
                if prev == "word":
                    raise InputError(f"{text!r}: put + or - before the weight {value.rstrip('* ')}")
                if prev == "num":
                    raise InputError(f"{text!r}: two weights in a row; one number per word, as in 0.5*king")
                weight, prev = float(value.rstrip("* \t")), "num"
            else:
                if prev == "word":
                    raise InputError(f"{text!r}: put + or - between {terms[-1][1]!r} and {value!r}")
                row = self.index_of(value)
                terms.append((sign * (1.0 if weight is None else weight), str(self.words[row])))
                sign, weight, prev = 1.0, None, "word"
        if prev != "word":
            raise InputError(f"{text!r} ends with an operator or a weight; end it with a word")
        return terms

    def parse_expression(self, text: str) -> tuple[list[str], list[str]]:
        """``"king - man + woman"`` as the arguments of :meth:`analogy`: ``(["king", "woman"], ["man"])``.

        Weights other than 1 cannot be split this way: use :meth:`expression` and :meth:`nearest` for those.
        """
        terms = self.expression_terms(text)
        weighted = [f"{wt:g}*{w}" for wt, w in terms if abs(wt) != 1]
        if weighted:
            raise InputError(f"{text!r}: an analogy takes plain + and - words, not weights ({', '.join(weighted)})")
        if all(wt < 0 for wt, _ in terms):
            raise InputError(f"{text!r}: an analogy needs at least one word with +, e.g. king - man + woman")
        return [w for wt, w in terms if wt > 0], [w for wt, w in terms if wt < 0]

    def _tokens(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        for m in _TOKEN.finditer(text):
            kind, value = m.lastgroup, m.group()
            if kind == "space":
                continue
            if kind == "op":
                value = "+" if value == "+" else "-"
            if kind == "word" and "-" in value and value not in self:
                parts = value.split("-")
                for j, part in enumerate(parts):
                    tokens += [("op", "-")] * (j > 0) + [("word", part)]
                continue
            tokens.append((kind, value))
        return tokens

    def expression(self, text: str) -> np.ndarray:
        """The vector of an expression such as ``"king - man + woman"``: the weighted sum of unit word vectors."""
        terms = self.expression_terms(text)
        rows = [self._rows[w] for _, w in terms]
        weights = np.array([wt for wt, _ in terms], dtype=np.float32)
        return weights @ self.unit[rows]

    def _axis(self, pair: tuple[str, str]) -> np.ndarray:
        if isinstance(pair, str) or len(pair) != 2:
            raise InputError(f"an axis is a pair of words, e.g. ('man', 'woman'); got {pair!r}")
        a, b = (self.index_of(w) for w in pair)
        direction = self.unit[b] - self.unit[a]
        norm = float(np.linalg.norm(direction))
        if norm == 0:
            raise InputError(f"the axis {pair[0]!r} -> {pair[1]!r} needs two different words")
        return direction / np.float32(norm)

    def _rows_of(self, words: Iterable[str]) -> list[int]:
        rows = list(dict.fromkeys(self.index_of(w) for w in ([words] if isinstance(words, str) else words)))
        if not rows:
            raise InputError("give at least one word to place on the axes")
        return rows

    def projection_axes(self, x_pair: tuple[str, str], y_pair: tuple[str, str] | None,
                        words: Iterable[str]) -> pd.DataFrame:
        """Words placed on custom axes: columns ``word``, ``x``, ``y`` (one row per distinct word, in order).

        An axis from ``a`` to ``b`` is the direction ``unit(b) - unit(a)``; a coordinate is the dot product
        of the word's unit vector with that direction normalised (a cosine, in [-1, 1]). Without ``y_pair``
        the words lie on a strip: ``y`` is 0.
        """
        rows = self._rows_of(words)
        x = self.unit[rows] @ self._axis(x_pair)
        y = self.unit[rows] @ self._axis(y_pair) if y_pair is not None else np.zeros(len(rows), dtype=np.float32)
        return pd.DataFrame({"word": self.words[rows].astype(str), "x": x, "y": y})

    def bias_probe(self, a: str, b: str, words: Iterable[str] = OCCUPATIONS) -> pd.DataFrame:
        """Each word's projection on the ``a -> b`` direction (``word``, ``score``), lowest (most ``a``) first.

        With ``GENDER_PAIR`` (he -> she) and ``OCCUPATIONS``: a positive score leans to "she".
        """
        rows = self._rows_of(words)
        score = self.unit[rows] @ self._axis((a, b))
        order = np.argsort(score, kind="stable")
        return pd.DataFrame({"word": self.words[rows].astype(str)[order], "score": score[order]})

    def analogy_accuracy(self, questions: pd.DataFrame | Iterable[Sequence[str]], restrict: int = 30_000,
                         method: str = "3cosadd") -> pd.DataFrame:
        """Accuracy on word-analogy questions ``a b c d`` (a : b :: c : d), per section and in total.

        Parameters
        ----------
        questions : DataFrame with columns section, a, b, c, d (see :func:`load_analogy_questions`),
            or rows (section, a, b, c, d)
        restrict : int
            Only the ``restrict`` most frequent words count: a question is answered when its four words are
            among them, and answers are searched among them.
        method : {"3cosadd", "3cosmul"}

        Returns
        -------
        DataFrame with columns section, questions, answered, correct, accuracy (correct / answered; NaN when
        none was answered); sections in order of appearance, then a row ``total``.
        """
        _check_method(method)
        if isinstance(restrict, bool) or not isinstance(restrict, (int, np.integer)) or not 4 <= restrict <= self.n:
            raise InputError(f"restrict={restrict!r} must be a whole number from 4 to {self.n:,}")
        q = _question_frame(questions)
        rows = np.array([[self._rows.get(w, -1) for w in q[c]] for c in "abcd"], dtype=np.int64).T
        answered = ((rows >= 0) & (rows < restrict)).all(axis=1)
        correct = np.zeros(len(q), dtype=bool)
        correct[answered] = self._answer(rows[answered], restrict, method)
        per = pd.DataFrame({"section": q["section"].to_numpy(), "answered": answered, "correct": correct})
        table = per.groupby("section", sort=False).agg(questions=("answered", "size"), answered=("answered", "sum"),
                                                       correct=("correct", "sum")).reset_index()
        total = pd.DataFrame({"section": ["total"], "questions": [len(per)], "answered": [int(answered.sum())],
                              "correct": [int(correct.sum())]})
        table = pd.concat([table, total], ignore_index=True)
        table["accuracy"] = table["correct"] / table["answered"].where(table["answered"] > 0)
        return table

    def _answer(self, rows: np.ndarray, restrict: int, method: str) -> np.ndarray:
        """Whether each question (rows a, b, c, d) is answered right among the first ``restrict`` words."""
        vocab = self.unit[:restrict]
        step = max(1, 8_000_000 // restrict)  # a batch's score matrix stays near 32 MB
        hits = np.zeros(len(rows), dtype=bool)
        for start in range(0, len(rows), step):
            a, b, c, d = rows[start:start + step].T
            if method == "3cosadd":  # the argmax of the cosine does not depend on the target's length
                scores = (vocab[b] - vocab[a] + vocab[c]) @ vocab.T
            else:
                scores = _cosmul([vocab[b] @ vocab.T, vocab[c] @ vocab.T], [vocab[a] @ vocab.T])
            line = np.arange(len(a))
            for left_out in (a, b, c):
                scores[line, left_out] = -np.inf
            hits[start:start + len(a)] = scores.argmax(axis=1) == d
        return hits


@functools.lru_cache(maxsize=2)
def _load_glove(size: str) -> WordVectors:
    from core import datasets
    from core.datasets.builtin import GLOVE_SIZES

    if size not in GLOVE_SIZES:
        raise InputError(f"size={size!r} is not offered; choose one of {', '.join(GLOVE_SIZES)}")
    return WordVectors.from_dataset(datasets.load(f"glove-{size}"))


def _question_frame(questions: pd.DataFrame | Iterable[Sequence[str]]) -> pd.DataFrame:
    cols = ["section", "a", "b", "c", "d"]
    if isinstance(questions, pd.DataFrame):
        missing = [c for c in cols if c not in questions.columns]
        if missing:
            raise InputError(f"the questions lack the column(s) {', '.join(missing)}; they need {', '.join(cols)}")
        frame = questions[cols]
    else:
        items = [tuple(r) for r in questions]
        bad = [r for r in items if len(r) != 5]
        if bad:
            raise InputError(f"each question is (section, a, b, c, d); got {bad[0]!r}")
        frame = pd.DataFrame(items, columns=cols)
    if frame.empty:
        raise InputError("there are no questions to answer")
    frame = frame.astype(str)
    for c in "abcd":
        frame[c] = frame[c].str.strip().str.lower()
    return frame


def parse_analogy_questions(lines: Iterable[str], source: str = "the questions") -> pd.DataFrame:
    """Questions in the word2vec format: ``: section`` lines, then one ``a b c d`` line per question.

    Returns a DataFrame with columns section, a, b, c, d (words lower-cased).
    """
    section, out = "questions", []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(":"):
            section = line[1:].strip() or section
            continue
        parts = line.lower().split()
        if len(parts) != 4:
            raise InputError(f"{source}, line {number}: expected 4 words (a b c d) or ': section', got {line!r}")
        out.append((section, *parts))
    if not out:
        raise InputError(f"{source} holds no questions")
    return pd.DataFrame(out, columns=["section", "a", "b", "c", "d"])


def installed_analogy_file() -> Path | None:
    """gensim's copy of the Google analogy test set, when gensim is installed (found without importing it)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / "questions-words.txt"
    return path if path.is_file() else None


def load_analogy_questions(path: str | Path | None = None) -> pd.DataFrame:
    """The Google word-analogy test set (19,544 questions, 14 sections) from ``path`` or gensim's copy.

    Raises InputError saying how to get the file when neither is there.
    """
    where = Path(path) if path is not None else installed_analogy_file()
    if where is None:
        raise InputError("the Google word-analogy test set (questions-words.txt) is not installed; `pip install "
                         "gensim` ships a copy, or give the path of one")
    if not where.is_file():
        raise InputError(f"no analogy file at {str(where)!r}")
    with open(where, encoding="utf-8") as f:
        return parse_analogy_questions(f, source=where.name)
