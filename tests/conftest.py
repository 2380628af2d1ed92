"""Shared fixtures. Every test run writes into its own EmbedLab home, never the user's."""

from __future__ import annotations

import os
import tempfile
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


BROWSER_IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"  # no script run in progress


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
