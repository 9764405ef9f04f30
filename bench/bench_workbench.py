"""The allocation workbench's round trip (run by hand: `.venv/bin/python bench/bench_workbench.py [--runs N]`).

Writes bench/results_workbench.md. The dashboard's server (``create_app``, the workbench's blueprint on it) runs in
this process on loopback (Flask's threaded server); the browser is headless Chromium at 1366×768, offline.

- a rate change in the browser: scenario B's rate of the coastal belt set to a new value (an ``input`` event, as a
  keystroke or a slider gives), until the animation frame after the page has redrawn the map, the ranking and the
  lines under it with the server's answer — the round trip the issue's target (≤ 150 ms) is about; median of N;
- the same change as the API request alone (urllib, no browser): the HTTP round trip and the server's own time
  (``server_ms`` in the answer), median of N;
- baselines in the same run: the plain GET of the page (``/workbench``, HTML only) and of the dashboard's static
  city GeoJSON (``/lnmap/geo/wgs84/cities.geojson``, from memory), median of N each, so a busy machine shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_dashboard import ARGS, CHROMIUM  # noqa: E402  (the same offline Chromium)

VIEWPORT = {"width": 1366, "height": 768}
TARGET_MS = 150.0

#: In the page: set B's coastal-belt rate, fire the input event, resolve on the frame after the redraw.
CHANGE = """value => new Promise(resolve => {
  const root = document.getElementById('wb'), before = root.getAttribute('data-drawn-b');
  const input = document.getElementById('wb-b-rate-coastal_belt');
  const t0 = performance.now();
  input.value = value;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  (function wait() {
    if (root.getAttribute('data-drawn-b') !== before) {
      requestAnimationFrame(() => resolve(performance.now() - t0));
    } else { requestAnimationFrame(wait); }
  })();
})"""


def serve():
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    app = create_app()
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


def timed_get(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        body = r.read()
    return (time.perf_counter() - t0) * 1000, body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40, help="changes (and GETs) measured")
    ns = ap.parse_args()
    store = tempfile.mkdtemp(prefix="lnmap-bench-")
    os.environ["LNMAP_STORE_DIR"] = store
    os.environ["LNMAP_DATABASE_URL"] = f"sqlite:///{store}/lnmap.sqlite3"
    load_start = os.getloadavg()
    srv, base = serve()
    from playwright.sync_api import sync_playwright

    rates = [f"{10 + (i % 7) * 0.5:g}" for i in range(ns.runs)]
    api = (base + "/lnmap/api/allocate?rule=region&kind=total_cut_pct&target=10&m=strictest&p=cod&base=2015&rates="
           "shenyang_metro:12,coastal_belt:{r},west_liaoning:8,east_green:9")
    page_get, geo_get, api_rt, api_server, browser, fetch_ms, draw_ms = [], [], [], [], [], [], []
    timed_get(base + "/workbench")
    timed_get(base + "/lnmap/workbench/cjk.woff")  # the font subset is made on first request
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = chromium.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        page.goto(base + "/workbench")
        page.wait_for_function("document.querySelectorAll('#wb-ranking-table tbody tr[data-adcode]').length === 14")
        page.wait_for_function("document.getElementById('wb').getAttribute('data-map') === 'ready'")
        page.evaluate(CHANGE, "11.25")  # warm-up
        for i in range(ns.runs):  # interleaved, so a busy moment hits every measure
            ms, _ = timed_get(base + "/workbench")
            page_get.append(ms)
            ms, _ = timed_get(base + "/lnmap/geo/wgs84/cities.geojson")
            geo_get.append(ms)
            ms, body = timed_get(api.format(r=rates[i]))
            api_rt.append(ms)
            api_server.append(json.loads(body)["server_ms"])
            browser.append(page.evaluate(CHANGE, rates[(i + 3) % len(rates)] if rates[(i + 3) % len(rates)] != page.input_value(
                "#wb-b-rate-coastal_belt") else "13.75"))
            fetch_ms.append(float(page.get_attribute("#wb", "data-ms-b")))
            draw_ms.append(float(page.get_attribute("#wb", "data-draw-ms")))
        chrome_version = chromium.version
        chromium.close()
    srv.shutdown()
    load_end = os.getloadavg()

    def med(xs):
        return statistics.median(xs)

    def p90(xs):
        return sorted(xs)[int(0.9 * (len(xs) - 1))]

    lines = [
        "# Workbench benchmark",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Chromium {chrome_version} headless, viewport 1366×768, server (Flask's threaded "
        f"server, the dashboard's `create_app`) and browser on the same machine (loopback). "
        f"`.venv/bin/python bench/bench_workbench.py --runs {ns.runs}`. Load average at start "
        f"{load_start[0]:.2f}, at the end {load_end[0]:.2f}.",
        "",
        "| measure | median | 90th percentile |",
        "|---|---|---|",
        f"| **rate change in the browser** (B's coastal-belt rate: input event → the frame after the map, ranking and "
        f"explanations are redrawn with the server's answer), {ns.runs} changes | **{med(browser):.1f} ms** | "
        f"{p90(browser):.1f} ms |",
        f"| … of which the page's fetch (request sent → answer parsed, in the browser) | {med(fetch_ms):.1f} ms | "
        f"{p90(fetch_ms):.1f} ms |",
        f"| … of which the redraw (map styles and circles, ranking, explanations, both panels) | {med(draw_ms):.1f} ms | "
        f"{p90(draw_ms):.1f} ms |",
        f"| the same change as an API request alone (`GET /lnmap/api/allocate`, HTTP round trip) | {med(api_rt):.1f} ms | "
        f"{p90(api_rt):.1f} ms |",
        f"| … of which the server's own time (`allocate()` with its statistics, the answer in both languages) | "
        f"{med(api_server):.1f} ms | {p90(api_server):.1f} ms |",
        f"| baseline: plain GET of the page (`/workbench`, HTML only) | {med(page_get):.1f} ms | {p90(page_get):.1f} ms |",
        f"| baseline: GET of the static city GeoJSON (from memory) | {med(geo_get):.1f} ms | {p90(geo_get):.1f} ms |",
        "",
        f"Target (issue 23, item 5): ≤ {TARGET_MS:.0f} ms round trip for a rate or weight change: "
        f"{'met' if med(browser) <= TARGET_MS else 'NOT met'} (median {med(browser):.1f} ms; the page waits 20 ms after "
        "an input event so that a burst of keystrokes sends one request, included above). Every change runs the rule "
        "on the server (geo.allocation's engine), none in the browser.",
        "",
    ]
    out = ROOT / "bench" / "results_workbench.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
