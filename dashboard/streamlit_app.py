"""EmbedLab's router: page config, the page list, the shared sidebar."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/streamlit_app.py` from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard import cached  # noqa: E402
from dashboard.app_pages import sections  # noqa: E402

st.set_page_config(page_title="EmbedLab", page_icon=":material/explore:", layout="wide")
cached.start_warmup()
page = st.navigation({
    heading: [st.Page(ROOT / "dashboard" / "app_pages" / p.file, title=p.title, icon=p.icon, url_path=p.url_path,
                      default=p.default) for p in specs]
    for heading, specs in sections().items()
}, expanded=True)  # every page listed: no "View more" fold
with st.sidebar:
    st.caption("EmbedLab · see and teach what representations do")
page.run()
