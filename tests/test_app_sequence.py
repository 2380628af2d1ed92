"""AppTest runs of the sequence-models page: it trains from the page, the link sets the models, prompt and
temperature, and the completions sit beside the autocomplete's."""

from __future__ import annotations

from apptest_pages import open_page


def test_a_shared_link_trains_both_models_and_compares(foldoc):
    at = open_page("repr_sequence.py", temp="0", prompt="the compi", seq="lstm,transformer")
    assert not at.error and not at.warning
    assert at.selectbox(key="seq").value == "lstm,transformer" and at.slider(key="temp").value == 0.0
    assert at.text_input(key="prompt").value == "the compi"
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 2  # next characters, loss curves
    samples = [c.value for c in at.code]
    assert len(samples) == 2 and all(s.startswith("the compi") and len(s) == len("the compi") + 160 for s in samples)
    metrics = at.dataframe[0].value
    assert list(metrics["model"]) == ["LSTM", "Transformer"] and (metrics["held-out bits/char"] < 4).all()
    table = at.dataframe[-1].value
    assert list(table.columns) == ["LSTM", "Transformer", "autocomplete (word counts)"] and len(table) == 5
    assert table["autocomplete (word counts)"].str.startswith("compi").all()
    assert table["LSTM"].str.startswith("compi").all()


def test_bad_links_are_explained(foldoc):
    at = open_page("repr_sequence.py", temp="9", seq="rnn", prompt="")
    texts = " ".join(w.value for w in at.warning)
    assert "rnn" in texts and "9" in texts
    assert at.selectbox(key="seq").value == "lstm,transformer" and at.slider(key="temp").value == 0.5
    assert not at.error
