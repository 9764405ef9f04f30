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
_SETTINGS_ENV = ("LNMAP_STORE_DIR", "LNMAP_DATABASE_URL", "LNMAP_PURGE_DAYS", "LNMAP_REQUIRE_LOGIN",
                 "LNMAP_TRUSTED_USER_HEADER", "LNMAP_CJK_FONT", "LNMAP_CJK_FONT_INDEX", "LNMAP_DATA_DIR",
                 "LNMAP_SEEDS_DIR", "LNMAP_REFERENCE_DIR", "SOURCE_DATE_EPOCH")


@pytest.fixture(scope="session", autouse=True)
def _session_store(tmp_path_factory):
    """Module- and session-scoped fixtures (apps built once per module) get a store of their own
    too, never the checkout's var/observed."""
    saved = {k: os.environ.pop(k, None) for k in _SETTINGS_ENV}
    store = tmp_path_factory.mktemp("session-store")
    os.environ["LNMAP_STORE_DIR"] = str(store)
    os.environ["LNMAP_DATABASE_URL"] = f"sqlite:///{store / 'lnmap.sqlite3'}"
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory, monkeypatch):
    """Every test its own, empty store of observed datasets, and its own database (SQLite, in that folder)."""
    store = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("LNMAP_STORE_DIR", str(store))
    monkeypatch.setenv("LNMAP_DATABASE_URL", f"sqlite:///{store / 'lnmap.sqlite3'}")


# ------------------------------------------------------------------ PostgreSQL

#: CI sets LNMAP_REQUIRE_POSTGRES=1: the PostgreSQL runs of the store tests must run there, not skip.
def _require_postgres() -> bool:
    return os.environ.get("LNMAP_REQUIRE_POSTGRES") == "1"


def _postgres_unavailable(why: str):
    if _require_postgres():
        pytest.fail(f"PostgreSQL unavailable and LNMAP_REQUIRE_POSTGRES=1: {why}")
    pytest.skip(f"PostgreSQL unavailable: {why}")


def _pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a throwaway PostgreSQL cluster for this test run (``LNMAP_TEST_POSTGRES_URL``: use that
    server instead). PostgreSQL refuses to run as root: as root the cluster runs as the system user
    ``postgres``. Skipped when PostgreSQL is missing; failed instead when LNMAP_REQUIRE_POSTGRES=1."""
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile

    given = os.environ.get("LNMAP_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _postgres_unavailable("initdb/pg_ctl not found (apt-get install postgresql)")
    demote = None
    root = tempfile.mkdtemp(prefix="lnmap-pg-")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _postgres_unavailable("running as root and there is no system user 'postgres' to run the server")
        os.chown(root, pw.pw_uid, pw.pw_gid)

        def demote():
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = os.path.join(root, "data")

    def run(*args):
        return subprocess.run(args, preexec_fn=demote, capture_output=True, text=True, timeout=120, cwd=root)

    done = run(initdb, "-D", data, "-U", "lnmap", "--auth=trust", "-E", "UTF8", "--no-locale")
    if done.returncode:
        shutil.rmtree(root, ignore_errors=True)
        _postgres_unavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
    done = run(pg_ctl, "-D", data, "-w", "-t", "60", "-l", os.path.join(root, "log"), "-o",
               f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", "start")
    if done.returncode:
        log = open(os.path.join(root, "log")).read()[-500:] if os.path.exists(os.path.join(root, "log")) else ""
        shutil.rmtree(root, ignore_errors=True)
        _postgres_unavailable(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log}")
    try:
        yield f"postgresql://lnmap@127.0.0.1:{port}/postgres"
    finally:
        run(pg_ctl, "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server, dropped after the test."""
    import uuid

    import psycopg

    name = f"lnmap_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    from geo.store.db import dispose_all

    dispose_all()
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch):
    """Run a store test on both databases: the default SQLite file, and PostgreSQL."""
    if request.param == "postgresql":
        monkeypatch.setenv("LNMAP_DATABASE_URL", request.getfixturevalue("postgres_url"))
    return request.param


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
    from geo.core.settings import get_settings

    path = get_settings().seeds_dir
    if not any(path.glob("003_*.txt")):
        pytest.fail(f"the source documents are missing from {path} (they are part of the repository: data/sources/)")
    return path
