"""Saving an upload that must be embedded first (texts, pictures) to the workspace, under a progress bar.

A page calls :func:`embed_and_save` from its script body (not from a widget callback, whose output would land
at the top of the page, out of sight), then, on success, :func:`select_next_run` and ``st.rerun()``: a
selectbox's value cannot change once the widget has been drawn in the run, so the new id waits in the session
until :func:`take_pending` hands it over before the selectbox is drawn again.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.datasets import workspace
from core.datasets.base import Dataset
from core.errors import EmbedLabError


def embed_and_save(name: str, parse: Callable[[Callable[[int, int], None]], Dataset], noun: str,
                   source: str = "upload") -> tuple[str, Dataset] | None:
    """Run ``parse(progress)`` under a progress bar ("Embedding NAME: 120 of 500 pictures…") and save its
    dataset; returns (workspace id, dataset), or None after showing what was wrong (nothing is saved then)."""
    bar = st.progress(0.0, text=f"Reading {name}…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)),
                     text=f"Embedding {name}: {done:,} of {total:,} {noun}… (changing the page now stops the upload)")

    try:
        ds = parse(progress)
        return workspace.save(ds, source=source), ds
    except EmbedLabError as exc:
        st.error(f"{name} was not added: {exc}.", icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 (a file no parser anticipated must still not show a traceback)
        st.error(f"{name} was not added: it could not be read ({type(exc).__name__}: {exc}). Check that it is one "
                 "of the formats named above.", icon=":material/error:")
    finally:
        bar.empty()
    return None


def select_next_run(key: str, ws_id: str) -> None:
    """Make ``ws_id`` the choice of the selectbox ``key`` from the next run on (then ``st.rerun()``)."""
    st.session_state[f"_pending_{key}"] = ws_id


def take_pending(key: str) -> bool:
    """Before drawing the selectbox ``key``: give it the upload chosen in the previous run; True if there was one."""
    pending = st.session_state.pop(f"_pending_{key}", None)
    if pending is None:
        return False
    st.session_state[key] = pending
    return True
