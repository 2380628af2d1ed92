"""Pick a dataset (built-in or saved upload) or upload a new one; the choice lives in the URL."""

from __future__ import annotations

import streamlit as st

from core.datasets import parsers, workspace
from core.errors import EmbedLabError
from dashboard import cached, state

_PENDING = "_pending_dataset"  # a dataset just uploaded, selected on the next run
UPLOAD_TYPES = ["tsv", "csv", "parquet", "npy", "txt", "zip"]


def pick_dataset(default: str = "digits") -> str:
    """The dataset selectbox (URL key ``ds``) with an upload form under it; returns the chosen name."""
    rows = cached.catalog()
    names = [r["name"] for r in rows]
    info = {r["name"]: r for r in rows}
    if _PENDING in st.session_state:
        st.session_state[state.DATASET] = st.session_state.pop(_PENDING)
        state.reset_view()
    state.check_url_choice(state.DATASET, names, "the dataset")
    name = st.selectbox(
        "Dataset", names, index=names.index(default), key=state.DATASET, bind="query-params",
        help="Built-in data, or your own uploads (kept in the workspace across restarts).", on_change=state.reset_view,
    )  # no format_func: a bound widget writes the formatted option into the link
    kind = "upload" if info[name]["source"] == "workspace" else "built-in"
    st.caption(f"{info[name]['n']:,} × {info[name]['dim']} ({kind}) · {info[name]['description']}")
    with st.expander("Upload your own embeddings", icon=":material/upload:"):
        _upload_form()
    return name


def _upload_form() -> None:
    st.caption("Projector TSV (+ metadata TSV), CSV, Parquet, `.npy` (+ metadata), `.txt` (one text a line, "
               "embedded with MiniLM) or a `.zip` of images (embedded with EfficientNet-Lite0).")
    with st.form("upload", clear_on_submit=False, border=False):
        main = st.file_uploader("Vectors or texts or images", type=UPLOAD_TYPES, key="upload_main")
        meta = st.file_uploader("Metadata (optional, for .tsv / .npy)", type=["tsv", "csv", "txt"], key="upload_meta")
        text_col = st.text_input("Text column to embed (optional, CSV / Parquet)", key="upload_text_col")
        submitted = st.form_submit_button("Add to workspace", icon=":material/add:")
    if not submitted:
        return
    if main is None:
        st.error("Choose a file first.")
        return
    try:
        with st.spinner(f"Reading {main.name}…"):
            ds = parsers.parse_bytes(main.name, main.getvalue(),
                                     metadata=(meta.name, meta.getvalue()) if meta is not None else None,
                                     text_column=text_col.strip() or None)
            ws_id = workspace.save(ds, source=main.name)
    except EmbedLabError as exc:
        st.error(f"{main.name} was not added: {exc}", icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 (a file no parser anticipated must still not show a traceback)
        st.error(f"{main.name} was not added: it could not be read ({type(exc).__name__}: {exc}). "
                 "Check that it is one of the formats above.", icon=":material/error:")
        return
    cached.catalog.clear()
    st.session_state[_PENDING] = ws_id
    st.toast(f"Added {main.name}: {ds.n:,} vectors of {ds.dim} dimensions.", icon=":material/check:")
    st.rerun()
