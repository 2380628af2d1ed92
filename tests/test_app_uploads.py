"""dashboard.components.uploads in a real Streamlit run (AppTest): an upload embedded under a progress bar is
saved and chosen on the next run; a bad one says why and saves nothing, never a traceback.

Each script below imports the component itself (AppTest runs a function's body as the page)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _page():
    import numpy as np
    import streamlit as st

    from core.datasets.base import Dataset, make_meta
    from core.errors import InputError
    from dashboard.components import uploads

    st.session_state.setdefault("ticks", [])
    uploads.take_pending("chosen")
    st.selectbox("Chosen", ["none", *st.session_state.get("ids", [])], key="chosen")
    kind = st.session_state.get("kind")
    if kind:
        def parse(progress):
            for done in (0, 2, 3):
                progress(done, 3)
                st.session_state.ticks.append(done)
            if kind == "refused":
                raise InputError("zip file 'z.zip': image 'a/x.png' cannot be read (OSError); remove it")
            if kind == "broken":
                raise KeyError("surprise")
            return Dataset("three", np.eye(3, dtype=np.float32), make_meta(3), "three vectors")

        st.session_state.kind = None
        saved = uploads.embed_and_save("z.zip", parse, "pictures")
        if saved is not None:
            st.session_state.ids = [*st.session_state.get("ids", []), saved[0]]
            uploads.select_next_run("chosen", saved[0])
            st.rerun()


@pytest.fixture
def app(home):
    return AppTest.from_function(_page, default_timeout=60).run()


def test_an_upload_is_saved_and_chosen_on_the_next_run(app, home):
    from core.datasets import workspace

    app.session_state["kind"] = "fine"
    app.run()
    assert not app.exception and not app.error
    (ws_id,) = workspace.list_ids()
    assert app.selectbox(key="chosen").value == ws_id  # chosen after the rerun, the widget drawn anew
    assert workspace.load(ws_id).n == 3
    assert app.session_state["ticks"] == [0, 2, 3]
    assert not app.get("progress")  # the bar is gone once the work is done


@pytest.mark.parametrize("kind, message", [
    ("refused", "z.zip was not added: zip file 'z.zip': image 'a/x.png' cannot be read (OSError); remove it."),
    ("broken", "z.zip was not added: it could not be read (KeyError: 'surprise'). Check that it is one of the "
               "formats named above."),
])
def test_a_bad_upload_says_why_and_saves_nothing(app, home, kind, message):
    from core.datasets import workspace

    app.session_state["kind"] = kind
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [message]
    assert workspace.list_ids() == []
    assert app.selectbox(key="chosen").value == "none"
    assert not app.get("progress")
