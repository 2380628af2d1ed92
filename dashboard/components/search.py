"""Pieces of the search lab: the corpus (or how to get it), the query box, a ranked list that explains itself."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from core.viz.search import contributions_figure
from dashboard import cached, state
from dashboard.components import picker


def _corpus_caption(corpus) -> str:
    return f"{corpus.credit} · {corpus.n:,} documents, {corpus.n_links:,} links"


CORPORA = picker.Collection(
    key=state.CORPUS, label="Corpus", help="FOLDOC, or a corpus you uploaded (CSV or JSON Lines).",
    catalog=cached.corpus_catalog, load=cached.corpus, caption=_corpus_caption,
    upload_form=lambda: _upload_form(), upload_title="Upload your own corpus", fallback="the default corpus")


def pick_corpus(default: str = "foldoc") -> tuple[str, object]:
    """The corpus picker (URL key ``corpus``: a built-in name or an upload's id) with an upload form under
    it; returns ``(name, corpus)``. With no corpus at all (FOLDOC not fetched, nothing uploaded) it says how
    to get one, offers the upload, and stops the page."""
    return picker.pick(CORPORA, default)


def _upload_form() -> None:
    from core.search.uploads import LINK_SEPARATOR, save_corpus

    st.caption(f"A **CSV** with columns `id`, `text` and optional `title` and `links` (ids separated by "
               f"`{LINK_SEPARATOR}`), or **JSON Lines** (`.jsonl`), one object a line: "
               '`{"id": "d1", "title": "Cats", "text": "Cats are small carnivores.", "links": ["d2"]}`. '
               "UTF-8, up to 50 MB and 100,000 documents.")
    with st.form("corpus_upload", border=False):
        file = st.file_uploader("Corpus file", type=["csv", "jsonl", "ndjson"], key="corpus_file")
        submitted = st.form_submit_button("Add corpus", icon=":material/add:")
    if not submitted:
        return
    if file is None:
        st.error("Choose a file first.")
        return
    try:
        with st.spinner(f"Reading {file.name}…"):
            cid = save_corpus(file.name, file.getvalue())
    except EmbedLabError as exc:
        st.error(f"{file.name} was not added: {exc}.", icon=":material/error:")
        return
    st.toast(f"Added {file.name}.", icon=":material/check:")
    picker.select_next_run(CORPORA, cid)


def corpus_or_stop(name: str = "foldoc"):
    """The corpus; when it is not installed, say how to get it and stop the page."""
    try:
        return cached.corpus(name)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()


def query_box(default: str, help_text: str = "", label: str = "Query") -> str:
    return st.text_input(label, default, key=state.QUERY, bind="query-params", max_chars=500, help=help_text)


def result_table(corpus, rows, scores, mark: dict[int, str] | None = None, height: int | None = None,
                 extra: dict | None = None) -> None:
    """A ranked list as a table: rank, title (rows named in ``mark`` get that label instead), score."""
    mark = mark or {}
    titles = [mark.get(int(r), corpus.titles[r] if r < corpus.n else f"page {r}") for r in rows]
    frame = pd.DataFrame({"rank": range(1, len(rows) + 1), "title": titles, "score": scores, **(extra or {})})
    st.dataframe(frame, hide_index=True, height=height or min(420, 38 + 35 * len(rows)),
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in frame.columns
                                if c not in ("rank", "title") and frame[c].dtype.kind == "f"})


def top_k(default: int = 10) -> int:
    state.check_number(state.K, 1, 50, "the number of results", integer=True)
    return int(st.slider("Results", 1, 50, default, key=state.K, bind="query-params"))


def ranked(corpus, ranker, query: str, k: int, title: str, key: str) -> None:
    """One ranker's top ``k`` for ``query``: a table, then each result's score term by term."""
    st.markdown(f"**{title}**")
    try:
        res = ranker.search(query, k=k)
    except EmbedLabError as exc:
        st.warning(str(exc), icon=":material/search_off:")
        return
    if not len(res.rows):
        st.info(f"No document contains any of: {', '.join(res.terms)}.", icon=":material/search_off:")
        return
    st.dataframe(pd.DataFrame({"rank": range(1, len(res.rows) + 1), "title": [corpus.titles[r] for r in res.rows],
                               "score": res.scores}), hide_index=True, height=min(400, 38 + 35 * len(res.rows)),
                 column_config={"score": st.column_config.NumberColumn(format="%.3f")})
    parts = [ranker.explain(query, int(r)) for r in res.rows]
    st.plotly_chart(contributions_figure([corpus.titles[r] for r in res.rows], parts), key=key)
    with st.expander("Each result term by term"):
        rows = [{"rank": i + 1, "title": corpus.titles[r], **p} for i, r in enumerate(res.rows) for p in parts[i]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
            "idf": st.column_config.NumberColumn(format="%.3f"),
            "contribution": st.column_config.NumberColumn(format="%.3f")})


def vectors_or_stop(name: str, corpus) -> None:
    """Make sure the corpus's MiniLM vectors exist: computed once with a progress bar (FOLDOC's at set-up)."""
    if cached.vectors_ready(name):
        cached.corpus_vectors(name)
        return
    bar = st.progress(0.0, text=f"Embedding {corpus.n:,} documents with MiniLM (once; kept on disk)…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Embedding documents with MiniLM: {done:,} of {total:,}")

    try:
        cached.corpus_vectors(name, progress=progress)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()
    bar.empty()


def ranked_table(corpus, ranker, query: str, k: int, title: str, extra=None) -> list[int]:
    """One ranker's top ``k`` as a table (with the columns ``extra(results)`` gives); returns the rows."""
    st.markdown(f"**{title}**")
    try:
        res = ranker.search(query, k=k)
    except EmbedLabError as exc:
        st.warning(f"{exc}.", icon=":material/search_off:")
        return []
    if not len(res.rows):
        st.info("No document matches.", icon=":material/search_off:")
        return []
    result_table(corpus, res.rows, res.scores, extra=extra(res) if extra else None)
    return [int(r) for r in res.rows]
