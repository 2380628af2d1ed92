"""The Explore page in headless Chromium: a shared link, hover, a click, a lasso, a download, 3-D, Compare
and the datashader raster.

The server and browser fixtures are test_browser's (one server for this module). The chart is read
through Plotly's own state (``gd._fullData``, ``gd._fullLayout``) and clicked at the pixel Plotly computes
for a point. Each test waits for a condition (never a fixed sleep) and saves a screenshot in
tests/artifacts/: look at them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import after_rerun, set_files
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

from core.explore import decode_rows

pytestmark = pytest.mark.browser
PLOT = "document.querySelector('.js-plotly-plot')"  # the map: the first chart of the page
TABLE_DRAWN = "() => document.querySelectorAll('[data-testid=stDataFrame] td').length > 0"  # cells, not canvas
PIXEL = f"""([trace, i]) => {{  // a point's position on screen, from Plotly's axes
    const gd = {PLOT}, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, t = gd._fullData[trace];
    const r = gd.getBoundingClientRect();
    return {{x: r.left + xa._offset + xa.l2p(t.x[i]), y: r.top + ya._offset + ya.l2p(t.y[i]), row: t.customdata[i]}};
}}"""
PLOT_AREA = f"""() => {{
    const gd = {PLOT}, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
    return [r.left + xa._offset, r.top + ya._offset, xa._length, ya._length];
}}"""
POINTS = f"""() => {{  // every drawn point: row, data x and y, screen x and y
    const gd = {PLOT}, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
    return gd._fullData.filter(t => t.type === 'scattergl' && t.mode === 'markers').flatMap(t =>
        Array.from(t.customdata, (row, i) => [row, t.x[i], t.y[i],
            r.left + xa._offset + xa.l2p(t.x[i]), r.top + ya._offset + ya.l2p(t.y[i])]));
}}"""


@pytest.fixture
def open_page(browser):  # noqa: F811
    """Open a URL in a fresh page, wait for the chart and the end of the run; pages close even if a test fails
    (a page left open keeps its WebGL contexts, of which Chromium allows only a few)."""
    pages = []

    def open_(url: str, timeout: float = 240_000):
        page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
        pages.append(page)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot", timeout=timeout)
        page.wait_for_function(IDLE, timeout=timeout)
        return page, errors

    yield open_
    for page in pages:
        page.close()


def _settled(page, condition: str, arg=None, timeout: float = 60_000) -> None:
    """Wait for ``condition`` (a JS function) and then for the script run it started to end."""
    page.wait_for_function(condition, arg=arg, timeout=timeout)
    page.wait_for_function(IDLE, timeout=120_000)


HOVERS_ROW = f"row => {{ const h = {PLOT}._hoverdata; return !!(h && h.length && h[0].customdata === row); }}"


def _hover_point(page, trace: int, i: int) -> dict:
    """Move the mouse onto point ``i`` of ``trace`` until Plotly hovers that very point, measured anew each
    time (the chart can move while pictures above it load; Plotly throttles its hover handling)."""
    for _ in range(40):
        point = page.evaluate(PIXEL, [trace, i])
        page.mouse.move(point["x"] - 6, point["y"] - 6, steps=2)
        page.mouse.move(point["x"], point["y"], steps=3)
        if page.evaluate(HOVERS_ROW, point["row"]) and page.evaluate(PIXEL, [trace, i]) == point:
            return point
        page.wait_for_timeout(250)
    raise AssertionError(f"Plotly never hovered point {i} of trace {trace}")


def _url_param(page, key: str) -> str | None:
    return page.evaluate("key => new URL(location.href).searchParams.get(key)", key)


def _no_exception(page, errors: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


def test_a_shared_link_shows_matches_neighbours_and_exports(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=digits&pt=5&k=12&q=%5E3&rx=true&lbl=label")
    page.wait_for_function(TABLE_DRAWN, timeout=30_000)  # the neighbour table is drawn
    page.screenshot(path=str(artifacts / "explore_digits.png"), full_page=True)
    traces = page.evaluate(f"() => {PLOT}._fullData.map(t => [t.name, t.customdata ? t.customdata.length : 0])")
    counts = dict(traces)
    assert counts["matches (183)"] == 183 and counts["12 nearest (original space)"] == 12
    assert counts["selected point"] == 1
    assert sum(counts[str(d)] for d in range(10)) == 1797  # every point carries its row for selections
    expect(page.get_by_text("of 12").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("183 of 1,797 points match")).to_be_visible(timeout=30_000)
    for label in ("Figure as HTML", "Figure as PNG", "CSV: all 1,797 rows", "PARQUET: all 1,797 rows"):
        expect(page.get_by_role("button", name=label)).to_be_visible(timeout=30_000)
    _no_exception(page, errors)


def test_hovering_a_digit_shows_its_picture(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=digits")
    tile, caption = page.locator(".hover-thumb .tile"), page.locator(".hover-thumb .cap")
    expect(caption).to_have_text("Hover over a point to see it here.", timeout=30_000)
    point = _hover_point(page, 3, 0)  # the first point of the trace of threes
    expect(tile).to_have_attribute("data-row", str(point["row"]), timeout=30_000)
    expect(caption).to_have_text("3")
    assert "data:image/png" in tile.evaluate("e => e.style.backgroundImage")
    page.screenshot(path=str(artifacts / "explore_hover.png"), full_page=True)
    _no_exception(page, errors)


def test_clicking_a_point_lists_its_neighbours(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris")
    expect(page.get_by_text("Click a point to list its nearest neighbours")).to_be_visible(timeout=30_000)
    for attempt in range(3):  # a click that lands while the chart is redrawn is lost: hover and click again
        point = _hover_point(page, 0, 3)
        page.mouse.click(point["x"], point["y"])
        row = str(point["row"])  # iris ids are the row numbers
        try:
            _settled(page, "row => new URL(location.href).searchParams.get('pt') === row", arg=row, timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.wait_for_function(TABLE_DRAWN, timeout=30_000)
    expect(page.get_by_text(f"(id {row}): its 10 nearest")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "explore_click.png"), full_page=True)
    star = page.evaluate(f"() => {PLOT}._fullData.filter(t => t.name === 'selected point').map(t => t.customdata[0])")
    assert star == [point["row"]]
    _no_exception(page, errors)


def test_a_lasso_selects_the_points_inside_it_and_isolates_them(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris")
    page.hover(".js-plotly-plot")
    page.locator('.js-plotly-plot [data-title="Lasso Select"]').first.click()
    x0, y0, w, h = page.evaluate(PLOT_AREA)
    left, top, right, bottom = x0 + 2, y0 + 2, x0 + w / 3, y0 + h - 2  # the left third of the plot
    inside = {row for row, _, _, px, py in page.evaluate(POINTS) if left < px < right and top < py < bottom}
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in [(right, top), (right, bottom), (left, bottom), (left, top + 2)]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    _settled(page, "() => new URL(location.href).searchParams.has('sel')")
    assert 0 < len(inside) < 150
    assert set(decode_rows(_url_param(page, "sel"), 150).tolist()) == inside
    isolate = page.get_by_role("button", name=f"Isolate selection ({len(inside)})")
    isolate.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "explore_lasso.png"), full_page=True)
    page.wait_for_function(IDLE, timeout=120_000)
    isolate.click()
    _settled(page, "() => { const p = new URL(location.href).searchParams; return p.has('iso') && !p.has('sel'); }")
    title = f"PCA of iris ({len(inside)} isolated rows)"
    page.wait_for_function(f"t => {PLOT}._fullLayout.title.text.includes(t)", arg=title, timeout=30_000)
    assert page.evaluate(f"() => {PLOT}._fullData.reduce((n, t) => n + t.customdata.length, 0)") == len(inside)
    page.screenshot(path=str(artifacts / "explore_isolated.png"), full_page=True)
    _no_exception(page, errors)


def test_the_csv_download_holds_the_drawn_coordinates(server, open_page, tmp_path):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris")
    drawn = {row: (x, y) for row, x, y, _, _ in page.evaluate(POINTS)}
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="CSV: all 150 rows").click()
    assert download.value.suggested_filename == "iris-pca-all.csv"
    path = tmp_path / "rows.csv"
    download.value.save_as(path)
    frame = pd.read_csv(path, dtype={"id": str})
    assert frame.shape == (150, 8) and list(frame.columns[:4]) == ["x", "y", "id", "label"]
    expected = np.array([drawn[int(i)] for i in frame["id"]])
    np.testing.assert_allclose(frame[["x", "y"]].to_numpy(), expected, rtol=1e-5, atol=1e-6)
    assert frame["label"].value_counts().to_dict() == {"setosa": 50, "versicolor": 50, "virginica": 50}
    _no_exception(page, errors)


def test_a_3d_link_draws_a_webgl_scene(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris&d=3-D")
    page.wait_for_function(f"() => {PLOT}._fullLayout.scene && {PLOT}._fullLayout.scene._scene", timeout=30_000)
    page.screenshot(path=str(artifacts / "explore_3d.png"), full_page=True)
    assert set(page.evaluate(f"() => {PLOT}._fullData.map(t => t.type)")) == {"scatter3d"}
    assert page.locator(".js-plotly-plot .gl-container canvas").count() == 1
    expect(page.get_by_text("use the chart's camera button")).to_be_visible(timeout=30_000)
    assert page.get_by_role("button", name="Figure as PNG").count() == 0
    _no_exception(page, errors)


def test_compare_draws_three_methods_with_the_same_point(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris&view=Compare&pt=3", timeout=300_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 4", timeout=60_000)
    page.wait_for_function(TABLE_DRAWN, timeout=30_000)
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(2, timeout=60_000)
    page.screenshot(path=str(artifacts / "explore_compare.png"), full_page=True)
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'), "
                           "gd => (gd._fullLayout.title || {}).text || '')")
    assert [t.replace("<b>", "").replace("</b>", "") for t in titles[:3]] == ["PCA", "t-SNE", "UMAP"]
    stars = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).slice(0, 3).map(gd => "
                          "gd._fullData.filter(t => t.name === 'selected point').map(t => t.customdata[0]))")
    assert stars == [[3], [3], [3]]
    _no_exception(page, errors)


def test_a_big_dataset_is_a_raster_with_the_word_and_its_neighbours(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=glove-400k&pt=king", timeout=180_000)
    page.wait_for_function(f"() => {PLOT}._fullLayout.images.length === 1", timeout=60_000)
    page.wait_for_function(TABLE_DRAWN, timeout=30_000)
    page.screenshot(path=str(artifacts / "explore_glove400k.png"), full_page=True)
    image = page.locator(".js-plotly-plot .imagelayer image")
    assert image.count() == 1 and image.get_attribute("href").startswith("data:image/png;base64,")
    expect(page.get_by_text("400,000 points drawn as an image (datashader)")).to_be_visible(timeout=30_000)
    cells = page.evaluate("() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] td'), "
                          "c => c.textContent)")
    assert {"queen", "prince"} <= set(cells)
    names = page.evaluate(f"() => {PLOT}._fullData.map(t => t.name)")
    assert "selected point" in names and "10 nearest (original space)" in names
    _no_exception(page, errors)


def test_an_uploaded_csv_becomes_the_dataset_and_a_broken_one_is_explained(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/explore?ds=iris")
    page.get_by_text("Upload your own embeddings").click()
    upload = '.st-key-upload_main input[type="file"]'
    broken = b"a,b,c\n1,2,3\n4,nan,6\n7,8,9\n"
    set_files(page, upload, [{"name": "broken.csv", "mimeType": "text/csv", "buffer": broken}], 1)
    expect(page.get_by_text("broken.csv", exact=True)).to_be_visible(timeout=30_000)
    after_rerun(page, page.get_by_role("button", name="Add to workspace").click)
    expect(page.get_by_text("broken.csv was not added:")).to_be_visible(timeout=30_000)
    assert _url_param(page, "ds") == "iris"  # nothing saved, the view unchanged

    rng = np.random.default_rng(4)
    rows = "\n".join(f"{a:.4f},{b:.4f},{c:.4f},{'up' if a > 0 else 'down'}" for a, b, c in rng.normal(size=(30, 3)))
    good = f"x,y,z,label\n{rows}\n".encode()
    set_files(page, upload, [{"name": "good.csv", "mimeType": "text/csv", "buffer": good}], 1)
    expect(page.get_by_text("good.csv", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Add to workspace").click()
    _settled(page, "() => /^[0-9a-f]{12}$/.test(new URL(location.href).searchParams.get('ds') || '')")
    expect(page.get_by_text("30 × 3 (upload) · good: uploaded from good.csv")).to_be_visible(timeout=30_000)
    page.wait_for_function(f"() => {PLOT}._fullData.reduce((n, t) => n + (t.customdata || []).length, 0) === 30",
                           timeout=60_000)
    assert page.get_by_text("broken.csv was not added:").count() == 0
    page.screenshot(path=str(artifacts / "explore_upload.png"), full_page=True)
    _no_exception(page, errors)
