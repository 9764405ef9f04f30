"""The Dash app: ``create_app(settings)`` builds it; ``lnmap serve`` runs it.

Everything is loaded and precomputed once here (indicator values, class breaks for
every indicator x scheme, the GeoJSON layers in both datums); callbacks only read it.
Leaflet's and Dash's scripts are served by the app itself (``serve_locally``), and no
tile layer is drawn unless the user picks an online basemap, so the page works offline.
``lnmap serve`` runs it under gunicorn (:mod:`dashboard.server`); for another WSGI server:
``gunicorn 'dashboard.app:create_server()'``. A callback that fails shows a short message on the page
(:func:`_on_callback_error`; a 5xx answer: the page's fetch fallback), never a blank screen.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote

import flask
import pandas as pd
from dash import Dash, Input, Output, ctx, html, set_props

from dashboard.auth import init_auth
from dashboard.callbacks import register_callbacks
from dashboard.i18n import DEFAULT_LANG, ERROR_LABELS, LANGS, label, t
from dashboard.layers import IMMUTABLE, build_layers, layers_version, register_routes, source_frames
from dashboard.layout import TABLE_PROPS, create_layout, layer_specs
from dashboard.preview import encoded, preview_geometry, preview_payload, preview_script
from dashboard.state import View, browser_store, build_hideout, parse_query
from geo.core.settings import Settings, get_settings
from geo.measures.observed import MAX_BYTES
from geo.measures.view import load_view_data

log = logging.getLogger(__name__)

#: The page's icon, inline: Chromium fetches a linked favicon again after every address change
#: (each switch and click rewrites the URL), cached or not; a data: URL costs no request.
FAVICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b5394"/>'
    '<path d="M3 11l3-6 3 3 2-3 2 6z" fill="#fff"/></svg>')

#: The message box a failed callback fills (:func:`_on_callback_error`); click to close.
ERROR_ID, ERROR_TEXT_ID = "lnmap-error", "lnmap-error-text"
ERROR_STYLE = {"position": "fixed", "top": "0.6rem", "left": "50%", "transform": "translateX(-50%)", "zIndex": 10000,
               "maxWidth": "min(40rem, 92vw)", "padding": "0.6rem 1rem", "borderRadius": "4px", "cursor": "pointer",
               "background": "#b00020", "color": "#fff", "boxShadow": "0 2px 8px rgba(0,0,0,.3)"}

#: When a callback request fails without an answer from Dash (a 5xx from the server or a proxy, the connection
#: dropped), Dash only logs it to the console; this says so on the page, in the page's language.
FETCH_FALLBACK = """<script>(function () {
  var words = LNMAP_WORDS, fetch0 = window.fetch;
  function lang() {
    var on = document.querySelector('#lang input:checked');
    var v = (on && on.value) || new URLSearchParams(location.search).get('lang');
    return words[v] ? v : 'zh';
  }
  function show() {
    var box = document.getElementById('lnmap-fallback-error');
    if (!box) {
      box = document.createElement('div');
      box.id = 'lnmap-fallback-error'; box.setAttribute('role', 'alert'); box.className = 'lnmap-error';
      box.style.cssText = 'LNMAP_STYLE';
      box.onclick = function () { box.hidden = true; };
      document.body.appendChild(box);
    }
    box.textContent = words[lang()];
    box.title = words[lang() + '_dismiss'];
    box.hidden = false;
  }
  window.fetch = function (input) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var answer = fetch0.apply(this, arguments);
    if (url.indexOf('/_dash-update-component') < 0) { return answer; }
    return answer.then(function (r) { if (r.status >= 500) { show(); } return r; },
                       function (e) { show(); throw e; });
  };
})();</script>"""

#: Dash's renderer asks for the layout and the callbacks only once every script of the page has run (about half a
#: second on a cold load), then waits for the server. They are asked for here, as the page's head is read, and
#: the renderer's own request of each (the same URL, a GET) is answered with that response, once; any later
#: request (a retry, a reload of the layout) goes to the server as before.
EARLY_DASH = """<script>(function () {
  var prefix = LNMAP_PREFIX, fetch0 = window.fetch, early = {};
  if (!fetch0) { return; }
  ["_dash-layout", "_dash-dependencies"].forEach(function (p) {
    early[prefix + p] = fetch0(prefix + p, {credentials: "same-origin", headers: {"Accept": "application/json"}});
    early[prefix + p].catch(function () {});
  });
  window.fetch = function (input, init) {
    var hit = typeof input === "string" && early[input];
    if (!hit || (init && init.method && init.method.toUpperCase() !== "GET")) { return fetch0.apply(this, arguments); }
    delete early[input];
    return hit.then(null, function () { return fetch0.call(window, input, init); });
  };
})();</script>"""

INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}LNMAP_EARLY<title>{%title%}</title><link rel="icon" href="LNMAP_FAVICON">{%css%}LNMAP_FALLBACK</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>""".replace("LNMAP_FAVICON", FAVICON).replace("LNMAP_FALLBACK", FETCH_FALLBACK.replace(
    "LNMAP_WORDS", json.dumps({**{lang: label(ERROR_LABELS, "server_failed", lang) for lang in LANGS},
                               **{f"{lang}_dismiss": label(ERROR_LABELS, "dismiss", lang) for lang in LANGS}},
                              ensure_ascii=False)).replace(
    "LNMAP_STYLE", ";".join(f"{''.join('-' + c.lower() if c.isupper() else c for c in k)}:{v}"
                            for k, v in ERROR_STYLE.items())))


