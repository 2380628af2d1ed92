"""The generative lab in headless Chromium: a sketch uploaded to the image-to-image page (and a bad one), and the
train-your-own page stepped by its buttons.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
Screenshots land in tests/artifacts/: look at them.
"""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"  # no script run in progress


def _seven() -> bytes:
    """A hand-drawn-looking 7: thick dark strokes on light paper, as a phone photo of a sketch would be."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (240, 240), (236, 232, 224))
    draw = ImageDraw.Draw(im)
    draw.line([(60, 50), (180, 55), (110, 200)], fill=(30, 30, 40), width=22, joint="curve")
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _upload(page, name: str, data: bytes, mime: str = "image/png") -> None:
    page.locator('.st-key-p2p_sketch input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_a_sketch_is_translated_and_a_bad_one_is_explained(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/gen_pix2pix", height=2200)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=120_000)
    _upload(page, "seven.png", _seven())
    expect(page.get_by_text("Translated your sketch")).to_be_visible(timeout=120_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "gen_pix2pix-sketch.png"), full_page=True)

    _upload(page, "notes.png", b"this is a shopping list, not a picture")
    expect(page.get_by_text("'notes.png' cannot be read as an image")).to_be_visible(timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert page.locator('.js-plotly-plot').count() == 2  # the held-out digits are still there
    page.screenshot(path=str(artifacts / "gen_pix2pix-bad-sketch.png"), full_page=True)
    assert not errors, errors


def _steps(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_the_step_buttons_train_and_the_link_follows(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/gen_train?grun=10&gseed=5", height=2000)
    assert _steps(page) == "0"
    page.locator(".st-key-gan_step_d button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("1", timeout=60_000)
    expect(page.get_by_text("Last update: discriminator step (step 1)")).to_be_visible(timeout=30_000)
    page.locator(".st-key-gan_step_g button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("2", timeout=60_000)
    page.locator(".st-key-gan_run button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("12", timeout=120_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('gsteps') === 'd1g1b10'", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "gen_train-stepped.png"), full_page=True)
    assert not errors, errors
