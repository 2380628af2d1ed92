"""The generative lab in headless Chromium: a sketch uploaded to the image-to-image page (and a bad one), and the
train-your-own page stepped by its buttons.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
Screenshots land in tests/artifacts/: look at them.
"""

from __future__ import annotations

import io
import re

import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import set_files
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser


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
    expect(page.locator('.js-plotly-plot')).to_have_count(2, timeout=60_000)  # the held-out digits are still there
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
    page.wait_for_function(IDLE, timeout=120_000)
    page.locator(".st-key-gan_step_g button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("2", timeout=60_000)
    page.wait_for_function(IDLE, timeout=120_000)
    page.locator(".st-key-gan_run button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("12", timeout=120_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('gsteps') === 'd1g1b10'", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "gen_train-stepped.png"), full_page=True)
    assert not errors, errors


def test_a_folder_of_pictures_is_uploaded_and_trained_on(server, open_page, artifacts, tmp_path):  # noqa: F811
    import numpy as np
    from PIL import Image

    folder = tmp_path / "pebbles"
    folder.mkdir()
    rng = np.random.default_rng(2)
    for i in range(20):  # light blobs on dark ground, as photos of one kind of thing
        yy, xx = np.mgrid[:48, :48]
        cy, cx, r = rng.integers(16, 32), rng.integers(16, 32), rng.integers(8, 14)
        pic = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r * r, 220, 30).astype(np.uint8)
        Image.fromarray(np.stack([pic] * 3, axis=-1)).save(folder / f"pebble-{i}.png")
    page, errors = open_page(f"{server}/gen_train", height=2000)
    page.get_by_text("Upload your own pictures").click()
    set_files(page, '.st-key-gan_folder input[type="file"]', str(folder), 20)  # a browser folder pick
    expect(page.get_by_text("pebble-0.png")).to_be_visible(timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.locator(".st-key-gan_add button").click()
    page.wait_for_function("() => (new URL(location.href).searchParams.get('gset') || '').length > 0 && "
                           "new URL(location.href).searchParams.get('gset') !== 'mnist-5k'", timeout=180_000)
    page.wait_for_function(IDLE, timeout=120_000)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Training pictures")
           .locator('[data-testid="stMetricValue"]')).to_have_text("20", timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    expect(page.get_by_text(re.compile(r"^Uploaded: pebbles: 20 images from pebbles"))).to_be_visible()
    page.locator(".st-key-gan_step_d button").click()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("1", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.screenshot(path=str(artifacts / "gen_train-folder.png"), full_page=True)
    assert not errors, errors


def test_a_long_link_asks_before_it_trains(server, open_page, artifacts):  # noqa: F811
    from core.device import resolve_device
    from core.generate import custom
    from dashboard.components.gan_train import ASK_SECONDS

    device = resolve_device(None)  # as the server resolves it
    steps = min(custom.limits(device).total, int(3 * ASK_SECONDS / custom.estimate_seconds(32, 32, device)) + 1)
    page, errors = open_page(f"{server}/gen_train?gsteps=b{steps}&gseed=1", ready=".st-key-gan_replay button")
    expect(page.get_by_text(f"This link shares a model trained for {steps:,} steps")).to_be_visible()
    assert page.locator(".js-plotly-plot").count() == 0  # nothing trains until asked
    page.screenshot(path=str(artifacts / "gen_train-ask.png"), full_page=True)
    page.locator(".st-key-gan_no_replay button").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('gsteps')", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    page.wait_for_function(IDLE, timeout=60_000)
    assert _steps(page) == "0" and page.evaluate("() => new URL(location.href).searchParams.get('gseed')") == "1"
    assert not errors, errors


def test_a_run_shows_its_samples_as_they_train(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/gen_train?grun=100&gseed=6", height=1400)
    page.locator(".st-key-gan_run button").click()
    live = page.locator('[data-testid="stImage"]').filter(has_text="as they train")
    expect(live).to_have_count(1, timeout=60_000)  # drawn during the run, about once a second
    page.screenshot(path=str(artifacts / "gen_train-live.png"))
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("100", timeout=180_000)
    page.wait_for_function(IDLE, timeout=60_000)
    expect(live).to_have_count(0)  # gone at the end: the samples chart shows the trained generator
    assert not errors, errors
