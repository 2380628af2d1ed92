"""One way for every AppTest module to open a page of the app: ``open_page("eigenfaces.py", k="35")``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "streamlit_app.py")


def open_page(file: str | None = None, timeout: float = 300, check: bool = True, **query: str) -> AppTest:
    """Run the app once on page ``file`` (in dashboard/app_pages/; None = the default page) with ``query`` as
    the link's parameters; with ``check``, fail on any exception the page raised."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if file:
        at.switch_page(f"app_pages/{file}")
    for key, value in query.items():
        at.query_params[key] = value  # after switch_page, or bound widgets lose them
    at.run()
    if check:
        assert not at.exception, at.exception
    return at
