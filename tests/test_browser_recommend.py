"""The recommendation lab in headless Chromium: interactions uploaded through the form, a bad upload, a visitor
rating a movie in the cold-start table.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
Each test waits for a condition, never a fixed sleep, and saves a screenshot in tests/artifacts/: look at them.
"""

from __future__ import annotations

import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import set_files
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser
TABLE = '[data-testid="stDataFrame"]'
USERS, ITEMS = ("ann", "bob", "cyd", "dee"), ("alpha", "beta", "gamma", "delta", "omega")
RATINGS = ("user,item,rating\n" + "\n".join(
    f"{u},{i},{(a * 7 + b * 3) % 5 + 1}" for a, u in enumerate(USERS) for b, i in enumerate(ITEMS)
    if (u, i) not in {("ann", "omega"), ("bob", "delta")})).encode()


def _url_param(page, key: str) -> str | None:
    return page.evaluate("key => new URL(location.href).searchParams.get(key)", key)


def _upload(page, name: str, data: bytes) -> None:
    page.get_by_text("Upload your own interactions").click()
    set_files(page, '.st-key-ratings_file input[type="file"]', {"name": name, "mimeType": "text/csv", "buffer": data},
              1)
    page.get_by_role("button", name="Add interactions").click()


def test_uploaded_interactions_are_recommended_from_and_kept_in_the_link(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/rec_user", ready=TABLE, height=1600)
    _upload(page, "tastes.csv", RATINGS)
    page.wait_for_function("() => new URL(location.href).searchParams.get('rs')?.startsWith('r-')",
                           timeout=180_000)  # parsing and the first fit of a busy CI machine
    page.wait_for_function(IDLE, timeout=180_000)  # parsing and the first fit of a busy CI machine
    rid = _url_param(page, "rs")
    expect(page.get_by_text("uploaded by you: tastes.csv").first).to_be_visible()
    expect(page.get_by_text("rated 4 items").first).to_be_visible(timeout=180_000)  # ann, the first user
    page.screenshot(path=str(artifacts / "rec-upload.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors
    # a stakeholder's copy of the link opens the same set and user
    again, errors = open_page(f"{server}/rec_user?rs={rid}&user=bob", ready=TABLE)
    expect(again.get_by_text("User bob").first).to_be_visible()
    assert again.locator('[data-testid="stAlert"]').count() == 0 and not errors


def test_an_empty_upload_says_why_and_keeps_the_set(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/rec_matrix", height=1600)
    _upload(page, "empty.csv", b"")
    message = page.get_by_text("empty.csv was not added")
    expect(message).to_be_visible(timeout=30_000)
    expect(message).to_contain_text("empty")
    page.screenshot(path=str(artifacts / "rec-upload-error.png"), full_page=True)
    assert _url_param(page, "rs") is None and not errors


def test_a_visitor_rates_a_movie_and_the_link_keeps_it(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/rec_coldstart?rated=50:5", ready=TABLE, height=1600)
    expect(page.get_by_text("Does it follow your taste?")).to_be_visible(timeout=120_000)  # the whole page ran
    page.wait_for_function(IDLE, timeout=180_000)  # parsing and the first fit of a busy CI machine
    grid = page.locator(TABLE).first
    editor = page.locator('[data-testid="data-grid-overlay-editor"] input, #portal input').first
    for attempt in range(3):  # a click that lands while the grid is still being drawn selects nothing: again
        box = grid.bounding_box()
        # a cell of the "your rating" column (rightmost), a few rows under Star Wars (the rated one, first)
        page.mouse.click(box["x"] + box["width"] - 60, box["y"] + 35 * 3 + 17)
        page.keyboard.press("Enter")  # opens the cell's editor
        try:
            editor.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            page.wait_for_function(IDLE, timeout=60_000)
    editor.fill("4")
    page.screenshot(path=str(artifacts / "rec-coldstart-typing.png"))
    editor.press("Enter")
    page.wait_for_function("() => (new URL(location.href).searchParams.get('rated') || '').split(',').length === 2",
                           timeout=180_000)  # parsing and the first fit of a busy CI machine
    page.wait_for_function(IDLE, timeout=180_000)  # parsing and the first fit of a busy CI machine
    expect(page.get_by_text("You rated 2 movies").first).to_be_visible()
    page.screenshot(path=str(artifacts / "rec-coldstart-rated.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors
