"""The dashboard served in-process on a free port, for the browser tests (a helper, not a test module)."""

from __future__ import annotations

import contextlib
import threading

from werkzeug.serving import make_server


@contextlib.contextmanager
def serve_dashboard(wrap=None):
    """Yield the base URL (ending in ``/``) of a freshly built app, served in a thread; ``wrap(wsgi_app)``, if
    given, returns the WSGI app to serve instead (a layer that records or delays requests)."""
    from dashboard.app import create_app

    server = create_app().server
    srv = make_server("127.0.0.1", 0, wrap(server.wsgi_app) if wrap else server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}/"
    finally:
        srv.shutdown()
        thread.join(5)


def offline(page) -> None:
    """Anything not from the app fails, as on a machine with no network."""
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
               else route.continue_())
