"""word2vec (skip-gram and CBOW with negative sampling): vocabulary, subsampling, windows, the negative table,
the hand-written SGD step against autograd, training on a FOLDOC slice, and the neighbours it learns on all of
FOLDOC."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.errors import InputError
from core.represent import word2vec as w2v
from core.represent.word2vec import Word2Vec, build_vocab

TINY = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "The CAT!"]


@pytest.fixture(scope="module")
def foldoc() -> list[str]:
    from core.search.corpus import load_corpus

    try:
        return load_corpus("foldoc").texts
    except InputError as err:
        pytest.skip(str(err))


@pytest.fixture(scope="module")
def small(foldoc) -> list[str]:
    return foldoc[:2000]


@pytest.fixture(scope="module")
def fitted(small):
    """Skip-gram, 1 epoch over 2,000 FOLDOC entries, with every callback recorded."""
    calls: dict[str, list] = {"progress": [], "probe": []}
    model = Word2Vec("skipgram", dim=32, epochs=1, device="cpu").fit(
        small, progress=lambda done, total: calls["progress"].append((done, total)),
        probe=calls["probe"].append, snapshots=4)
    return model, calls


# --------------------------------------------------------------------------------------- vocabulary
def test_vocab_counts_orders_and_drops_rare_words():
    vocab = build_vocab(TINY, min_count=2)
    assert vocab.words == ["the", "cat", "a", "dog", "on", "sat"]  # by count, ties alphabetically
    assert vocab.counts.tolist() == [5, 3, 2, 2, 2, 2]
    assert vocab.n_tokens == 19 and len(vocab) == 6 and "cat" in vocab and "mat" not in vocab
    np.testing.assert_allclose(vocab.frequencies, vocab.counts / 16)
    assert build_vocab(TINY, min_count=2, max_vocab=3).words == ["the", "cat", "a"]
    assert build_vocab([["x", "y", "x"], ["y", "z"]], min_count=1).words == ["x", "y", "z"]  # token lists too
    ids, docs = vocab.encode([["the", "cat", "mat"], [], ["dog", "unknown", "the"]])
    assert ids.tolist() == [0, 1, 3, 0] and docs.tolist() == [0, 0, 2, 2]
    assert vocab.id_of("dog") == 3
    with pytest.raises(InputError, match=r"'dgo' is not among the 6 words .*min_count=2.*did you mean dog"):
        vocab.id_of("dgo")


def test_subsampling_follows_mikolovs_formula():
    vocab = build_vocab([["a"] * 9_000 + ["b"] * 990 + ["c"] * 10], min_count=1)
    keep = vocab.keep_probabilities(1e-3)
    f = np.array([0.9, 0.099, 0.001])
    np.testing.assert_allclose(keep, np.minimum(1, (np.sqrt(f / 1e-3) + 1) * 1e-3 / f))
    assert keep[0] < 0.05 and keep[2] == 1.0
    assert vocab.keep_probabilities(0).tolist() == [1, 1, 1]
    ids = np.repeat(np.arange(3), [9_000, 990, 10])
    mask = w2v.subsample(ids, keep, np.random.default_rng(0))
    assert mask[ids == 2].all()
    assert abs(mask[ids == 0].mean() - keep[0]) < 0.01 and abs(mask[ids == 1].mean() - keep[1]) < 0.05
    again = w2v.subsample(ids, keep, np.random.default_rng(0))
    np.testing.assert_array_equal(mask, again)


# --------------------------------------------------------------------------------------- windows and negatives
def test_skipgram_pairs_stay_in_the_window_and_the_text():
    docs = np.repeat([0, 1, 2], [400, 3, 200]).astype(np.int32)
    ids = np.arange(len(docs))  # each position its own word, so a pair tells its offset
    centres, contexts = w2v.skipgram_pairs(ids, docs, 3, np.random.default_rng(0))
    offset = contexts - centres
    assert offset.min() >= -3 and offset.max() <= 3 and (offset != 0).all()
    assert (docs[centres] == docs[contexts]).all()
    assert np.all(np.diff(centres) >= 0)  # text order
    # a reduced window b ~ U{1..3} reaches offset o with probability (3 - o + 1) / 3
    share = np.array([np.mean(np.abs(offset) == o) for o in (1, 2, 3)])
    np.testing.assert_allclose(share / share[0], [1, 2 / 3, 1 / 3], atol=0.06)
    full = w2v.skipgram_pairs(ids, docs, 1, np.random.default_rng(0))
    assert len(full[0]) == 2 * (399 + 2 + 199)  # window 1: every neighbour in the same text, both ways


def test_cbow_examples_match_the_skipgram_windows():
    docs = np.repeat([0, 1], [50, 1]).astype(np.int32)
    ids = (np.arange(51) * 7) % 13
    centres, contexts = w2v.skipgram_pairs(ids, docs, 4, np.random.default_rng(3))
    c, ctx, mask = w2v.cbow_examples(ids, docs, 4, np.random.default_rng(3))
    assert len(c) == 50 and ctx.shape == mask.shape == (50, 8)  # the one-word text has no context
    assert mask.sum() == len(centres)
    rebuilt = sorted(zip(np.repeat(c, mask.sum(1)).tolist(), ctx[mask].tolist(), strict=True))
    assert rebuilt == sorted(zip(centres.tolist(), contexts.tolist(), strict=True))


def test_negative_table_follows_unigram_to_the_three_quarters():
    counts = np.array([1000, 100, 10, 1])
    table = w2v.negative_table(counts, size=100_000)
    share = np.bincount(table, minlength=4) / len(table)
    p = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(share, p, atol=1e-4)
    assert w2v.negative_table(np.ones(5, dtype=int)).size == 1_000_000


def test_chunks_are_cut_where_texts_start_when_they_can():
    docs = np.repeat([0, 1, 2, 3], [5, 12, 3, 30])  # 50 tokens; texts start at 0, 5, 17, 20
    assert w2v._chunk_bounds(docs, size=10).tolist() == [0, 17, 20, 30, 40, 50]
    assert w2v._chunk_bounds(np.zeros(7, dtype=int), size=10).tolist() == [0, 7]


# --------------------------------------------------------------------------------------- the SGD step
def _tables(seed=0, vocab=7, dim=4):
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(seed)
    return (torch.from_numpy(g.normal(size=(vocab, dim)).astype(np.float32)),
            torch.from_numpy(g.normal(size=(vocab, dim)).astype(np.float32)))


def test_skipgram_step_is_sgd_on_the_sgns_loss():
    import torch

    w_in, w_out = _tables()
    inputs = torch.tensor([0, 2, 2, 5])  # word 2 twice: its gradients add up
    targets = torch.tensor([[1, 3, 4], [3, 1, 1], [6, 0, 6], [4, 4, 2]])
    weights = torch.tensor([[1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 0, 1]], dtype=torch.float32)
    a, b = w_in.numpy().astype(np.float64), w_out.numpy().astype(np.float64)
    manual = 0.0
    for i, c in enumerate(inputs.tolist()):
        for j, t in enumerate(targets[i].tolist()):
            s = a[c] @ b[t]
            manual -= weights[i, j].item() * np.log(1 / (1 + np.exp(-s if j == 0 else s)))
    leaf_in, leaf_out = w_in.clone().requires_grad_(), w_out.clone().requires_grad_()
    scores = (leaf_in[inputs].unsqueeze(1) * leaf_out[targets]).sum(2)
    signs = torch.tensor([1.0, -1.0, -1.0])
    (-(torch.nn.functional.logsigmoid(scores * signs) * weights).sum()).backward()

    loss = w2v.sgns_step(w_in, w_out, inputs, targets, weights, lr=0.1)
    assert float(loss) == pytest.approx(manual, rel=1e-5)
    np.testing.assert_allclose(w_in.numpy(), (leaf_in - 0.1 * leaf_in.grad).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(w_out.numpy(), (leaf_out - 0.1 * leaf_out.grad).detach().numpy(), atol=1e-6)


def test_cbow_step_gives_each_context_the_whole_error_as_word2vec_does():
    import torch

    w_in, w_out = _tables(1)
    inputs = torch.tensor([[1, 2, 0], [3, 3, 4]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=torch.float32)
    targets = torch.tensor([[5, 6, 0], [2, 1, 6]])
    weights = torch.ones(2, 3)
    leaf_in, leaf_out = w_in.clone().requires_grad_(), w_out.clone().requires_grad_()
    h = (leaf_in[inputs] * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim=True)
    scores = (h.unsqueeze(1) * leaf_out[targets]).sum(2)
    loss = -torch.nn.functional.logsigmoid(scores * torch.tensor([1.0, -1.0, -1.0])).sum()
    loss.backward()
    # autograd would give each of the n contexts 1/n of the error of h; word2vec.c gives each all of it
    expected_in = w_in.numpy().copy()
    per_row = (torch.sigmoid(scores) - torch.tensor([1.0, 0.0, 0.0])).detach()
    error = (per_row.unsqueeze(2) * w_out[targets]).sum(1).numpy()  # d loss / d h, per prediction
    for i in range(2):
        for j in range(3):
            if mask[i, j]:
                expected_in[inputs[i, j]] -= 0.1 * error[i]
    got = w2v.sgns_step(w_in, w_out, inputs, targets, weights, lr=0.1, cbow_mask=mask)
    assert float(got) == pytest.approx(loss.item(), rel=1e-5)
    np.testing.assert_allclose(w_out.numpy(), (leaf_out - 0.1 * leaf_out.grad).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(w_in.numpy(), expected_in, atol=1e-6)


# --------------------------------------------------------------------------------------- training
def test_fit_on_a_foldoc_slice(fitted):
    model, calls = fitted
    assert model.device_ == "cpu" and model.vectors_.shape == (len(model.words_), 32)
    assert model.vectors_.dtype == np.float32 and np.isfinite(model.vectors_).all()
    assert model.words_[:3] == ["the", "a", "of"]
    assert len(model.loss_curve_) == len(model.loss_words_) >= 3
    assert model.loss_curve_[0] == pytest.approx(6 * np.log(2), rel=0.01)  # output vectors start at zero
    assert model.loss_curve_[-1] < model.loss_curve_[0] - 0.5
    total = calls["progress"][-1][1]
    assert calls["progress"][-1] == (total, total) and model.loss_words_[-1] == total
    assert [d for d, _ in calls["progress"]] == sorted(d for d, _ in calls["progress"])
    assert model.words_per_second_ > 0 and model.train_seconds_ > 0
    assert total / 2 < model.n_predictions_ < 10 * total  # about 6 pairs per kept word, half the words kept


def test_snapshots_record_the_probe_words_neighbours(fitted):
    model, calls = fitted
    assert calls["probe"] == model.snapshots_ and len(model.snapshots_) == 4
    assert model.probe_words_ == [w for w in w2v.DEFAULT_PROBES if w in model.vocab_]
    assert {"unix", "compiler", "memory"} <= set(model.probe_words_)
    fractions = [s["fraction"] for s in model.snapshots_]
    np.testing.assert_allclose(fractions, [0.25, 0.5, 0.75, 1.0], atol=0.02)
    for snap in model.snapshots_:
        assert set(snap["neighbours"]) == set(model.probe_words_) and np.isfinite(snap["loss"])
        for word, near in snap["neighbours"].items():
            assert len(near) == 5 and word not in [w for w, _ in near]
            scores = [s for _, s in near]
            assert scores == sorted(scores, reverse=True)
    last, final = model.snapshots_[-1]["neighbours"]["unix"], model.nearest("unix", 5)
    assert [w for w, _ in last] == [w for w, _ in final]
    np.testing.assert_allclose([s for _, s in last], [s for _, s in final], atol=1e-5)
    assert model.snapshots_[0]["neighbours"] != model.snapshots_[-1]["neighbours"]


def test_nearest_and_to_dataset(fitted):
    model, _ = fitted
    near = model.nearest("memory", k=3)
    assert len(near) == 3 and all(-1 <= s <= 1 for _, s in near)
    with pytest.raises(InputError, match="'memroy' is not among .*did you mean memory"):
        model.nearest("memroy")
    with pytest.raises(InputError, match="k=0 must be a whole number from 1"):
        model.nearest("memory", k=0)
    ds = model.to_dataset("word2vec-foldoc")
    assert ds.name == "word2vec-foldoc" and ds.vectors.shape == model.vectors_.shape
    assert ds.ids.tolist() == model.words_ and ds.labels.tolist() == model.words_
    assert ds.meta["count"].tolist() == model.vocab_.counts.tolist() and ds.meta["rank"].iloc[0] == 1
    assert "skipgram" in ds.description


def test_same_seed_same_vectors_and_cbow_learns(small):
    a = Word2Vec("cbow", dim=16, epochs=1, random_state=3, device="cpu").fit(small[:600], snapshots=0)
    b = Word2Vec("cbow", dim=16, epochs=1, random_state=3, device="cpu").fit(small[:600], snapshots=0)
    c = Word2Vec("cbow", dim=16, epochs=1, random_state=4, device="cpu").fit(small[:600], snapshots=0)
    np.testing.assert_array_equal(a.vectors_, b.vectors_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.allclose(a.vectors_, c.vectors_)
    assert a.snapshots_ == [] and a.loss_curve_[-1] < a.loss_curve_[0]
    assert a.n_predictions_ <= len(a.vocab_.encode([t.lower().split() for t in small[:600]])[0]) * 2


def test_explicit_probe_words_must_be_known(small):
    with pytest.raises(InputError, match="'zzqx' is not among the"):
        Word2Vec(epochs=1).fit(small[:200], probe_words=["memory", "zzqx"])
    model = Word2Vec(dim=8, epochs=1, device="cpu").fit(small[:300], probe_words="Memory", snapshots=1)
    assert model.probe_words_ == ["memory"] and list(model.snapshots_[0]["neighbours"]) == ["memory"]


@pytest.mark.parametrize(("params", "message"), [
    ({"kind": "glove"}, "kind='glove' is not known; choose one of skipgram, cbow"),
    ({"dim": 1}, "dim=1 must be a whole number from 2 to 1,000"),
    ({"dim": 5000}, "dim=5000 must be a whole number from 2 to 1,000"),
    ({"window": 0}, "window=0 must be a whole number from 1 to 20"),
    ({"negative": 0}, "negative=0 must be a whole number from 1 to 50"),
    ({"epochs": 2.5}, r"epochs=2.5 must be a whole number from 1 to 100"),
    ({"lr": 0}, r"lr=0 must be a number from 0.000001 to 1 \(word2vec.c uses 0.025 for skipgram\)"),
    ({"sample": -1}, "sample=-1 must be a number from 0 to 1"),
])
def test_bad_parameters_are_named(params, message):
    with pytest.raises(InputError, match=message):
        Word2Vec(**params).fit(TINY)


def test_divergence_stops_training_with_advice(small):
    with pytest.raises(InputError, match=r"training diverged .* at lr=1, batch=200,000; lower lr or batch"):
        Word2Vec(dim=32, epochs=1, lr=1.0, batch=200_000, device="cpu").fit(small, snapshots=0)


def test_bad_corpora_say_what_to_do():
    with pytest.raises(InputError, match="the corpus is empty"):
        Word2Vec().fit([])
    with pytest.raises(InputError, match="the corpus is empty"):
        Word2Vec().fit(["", "!!! ..."])
    with pytest.raises(InputError, match=r"only 1 word\(s\) .* min_count=5 times; give more text or lower min_count"):
        Word2Vec().fit(TINY)
    with pytest.raises(InputError, match="not one string"):
        Word2Vec().fit("the cat sat on the mat")
    with pytest.raises(InputError, match="text 1 is a int"):
        Word2Vec().fit(["a text", 3])
    with pytest.raises(InputError, match="snapshots=-1 must be"):
        Word2Vec(min_count=1).fit(TINY, snapshots=-1)
    with pytest.raises(InputError, match="not trained yet"):
        Word2Vec().nearest("cat")


def test_the_device_comes_from_resolve_device(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    assert Word2Vec(dim=4, min_count=1, epochs=1).fit(TINY, snapshots=0).device_ == "cpu"
    monkeypatch.setenv("EMBEDLAB_DEVICE", "tpu")
    with pytest.raises(InputError, match="device='tpu' is not known"):
        Word2Vec(dim=4, min_count=1, epochs=1).fit(TINY)


@pytest.mark.slow
def test_skipgram_on_foldoc_learns_sensible_neighbours(foldoc):
    model = Word2Vec("skipgram", epochs=3, lr=0.05, device="cpu").fit(foldoc, snapshots=0)

    def near(word, k):
        return [w for w, _ in model.nearest(word, k)]

    assert "bsd" in near("unix", 10)
    assert {"freebsd", "netbsd"} <= set(near("linux", 10))
    assert {"ip", "udp"} <= set(near("tcp", 10))
    assert near("keyboard", 1) == ["mouse"]
    assert {"relational", "dbms"} <= set(near("database", 5))
    assert "nt" in near("windows", 3) and "dram" in near("ram", 3)
    unit = model.vectors_ / np.linalg.norm(model.vectors_, axis=1, keepdims=True)
    row = model.vocab_.id_of
    assert unit[row("unix")] @ unit[row("bsd")] > unit[row("unix")] @ unit[row("printer")] + 0.2


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_word2vec_trains_on_cuda(small):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    model = Word2Vec("skipgram", dim=32, epochs=1, device="cuda").fit(small, snapshots=2)
    cpu = Word2Vec("skipgram", dim=32, epochs=1, device="cpu").fit(small, snapshots=2)
    assert model.device_ == "cuda" and model.vectors_.shape == cpu.vectors_.shape
    assert model.loss_curve_[-1] == pytest.approx(cpu.loss_curve_[-1], rel=0.05)
    assert len(model.snapshots_) == 2
