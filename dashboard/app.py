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

import pandas as pd

from dash import Dash

from dashboard.callbacks import register_callbacks
from dashboard.i18n import t
from dashboard.layers import build_layers, register_routes
from dashboard.layout import create_layout, layer_specs
from dashboard.state import View, browser_store, build_hideout
from geo.observed import MAX_BYTES
from geo.settings import Settings, get_settings
from geo.view import load_view_data

log = logging.getLogger(__name__)

INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard. ``settings`` points at the data (default: the bundled package)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    data = load_view_data(settings, observed=pd.DataFrame())  # observed values: per request, per browser
    store = browser_store(data)
    store["layer_specs"] = layer_specs()
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
    register_callbacks(app, data, store, settings)
    register_routes(app.server, build_layers(settings))
    log.info("dashboard ready in %.1f s", time.perf_counter() - started)
    return app


def create_server(settings: Settings | None = None):
    """The Flask (WSGI) app, for gunicorn and friends."""
    return create_app(settings).server
