"""Shared fixtures. Every test run writes into its own EmbedLab home, never the user's."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

# Set before any test imports core, so the workspace and cache land in a throwaway folder; numba's
# compiled-code cache is shared with `make` (warm-up) so UMAP tests do not compile again.
_HOME = Path(tempfile.mkdtemp(prefix="embedlab-test-home-"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".embedlab" / "numba"))
os.environ["EMBEDLAB_HOME"] = str(_HOME)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty EmbedLab home for one test (workspace and cache)."""
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def fake_encoder():
    """Deterministic stand-in for MiniLM / EfficientNet: 8-d vectors from the input's hash."""

    def encode(items, progress=None):
        out = []
        for item in items:
            key = item if isinstance(item, str) else bytes(np.asarray(item).tobytes()[:4096])
            rng = np.random.default_rng(abs(hash(key)) % (2**32))
            out.append(rng.normal(size=8))
        return np.asarray(out, dtype=np.float32)

    return encode


@pytest.fixture(scope="session")
def foldoc():
    """The FOLDOC corpus (as `make` fetches it), or a skip that says how to get it. Modules that need more (an
    index, a ranker) define their own ``foldoc`` on top of this one."""
    from core.errors import InputError
    from core.search.corpus import load_corpus

    try:
        return load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# The app's script state, as Streamlit's frontend writes it on its root ("initial", "running", "notRunning",
# ...): it changes the moment a run starts or ends. (The status widget is no sign of idleness: with the minimal
# toolbar it never shows, and it shows only after a run has gone on for a while.)
SCRIPT_STATE = "document.querySelector('[data-testid=stApp]')?.dataset.testScriptState"
BROWSER_IDLE = f"() => {SCRIPT_STATE} === 'notRunning'"  # the script has run, and no run is in progress
RUNS_STARTED = """() => {  // script runs started since this page first asked (a run starts shortly after an action)
    const app = document.querySelector('[data-testid=stApp]');
    if (window.__runsApp !== app) {
        window.__runsApp = app; window.__runs = 0;
        // each change's new value is the next record's old value (the last one's is the attribute now): a short
        // run may have started and ended between two deliveries
        new MutationObserver(records => records.forEach((r, i) => {
            const now = i + 1 < records.length ? records[i + 1].oldValue : app.getAttribute('data-test-script-state');
            if (now === 'running' && r.oldValue !== 'running') window.__runs++;
        })).observe(app, {attributeFilter: ['data-test-script-state'], attributeOldValue: true});
    }
    return window.__runs;
}"""


def set_files(page, selector: str, files, count: int, timeout: float = 60_000) -> None:
    """Give the file input ``selector`` ``files`` (what Playwright's ``set_input_files`` takes: paths, a folder,
    or name/mimeType/buffer dicts) and wait until the browser has sent all ``count`` of them to the server. A
    form's submit button waits for its uploads; a plain button does not, so a test must."""
    sent, refused = [], []

    def answered(response) -> None:
        if "upload_file" in response.url and response.request.method == "PUT":
            (sent if response.ok else refused).append(f"{response.status} {response.url}")

    page.on("response", answered)
    try:
        page.locator(selector).set_input_files(files)
        deadline = time.monotonic() + timeout / 1000
        while len(sent) + len(refused) < count and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # polls the browser's events (Python-side state: no JS condition to wait on)
        assert not refused and len(sent) >= count, f"{len(sent)} of {count} files accepted; refused: {refused}"
    finally:
        page.remove_listener("response", answered)
    page.wait_for_function(BROWSER_IDLE, timeout=120_000)  # the run a new file starts, if it has begun


def after_rerun(page, action, timeout: float = 180_000) -> None:
    """Do ``action()`` (a click, a key press...) and wait until a script run has started after it and no run
    is in progress. Waiting for idleness alone could pass before the action's run has even begun.

    An action taken while a run is still going (one an upload started, say) is folded into that run or the
    next without the state ever leaving "running": then the end of the running is what is waited for."""
    page.wait_for_function(BROWSER_IDLE, timeout=timeout)
    runs = page.evaluate(RUNS_STARTED)
    busy = page.evaluate(f"() => {SCRIPT_STATE} !== 'notRunning'")
    action()
    page.wait_for_function(f"([n, busy]) => (window.__runs > n || busy) && {SCRIPT_STATE} === 'notRunning'",
                           arg=[runs, busy], timeout=timeout)


@pytest.fixture
def open_page(browser):
    """For browser tests (``browser`` is test_browser's fixture, imported by each browser module): open a URL
    in a fresh page and wait for ``ready`` (a selector) and the end of the run. Pages close even if a test
    fails (a page left open keeps its WebGL contexts, of which Chromium allows only a few)."""
    pages = []

    def open_(url: str, ready: str = ".js-plotly-plot", timeout: float = 240_000, height: int = 1200):
        page = browser.new_page(viewport={"width": 1400, "height": height})
        pages.append(page)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector(ready, timeout=timeout)
        page.wait_for_function(BROWSER_IDLE, timeout=timeout)
        return page, errors

    yield open_
    for page in pages:
        page.close()


