"""The dashboard at five screen sizes, in both languages: docs/screens/<lang>-<w>x<h>.png; and the first
frame (dashboard/preview.py: what is on screen before Dash has started) at two: first-<lang>-<w>x<h>.png.

Rebuild: `.venv/bin/python docs/screens/shoot.py` (starts the app in-process, offline view,
headless Chromium at /usr/bin/chromium or $LNMAP_CHROMIUM). ``--only zh-1366x768`` for one.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent
SIZES = ((1920, 1080), (1366, 768), (1024, 768), (768, 1024), (390, 844))
#: English at two sizes is enough to see that the words fit.
SHOTS = [("zh", w, h) for w, h in SIZES] + [("en", 1366, 768), ("en", 390, 844)]
#: The first frame held on screen: Dash's renderer is refused, so the page never goes further.
FIRST = [("zh", 1366, 768), ("en", 390, 844)]
CHROMIUM = os.environ.get("LNMAP_CHROMIUM", "/usr/bin/chromium")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", help="one shot, e.g. zh-1366x768")
    ap.add_argument("--query", default="", help="extra query string, e.g. city=210200")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    srv = make_server("127.0.0.1", 0, create_app().server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_port}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        #: (file name prefix, shots, what the page must show, whether Dash's renderer is refused)
        full = ("document.querySelectorAll('path.lnmap-city').length === 14 && document.querySelectorAll("
                "'.lnmap-label').length === 14 && document.querySelector('.legend-title') && "
                "!document.querySelector('.leaflet-zoom-anim')")
        first = "document.querySelectorAll('#lnmap-preview text').length === 14"
        for prefix, shots, ready, held in (("", SHOTS, full, False), ("first-", FIRST, first, True)):
            for lang, w, h in shots:
                name = f"{prefix}{lang}-{w}x{h}"
                if args.only and args.only != name:
                    continue
                ctx = browser.new_context(viewport={"width": w, "height": h})
                page = ctx.new_page()
                if held:
                    page.route("**/dash_renderer*", lambda route: route.abort())
                page.goto(base + f"?lang={lang}" + (f"&{args.query}" if args.query else ""))
                page.wait_for_function(ready)
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print("wrote", name)
                ctx.close()
        browser.close()
    srv.shutdown()


if __name__ == "__main__":
    main()
