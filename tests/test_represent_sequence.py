"""Character-level sequence models on a tiny repetitive text: vocabulary, training, probabilities, sampling, the
Transformer's causal mask, beam completion and the error messages."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.represent.sequence import ALPHABET, CharModel, CharVocab, training_text

TEXT = "the cat sat on the mat. the dog sat on the log. " * 60
TINY = dict(hidden=32, layers=1, context=12, steps=150, batch=16, lr=1e-2, device="cpu")


@pytest.fixture(scope="module", params=["lstm", "gru", "transformer"])
def model(request):
    return CharModel(request.param, **TINY).fit(TEXT)


def test_vocab_cleans_and_round_trips():
    vocab = CharVocab()
    assert vocab.clean("Hello,\n\tWORLD — ok£") == "hello, world  ok"
    text = vocab.clean("A compiler (1957): FORTRAN's!")
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and len(ids) == len(text) and ids.max() < len(vocab) == len(ALPHABET)
    assert vocab.decode(ids) == text
    with pytest.raises(InputError, match="each character once"):
        CharVocab("aab")


def test_training_text_is_a_seeded_subset():
    texts = [f"Entry {i}: Some TEXT about item {i}." for i in range(500)]
    a, b = training_text(texts, n_chars=2_000), training_text(texts, n_chars=2_000)
    assert a == b and len(a) == 2_000 and a == a.lower()
    assert training_text(texts, n_chars=2_000, random_state=1) != a


def test_loss_decreases_and_is_in_bits(model):
    curve = model.loss_curve_
    assert len(curve) == TINY["steps"]
    assert curve[0] == pytest.approx(np.log2(len(ALPHABET)), abs=0.6)  # near a blind guess at the start
    assert np.mean(curve[-10:]) < 0.6 * np.mean(curve[:5])
    assert 0 < model.val_bits_ < curve[0]


def test_probabilities_sum_to_one_and_are_sorted(model):
    probs = model.next_char_probs("the cat sat on the m")
    p = [v for _, v in probs]
    assert len(probs) == len(ALPHABET) and sum(p) == pytest.approx(1.0) and p == sorted(p, reverse=True)
    assert probs[0][0] in "ad"  # "mat" (or a step early, "the d...") on this text


def test_sampling_is_deterministic_and_greedy_at_zero(model):
    a = model.sample("the ", 30, temperature=1.0, seed=3)
    assert len(a) == 30 and a == model.sample("the ", 30, temperature=1.0, seed=3)
    assert set(a) <= set(ALPHABET)
    greedy = model.sample("the ", 5, temperature=0.0, seed=1)
    assert greedy == model.sample("the ", 5, temperature=0.0, seed=2)
    text = "the "
    for ch in greedy:  # greedy: each character is the top one after what came before
        assert model.next_char_probs(text)[0][0] == ch
        text += ch


def test_complete_word_finds_words_of_the_text(model):
    done = model.complete_word("the do", k=3)
    assert done[0][0] == "dog" and 0 < done[0][1] <= 1
    assert all(w.startswith("do") for w, _ in done)
    p = [v for _, v in done]
    assert p == sorted(p, reverse=True) and sum(p) <= 1 + 1e-9


def test_transformer_is_causal():
    import torch

    m = CharModel("transformer", **TINY).fit(TEXT)
    a = m.vocab_.encode("the cat sat")  # no longer than the context (the learned positions)
    b = a.copy()
    b[8] = m.vocab_.index["z"]
    with torch.no_grad():
        la, lb = (m.net_(torch.from_numpy(x)[None])[0].numpy() for x in (a, b))
    np.testing.assert_allclose(la[:8], lb[:8], atol=1e-5)
    assert not np.allclose(la[8:], lb[8:], atol=1e-3)


def test_errors_name_the_parameter():
    with pytest.raises(InputError, match="kind='rnn' is not known; choose one of lstm, gru, transformer"):
        CharModel("rnn").fit(TEXT)
    with pytest.raises(InputError, match="hidden=30 must be a multiple of 4"):
        CharModel("transformer", hidden=30).fit(TEXT)
    with pytest.raises(InputError, match="steps=0 must be a whole number"):
        CharModel(steps=0).fit(TEXT)
    with pytest.raises(InputError, match="give more text or a shorter context"):
        CharModel(context=64).fit("short text")
    with pytest.raises(InputError, match="not trained yet"):
        CharModel().sample("the")
    m = CharModel("gru", **{**TINY, "steps": 2}).fit(TEXT)
    with pytest.raises(InputError, match=r"temperature=3.5 must be a number from 0 to 3"):
        m.sample("the", 5, temperature=3.5)
    with pytest.raises(InputError, match="k=0 must be a whole number"):
        m.complete_word("the", k=0)


def test_figures_show_every_model():
    from core.viz.sequence import loss_curves_figure, next_char_figure

    fig = next_char_figure({"A": [(" ", 0.6), ('"', 0.3), ("x", 0.1)], "B": [("x", 0.5), (" ", 0.5)]}, top=2)
    assert [t.name for t in fig.data] == ["A", "B"] and list(fig.data[0].x) == ["␣", "x"]
    assert list(fig.data[1].y) == [0.5, 0.5]
    assert list(next_char_figure({"A": [('"', 1.0)]}).data[0].x) == ['"']
    curves = loss_curves_figure({"A": [5.0] * 30, "B": list(range(30, 0, -1))}, smooth=10)
    assert len(curves.data) == 2 and len(curves.data[1].y) == 21 and curves.data[1].y[0] == pytest.approx(25.5)


# --- saved and shipped weights -----------------------------------------------------------------------------------

def test_a_saved_model_loads_back_predicting_the_same(tmp_path, model):
    from core.represent.sequence import CharModel as Loaded

    path = model.save(tmp_path / "m.pt")
    back = Loaded.load(path, device="cpu")
    assert back.get_params() == {**model.get_params(), "device": "cpu"}
    assert back.next_char_probs("the ca") == model.next_char_probs("the ca")
    assert back.sample("the ", 40, temperature=0.8, seed=3) == model.sample("the ", 40, temperature=0.8, seed=3)
    assert (back.loss_curve_, back.val_bits_, back.n_params_) == (model.loss_curve_, model.val_bits_, model.n_params_)
    with pytest.raises(InputError, match=r"no weights at .*nothing\.pt; run `embedlab train-sequence`"):
        Loaded.load(tmp_path / "nothing.pt")


def test_a_damaged_weights_file_is_explained(tmp_path):
    from core.represent.sequence import CharModel as Loaded

    bad = tmp_path / "cut.pt"
    bad.write_bytes(b"PK\x03\x04 half a file")
    with pytest.raises(InputError, match=r"the weights at .*cut\.pt cannot be read \(\w+\); run `embedlab "
                                         r"train-sequence` to make them again"):
        Loaded.load(bad)


def _card() -> dict:
    import json

    from core.represent.sequence import SHIPPED_DIR

    return {r["kind"]: r for r in json.loads((SHIPPED_DIR / "metrics.json").read_text())}


def test_the_shipped_models_are_the_recipe_and_the_card():
    from core.represent.sequence import SEQUENCE_MODELS, shipped

    card = _card()
    assert set(card) == set(SEQUENCE_MODELS)
    recipe = {k: v for k, v in CharModel().get_params().items() if k not in ("device", "kind")}
    for kind in SEQUENCE_MODELS:
        m = shipped(kind, device="cpu")
        assert {k: v for k, v in m.get_params().items() if k not in ("device", "kind")} == recipe
        assert m.val_bits_ == pytest.approx(card[kind]["val_bits"], abs=1e-4) and m.val_bits_ < 3.0
        assert m.n_params_ == card[kind]["n_params"] and len(m.loss_curve_) == recipe["steps"]
        assert m.next_char_probs("the compil")[0][0] == "e"  # they have learnt FOLDOC's words
        assert {w for w, _ in m.complete_word("the progra", 3)} & {"program", "programming", "programs"}
    with pytest.raises(InputError, match="kind='rnn' is not known"):
        shipped("rnn")


def _shipped_text(foldoc) -> str:
    """The FOLDOC text the shipped models learnt, or a skip when this machine's FOLDOC is another version."""
    import hashlib

    text = training_text(foldoc.texts)
    if hashlib.sha256(text.encode()).hexdigest() != _card()["lstm"]["text_sha256"]:
        pytest.skip("this FOLDOC is not the version the shipped models learnt (see data/models/sequence)")
    return text


