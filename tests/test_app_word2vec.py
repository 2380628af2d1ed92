"""AppTest runs of the word2vec page: it trains from the page, the link sets the settings, the neighbours make sense."""

from __future__ import annotations

from apptest_pages import open_page


def test_a_shared_link_trains_cbow_and_answers(foldoc):
    at = open_page("repr_word2vec.py", kind="cbow", ep="1", q="keyboard", dim="50")
    assert not at.error and not at.warning
    assert at.selectbox(key="kind").value == "cbow" and at.slider(key="ep").value == 1
    assert any("words/s" in m.value for m in at.markdown)
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) == 2  # loss curve, nearest words
    snapshots = at.slider(key="iter")
    assert snapshots.value == snapshots.max == 8
    table = at.dataframe[-1].value
    assert {"unix", "memory", "keyboard"} <= set(table.columns)
    assert any("/explore?ds=" in m.value for m in at.markdown)


def test_unknown_words_and_bad_links_are_explained(foldoc):
    at = open_page("repr_word2vec.py", kind="glove", ep="1", win="99", q="zzqxv", dim="50")
    texts = " ".join(w.value for w in at.warning)
    assert "glove" in texts and "99" in texts and "zzqxv" in texts
    assert at.selectbox(key="kind").value == "skipgram"
