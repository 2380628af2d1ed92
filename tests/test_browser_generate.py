"""The generative lab's latent slice in headless Chromium: a click on the decoded grid decodes that point.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
The chart is read through Plotly's own state (``gd._fullLayout``, ``gd._fullData``); each step waits for a
condition, never a fixed sleep. Screenshots land in tests/artifacts/: look at them.
"""

from __future__ import annotations

import re

import pytest
from conftest import BROWSER_IDLE as IDLE
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser
SLICE = ".st-key-gen_slice_grid .js-plotly-plot"  # Streamlit puts a widget's key in its container's classes
STAR = f"""() => document.querySelector('{SLICE}')._fullData
    .filter(t => t.name === 'decoded point').map(t => [t.x[0], t.y[0]])"""


def _url_param(page, key: str) -> str | None:
    return page.evaluate("key => new URL(location.href).searchParams.get(key)", key)


def test_a_click_on_the_slice_decodes_that_point(server, open_page, click_plot, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/gen_slice?gm=mnist-dcgan&ctr=origin&ext=6", ready=SLICE, height=1300)
    hint = page.get_by_text("Click anywhere in the grid to decode that point, large, with its nearest training image.")
    expect(hint).to_be_visible()
    page.screenshot(path=str(artifacts / "gen_slice_before_click.png"))
    page.locator(SLICE).scroll_into_view_if_needed()
    clicked, aimed = click_plot(page, SLICE, 0.75, 0.3, "at")  # up and right of the middle
    px, py = (float(v) for v in _url_param(page, "at").split(","))
    assert any(abs(px - x) < 2e-3 and abs(py - y) < 2e-3 for x, y in clicked), ((px, py), clicked)  # a point clicked
    # the lattice is 41 x 41 over 9 cells of 1.5 (a step of 0.34): the point decoded is the one under the mouse,
    # half a step away at most, not a neighbour
    assert abs(px - aimed[0]) < 0.25 and abs(py - aimed[1]) < 0.25, ((px, py), aimed)
    assert px > 1.5 and py > 0.5  # right of and above the centre, where the mouse was
    caption = page.get_by_text(re.compile(r"^decoded at \("))
    expect(caption).to_have_text(f"decoded at ({px:.2f}, {py:.2f})", timeout=30_000)
    decoded = page.locator('[data-testid="stImage"]').filter(has_text="decoded at (").locator("img")
    expect(decoded).to_have_count(1)
    expect(decoded).to_have_js_property("complete", True, timeout=30_000)
    assert decoded.evaluate("img => img.naturalWidth > 0")
    nearest = page.locator('[data-testid="stImage"]').filter(has_text="nearest training image").locator("img")
    expect(nearest).to_have_count(1)
    expect(page.get_by_text(f"The point ({px:.2f}, {py:.2f})")).to_be_visible()
    expect(page.get_by_text("RMS distance to it")).to_be_visible()
    assert page.evaluate(STAR) == [[pytest.approx(px, abs=1e-3), pytest.approx(py, abs=1e-3)]]
    assert hint.count() == 0
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "gen_slice_clicked.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors

    page.reload(wait_until="domcontentloaded")  # the link carries the point: a reload shows it again
    page.wait_for_selector(SLICE, timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    expect(page.get_by_text(f"decoded at ({px:.2f}, {py:.2f})")).to_be_visible(timeout=30_000)