#: The lazily loaded chunks the first view renders (the map's GeoJSON layers, the dataset picker, the upload), by
#: package. Dash asks for them only once its renderer has met such a component in the layout; loaded with the page,
#: by their versioned URL (cached for good), they are in place before the layout renders.
EAGER_CHUNKS = {"dash_leaflet": ("async-GeoJSON.js",), "dash": ("dcc/async-dropdown.js", "dcc/async-upload.js")}

#: Even with its chunk in place, a lazy component's first render waits for a promise: React shows the Suspense
#: fallback and puts the component in afterwards, at the earliest with the next update of the page and at the latest
#: 500 ms after the fallback (React's throttle of content that replaces a fallback). For the cities, Leaflet's
#: clickable map, that cost 0.15–0.5 s. So the GeoJSON component's lazy part is resolved here, as the page loads,
#: before Dash renders the layout: dash-leaflet's GeoJSON is a plain function whose element holds the lazy part
#: (``React.lazy``), and initialising it starts the import, which the chunk above answers at once. If dash-leaflet
#: changes that shape, this does nothing and the map comes up as before.
RESOLVE_LAZY = """<script>(function () {
  try {
    var el = window.dash_leaflet && window.dash_leaflet.GeoJSON && window.dash_leaflet.GeoJSON({});
    var lazy = el && el.props && el.props.children && el.props.children.type;
    if (lazy && typeof lazy._init === "function") { lazy._init(lazy._payload); }
  } catch (e) { /* a pending import throws its promise; it resolves before Dash has fetched the layout */ }
})();</script>"""


