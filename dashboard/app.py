"""The Dash app: ``create_app(settings)`` builds it; ``lnmap serve`` runs it.

Everything is loaded and precomputed once here (indicator values, class breaks for
every indicator x scheme, the GeoJSON layers in both datums); callbacks only read it.
Leaflet's and Dash's scripts are served by the app itself (``serve_locally``), and no
tile layer is drawn unless the user picks an online basemap, so the page works offline.
For a WSGI server: ``gunicorn 'dashboard.app:create_server()'``.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

import pandas as pd
from dash import Dash

from dashboard.auth import init_auth
from dashboard.callbacks import register_callbacks
from dashboard.i18n import t
from dashboard.layers import IMMUTABLE, build_layers, layers_version, register_routes
from dashboard.layout import create_layout, layer_specs
from dashboard.state import View, browser_store, build_hideout
from geo.observed import MAX_BYTES
from geo.settings import Settings, get_settings
from geo.view import load_view_data

log = logging.getLogger(__name__)

#: The page's icon, inline: Chromium fetches a linked favicon again after every address change
#: (each switch and click rewrites the URL), cached or not; a data: URL costs no request.
FAVICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b5394"/>'
    '<path d="M3 11l3-6 3 3 2-3 2 6z" fill="#fff"/></svg>')

INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}<title>{%title%}</title><link rel="icon" href="LNMAP_FAVICON">{%css%}</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>""".replace("LNMAP_FAVICON", FAVICON)


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard. ``settings`` points at the data (default: the bundled package)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    data = load_view_data(settings, observed=pd.DataFrame())  # observed values: per request, per browser
    blobs = build_layers(settings)
    store = browser_store(data)
    store["layer_version"] = layers_version(blobs)
    store["layer_specs"] = layer_specs(store["layer_version"])
    view = View()
    hideout = build_hideout(store, view.indicator, view.scheme, view.city, view.lang)
    app = Dash(
        __name__, title=t("title", "zh"), serve_locally=True, compress=True, update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Compress Dash's bundles and the layout (flask-compress); not streamed files such as /assets/,
    # whose file handle flask-compress 1.25 leaves open (ResourceWarning). Our GeoJSON is pre-gzipped.
    app.server.config["COMPRESS_STREAMS"] = False
    # Uploads arrive base64-encoded inside a callback request: cap the request, not only the decoded file.
    app.server.config["MAX_CONTENT_LENGTH"] = 2 * MAX_BYTES
    app.index_string = INDEX
    app.layout = create_layout(store, hideout, view)
    init_auth(app.server, settings)  # editors sign in; viewers need no account (dashboard.auth)
    register_callbacks(app, data, store, settings)
    register_routes(app.server, blobs)
    app.server.after_request(_cache_static)
    app.server.after_request(_security_headers)
    log.info("dashboard ready in %.1f s", time.perf_counter() - started)
    return app


def _cache_static(resp):
    """Long-lived caching for files whose URL names their version: Dash's favicon
    (``?v=<dash version>``) and our assets (``?m=<mtime>``). Dash's own bundles already
    are; without this the browser fetches the favicon again after every address change."""
    from flask import request

    versioned = (request.path == "/_favicon.ico" and "v" in request.args) or \
        (request.path.startswith("/assets/") and "m" in request.args)
    if versioned and resp.status_code == 200:
        resp.headers["Cache-Control"] = IMMUTABLE
    return resp


#: What the page may load and run. Dash runs the clientside callbacks from strings (eval) and starts its
#: renderer from an inline script; the optional online basemaps are images from https tile servers.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(resp):
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    return resp


def create_server(settings: Settings | None = None):
    """The Flask (WSGI) app, for gunicorn and friends."""
    return create_app(settings).server
