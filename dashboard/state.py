"""Session-state keys and URL (query-param) state in one place.

Widgets whose value belongs in a shared link use ``bind="query-params"`` with a key listed here.
Before such a widget is drawn, :func:`check_url_choice` looks at the value the link carries: an
unknown one (a stale or edited link) is explained on the page instead of silently ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

# URL keys (short: they are part of every shared link)
DATASET = "ds"


def check_url_choice(key: str, options: Sequence[str], what: str) -> None:
    """Warn when the link names a ``what`` that is not among ``options``; the default is used instead."""
    value = st.query_params.get(key)
    if value is not None and value not in options:
        st.warning(
            f"This link asks for {what} “{value}”, which does not exist here (the link may be old or edited). "
            f"Showing the default instead; pick one of: {', '.join(options[:12])}{' …' if len(options) > 12 else ''}.",
            icon=":material/link:",
        )
        del st.query_params[key]
