"""The lessons in headless Chromium: a click in the VAE's latent plane, training from the page, and the
t-SNE lab's sweep slider.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this
module: the lab's first render computes its t-SNE maps, so the timeouts are generous). Charts are read
through Plotly's own state (``gd._fullLayout``, ``gd._fullData``); each test waits for a condition, never
a fixed sleep, and saves a screenshot of the part it checks in tests/artifacts/: look at them.
"""

from __future__ import annotations

import re

import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import PLOT_AREA, after_rerun
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser
LATENT = ".st-key-ae_latent .js-plotly-plot"  # Streamlit puts a widget's key in its container's classes
BIG = ".st-key-lab_big .js-plotly-plot"
TITLE = "sel => document.querySelector(sel)._fullLayout.title.text.replace(/<\\/?b>/g, '')"


def _settled(page, condition: str, arg=None, timeout: float = 30_000) -> None:
    """Wait for ``condition`` (a JS function) and then for the script run it started to end."""
    page.wait_for_function(condition, arg=arg, timeout=timeout)
    page.wait_for_function(IDLE, timeout=120_000)


def _url_param(page, key: str) -> str | None:
    return page.evaluate("key => new URL(location.href).searchParams.get(key)", key)


def _no_exception(page, errors: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


def test_a_click_in_the_latent_plane_decodes_that_point(server, open_page, click_plot, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/autoencoders", ready=LATENT)
    expect(page.get_by_text("Click anywhere in the plane on the right to decode that point.")).to_be_visible()
    page.locator(LATENT).scroll_into_view_if_needed()
    assert page.evaluate(PLOT_AREA, LATENT)["dragmode"] == "pan"  # where a click selects the point under the mouse
    clicked, aimed = click_plot(page, LATENT, 0.7, 0.3, "z")  # up and right of the middle
    z1, z2 = (float(v) for v in _url_param(page, "z").split(","))
    assert any(abs(z1 - x) < 2e-3 and abs(z2 - y) < 2e-3 for x, y in clicked), ((z1, z2), clicked)  # a point clicked
    # the grid steps 0.168: the point decoded is the one under the mouse (half a step away at most), not a neighbour
    assert abs(z1 - aimed[0]) < 0.12 and abs(z2 - aimed[1]) < 0.12, ((z1, z2), aimed)
    assert z1 > 0 and z2 > 0  # up and right of the middle, where the mouse was
    caption = page.get_by_text(re.compile(r"^decoded at z = \("))
    expect(caption).to_have_text(f"decoded at z = ({z1:.2f}, {z2:.2f})", timeout=30_000)
    decoded = page.locator('[data-testid="stImage"]').filter(has_text="decoded at z =").locator("img")
    expect(decoded).to_have_count(1)
    expect(decoded).to_have_js_property("complete", True, timeout=30_000)
    assert decoded.evaluate("img => img.naturalWidth > 0")
    star = page.evaluate(f"() => document.querySelector('{LATENT}')._fullData"
                         ".filter(t => t.name === 'decoded point').map(t => [t.x[0], t.y[0]])")
    assert star == [[pytest.approx(z1, abs=1e-3), pytest.approx(z2, abs=1e-3)]]
    assert page.get_by_text("Click anywhere in the plane on the right to decode that point.").count() == 0
    caption.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "autoencoders_decode.png"))
    _no_exception(page, errors)


def test_training_from_the_page_draws_its_loss_and_scores_it(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/autoencoders?ep=2")
    train = page.get_by_role("button", name="Train")
    train.scroll_into_view_if_needed()
    assert _url_param(page, "tr") is None
    expect(page.get_by_text("Training starts from fresh random weights")).to_be_visible()
    train.click()
    _settled(page, "() => new URL(location.href).searchParams.get('tr') === '1'", timeout=30_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="your model: held-out MSE")
    expect(metric).to_have_count(1, timeout=180_000)
    page.wait_for_function(IDLE, timeout=120_000)
    value = float(metric.locator('[data-testid="stMetricValue"]').inner_text())
    assert 0 < value < 0.5
    loss = ".st-key-loss_final .js-plotly-plot"
    expect(page.locator(loss)).to_have_count(1)
    curve = page.evaluate(f"() => document.querySelector('{loss}')._fullData.map(t => Array.from(t.y))")
    assert len(curve) == 1 and len(curve[0]) == 2 and curve[0][1] < curve[0][0]  # two epochs, the loss falls
    assert _url_param(page, "ep") == "2"
    assert page.locator('[data-testid="stProgress"]').count() == 0  # the bar is gone once trained
    assert page.get_by_text("Training starts from fresh random weights").count() == 0
    page.locator(loss).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "autoencoders_train.png"))
    _no_exception(page, errors)


def test_the_sweep_slider_picks_the_big_map(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/sne_lab", ready=BIG, timeout=300_000)
    assert page.evaluate(TITLE, BIG) == "t-SNE, perplexity 30"
    assert _url_param(page, "sv") is None  # the default is not in the link
    thumb = page.locator(".st-key-sv input[type=range]")
    expect(thumb).to_have_attribute("aria-valuetext", "perplexity 30")
    thumb.focus()
    after_rerun(page, lambda: page.keyboard.press("ArrowLeft"), timeout=300_000)  # the link changes first
    _settled(page, "() => new URL(location.href).searchParams.get('sv') === 'perplexity 10'")
    page.wait_for_function(f"s => ({TITLE})(s) === 't-SNE, perplexity 10'", arg=BIG, timeout=30_000)
    expect(thumb).to_have_attribute("aria-valuetext", "perplexity 10")
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "sne_lab_slider.png"))
    _no_exception(page, errors)


def test_a_new_sweep_resets_the_slider_and_its_link_reopens_cleanly(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/sne_lab?sv=perplexity+5", ready=BIG, timeout=300_000)
    assert page.evaluate(TITLE, BIG) == "t-SNE, perplexity 5"
    after_rerun(page, page.locator(".st-key-sw").get_by_text("min_dist", exact=True).click, timeout=300_000)
    _settled(page, "() => new URL(location.href).searchParams.get('sw') === 'min_dist'")
    page.wait_for_function(f"s => ({TITLE})(s) === 'UMAP, min dist 0.1'", arg=BIG, timeout=300_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert _url_param(page, "sv") is None  # the old sweep's value left the link (the new one is the default)
    expect(page.locator(".st-key-sv input[type=range]")).to_have_attribute("aria-valuetext", "min dist 0.1")
    assert page.locator('[data-testid="stAlert"]').count() == 0
    _no_exception(page, errors)
    again, errors = open_page(page.url, ready=BIG)  # the link it now shows opens the same view
    assert again.evaluate(TITLE, BIG) == "UMAP, min dist 0.1"
    assert again.locator('[data-testid="stAlert"]').count() == 0
    again.screenshot(path=str(artifacts / "sne_lab_min_dist.png"))
    _no_exception(again, errors)
