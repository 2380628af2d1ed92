"""Semantic search: document texts, the corpus encoder and its cache, cosine ranking, reciprocal rank
fusion, paraphrase agreement and the ranker registry."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.search import semantic
from core.search.corpus import FOLDOC_CREDIT, Corpus, load_corpus
from core.search.lexical import BM25, TFIDF, Index, Results
from core.search.semantic import (
    PARAPHRASE_TARGETS,
    PARAPHRASES,
    HybridRanker,
    HybridResults,
    SemanticRanker,
    agreement,
    cache_paths,
    corpus_embeddings,
    document_text,
    embeddings_cached,
    jaccard,
    make_search_ranker,
    reciprocal_rank_fusion,
)


def _corpus(texts, name="toy", credit="") -> Corpus:
    titles = [t.split("\n", 1)[0] for t in texts]
    return Corpus(name, [f"{t} {i}" for i, t in enumerate(titles)], titles, list(texts), np.zeros(0, np.int32),
                  np.zeros(0, np.int32), credit=credit)


TOY = ["cat\n\n   A small furry animal that purrs.", "dog\n\n   An animal that barks at the mail carrier.",
       "compiler\n\n   A program that translates source code.", "parser\n\n   Reads text into a tree."]


class Counting:
    """A fake corpus encoder that counts its calls (8-d vectors from the text's hash, not unit length)."""

    def __init__(self, fake):
        self.fake, self.calls = fake, 0

    def __call__(self, texts, progress=None):
        self.calls += 1
        if progress:
            progress(len(texts), len(texts))
        return self.fake(texts) * 3.0


class Lookup:
    """A fake query encoder: fixed vectors for known queries."""

    def __init__(self, table):
        self.table = {k: np.asarray(v, np.float32) for k, v in table.items()}

    def __call__(self, texts, progress=None):
        return np.stack([self.table[t] for t in texts])


@pytest.fixture(scope="module")
def foldoc():
    try:
        return load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(f"FOLDOC is not installed here: {exc}")


# ------------------------------------------------------------------------------------------ texts
def test_document_text_cleans_foldoc_markup():
    text = ("Intel 486\n486\ni486\n\n   <processor> A range of {Intel} {CISC}\n   {microprocessors}, see\n"
            "   {Intel 80386}.\n\n   (1995-01-02)\n\n   (1998-02-03)\n")
    web = _corpus([text])
    assert document_text(web, 0) == ("Intel 486 486 i486. <processor> A range of Intel CISC microprocessors, see "
                                     "Intel 80386.")
    plain = Corpus("up", ["a"], ["Notes"], ["Just some   text\nwith {braces}."], np.zeros(0, np.int32),
                   np.zeros(0, np.int32))
    assert document_text(plain, 0) == "Notes. Just some text with braces."


# ------------------------------------------------------------------------------------------ ranking
def test_semantic_ranker_ranks_by_cosine():
    emb = np.array([[1, 0, 0], [0, 2, 0], [1, 1, 0], [0, 0, 5], [1, 0, 0]], np.float32)  # rows made unit
    enc = Lookup({"east": [1, 0, 0], "north east": [1, 1, 0], "up": [0, 0, -1]})
    ranker = SemanticRanker(emb, encoder=enc)
    res = ranker.search("east", k=3)
    assert isinstance(res, Results)
    assert res.rows.tolist() == [0, 4, 2]  # a tie: the lower row first
    np.testing.assert_allclose(res.scores, [1, 1, np.sqrt(0.5)], rtol=1e-6)
    res = ranker.search("north east", k=2)
    assert res.rows.tolist() == [2, 0]
    assert res.terms == ["north", "east"]
    assert ranker.search("up", k=10).rows.tolist()[-1] == 3  # k above n: every document, least similar last
    np.testing.assert_allclose(np.linalg.norm(ranker.embeddings, axis=1), 1, rtol=1e-6)


def test_semantic_ranker_checks_queries_and_inputs(fake_encoder):
    ranker = SemanticRanker(np.eye(8, dtype=np.float32), encoder=fake_encoder)
    with pytest.raises(InputError, match="the query is empty"):
        ranker.search("   ")
    with pytest.raises(InputError, match="keep it under 500"):
        ranker.search("x" * 501)
    with pytest.raises(InputError, match="no letters or digits"):
        ranker.search("?!")
    with pytest.raises(InputError, match="k=0 must be"):
        ranker.search("cat", k=0)
    with pytest.raises(InputError, match="2-D"):
        SemanticRanker(np.zeros(5, np.float32))
    with pytest.raises(InputError, match="NaN"):
        SemanticRanker(np.full((2, 3), np.nan, np.float32))
    with pytest.raises(InputError, match="8-d vectors but the documents are 3-d"):
        SemanticRanker(np.eye(3, dtype=np.float32), encoder=fake_encoder).search("cat")


def test_reciprocal_rank_fusion_by_hand():
    rows, scores, ranks = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k_rrf=60)
    assert rows.tolist() == [1, 3, 2, 4]
    np.testing.assert_allclose(scores, [1 / 61 + 1 / 62, 1 / 63 + 1 / 61, 1 / 62, 1 / 63])
    assert ranks.tolist() == [[1, 2], [3, 1], [2, 0], [0, 3]]
    # a tie on score: the better best rank first, then the lower row
    rows, scores, _ = reciprocal_rank_fusion([[7, 5], [5, 7]], k_rrf=0)
    assert rows.tolist() == [5, 7] and scores.tolist() == [1.5, 1.5]
    rows, _, _ = reciprocal_rank_fusion([[9], [8, 2]], k_rrf=60)
    assert rows.tolist() == [8, 9, 2]
    rows, scores, ranks = reciprocal_rank_fusion([[], []])
    assert rows.size == 0 and ranks.shape == (0, 2)
    with pytest.raises(InputError, match="k_rrf"):
        reciprocal_rank_fusion([[1]], k_rrf=-1)


