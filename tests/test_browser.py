"""Real-browser tests: the running app in headless Chromium, every page, screenshots kept.

Chromium is Debian's (`make test` installs it); Playwright drives it without downloading a browser.
Screenshots land in tests/artifacts/ (ignored by git): look at them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard.app_pages import PAGES

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("EMBEDLAB_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "EMBEDLAB_HOME": str(tmp_path_factory.mktemp("home"))}
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", "--headless", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    else:
        proc.kill()
    if proc.poll() is not None:
        log.seek(0)
        pytest.fail(f"the dashboard did not start:\n{log.read()[-3000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(open_page, url: str, shot: Path):
    """Open ``url`` (closed by the fixture after the test), wait for a chart and the end of the script's run
    (a first render may compute for minutes on a busy machine) and for its pictures, then screenshot it."""
    page, errors = open_page(url, timeout=300_000, height=1800)
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=60_000)
    page.screenshot(path=str(shot), full_page=True)
    assert page.get_by_text("Page not found").count() == 0, f"{url} is not a page of the app"
    return page, errors


def _path(spec) -> str:
    return "" if spec.default else spec.url_path  # the default page lives at the root


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_renders_without_errors(server, open_page, artifacts, spec):
    page, errors = _open(open_page, f"{server}/{_path(spec)}", artifacts / f"{spec.url_path}.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text(spec.title).first.is_visible()
    assert not errors, errors


@pytest.mark.parametrize("spec", [p for p in PAGES if p.sample_query], ids=lambda p: p.url_path)
def test_a_shared_link_opens_the_same_view(server, open_page, artifacts, spec):
    page, _ = _open(open_page, f"{server}/{_path(spec)}?{spec.sample_query}", artifacts / f"{spec.url_path}-link.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    key, value = spec.sample_query.split("&")[0].split("=")
    assert value in page.url
    assert page.locator('[data-testid="stAlert"]').count() == 0


def test_a_tampered_link_shows_a_message(server, open_page, artifacts):
    page, _ = _open(open_page, f"{server}/?ds=../../etc/passwd", artifacts / "home-tampered.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("does not exist here").is_visible()
