"""Dashboard measurements in headless Chromium (run by hand: `.venv/bin/python bench/bench_dashboard.py`).

Writes bench/results_dashboard.md (medians over --runs fresh browser contexts, no cache)
and, with --screenshot, docs/dashboard.png (the default view, at --viewport):

- first-load bytes: every response until the 14 cities are drawn and the network is idle
  (bytes on the wire: compressed bodies + headers, as Chromium reports them);
- time to first painted map: navigation start to the first animation frame in which the
  14 city polygons exist with their fill colours (ours: the first frame drawn from the page's HTML,
  dashboard/preview.py), and to the first in which Leaflet has drawn them (the map takes clicks);
- bytes of an indicator switch (SO2 -> COD), a measure switch, a scheme switch, a city
  click (the one server callback: the detail panel) and a layer toggle (ports), favicon
  included, and the requests the server itself saw for each;
- a second visit in the same context (warm cache): which files the server had to send again;
- in-page times: a pollutant switch, click → the frame in which the cities wear new colours
  (8 switches a run); a city click (its ranking bar), click → the frame in which the city
  panel names the city (5 cities a run), split into the server's answer (Resource Timing of the
  callback's request; the server's own time from the WSGI layer) and the browser's rendering.

In the same run, as baselines, the naive ways an analyst builds this map today (bench/peers/naive.py):
a minimal Dash + dash-leaflet app whose pollutant switch is a server callback re-sending the styled
GeoJSON of the 14 cities, and a folium page rendered again per switch (generated on request, loaded
and painted). Runs alternate ours / Dash peer / folium peer, so a busy moment hits all three; the
results give medians and ratios, and the machine's load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("LNMAP_CHROMIUM", "/usr/bin/chromium")
#: Offline: every host name but 127.0.0.1 fails to resolve (not request routing: playwright turns Chromium's HTTP
#: cache off for a routed page, so a file the page fetches twice, once into the cache, would cross the wire twice).
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
CITY = "path.lnmap-city"
HITS: list[tuple[str, str]] = []
#: Server time (s) of each callback request (POST /_dash-update-component), measured around the WSGI app.
SERVER_S: list[float] = []
#: Requests that carry the app's state, not a file: a warm reload still makes these.
DYNAMIC = ("/", "/_dash-layout", "/_dash-dependencies", "/_dash-update-component")


def serve():
    from dashboard.app import create_app

    t0 = time.perf_counter()
    app = create_app()
    startup = time.perf_counter() - t0
    inner = app.server.wsgi_app

    def recording(environ, start_response):  # what reached the server, whatever the browser counted
        path = environ.get("PATH_INFO", "")

        def start(status, headers, *exc):
            HITS.append((environ["REQUEST_METHOD"], path if status.startswith("200") else f"{path} ({status[:3]})"))
            return start_response(status, headers, *exc)

        t0 = time.perf_counter()
        body = inner(environ, start)
        if path == "/_dash-update-component":
            SERVER_S.append(time.perf_counter() - t0)
        return body

    app.server.wsgi_app = recording
    srv, base = _start(app.server)
    return srv, base, startup


def _start(wsgi):
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, wsgi, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


def serve_peers():
    """The naive Dash app and the folium pages, each on its own loopback server."""
    from peers.naive import dash_app, folium_app, styled_geojson

    styled_geojson("cod_emission_2015_t")  # load the tables and outlines once, as a running server would have
    dash_srv, dash_base = _start(dash_app().server)
    folium_srv, folium_base = _start(folium_app())
    return (dash_srv, folium_srv), dash_base, folium_base


class Meter:
    """Bytes on the wire per response (headers + encoded body), from Chromium's own counters, counted
    for the step in which the request started (a response that finishes late is not the next step's)."""

    def __init__(self, page):
        self.rows: list[tuple[str, int, int]] = []
        self.started: dict[int, int] = {}
        page.on("request", lambda r: self.started.setdefault(id(r), len(self.started)))
        page.on("requestfinished", self._done)

    def _done(self, request):
        s = request.sizes()
        self.rows.append((request.url, s["responseBodySize"] + s["responseHeadersSize"]
                          + s["requestBodySize"] + s["requestHeadersSize"], self.started.get(id(request), 0)))

    def mark(self) -> int:
        return len(self.started)

    def since(self, mark: int) -> tuple[int, int]:
        rows = [r for r in self.rows if r[2] >= mark]
        return len(rows), sum(b for _, b, _ in rows)


def wait_legend(page, text: str):
    page.wait_for_function(f"document.querySelector('.legend-title')?.textContent.includes({json.dumps(text)})")


#: Click a control, then the time to the first frame painted after the map changed: the cities' fill,
#: or the circles' size when the measure is drawn as circles.
RECOLOUR = """async ([sel, cities]) => {
  const look = () => [...document.querySelectorAll(cities)].map(e => e.getAttribute('fill')).join() + '|' +
    [...document.querySelectorAll('path.lnmap-symbol')].map(e => e.getAttribute('d')).join();
  const before = look();
  const t0 = performance.now();
  document.querySelector(sel).click();
  return await new Promise(done => {
    const tick = () => look() !== before ? requestAnimationFrame(() => done(performance.now() - t0))
                                         : requestAnimationFrame(tick);
    requestAnimationFrame(tick);
  });
}"""
#: Click an element (a ranking bar, a city path), then the time to the first frame painted after the
#: element ``panel`` names the city; with the span of the callback request it made, if any
#: ([start, response end], ms after the click: Resource Timing).
PANEL = """async ([sel, k, name, panel]) => {
  const el = document.querySelectorAll(sel)[k];
  const r = el.getBoundingClientRect();
  performance.clearResourceTimings();
  const t0 = performance.now();
  el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window,
                                           clientX: r.x + r.width / 2, clientY: r.y + r.height / 2}));
  return await new Promise(done => {
    const tick = () => (document.querySelector(panel)?.textContent || '').includes(name)
      ? requestAnimationFrame(() => {
          const now = performance.now();
          const req = performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component'));
          done([now - t0, req.length ? [req[0].startTime - t0, req[req.length - 1].responseEnd - t0] : null]);
        })
      : requestAnimationFrame(tick);
    requestAnimationFrame(tick);
  });
}"""


#: The window of every visit (--viewport): 1366×768, the laptop size issue 22's figures are quoted at.
VIEWPORT = {"width": 1366, "height": 768}


def _context(browser, timing: bool = False, cities: str = CITY):
    """A fresh context (empty cache). For the accounting pass, every request is counted (Meter); a timed run
    does not count: that makes a round trip to this Python process for every request, which the page would
    wait for. Both are offline (ARGS)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.add_init_script(WATCH.replace("{sel}", cities))
    if timing:
        return ctx, page, None
    return ctx, page, Meter(page)


#: From a page's first animation frame on: the time (ms after navigation start) of the first frame in which 14
#: filled cities are drawn, as ``__paint`` for Leaflet's (``{sel}``: each app's own) and as ``__first`` for our
#: first frame (dashboard/preview.py), whichever comes first of the two; read in the frame's animation callback,
#: just before it is painted. The same method for the three apps.
WATCH = """(() => {
  const filled = sel => [...document.querySelectorAll(sel)].filter(p => p.getAttribute('fill')).length === 14;
  const tick = () => {
    const now = performance.now();
    if (!window.__first && (filled('#lnmap-preview path.lnmap-preview-city') || filled('{sel}'))) window.__first = now;
    if (!window.__paint && filled('{sel}')) window.__paint = now;
    if (!window.__paint) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


def _paint(page, url: str) -> tuple[float, float]:
    """Open ``url`` (the page watches with WATCH); ms from navigation start to the first frame with the 14 cities
    filled by Leaflet, and to the first with a map on screen (our first frame or Leaflet's)."""
    page.goto(url)
    page.wait_for_function("window.__paint > 0", polling="raf", timeout=30_000)
    return page.evaluate("window.__paint"), page.evaluate("window.__first")


def _clicks(page, sel: str, panel: str, names: list[str] | None) -> tuple[list[float], list[float]]:
    """Five city clicks: ms to the painted panel, and ms until the server's answer was back."""
    total, back = [], []
    for k in (0, 1, 2, 5, 9):
        name = names[k] if names else page.locator(sel).nth(k).locator(".rank-name").text_content()
        ms, req = page.evaluate(PANEL, [sel, k, name, panel])
        total.append(ms)
        if req:
            back.append(req[1])
        time.sleep(0.3)
    return total, back


def peer_dash_run(browser, base: str, timing: bool = False) -> dict:
    from peers.naive import CITY_CLASS, city_names

    cities = f"path.{CITY_CLASS}"
    ctx, page, meter = _context(browser, timing, cities)
    out = dict(zip(("paint_ms", "first_ms"), _paint(page, base + "/"), strict=True))
    page.wait_for_load_state("networkidle")
    time.sleep(0.3)
    if meter:
        out["first_requests"], out["first_bytes"] = meter.since(0)
    out["switch_ms"], switch_bytes = [], []
    for p in ("so2", "nox", "nh3n", "cod") * 2:
        m = meter.mark() if meter else 0
        out["switch_ms"].append(page.evaluate(RECOLOUR, [f"#pollutant input[value={p}]", cities]))
        time.sleep(0.3)
        if meter:
            switch_bytes.append(meter.since(m)[1])
    if meter:
        out["switch_bytes"] = statistics.median(switch_bytes)
    out["click_ms"], out["click_back_ms"] = _clicks(page, cities, "#panel h2", city_names())
    ctx.close()
    return out


def peer_folium_run(browser, base: str, timing: bool = False) -> dict:
    """A switch is a new page: from navigation start to the painted map (the page is generated on request)."""
    from peers.naive import CITY_CLASS, FOLIUM_GEN, INDICATORS, city_names

    cities = f"path.{CITY_CLASS}"
    ctx, page, meter = _context(browser, timing, cities)
    gen = len(FOLIUM_GEN)
    out = dict(zip(("paint_ms", "first_ms"), _paint(page, f"{base}/folium?indicator={INDICATORS['cod']}"), strict=True))
    page.wait_for_load_state("networkidle")
    if meter:
        out["first_requests"], out["first_bytes"] = meter.since(0)
    out["switch_ms"], switch_bytes = [], []
    for p in ("so2", "nox", "nh3n", "cod") * 2:
        m = meter.mark() if meter else 0
        out["switch_ms"].append(_paint(page, f"{base}/folium?indicator={INDICATORS[p]}")[0])
        page.wait_for_load_state("networkidle")
        if meter:
            switch_bytes.append(meter.since(m)[1])
    if meter:
        out["switch_bytes"] = statistics.median(switch_bytes)
        out["gen_ms"] = statistics.median(FOLIUM_GEN[gen:]) * 1000
    out["click_ms"], _ = _clicks(page, cities, ".leaflet-popup-content", city_names())
    ctx.close()
    return out


def one_run(browser, base: str, timing: bool = False) -> dict:
    ctx, page, meter = _context(browser, timing, CITY)
    # As a choropleth, the peers' kind of map (by default totals are drawn as circles).
    paint_ms, first_ms = _paint(page, base + "/?map_type=choropleth")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('.lnmap-label').length === 14")
    time.sleep(0.3)
    out = {"paint_ms": paint_ms, "first_ms": first_ms}
    if meter:
        out["first_requests"], out["first_bytes"] = meter.since(0)

    def measure(name, action, settle):
        m, h = meter.mark(), len(HITS)
        action()
        settle()
        time.sleep(0.4)  # a benchmark, not a test: leave time for late requests (a favicon) to show
        out[name] = (*meter.since(m), len(HITS) - h)

    out["switch_ms"] = []
    for p in ("so2", "nox", "nh3n", "cod") * 2:
        out["switch_ms"].append(page.evaluate(RECOLOUR, [f"#pollutant input[value={p}]", CITY]))
        time.sleep(0.3)  # as for the peers: the next switch starts once the page is idle
    server = len(SERVER_S)
    out["click_ms"], out["click_back_ms"] = _clicks(page, "#ranking .rank-bar", "#detail h2", None)
    if timing:
        ctx.close()
        return out
    out["click_server_ms"] = statistics.median(SERVER_S[server:]) * 1000
    page.wait_for_load_state("networkidle")  # the clicks' late requests are not the next measure's
    time.sleep(0.5)
    measure("switch_pollutant", lambda: page.locator("#pollutant input[value=so2]").click(),
            lambda: wait_legend(page, "二氧化硫"))
    measure("switch_pollutant_back", lambda: page.locator("#pollutant input[value=cod]").click(),
            lambda: wait_legend(page, "化学需氧量"))
    measure("switch_measure", lambda: page.locator("#measure input[value=cap_2020]").click(),
            lambda: wait_legend(page, "上限"))
    measure("switch_scheme", lambda: page.locator("#scheme input[value=natural_breaks]").click(),
            lambda: page.wait_for_function("document.querySelector('.legend').textContent.includes('自然断点')"))
    out["hideout_bytes"] = len(json.dumps(page.evaluate("window.lnmap.lastHideout"), ensure_ascii=False).encode())

    def click_shenyang():
        box = page.locator(".lnmap-label span", has_text="沈阳市").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    measure("city_click", click_shenyang,
            lambda: page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('沈阳')"))
    measure("toggle_ports", lambda: page.locator("#layers input[value=port]").click(),
            lambda: page.wait_for_selector(".lnmap-site-port"))
    ctx.close()
    return out


def second_visit(browser, base: str) -> dict:
    """A visit, then another in the same context: what the server sends again with a warm cache.
    No request routing here: playwright turns Chromium's HTTP cache off for a routed page."""
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    out = {}
    for visit in ("first", "second"):
        h = len(HITS)
        page.goto(base + "/")
        page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")
        page.wait_for_load_state("networkidle")
        out[visit] = sorted({p for m, p in HITS[h:] if p not in DYNAMIC})
        out[visit + "_hits"] = len(HITS) - h
    ctx.close()
    return out


def screenshot(browser, base: str, path: Path) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(base + "/")
    page.wait_for_function("document.querySelectorAll('.lnmap-label').length === 14")
    page.wait_for_load_state("networkidle")
    time.sleep(0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    ctx.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(url: str, proc, timeout: float = 90.0) -> None:
    import urllib.request

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def spawn_servers():
    """Ours (`lnmap serve`: gunicorn, default workers) and the two peers, each in its own process."""
    import subprocess
    import tempfile

    env = {**os.environ, "PYTHONPATH": str(ROOT), "LNMAP_STORE_DIR": tempfile.mkdtemp(prefix="lnmap-bench-")}
    ours, dash_p, folium_p = _free_port(), _free_port(), _free_port()
    lnmap = str(Path(sys.executable).with_name("lnmap"))
    procs = [subprocess.Popen([lnmap, "serve", "--host", "127.0.0.1", "--port", str(ours)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([sys.executable, str(ROOT / "bench" / "peers" / "naive.py"), str(dash_p), str(folium_p)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    bases = tuple(f"http://127.0.0.1:{p}" for p in (ours, dash_p, folium_p))
    try:
        _wait_up(bases[0] + "/", procs[0])
        _wait_up(bases[1] + "/", procs[1])
        _wait_up(bases[2] + "/leaflet/leaflet.css", procs[1])
    except Exception:
        for proc in procs:
            proc.kill()
        raise
    return procs, bases


def _load() -> str:
    """The machine's load as `uptime` prints it (time and load averages)."""
    import subprocess

    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _all(runs: list[dict], key: str) -> float:
    """Median over every sample of ``key`` in every run."""
    return statistics.median(x for r in runs for x in r[key])


def _med(runs: list[dict], key: str) -> float:
    """Median over the runs of ``key`` (one number a run)."""
    return statistics.median(r[key] for r in runs)


def _ratio(peer: float, ours: float) -> str:
    return f"{peer / ours:.1f}×" if ours > 0 else "—"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results_dashboard.md")
    ap.add_argument("--screenshot", type=Path, default=None, help="also write the default view here (PNG)")
    ap.add_argument("--viewport", default="1366x768", help="WIDTHxHEIGHT of the browser window")
    args = ap.parse_args()
    width, height = (int(v) for v in args.viewport.lower().split("x"))
    VIEWPORT.update(width=width, height=height)
    from playwright.sync_api import sync_playwright

    load_start = _load()
    # Timed runs: each app served as its users run it, in a process of its own: ours by `lnmap serve`
    # (gunicorn, as `make run`), the peers by Flask's threaded server (as `app.run()`).
    procs, (ours_base, dash_timed, folium_timed) = spawn_servers()
    runs, dash_runs, folium_runs = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            one_run(browser, ours_base, timing=True)  # warm the servers (fill OS and server caches)
            peer_dash_run(browser, dash_timed, timing=True)
            peer_folium_run(browser, folium_timed, timing=True)
            for _ in range(args.runs):  # alternating, so a busy moment costs all three alike
                runs.append(one_run(browser, ours_base, timing=True))
                dash_runs.append(peer_dash_run(browser, dash_timed, timing=True))
                folium_runs.append(peer_folium_run(browser, folium_timed, timing=True))
            version = browser.version
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    # The accounting pass: the same visits once more against servers in this process, so that every
    # request and byte is counted (Chromium's counters) and the server's own callback time measured.
    srv, base, startup = serve()
    peer_srvs, dash_base, folium_base = serve_peers()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        acc, acc_dash, acc_folium = one_run(browser, base), peer_dash_run(browser, dash_base), \
            peer_folium_run(browser, folium_base)
        warm = second_visit(browser, base)
        if args.screenshot:
            screenshot(browser, base, args.screenshot)
        browser.close()
    srv.shutdown()
    for s in peer_srvs:
        s.shutdown()
    load_end = _load()

    peers = [("naive Dash + dash-leaflet (server callback re-sends styled GeoJSON)", dash_runs, acc_dash),
             ("folium page rendered again per switch", folium_runs, acc_folium)]
    ours = {"first": _med(runs, "first_ms"), "paint": _med(runs, "paint_ms"), "switch": _all(runs, "switch_ms"),
            "click": _all(runs, "click_ms")}
    kib = lambda b: f"{b / 1024:.1f} KiB"  # noqa: E731
    lines = [
        "# Dashboard benchmark", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Chromium {version} headless, viewport {VIEWPORT['width']}×{VIEWPORT['height']}, "
        "servers and browser on the same machine (loopback). "
        f"`.venv/bin/python bench/bench_dashboard.py --runs {args.runs} --viewport {args.viewport}`.", "",
        f"Timed: {args.runs} runs of each app, alternating (ours, the Dash peer, the folium peer), each in a fresh "
        "browser context (empty cache), each app served as its users run it, in a process of its own: ours by "
        "`lnmap serve` (gunicorn, its default workers, as `make run` does), the peers by Flask's threaded server "
        "(as `app.run()` does). Counted: one more visit of each against servers inside the benchmark's process, "
        "where every request goes through a counter (bytes as Chromium counts them on the wire: headers plus "
        "compressed bodies) and the server's own time is measured; its times are not the ones reported (every "
        "request waits for the counter).", "",
        f"Machine load (`uptime`) at start: `{load_start}`; at the end: `{load_end}`.", "",
        "## Ours against the naive peers (same run)", "",
        "| measure | ours | " + " | ".join(name for name, _, _ in peers) + " |",
        "|---|---|---|---|",
        f"| first painted map (navigation start → the first frame with 14 filled cities: ours, the first frame drawn "
        f"from the page's HTML; the peers, their map), median of {args.runs} | {ours['first']:.0f} ms | "
        + " | ".join(f"{_med(pr, 'first_ms'):.0f} ms ({_ratio(_med(pr, 'first_ms'), ours['first'])})" for _, pr, _ in peers)
        + " |",
        f"| map drawn by Leaflet (navigation start → 14 filled Leaflet cities: the map takes clicks), median of "
        f"{args.runs} | {ours['paint']:.0f} ms | "
        + " | ".join(f"{_med(pr, 'paint_ms'):.0f} ms ({_ratio(_med(pr, 'paint_ms'), ours['paint'])})" for _, pr, _ in peers)
        + " |",
        f"| pollutant switch → map changed (click → painted frame), median of {len(runs[0]['switch_ms'])} × {args.runs} | "
        f"{ours['switch']:.0f} ms | "
        + " | ".join(f"{_all(pr, 'switch_ms'):.0f} ms ({_ratio(_all(pr, 'switch_ms'), ours['switch'])})"
                     for _, pr, _ in peers) + " |",
        f"| city click → its panel or popup (click → painted frame naming the city), median of "
        f"{len(runs[0]['click_ms'])} × {args.runs} | {ours['click']:.0f} ms | "
        + " | ".join(f"{_all(pr, 'click_ms'):.0f} ms ({_ratio(_all(pr, 'click_ms'), ours['click'])})" for _, pr, _ in peers)
        + " |",
        f"| bytes of a switch (counted) | {acc['switch_pollutant'][1]:.0f} B | "
        + " | ".join(kib(a["switch_bytes"]) for _, _, a in peers) + " |",
        f"| first-load bytes (counted) | {kib(acc['first_bytes'])} | "
        + " | ".join(f"{kib(a['first_bytes'])} ({_ratio(acc['first_bytes'], a['first_bytes'])})" for _, _, a in peers)
        + " |",
        "", "Ratios in brackets: the peer's time ÷ ours (above 1×: ours is faster); for first-load bytes, ours ÷ the "
        "peer's (above 1×: ours loads more). Goals (issue 9): switch ≤ 50 ms, first paint ≤ 1.0 s, city click ≤ 300 ms.",
        f"The folium peer's page takes {acc_folium['gen_ms']:.0f} ms to generate in Python (counted pass; included in "
        "its switch time); its city click only opens a popup written into the page, with no request. Our city "
        f"click: the server's answer is back a median {_all(runs, 'click_back_ms'):.0f} ms after the click "
        f"({acc['click_server_ms']:.0f} ms of it in the server, counted pass); the rest is the browser rendering the "
        f"panel. The Dash peer's: back after {_all(dash_runs, 'click_back_ms'):.0f} ms.", "",
        "## Ours in detail", "",
        "| measure | median |", "|---|---|",
        "| app start (`create_app` in the benchmark's process: load tables, classes for every indicator × scheme, "
        f"GeoJSON in two datums) | {startup:.2f} s (one run) |",
        f"| time to first painted map (navigation start → 14 filled city polygons: the first frame) | "
        f"{ours['first']:.0f} ms (goal ≤ 1000) |",
        f"| time to the map drawn by Leaflet (navigation start → 14 filled Leaflet cities) | {ours['paint']:.0f} ms |",
        f"| first-load bytes (until network idle, default layers; counted) | {kib(acc['first_bytes'])} in "
        f"{acc['first_requests']:.0f} requests |",
        f"| pollutant switch → recoloured map (click → painted frame; {len(runs[0]['switch_ms'])} switches a run) | "
        f"{ours['switch']:.0f} ms (goal ≤ 50) |",
        f"| city click → its panel (ranking bar click → painted frame naming the city; {len(runs[0]['click_ms'])} a run) | "
        f"{ours['click']:.0f} ms (goal ≤ 300) |",
    ]
    for key, label in [("switch_pollutant", "switch indicator SO2 → … (pollutant)"),
                       ("switch_pollutant_back", "switch indicator back to COD"),
                       ("switch_measure", "switch measure (2015 baseline → 2020 cap)"),
                       ("switch_scheme", "switch classification (quantiles → natural breaks)"),
                       ("city_click", "click a city (server renders the detail panel)"),
                       ("toggle_ports", "toggle the ports layer (fetches its GeoJSON once)")]:
        lines.append(f"| {label} (counted) | {acc[key][1]:.0f} bytes in {acc[key][0]:.0f} requests; the server saw "
                     f"{acc[key][2]:.0f} |")
    lines += [
        f"| size of the hideout the browser builds for a switch (not sent anywhere) | {acc['hideout_bytes']:.0f} bytes |",
        f"| first visit: requests the server saw, files among them | {warm['first_hits']}, {len(warm['first'])} files |",
        f"| second visit in the same context (warm cache): requests the server saw, files among them | "
        f"{warm['second_hits']}, {', '.join(warm['second']) or 'no file'} |",
        "", "Timed runs:", "",
        "| app | run | first frame ms | Leaflet map ms | switch ms (median, min–max) | click ms (median, min–max) |",
        "|---|---|---|---|---|---|",
    ]
    for name, pr in (("ours", runs), ("Dash", dash_runs), ("folium", folium_runs)):
        for i, r in enumerate(pr, 1):
            sw, cl = r["switch_ms"], r["click_ms"]
            lines.append(f"| {name} | {i} | {r['first_ms']:.0f} | {r['paint_ms']:.0f} | "
                         f"{statistics.median(sw):.0f} ({min(sw):.0f}–{max(sw):.0f}) | "
                         f"{statistics.median(cl):.0f} ({min(cl):.0f}–{max(cl):.0f}) |")
    lines += ["", "Switches run in the browser (clientside callbacks build the GeoJSON `hideout` from a store loaded "
              "with the page), so they make no request. Every count includes the favicon: the page's icon is an "
              "inline data: URL (Chromium fetched a linked one again after every address change, which each "
              "switch and click makes). On a second visit the versioned files (Dash's bundles, our assets, the "
              "GeoJSON) come from the browser's cache; Dash's lazily loaded chunks have no version in their URL "
              "and are revalidated (304, headers only).", "",
              "How the three were measured: ours opens as a choropleth (`?map_type=choropleth`, the peers' kind "
              "of map; by default totals are drawn as circles) and a switch is a click on a pollutant; the Dash "
              "peer's switch is the same click, answered by a server callback; the folium peer's switch is opening "
              "the next indicator's page (time from navigation start, so it includes generating the page). A city "
              "click is a ranking bar (ours), a city outline (the Dash peer: a server callback renders the city's "
              "values) or a city outline opening folium's popup. The Dash peer is plain Dash (no compression), "
              "like an analyst's first app; folium's page loads Leaflet from its server (its CDN files cannot be "
              "reached offline). Code: bench/peers/naive.py.", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