PLOT_AREA = """sel => {  // the plot area on screen, and its drag mode
    const gd = document.querySelector(sel), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const r = gd.getBoundingClientRect();
    return {left: r.left + xa._offset, top: r.top + ya._offset, width: xa._length, height: ya._length,
            dragmode: gd._fullLayout.dragmode};
}"""
PIXEL_TO_DATA = """([sel, px, py]) => {  // a pixel on screen -> the plot's data coordinates
    const gd = document.querySelector(sel), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const r = gd.getBoundingClientRect();
    return [xa.p2l(px - r.left - xa._offset), ya.p2l(py - r.top - ya._offset)];
}"""
HOVERED = """sel => {  // the point Plotly hovers: [trace, index], or null
    const h = document.querySelector(sel)._hoverdata;
    return h && h.length ? [h[0].curveNumber, h[0].pointNumber] : null;
}"""
HOVER_SETTLE_MS = 150  # Plotly handles a mouse move at most every 50 ms (HOVERMINTIME); the last one lands after
HAS_PARAM = "key => new URL(location.href).searchParams.has(key)"
CLICK_SPY = """sel => {  // record every point Plotly reports clicked on this chart (in window.__plotClicks)
    const gd = document.querySelector(sel);
    window.__plotClicks = window.__plotClicks || [];
    if (!gd.__clickSpy) { gd.on('plotly_click', d => d.points.forEach(p => window.__plotClicks.push([p.x, p.y])));
                          gd.__clickSpy = true; }
}"""
CLICKS = "() => window.__plotClicks || []"
PARAM_IS_CLICKED = """key => {  // the link carries "x,y" (three decimals, as the pages write it) of a clicked point
    const v = new URL(location.href).searchParams.get(key);
    if (!v) return false;
    const [a, b] = v.split(',').map(Number);
    return (window.__plotClicks || []).some(([x, y]) => Math.abs(a - x) < 2e-3 && Math.abs(b - y) < 2e-3);
}"""


@pytest.fixture
def click_plot():
    """For browser tests: click a Plotly chart at a fraction (``fx``, ``fy``) of its plot area (from the top
    left) and wait until the click's rerun has put ``url_key`` in the link and ended. Returns the data
    (clicked, aimed): the data coordinates of every point Plotly reports clicked (its ``plotly_click`` events:
    one click, unless a retry was needed), of which the page should decode one, and of the pixel the mouse
    was aimed at, which the decoded point should lie within a grid step of.

    Plotly clicks the point it hovers, so the mouse hovers first, and clicks only once the chart has stood
    still between aiming and hovering (a picture loading above it can move it). A click that lands while
    the chart is being redrawn is lost, so it tries again; a click whose rerun only starts after the wait
    (a busy machine) is recognised on the next attempt."""

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def aim(page, sel: str, fx: float, fy: float) -> tuple[float, float]:
        for _ in range(40):
            area = page.evaluate(PLOT_AREA, sel)
            x, y = area["left"] + fx * area["width"], area["top"] + fy * area["height"]
            page.mouse.move(x - 6, y - 6, steps=2)
            page.mouse.move(x, y, steps=3)
            page.evaluate(CLICK_SPY, sel)  # on the chart as it is now (a redraw may have replaced it)
            # A click selects the point hovered *before* it: a stale hover (from the move on the way) would make
            # the selection another point than the one the click reports. So: the same point hovered twice,
            # after the last move has surely been handled, on a chart that has not moved.
            page.wait_for_timeout(HOVER_SETTLE_MS)
            hovered = page.evaluate(HOVERED, sel)
            page.wait_for_timeout(HOVER_SETTLE_MS)
            if hovered and page.evaluate(HOVERED, sel) == hovered and page.evaluate(PLOT_AREA, sel) == area:
                break
            page.wait_for_timeout(250)
        return x, y

    def clicked(page, url_key: str, aimed: list[float]) -> tuple[list[list[float]], list[float]]:
        points = page.evaluate(CLICKS)
        if not points:
            return [aimed], aimed
        try:  # a retried click's rerun may set the link after the first one's
            page.wait_for_function(PARAM_IS_CLICKED, arg=url_key, timeout=20_000)
            page.wait_for_function(BROWSER_IDLE, timeout=120_000)
        except PlaywrightTimeout:
            pass  # the test's own check says what the link holds instead
        return page.evaluate(CLICKS), aimed

    def click(page, sel: str, fx: float, fy: float, url_key: str, attempts: int = 3):
        assert not page.evaluate(HAS_PARAM, url_key), f"{url_key} is in the link before the click"
        aimed = None
        for attempt in range(attempts):
            page.wait_for_function(BROWSER_IDLE, timeout=120_000)
            if aimed is not None and page.evaluate(HAS_PARAM, url_key):
                return clicked(page, url_key, aimed)  # the previous click's rerun came late, and has ended
            x, y = aim(page, sel, fx, fy)
            aimed = page.evaluate(PIXEL_TO_DATA, [sel, x, y])
            page.mouse.click(x, y)
            try:
                page.wait_for_function(HAS_PARAM, arg=url_key, timeout=20_000)
                page.wait_for_function(BROWSER_IDLE, timeout=120_000)
                return clicked(page, url_key, aimed)
            except PlaywrightTimeout:
                if attempt == attempts - 1:
                    raise
        return clicked(page, url_key, aimed)

    return click