class LnmapDash(Dash):
    """Dash with the first frame (:mod:`dashboard.preview`) of the asked view in the index page, and the lazy
    chunks of the first view (:data:`EAGER_CHUNKS`) loaded with it."""

    preview: str | None = None  # the outlines, encoded once; set by create_app
    preview_store: dict | None = None

    def _generate_scripts_html(self) -> str:
        chunks = [{"relative_package_path": path, "namespace": ns} for ns, paths in EAGER_CHUNKS.items() for path in paths]
        urls = self._collect_and_register_resources(chunks)
        return super()._generate_scripts_html() + "".join(f'\n<script src="{u}"></script>' for u in urls) + "\n" + RESOLVE_LAZY

    def interpolate_index(self, **kwargs):
        if self.preview is not None and self.preview_store is not None and flask.has_request_context():
            query = flask.request.query_string.decode("utf-8", "replace")
            payload = preview_payload(self.preview_store, query)
            # Dash's placeholder says "Loading..." in English; in the page's language (the link's, else Chinese).
            lang = payload["view"]["lang"] if payload else parse_query(query, self.preview_store).lang
            entry = kwargs["app_entry"].replace("Loading...", t("loading", lang))
            kwargs["app_entry"] = entry + preview_script(payload, self.preview)
        return super().interpolate_index(**kwargs)


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard. ``settings`` points at the data (default: the bundled package)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    data = load_view_data(settings, observed=pd.DataFrame())  # observed values: per request, per browser
    frames = source_frames(settings)
    blobs = build_layers(settings, frames)
    store = browser_store(data)
    store["layer_version"] = layers_version(blobs)
    store["layer_specs"] = layer_specs(store["layer_version"])
    store["table_props"] = TABLE_PROPS
    view = View()
    hideout = build_hideout(store, view.indicator, view.scheme, view.city, view.lang)
    app = LnmapDash(
        __name__, title=t("title", "zh"), serve_locally=True, compress=True, update_title=None,  # type: ignore[arg-type]
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=_on_callback_error,
    )
    # Compress Dash's bundles and the layout (flask-compress); not streamed files such as /assets/,
    # whose file handle flask-compress 1.25 leaves open (ResourceWarning). Our GeoJSON is pre-gzipped.
    app.server.config["COMPRESS_STREAMS"] = False
    # Uploads arrive base64-encoded inside a callback request: cap the request, not only the decoded file.
    app.server.config["MAX_CONTENT_LENGTH"] = 2 * MAX_BYTES
    app.index_string = INDEX.replace("LNMAP_EARLY", EARLY_DASH.replace(
        "LNMAP_PREFIX", json.dumps(app.config.requests_pathname_prefix)))
    app.preview, app.preview_store = encoded(preview_geometry(frames)), store
    app.layout = create_layout(store, hideout, view)
    app.layout.children.append(_error_box())
    app.clientside_callback("function () { return true; }", Output(ERROR_ID, "hidden"), Input(ERROR_ID, "n_clicks"),
                            prevent_initial_call=True)
    app.server.register_error_handler(500, _server_error)
    init_auth(app.server, settings)  # editors sign in; viewers need no account (dashboard.auth)
    register_callbacks(app, data, store, settings)
    register_routes(app.server, blobs, settings)
    from dashboard.workbench import create_blueprint  # the allocation workbench at /workbench (its own files)
    app.server.register_blueprint(create_blueprint(settings))
    app.server.after_request(_cache_static)
    app.server.after_request(_security_headers)
    log.info("dashboard ready in %.1f s", time.perf_counter() - started)
    return app


def _error_box() -> html.Div:
    return html.Div(id=ERROR_ID, role="alert", className="lnmap-error", hidden=True, style=ERROR_STYLE,
                    title=label(ERROR_LABELS, "dismiss", DEFAULT_LANG), children=html.Span(id=ERROR_TEXT_ID))


def _user_lang() -> str:
    """The language of the page that sent this request: its ``lang`` control when the callback reads it,
    else the browser's preference."""
    values: dict = {}
    for part in ("states", "inputs"):
        try:
            values.update(getattr(ctx, part) or {})
        except Exception:  # outside a callback there is no context
            pass
    lang = values.get("lang.value")
    if lang in LANGS:
        return lang
    best = flask.request.accept_languages.best_match(list(LANGS)) if flask.has_request_context() else None
    return best or DEFAULT_LANG


def _on_callback_error(err: Exception) -> None:
    """Any exception in a server callback: logged with its traceback, a short message on the user's screen,
    the callback's outputs left as they were (None means no update)."""
    log.error("callback failed: %s", err, exc_info=err)
    lang = _user_lang()
    set_props(ERROR_TEXT_ID, {"children": label(ERROR_LABELS, "callback_failed", lang)})
    set_props(ERROR_ID, {"hidden": False, "title": label(ERROR_LABELS, "dismiss", lang)})


def _server_error(_err):
    """A failure outside the callbacks: one short line, not Werkzeug's page (the browser's fallback shows it)."""
    return flask.Response(label(ERROR_LABELS, "server_failed", _user_lang()), 500, mimetype="text/plain")


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
