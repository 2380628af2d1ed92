"""The image-similarity page in headless Chromium: the sample link (real EfficientNet-Lite0 features of the 400
faces, computed once by the server) and choosing another image.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
The screenshot lands in tests/artifacts/: look at it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

from dashboard.app_pages import PAGES

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"  # no script run in progress


def test_the_sample_link_shows_similar_faces_and_another_image_updates_them(server, open_page, artifacts):  # noqa: F811
    spec = next(p for p in PAGES if p.file == "repr_images.py")
    page, errors = open_page(f"{server}/{spec.url_path}?{spec.sample_query}", height=2600)
    expect(page.get_by_text("of the 8 images most like #12")).to_be_visible(timeout=240_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "repr_images.png"), full_page=True)

    box = page.locator(".st-key-img input")
    box.fill("37")
    box.press("Enter")
    expect(page.get_by_text("of the 8 images most like #37")).to_be_visible(timeout=60_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('img') === '37'", timeout=30_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.screenshot(path=str(artifacts / "repr_images_37.png"), full_page=True)
    assert not errors, errors