class _Fixed:
    def __init__(self, rows):
        self.rows = np.asarray(rows)

    def search(self, query, k=10):
        return Results(self.rows[:k], np.ones(min(k, len(self.rows))), [query])


def test_hybrid_ranker_fuses_and_reports_ranks():
    hybrid = HybridRanker(_Fixed([1, 2, 3]), _Fixed([3, 1, 4]), k_rrf=60, depth=100)
    res = hybrid.search("q", k=3)
    assert isinstance(res, HybridResults)
    assert res.rows.tolist() == [1, 3, 2]
    assert res.ranks["lexical"].tolist() == [1, 3, 2]
    assert res.ranks["semantic"].tolist() == [2, 1, 0]
    np.testing.assert_allclose(res.scores[0], 1 / 61 + 1 / 62)
    # only each list's top `depth` is fused
    shallow = HybridRanker(_Fixed([1, 2, 3]), _Fixed([3, 1, 4]), depth=1)
    assert shallow.search("q", k=1).rows.tolist() in ([1], [3])
    with pytest.raises(InputError, match="depth"):
        HybridRanker(_Fixed([1]), _Fixed([1]), depth=0)
    with pytest.raises(InputError, match="k=2000"):
        hybrid.search("q", k=2000)


def test_agreement_is_mean_pairwise_jaccard():
    class ByQuery:
        def search(self, query, k=10):
            rows = {"a": [1, 2, 3, 4], "b": [1, 2, 5, 6], "c": [7, 8, 9, 10]}[query]
            return Results(np.asarray(rows[:k]), np.ones(len(rows[:k])), [query])

    out = agreement(ByQuery(), ["a", "b", "c"], k=4)
    assert out["matrix"][0, 1] == pytest.approx(2 / 6)
    assert out["matrix"][0, 2] == 0 and out["matrix"][1, 2] == 0
    np.testing.assert_allclose(np.diag(out["matrix"]), 1)
    assert out["mean"] == pytest.approx((2 / 6) / 3)
    assert [t.tolist() for t in out["tops"]] == [[1, 2, 3, 4], [1, 2, 5, 6], [7, 8, 9, 10]]
    assert agreement(ByQuery(), ["a", "a"], k=4)["mean"] == 1.0
    assert jaccard([], []) == 0.0
    with pytest.raises(InputError, match="at least two phrasings"):
        agreement(ByQuery(), ["a"])


# ------------------------------------------------------------------------------------------ cache
def test_cache_written_once_then_read(home, fake_encoder):
    web = _corpus(TOY)
    enc = Counting(fake_encoder)
    assert not embeddings_cached(web, encoder=enc)
    seen = []
    first = corpus_embeddings(web, progress=lambda d, t: seen.append((d, t)), encoder=enc)
    assert enc.calls == 1 and seen == [(4, 4)]
    assert first.shape == (4, 8) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, rtol=1e-6)
    [path] = cache_paths(web, encoder=enc)
    assert path.is_file() and path.parent == home / "cache" / "search"
    assert embeddings_cached(web, encoder=enc)
    again = corpus_embeddings(web, encoder=enc)
    assert enc.calls == 1  # read, not computed
    np.testing.assert_array_equal(first, again)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    # other texts: another key, computed anew
    corpus_embeddings(_corpus([*TOY[:3], "parser\n\n   Something else."]), encoder=enc)
    assert enc.calls == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "shape", "not unit", "pickle"])
