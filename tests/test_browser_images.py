"""The image-similarity page in headless Chromium: the sample link (real EfficientNet-Lite0 features of the 400
faces, computed once by the server) and choosing another image.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
The screenshot lands in tests/artifacts/: look at it.
"""

from __future__ import annotations

import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import after_rerun, set_files
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

from dashboard.app_pages import PAGES

pytestmark = pytest.mark.browser


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


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _shapes() -> dict[str, bytes]:
    """20 pictures: 10 light discs and 10 dark squares, in two sub-folders (their labels)."""
    import io

    import numpy as np
    from PIL import Image

    out, rng = {}, np.random.default_rng(3)
    yy, xx = np.mgrid[:48, :48]
    for i in range(10):
        cy, cx, r = rng.integers(18, 30, size=3)
        disc = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < (r // 2 + 6) ** 2, 230, 40).astype(np.uint8)
        square = np.full((48, 48), 220, np.uint8)
        square[cy - 10:cy + 10, cx - 10:cx + 10] = 30
        for kind, pic in (("discs", disc), ("squares", square)):
            buf = io.BytesIO()
            Image.fromarray(np.stack([pic] * 3, axis=-1)).save(buf, "PNG")
            out[f"{kind}/{i}.png"] = buf.getvalue()
    return out


def test_an_uploaded_zip_becomes_the_collection_and_a_broken_one_is_explained(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/repr_images?m=PCA", height=2600, timeout=300_000)
    page.get_by_text("Upload your own images").click()
    upload = '.st-key-img_upload input[type="file"]'
    set_files(page, upload, [{"name": "junk.zip", "mimeType": "application/zip",
                              "buffer": _zip({"a/x.png": b"a shopping list, not a picture"})}], 1)
    after_rerun(page, page.locator(".st-key-img_add button").click)
    expect(page.get_by_text("junk.zip was not added: zip file 'junk.zip': image 'a/x.png' cannot be read")) \
        .to_be_visible(timeout=30_000)
    assert page.evaluate("() => new URL(location.href).searchParams.get('set')") is None  # still the faces

    set_files(page, upload, [{"name": "shapes.zip", "mimeType": "application/zip", "buffer": _zip(_shapes())}], 1)
    page.locator(".st-key-img_add button").click()
    page.wait_for_function("() => /^[0-9a-f]{12}$/.test(new URL(location.href).searchParams.get('set') || '')",
                           timeout=180_000)  # embedding 20 pictures, then the next run chooses them
    page.wait_for_function(IDLE, timeout=120_000)
    expect(page.get_by_text("Uploaded: 20 images from shapes.zip, embedded with EfficientNet-Lite0")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("of the 8 images most like #0 (discs) show")).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0
    page.screenshot(path=str(artifacts / "repr_images_upload.png"), full_page=True)
    assert not errors, errors
