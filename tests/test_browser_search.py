"""The search lab in headless Chromium: uploading a corpus through the form, a bad upload, typing a query.

The server and browser fixtures are test_browser's (one server, with an empty EmbedLab home, for this module).
Each test waits for a condition, never a fixed sleep, and saves a screenshot in tests/artifacts/: look at them.
"""

from __future__ import annotations

import pytest
from conftest import BROWSER_IDLE as IDLE
from conftest import after_rerun, set_files
from playwright.sync_api import expect
from test_browser import browser, server  # noqa: F401  (module-scoped fixtures: one server for this module)

pytestmark = pytest.mark.browser
CORPUS = (b"id,title,text,links\n"
          b"a,Alpha,alpha particles and radiation,b|c\n"
          b"b,Beta,beta decay emits electrons,a\n"
          b"c,Gamma,gamma rays are photons,a\n")


def _url_param(page, key: str) -> str | None:
    return page.evaluate("key => new URL(location.href).searchParams.get(key)", key)


def _upload(page, name: str, data: bytes) -> None:
    page.get_by_text("Upload your own corpus").click()
    set_files(page, '.st-key-corpus_file input[type="file"]', {"name": name, "mimeType": "text/csv", "buffer": data}, 1)
    page.get_by_role("button", name="Add corpus").click()


def test_a_corpus_uploaded_through_the_form_is_searched_and_kept_in_the_link(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/search_ranking", height=1400)
    _upload(page, "physics.csv", CORPUS)
    page.wait_for_function("() => new URL(location.href).searchParams.get('corpus')?.startsWith('c-')",
                           timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    cid = _url_param(page, "corpus")
    query = page.get_by_label("Query", exact=True).and_(page.locator("input"))
    query.fill("electrons")
    after_rerun(page, lambda: query.press("Enter"))  # the link changes before the run starts
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'electrons'", timeout=30_000)
    page.wait_for_function(IDLE, timeout=60_000)
    expect(page.get_by_text("uploaded from physics.csv").first).to_be_visible()
    page.screenshot(path=str(artifacts / "search-upload.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors
    # a stakeholder's copy of the link opens the same corpus and query
    again, errors = open_page(f"{server}/search_ranking?corpus={cid}&q=electrons")
    expect(again.get_by_text("uploaded from physics.csv").first).to_be_visible()
    assert again.locator('[data-testid="stAlert"]').count() == 0 and not errors


def test_a_bad_upload_says_why_and_keeps_the_corpus(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/search_ranking", height=1400)
    _upload(page, "broken.csv", b"id,title\na,Alpha\nb,Beta\n")
    message = page.get_by_text("broken.csv was not added")
    expect(message).to_be_visible(timeout=30_000)
    expect(message).to_contain_text("no 'text' column")
    page.screenshot(path=str(artifacts / "search-upload-error.png"), full_page=True)
    assert _url_param(page, "corpus") is None and not errors


LIVE = ".lq-in"


def test_autocomplete_answers_each_keystroke_and_a_correction_is_taken(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/search_assist?q=machine+leaning", ready=LIVE)
    expect(page.locator(".lq-fix")).to_have_text("machine learning", timeout=30_000)
    box = page.locator(LIVE)
    box.fill("")
    box.press_sequentially("machine lea", delay=60)
    first = page.locator(".lq-list li").first
    expect(first).to_have_attribute("data-text", "machine learning", timeout=30_000)
    page.screenshot(path=str(artifacts / "search-autocomplete.png"))
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("machine learning")
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'machine learning'",
                           timeout=30_000)
    box.fill("")
    box.press_sequentially("operatng sytem", delay=40)
    fix = page.locator(".lq-fix")
    expect(fix).to_have_text("operating system", timeout=30_000)
    after_rerun(page, lambda: fix.dispatch_event("mousedown"))
    expect(box).to_have_value("operating system")
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'operating system'",
                           timeout=30_000)
    page.wait_for_function(IDLE, timeout=60_000)
    expect(page.get_by_text("nothing to correct")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "search-did-you-mean.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors


def test_an_uploaded_corpus_is_embedded_and_searched_by_meaning(server, open_page, artifacts):  # noqa: F811
    page, errors = open_page(f"{server}/search_semantic?q=particles+of+light", timeout=240_000)
    _upload(page, "physics.csv", CORPUS)
    page.wait_for_function("() => new URL(location.href).searchParams.get('corpus')?.startsWith('c-')",
                           timeout=240_000)  # the encoder loads and embeds the upload first
    page.wait_for_function(IDLE, timeout=240_000)
    meaning = page.locator('[data-testid="stColumn"]').filter(has_text="Meaning (MiniLM cosine)")
    expect(meaning.locator('[data-testid="glide-cell-1-0"]').last).to_have_text("Gamma", timeout=120_000)  # rank 1
    page.screenshot(path=str(artifacts / "search-semantic-upload.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors
