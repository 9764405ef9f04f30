"""Load and fault benchmark of ``lnmap serve`` (run by hand: `.venv/bin/python bench/bench_load.py`).

For each server (``lnmap serve --dev``: Flask's development server; ``lnmap serve``: gunicorn), started
on a free loopback port with a throwaway store and one editor, it runs ``--sessions`` concurrent
sessions for ``--duration`` seconds that do what a browser does:

- a page load: ``/``, ``/_dash-layout``, ``/_dash-dependencies``, then the GeoJSON layers the layout
  names (``?v=<version>`` URLs read from the layout), then the detail panel's first callback;
- then 5-15 city clicks (the detail callback, the request body built from ``/_dash-dependencies``
  as the browser builds it) with 0.5-1 s of think time, then a new page load;
- one editor session signs in through ``/login`` and imports a file every ``--upload-every`` seconds
  (the upload callback, as the browser posts it);
- gunicorn only: half-way through, one worker is killed (SIGKILL); the time until a new worker exists
  and until it takes a request is recorded, and the
  failed requests around it counted. "Serves" = the new worker holds a connection it accepted (a socket
  the master does not have, seen in ``/proc/<pid>/fd``).

Everything stays on 127.0.0.1, is bounded in sessions and time, and stops by itself. Output: a
markdown table per server on stdout and, with ``--json FILE``, the raw figures. RSS and PSS per
process from ``/proc/<pid>/smaps_rollup`` (peak of samples every 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LNMAP = str(Path(sys.executable).with_name("lnmap"))
UPLOAD_FILE = ROOT / "tests" / "fixtures" / "observed_example_cod_2020.csv"
ADCODES = ["210100", "210200", "210300", "210400", "210500", "210600", "210700",
           "210800", "210900", "211000", "211100", "211200", "211300", "211400"]
EDITOR, PASSWORD = "bench-editor", "bench-password-123"


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)
    started: float = 0.0

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)

    def fail(self, kind: str, why: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.error_times.append(time.monotonic() - self.started)
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {why}"[:200])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("Rss:", "Pss:"):
            fields[parts[0]] = int(parts[1])
    return fields.get("Rss:", 0), fields.get("Pss:", 0)


def sockets(pid: int) -> set[str]:
    """The sockets a process holds open (``socket:[inode]``)."""
    found = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:"):
                found.add(link)
    except OSError:
        pass
    return found


# ------------------------------------------------------------------ requests as the browser makes them

def callback_body(deps: list[dict], output_part: str, values: dict, changed: list[str]) -> dict:
    """The POST body of the callback whose output names ``output_part``, with input/state ``values`` by id."""
    cb = next(d for d in deps if output_part in d["output"])

    def items(specs):
        return [{"id": s["id"], "property": s["property"], "value": values.get(s["id"])} for s in specs]

    outputs = []
    for part in cb["output"].strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop.split("@")[0]})
    return {"output": cb["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": items(cb["inputs"]), "state": items(cb.get("state", [])), "changedPropIds": changed}


#: The layers the default view draws (what Chromium fetches on a first visit; the others on demand).
DEFAULT_LAYERS = ("cities", "context", "labels")


def layer_urls(layout: object) -> list[str]:
    found = set(re.findall(r'"(/lnmap/geo/[^"]+\?v=[^"]+)"', json.dumps(layout)))
    return sorted(u for u in found if "/wgs84/" in u and u.split("/")[-1].split(".")[0] in DEFAULT_LAYERS)


async def timed(client: httpx.AsyncClient, stats: Stats, kind: str, method: str, url: str, **kw) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        resp = await client.request(method, url, **kw)
    except httpx.HTTPError as e:
        stats.fail(kind, f"{type(e).__name__} {e}")
        return None
    took = time.perf_counter() - start
    if resp.status_code >= 400:
        stats.fail(kind, f"HTTP {resp.status_code} {resp.text[:80]}")
        return None
    stats.add(kind, took)
    return resp


async def page_load(client, stats: Stats) -> list[dict] | None:
    if not await timed(client, stats, "page", "GET", "/"):
        return None
    layout = await timed(client, stats, "layout", "GET", "/_dash-layout")
    deps = await timed(client, stats, "dependencies", "GET", "/_dash-dependencies")
    if not layout or not deps:
        return None
    await asyncio.gather(*(timed(client, stats, "geojson", "GET", u) for u in layer_urls(layout.json())))
    return deps.json()


async def session(base: str, stats: Stats, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Origin": base}) as client:
        while time.monotonic() < deadline:
            deps = await page_load(client, stats)
            if deps is None:
                await asyncio.sleep(1)
                continue
            for _ in range(rng.randint(5, 15)):
                await asyncio.sleep(rng.uniform(0.5, 1.0))
                if time.monotonic() >= deadline:
                    return
                city = {"adcode": rng.choice(ADCODES), "n": int(time.time() * 1000), "src": "click"}
                body = callback_body(deps, "detail.children", {"city": city, "panel": "city", "lang": "zh"},
                                     ["city.data"])
                resp = await timed(client, stats, "click", "POST", "/_dash-update-component", json=body)
                if resp is not None and "detail" not in resp.text:
                    stats.fail("click", "answer without the detail panel")


async def editor(base: str, stats: Stats, deadline: float, every: float) -> None:
    contents = "data:text/csv;base64," + base64.b64encode(UPLOAD_FILE.read_bytes()).decode()
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Origin": base}) as client:
        form = await timed(client, stats, "login", "GET", "/login")
        found = re.search(r'name="token" value="([^"]+)"', form.text) if form else None
        token = found.group(1) if found else ""
        signed = await timed(client, stats, "login", "POST", "/login", follow_redirects=False,
                             data={"token": token, "name": EDITOR, "password": PASSWORD, "next": "/"})
        if signed is None or signed.status_code != 302:
            stats.fail("login", "not signed in")
            return
        deps = (await client.get("/_dash-dependencies")).json()
        while time.monotonic() + every < deadline:
            await asyncio.sleep(every)
            body = callback_body(deps, "upload-message.children",
                                 {"upload": contents, "upload-source": "bench", "lang": "zh", "url": ""},
                                 ["upload.contents"])
            for s in body["state"]:
                if s["id"] == "upload" and s["property"] == "filename":
                    s["value"] = UPLOAD_FILE.name
            resp = await timed(client, stats, "upload", "POST", "/_dash-update-component", json=body)
            if resp is not None and "obs-" not in resp.text:
                stats.fail("upload", "no dataset in the answer: " + resp.text[:120])


async def kill_one_worker(master: int, at: float, result: dict, deadline: float) -> None:
    await asyncio.sleep(at)
    before = children(master)
    if not before:
        result["kill"] = "no workers found"
        return
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    result["killed_at_s"] = at
    new = None
    while time.monotonic() - killed < 30:
        now = children(master)
        fresh = [p for p in now if p not in before]
        if fresh:
            new = fresh[0]
            result["new_worker_s"] = round(time.monotonic() - killed, 3)
            break
        await asyncio.sleep(0.002)
    if new is None:
        result["kill"] = "no replacement within 30 s"
        return
    inherited = sockets(master)  # the listening socket; a socket beyond these is a connection it accepted
    while time.monotonic() < deadline:
        if sockets(new) - inherited:
            result["new_worker_serves_s"] = round(time.monotonic() - killed, 3)
            return
        await asyncio.sleep(0.002)
    result["kill"] = "the replacement served nothing before the load ended"


async def sample_memory(pids_of, peaks: dict, deadline: float) -> None:
    while time.monotonic() < deadline:
        for pid in pids_of():
            try:
                rss, pss = memory(pid)
            except OSError:
                continue
            old = peaks.get(pid, (0, 0))
            peaks[pid] = (max(old[0], rss), max(old[1], pss))
        await asyncio.sleep(2)


# ------------------------------------------------------------------ one server

def start_server(dev: bool, store: Path, workers: int | None, threads: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "LNMAP_STORE_DIR": str(store), "LNMAP_DATABASE_URL": f"sqlite:///{store}/lnmap.sqlite3"}
    subprocess.run([LNMAP, "users", "add", EDITOR, "--password-stdin"], input=PASSWORD + "\n", text=True,
                   env=env, check=True, capture_output=True, timeout=60)
    port = free_port()
    args = [LNMAP, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if dev:
        args.append("--dev")
    else:
        args += (["--workers", str(workers)] if workers else []) + ["--threads", str(threads)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
        try:
            if httpx.get(base + "/_dash-layout", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("server did not answer within 180 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run_load(base: str, proc: subprocess.Popen, *, sessions: int, duration: float, kill: bool,
                   upload_every: float) -> dict:
    stats = Stats(started=time.monotonic())
    cpu0 = time.process_time()
    deadline = stats.started + duration
    master = proc.pid

    def pids():
        kids = children(master)
        return kids or [master]

    peaks: dict[int, tuple[int, int]] = {}
    fault: dict = {}
    tasks = [session(base, stats, deadline, seed) for seed in range(sessions)]
    tasks.append(editor(base, stats, deadline, upload_every))
    tasks.append(sample_memory(pids, peaks, deadline))
    if kill:
        tasks.append(kill_one_worker(master, duration / 2, fault, deadline))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + 120)
    elapsed = min(time.monotonic() - stats.started, duration)  # sessions stop at the deadline
    kinds = {}
    for kind, times in sorted(stats.times.items()):
        kinds[kind] = {"n": len(times), "p50_ms": round(1000 * statistics.median(times), 1),
                       "p95_ms": round(1000 * pct(times, 95), 1), "p99_ms": round(1000 * pct(times, 99), 1)}
    total = sum(len(t) for t in stats.times.values()) + sum(stats.errors.values())
    killed_at = fault.get("killed_at_s")
    near_kill = [t for t in stats.error_times if killed_at is not None and killed_at - 0.5 <= t <= killed_at + 5]
    return {"requests": total, "req_per_s": round(total / elapsed, 1), "kinds": kinds, "errors": stats.errors,
            "client_cpu_s": round(time.process_time() - cpu0, 1), "load_average": os.getloadavg(),
            "error_samples": stats.error_samples, "errors_near_kill": len(near_kill), "fault": fault,
            "memory_kib": {str(pid): {"rss": r, "pss": p} for pid, (r, p) in sorted(peaks.items())}}


def markdown(name: str, r: dict) -> str:
    lines = [f"### {name}", "", f"{r['requests']} requests, {r['req_per_s']} req/s; errors: {r['errors'] or 0}; "
             f"this client used {r['client_cpu_s']} s of CPU; load average after: {r['load_average'][0]:.1f}", "",
             "| request | n | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for kind, k in r["kinds"].items():
        lines.append(f"| {kind} | {k['n']} | {k['p50_ms']} | {k['p95_ms']} | {k['p99_ms']} |")
    mem = r["memory_kib"]
    lines += ["", "Peak memory per process (MiB): " + ", ".join(
        f"RSS {v['rss'] / 1024:.0f} / PSS {v['pss'] / 1024:.0f}" for v in mem.values())]
    if r["fault"]:
        lines.append(f"Killed worker: {r['fault']}; failed requests within 5 s of the kill: {r['errors_near_kill']}")
    if r["error_samples"]:
        lines += ["", "Errors (first few): " + "; ".join(r["error_samples"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per server (at most 600)")
    parser.add_argument("--servers", default="dev,gunicorn", help="comma-separated: dev, gunicorn")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: lnmap serve's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--upload-every", type=float, default=10.0, help="seconds between the editor's imports")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 200 or not 1 <= args.duration <= 600:
        parser.error("--sessions 1..200, --duration 1..600")
    results = {}
    for name in args.servers.split(","):
        with tempfile.TemporaryDirectory(prefix="lnmap-bench-") as tmp:
            proc, base = start_server(name == "dev", Path(tmp), args.workers, args.threads)
            try:
                r = asyncio.run(run_load(base, proc, sessions=args.sessions, duration=args.duration,
                                         kill=name != "dev", upload_every=args.upload_every))
            finally:
                stop(proc)
        label = "Flask development server (lnmap serve --dev)" if name == "dev" else \
            f"gunicorn (lnmap serve{' --workers ' + str(args.workers) if args.workers else ''}" \
            f"{' --threads ' + str(args.threads) if args.threads > 1 else ''})"
        results[label] = r
        print(markdown(label, r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
