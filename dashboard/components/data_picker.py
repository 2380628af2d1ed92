"""Pick a dataset (built-in or saved upload) or upload a new one; the choice lives in the URL."""

from __future__ import annotations

import streamlit as st

from core.datasets import parsers
from dashboard import cached, state
from dashboard.components import uploads

UPLOAD_TYPES = ["tsv", "csv", "parquet", "npy", "txt", "zip"]


def pick_dataset(default: str = "digits") -> str:
    """The dataset selectbox (URL key ``ds``) with an upload form under it; returns the chosen name."""
    rows = cached.catalog()
    names = [r["name"] for r in rows]
    info = {r["name"]: r for r in rows}
    if uploads.take_pending(state.DATASET):  # a dataset just uploaded
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
    saved = uploads.embed_and_save(main.name, lambda progress: parsers.parse_bytes(
        main.name, main.getvalue(), metadata=(meta.name, meta.getvalue()) if meta is not None else None,
        text_column=text_col.strip() or None, progress=progress),
        "images" if main.name.lower().endswith(".zip") else "texts", source=main.name)
    if saved is None:
        return
    ws_id, ds = saved
    cached.catalog.clear()
    uploads.select_next_run(state.DATASET, ws_id)
    st.toast(f"Added {main.name}: {ds.n:,} vectors of {ds.dim} dimensions.", icon=":material/check:")
    st.rerun()
