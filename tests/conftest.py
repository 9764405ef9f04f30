"""Shared fixtures: a headless Debian Chromium driven by playwright, the source documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LNMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Browser tests wait for what they assert (playwright's expect, wait_for_function), never for a
#: fixed time; on a machine busy with other work a condition may take longer than playwright's 5 s.
BROWSER_WAIT_MS = 20_000


#: Settings a developer may have set in the shell; no test may read the developer's own.
_SETTINGS_ENV = ("LNMAP_STORE_DIR", "LNMAP_DATABASE_URL", "LNMAP_CJK_FONT", "LNMAP_CJK_FONT_INDEX", "LNMAP_DATA_DIR",
                 "LNMAP_SEEDS_DIR", "LNMAP_REFERENCE_DIR", "SOURCE_DATE_EPOCH")


@pytest.fixture(scope="session", autouse=True)
def _session_store(tmp_path_factory):
    """Module- and session-scoped fixtures (apps built once per module) get a store of their own
    too, never the checkout's var/observed."""
    saved = {k: os.environ.pop(k, None) for k in _SETTINGS_ENV}
    os.environ["LNMAP_STORE_DIR"] = str(tmp_path_factory.mktemp("session-store"))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory, monkeypatch):
    """Every test its own, empty store of observed datasets."""
    monkeypatch.setenv("LNMAP_STORE_DIR", str(tmp_path_factory.mktemp("store")))


def _require_browser() -> bool:
    return os.environ.get("LNMAP_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium():
    """A playwright Browser on Debian's chromium; skipped (or failed in CI) when absent."""
    if not Path(CHROMIUM).exists():
        if _require_browser():
            pytest.fail(f"{CHROMIUM} is missing and LNMAP_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)

    # playwright gives every launch a fresh temporary profile (it refuses --user-data-dir).
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(BROWSER_WAIT_MS)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The source documents' text, committed under data/sources: the provenance tests always run."""
    from geo.settings import get_settings

    path = get_settings().seeds_dir
    if not any(path.glob("003_*.txt")):
        pytest.fail(f"the source documents are missing from {path} (they are part of the repository: data/sources/)")
    return path
