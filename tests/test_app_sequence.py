"""AppTest runs of the sequence-models page: it opens on the shipped models (training only when a file is
missing), the link sets the models, prompt and temperature, and the completions sit beside the autocomplete's."""

from __future__ import annotations

import pytest
from apptest_pages import open_page


def _no_training(monkeypatch):
    from core.represent.sequence import CharModel

    def fit(*args, **kwargs):
        raise AssertionError("the page trained a model although its shipped weights are there")

    monkeypatch.setattr(CharModel, "fit", fit)


def test_a_shared_link_opens_the_shipped_models_and_compares(foldoc, monkeypatch):
    import json

    from core.represent.sequence import SHIPPED_DIR

    _no_training(monkeypatch)
    at = open_page("repr_sequence.py", temp="0", prompt="the compi", seq="GRU vs Transformer")  # not the default
    assert not at.error and not at.warning and not at.exception
    assert at.selectbox(key="seq").value == "GRU vs Transformer" and at.slider(key="temp").value == 0.0
    assert at.text_input(key="prompt").value == "the compi"
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 2  # next characters, loss curves
    samples = [c.value for c in at.code]
    assert len(samples) == 2 and all(s.startswith("the compi") and len(s) == len("the compi") + 160 for s in samples)
    metrics = at.dataframe[0].value
    card = {r["kind"]: r for r in json.loads((SHIPPED_DIR / "metrics.json").read_text())}
    assert list(metrics["model"]) == ["GRU", "Transformer"]
    assert list(metrics["held-out bits/char"]) == [pytest.approx(card[k]["val_bits"], abs=0.006)
                                                   for k in ("gru", "transformer")]
    assert any("EmbedLab trained them with this recipe and ships the weights" in c.value for c in at.caption)
    assert list(metrics["parameters"]) == [card[k]["n_params"] for k in ("gru", "transformer")]
    table = at.dataframe[-1].value
    assert list(table.columns) == ["GRU", "Transformer", "autocomplete (word counts)"] and len(table) == 5
    assert table["autocomplete (word counts)"].str.startswith("compi").all()
    assert table["GRU"].str.startswith("compi").all()


def test_bad_links_are_explained(foldoc):
    at = open_page("repr_sequence.py", temp="9", seq="rnn", prompt="")
    texts = " ".join(w.value for w in at.warning)
    assert "rnn" in texts and "9" in texts
    assert at.selectbox(key="seq").value == "LSTM vs Transformer" and at.slider(key="temp").value == 0.5
    assert not at.error


def test_an_older_link_opens_the_same_choice(foldoc, monkeypatch):
    _no_training(monkeypatch)
    at = open_page("repr_sequence.py", seq="gru,transformer")  # as links carried it before the labels
    assert not at.warning and not at.error
    assert at.selectbox(key="seq").value == "GRU vs Transformer"
    assert list(at.dataframe[0].value["model"]) == ["GRU", "Transformer"]


def test_a_damaged_file_is_explained_and_the_model_trained_on_the_page(foldoc, monkeypatch, tmp_path):
    from core.represent import sequence
    from dashboard import cached

    trained, fit = [], sequence.CharModel.fit

    def counted(self, *args, **kwargs):
        trained.append(self.kind)
        self.steps = 20  # the page's own recipe is 300: the point here is that it trains, not how well
        return fit(self, *args, **kwargs)

    (tmp_path / "foldoc-gru.pt").write_bytes(b"version https://git-lfs.github.com/spec/v1\n")  # not the weights
    monkeypatch.setattr(sequence.CharModel, "fit", counted)
    monkeypatch.setattr(sequence, "shipped_path", lambda kind, out_dir=tmp_path: tmp_path / f"foldoc-{kind}.pt")
    monkeypatch.setattr(cached, "_kept_store", lambda name, size: cached._Bounded(size))  # nothing kept from before
    cached._shipped_sequence_model.clear()  # nor loaded
    try:
        at = open_page("repr_sequence.py", seq="GRU")
    finally:
        cached._shipped_sequence_model.clear()
    assert not at.error and not at.exception
    assert [w.value for w in at.warning] == [
        f"the weights at {tmp_path / 'foldoc-gru.pt'} cannot be read (UnpicklingError); run `embedlab "
        "train-sequence` to make them again. Training the GRU here instead."]
    assert trained == ["gru"] and list(at.dataframe[0].value["model"]) == ["GRU"]
    assert any("The GRU trained on this server with that recipe" in c.value for c in at.caption)
