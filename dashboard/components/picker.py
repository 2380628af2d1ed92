"""A picker of a lab's collection (a built-in one, or one a user uploaded) with an upload form under it: the
search lab's corpora and the recommendation lab's interaction sets share it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core.errors import EmbedLabError


@dataclass(frozen=True)
class Collection:
    """What differs between the labs' pickers."""

    key: str  # URL key of the selectbox (and session-state key)
    label: str  # the selectbox's label
    help: str
    catalog: Callable[[], list[dict]]  # cached list of {"name": ...}; has .clear()
    load: Callable[[str], object]  # cached loader by name
    caption: Callable[[object], str]  # one line under the picker
    upload_form: Callable[[], None]  # draws the form; stores a new id with :func:`select_next_run`
    upload_title: str  # the expander's title
    fallback: str  # what the page shows when a link's id cannot be opened ("the default corpus")


def _pending(key: str) -> str:
    return f"_pending_{key}"


def select_next_run(coll: Collection, name: str) -> None:
    """After an upload: refresh the catalog and select ``name`` on the next run (a bound widget's value cannot be
    set once it is drawn)."""
    coll.catalog.clear()
    st.session_state[_pending(coll.key)] = name
    st.rerun()


def pick(coll: Collection, default: str) -> tuple[str, object]:
    """The picker; returns ``(name, loaded)``. A link naming an id this server does not hold says so and falls
    back to the default; with nothing to pick (the built-in data missing, nothing uploaded) it says how to get
    it, offers the upload and stops the page."""
    names = [r["name"] for r in coll.catalog()]
    if _pending(coll.key) in st.session_state:
        st.session_state[coll.key] = st.session_state.pop(_pending(coll.key))
    wanted = st.query_params.get(coll.key)
    if wanted and wanted not in names and coll.key not in st.session_state:
        try:  # uploaded in another session since the list was read, or an id this server does not hold
            coll.load(wanted)
            coll.catalog.clear()
            names = [r["name"] for r in coll.catalog()]
        except EmbedLabError as exc:
            st.warning(f"{exc}. Showing {coll.fallback} instead.", icon=":material/link:")
            del st.query_params[coll.key]
    if not names:
        try:
            coll.load(default)
        except EmbedLabError as exc:
            st.error(f"{exc}.", icon=":material/error:")
        coll.upload_form()
        st.stop()
    name = st.selectbox(coll.label, names, index=names.index(default) if default in names else 0, key=coll.key,
                        bind="query-params", help=coll.help)  # no format_func: it would go into the link
    try:
        loaded = coll.load(name)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        coll.upload_form()
        st.stop()
    st.caption(coll.caption(loaded))
    for note in getattr(loaded, "notes", ()):
        st.caption(f"Note: {note}.")
    with st.expander(coll.upload_title, icon=":material/upload:"):
        coll.upload_form()
    return name, loaded
