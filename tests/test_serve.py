"""``lnmap serve``: gunicorn with the app built before the fork, one-line errors, a killed worker replaced."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from dashboard.server import check_port, default_workers, gunicorn_options
from geo.cli import main

LNMAP = str(Path(sys.executable).with_name("lnmap"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_workers_follow_gunicorns_rule_of_two_per_core_plus_one():
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(4) == 9
    assert default_workers(64) == 9  # bounded: each worker holds its own copy of what it writes to


def test_gunicorn_builds_the_app_before_forking():
    opts = gunicorn_options("127.0.0.1", 8050, workers=3)
    assert opts["preload_app"] is True and opts["worker_class"] == "sync" and opts["workers"] == 3
    assert callable(opts["post_fork"])
    assert gunicorn_options("127.0.0.1", 8050, workers=2, threads=4)["worker_class"] == "gthread"


def test_a_busy_port_is_one_line_and_exit_1_before_loading_anything():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
        took = time.perf_counter() - started
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(port) in lines[0] and "in use" in lines[0]
    assert took < 2  # the app (seconds to build) was never built


def test_an_unknown_host_is_one_line():
    result = CliRunner().invoke(main, ["serve", "--host", "no-such-host.invalid", "--port", "8050"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "no-such-host.invalid" in result.output


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--threads", "0"]])
def test_bad_options_exit_2_naming_the_option(args):
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2 and args[0] in result.output


def test_check_port_accepts_a_free_port():
    check_port("127.0.0.1", free_port())  # no exception


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting until {what}")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_lnmap_serve_runs_gunicorn_and_replaces_a_killed_worker_at_once(tmp_path):
    port = free_port()
    env = {**os.environ, "LNMAP_STORE_DIR": str(tmp_path), "LNMAP_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    proc = subprocess.Popen([LNMAP, "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def answers():
            try:
                return httpx.get(base + "/", timeout=5)
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                return None

        first = _wait_until(answers, 120, "the server answers")
        assert first.status_code == 200 and first.headers["server"] == "gunicorn"
        master = _wait_until(lambda: _children(proc.pid) and proc.pid, 5, "the master is up")
        workers = _wait_until(lambda: len(_children(master)) == 2 and _children(master), 10, "2 workers run")
        # A forked worker carries the master's title until it has renamed itself: waited for, not read at once.
        _wait_until(lambda: all(Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"gunicorn: worker")
                                for pid in workers), 10, "each worker is named a gunicorn worker")
        # Each worker talks to the store on its own (engines are per process after the fork).
        assert all(httpx.get(base + "/login", timeout=10).status_code == 200 for _ in range(6))

        os.kill(workers[0], signal.SIGKILL)
        killed = time.monotonic()
        replaced = _wait_until(lambda: (set(_children(master)) - set(workers)) if len(_children(master)) == 2
                               else None, 10, "a new worker replaces the killed one")
        # Built before the fork: the new worker answers at once, not after rebuilding the app.
        with httpx.Client(base_url=base, timeout=10) as client:
            served = [client.get("/_dash-layout").status_code for _ in range(20)]
        assert served == [200] * 20
        assert time.monotonic() - killed < 5
        assert len(replaced) == 1 and workers[1] in _children(master)
    finally:
        with_group = os.getpgid(proc.pid) if proc.poll() is None else None
        if with_group:
            os.killpg(with_group, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if proc.stdout:
            proc.stdout.close()