def test_a_bad_cache_file_is_computed_again(home, fake_encoder, damage):
    web = _corpus(TOY)
    enc = Counting(fake_encoder)
    good = corpus_embeddings(web, encoder=enc)
    [path] = cache_paths(web, encoder=enc)
    if damage == "garbage":
        path.write_bytes(b"not a numpy file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:90])
    elif damage == "shape":
        np.save(path, np.ones((3, 8), np.float32) / np.sqrt(8))
    elif damage == "not unit":
        np.save(path, np.ones((4, 8), np.float32))
    else:
        np.save(path, np.array([{"a": 1}] * 4, dtype=object), allow_pickle=True)
    again = corpus_embeddings(web, encoder=enc)
    assert enc.calls == 2
    np.testing.assert_allclose(again, good)
    assert corpus_embeddings(web, encoder=enc) is not None and enc.calls == 2  # the file is good again


def test_cache_write_is_atomic(home, fake_encoder, monkeypatch):
    web = _corpus(TOY)
    enc = Counting(fake_encoder)

    def fail(src, dst):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(semantic.os, "replace", fail)
        vectors = corpus_embeddings(web, encoder=enc)  # still answers, just not cached
    assert vectors.shape == (4, 8)
    [path] = cache_paths(web, encoder=enc)
    assert not path.exists()
    assert not list(path.parent.glob("*"))  # the temporary file is removed
    corpus_embeddings(web, encoder=enc)
    assert enc.calls == 2 and path.is_file()


def test_builtin_corpus_is_cached_beside_it(home, fake_encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CORPORA", str(tmp_path / "corpora"))
    web = _corpus(TOY, name="foldoc", credit=FOLDOC_CREDIT)
    enc = Counting(fake_encoder)
    corpus_embeddings(web, encoder=enc)
    beside, user = cache_paths(web, encoder=enc)
    assert beside.parent == tmp_path / "corpora" / "foldoc" and beside.is_file()
    assert not user.exists()
    # an upload that happens to be called "foldoc" is not the built-in corpus
    assert len(cache_paths(_corpus(TOY, name="foldoc"), encoder=enc)) == 1
    # where the corpora folder cannot be written, the user's cache takes the file
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    monkeypatch.setenv("EMBEDLAB_CORPORA", str(blocked))
    corpus_embeddings(web, encoder=enc)
    assert enc.calls == 2 and user.is_file()
    corpus_embeddings(web, encoder=enc)
    assert enc.calls == 2


def test_cache_key_tracks_the_encoder_settings(home, fake_encoder):
    web = _corpus(TOY)
    a, b = Counting(fake_encoder), Counting(fake_encoder)
    a.settings = {"name": "fake", "max_tokens": 128}
    b.settings = {"name": "fake", "max_tokens": 64}
    assert cache_paths(web, a) != cache_paths(web, b)
    assert cache_paths(web)[0].name.startswith("toy-minilm-128-")


# ------------------------------------------------------------------------------------------ registry
def test_make_search_ranker(home, fake_encoder, monkeypatch):
    web = _corpus(TOY)
    enc = Counting(fake_encoder)
    enc.encode_queries = fake_encoder
    monkeypatch.setattr(semantic, "get_corpus_encoder", lambda device=None: enc)
    monkeypatch.setattr(semantic, "DIM", 8)  # the fake's vectors
    index = Index.build(web.texts)
    assert isinstance(make_search_ranker("bm25", web, index, k1=1.2), BM25)
    assert isinstance(make_search_ranker("tfidf", web), TFIDF)
    sem = make_search_ranker("semantic", web, index)
    assert isinstance(sem, SemanticRanker) and sem.embeddings.shape == (4, 8)
    # the fake encoder gives each exact text its own vector: a document's text finds that document
    assert sem.search(semantic.document_text(web, 2), k=1).rows.tolist() == [2]
    hybrid = make_search_ranker("hybrid", web, index, lexical="tfidf", k_rrf=10, depth=3)
    assert isinstance(hybrid, HybridRanker) and isinstance(hybrid.lexical, TFIDF)
    assert hybrid.k_rrf == 10 and hybrid.depth == 3
    assert hybrid.search("animal", k=2).rows.tolist()[0] in (0, 1)
    assert enc.calls == 1  # the corpus was embedded once for both
    with pytest.raises(InputError, match="ranker 'bert' is not known; choose one of tf, tfidf, bm25, semantic, hybrid"):
        make_search_ranker("bert", web, index)
    with pytest.raises(InputError, match="semantic does not take k1"):
        make_search_ranker("semantic", web, index, k1=1)
    with pytest.raises(InputError, match="not a keyword ranker"):
        make_search_ranker("hybrid", web, index, lexical="semantic")


# ------------------------------------------------------------------------------------------ paraphrases
def test_paraphrase_sets_have_their_entry_in_foldoc(foldoc):
    assert PARAPHRASES.keys() == PARAPHRASE_TARGETS.keys()
    assert 4 <= len(PARAPHRASES) <= 8
    for need, phrasings in PARAPHRASES.items():
        assert 3 <= len(phrasings) <= 4, need
        assert PARAPHRASE_TARGETS[need] in foldoc.titles, need


# ------------------------------------------------------------------------------------------ the real model
@pytest.fixture(scope="module")
def sample(foldoc):
    """50 FOLDOC entries (seeded) with the floating-point, deadlock and virtual memory entries among them."""
    rng = np.random.default_rng(0)
    want = [foldoc.titles.index(PARAPHRASE_TARGETS[n]) for n in ("floating point", "deadlock", "virtual memory")]
    rows = sorted(set(rng.choice(foldoc.n, 47, replace=False).tolist()) - set(want))[:47] + want
    return rows, [document_text(foldoc, r) for r in rows]


@pytest.mark.slow
def test_fast_path_matches_sentence_transformers(sample):
    from core.embed.encoders import get_encoder

    rows, texts = sample
    encoder = semantic.get_corpus_encoder()
    seen = []
    fast = encoder(texts, progress=lambda d, t: seen.append((d, t)))
    assert fast.shape == (50, 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1, rtol=1e-5)
    assert seen[0] == (0, 50) and seen[-1] == (50, 50)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    model = get_encoder("minilm").model
    before = model.max_seq_length
    try:
        model.max_seq_length = semantic.MAX_TOKENS
        reference = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    finally:
        model.max_seq_length = before
    exact = semantic.CorpusEncoder(int8=False)(texts)  # the same batching in float32: the same vectors
    np.testing.assert_allclose((exact * reference).sum(1), 1, atol=1e-4)
    cosine = (fast * reference).sum(1)
    if encoder.precision == "int8":  # int8 costs a little: measured mean 0.98, worst 0.96 on 300 entries
        assert cosine.mean() > 0.97 and cosine.min() > 0.93
    else:
        assert cosine.min() > 0.999
    # a text within 128 tokens is embedded whole, as sentence-transformers' default (256) does
    short = [i for i, t in enumerate(texts) if len(encoder._ids([t], 512)[0]) <= semantic.MAX_TOKENS]
    default = model.encode([texts[i] for i in short], normalize_embeddings=True, show_progress_bar=False)
    np.testing.assert_allclose((default * reference[short]).sum(1), 1, atol=1e-4)


@pytest.mark.slow
def test_a_query_finds_the_obvious_entry(sample, foldoc):
    rows, texts = sample
    ranker = SemanticRanker(semantic.get_corpus_encoder()(texts))
    for need in ("floating point", "deadlock", "virtual memory"):
        target = rows.index(foldoc.titles.index(PARAPHRASE_TARGETS[need]))
        for phrasing in PARAPHRASES[need]:
            assert ranker.search(phrasing, k=1).rows.tolist() == [target], phrasing


@pytest.mark.slow
def test_paraphrases_on_the_whole_corpus(foldoc):
    if not embeddings_cached(foldoc):
        pytest.skip("FOLDOC's vectors are not cached (`make setup` computes them)")
    ranker = make_search_ranker("semantic", foldoc)
    for need, phrasings in PARAPHRASES.items():
        target = foldoc.titles.index(PARAPHRASE_TARGETS[need])
        found = [target in ranker.search(p, k=10).rows.tolist() for p in phrasings]
        assert sum(found) >= len(found) - 1, (need, found)


def test_no_stray_files_in_the_corpora_folder():
    folder = Path(os.environ.get("EMBEDLAB_CORPORA") or semantic.corpora_dir()) / "foldoc"
    if folder.is_dir():
        assert not [p.name for p in folder.glob(".*.tmp")]