def test_the_cards_held_out_figures_are_the_weights_own(foldoc):
    from core.represent.sequence import HELD_OUT, SEQUENCE_MODELS, CharVocab, shipped

    ids = CharVocab().encode(_shipped_text(foldoc))
    cut = int(len(ids) * (1 - HELD_OUT))
    for kind in SEQUENCE_MODELS:
        m = shipped(kind, device="cpu")
        rng = np.random.default_rng(m.random_state)  # the windows training drew, then the held-out ones
        for _ in range(m.steps):
            rng.integers(0, cut - m.context - 1, size=m.batch)
        assert m._bits(ids[cut:], rng) == pytest.approx(_card()[kind]["val_bits"], abs=1e-3)


def test_train_sequence_reproduces_a_shipped_model(tmp_path, capsys, foldoc):
    from cli_run import run_json

    from core.represent.sequence import shipped

    _shipped_text(foldoc)
    out = run_json(capsys, "train-sequence", "--model", "lstm", "--model", "lstm", "--out", str(tmp_path),
                   "--device", "cpu")
    assert out["out"] == str(tmp_path) and [r["kind"] for r in out["models"]] == ["lstm"]  # each kind once
    again = CharModel.load(tmp_path / "foldoc-lstm.pt", device="cpu")
    # the same recipe from the same seed: the same model here; float noise grows over 300 steps on another CPU
    assert again.val_bits_ == pytest.approx(shipped("lstm", device="cpu").val_bits_, abs=0.1)
    assert "LSTM" in (tmp_path / "README.md").read_text() and (tmp_path / "metrics.json").is_file()
