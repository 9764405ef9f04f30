"""Serving the dashboard: gunicorn for everyone, Flask's development server for debugging.

``lnmap serve`` builds the app once in the gunicorn master (``preload_app``), freezes what it built out
of the garbage collector's reach (``gc.freeze``: the collector would otherwise write to every object
and un-share the pages), then forks the workers: they share the loaded data copy-on-write, and a
worker that dies is replaced by a fork that answers at once instead of loading everything again.
After the fork each worker drops the database engines it inherited (:func:`geo.store.db.after_fork`).

Sync workers (one request at a time each, no keep-alive) are the default: a killed worker takes at most
the one request it was answering with it, and an import, bounded by the reader to a few seconds, holds
one worker while the others answer. ``threads > 1`` switches to gthread workers (keep-alive, fewer
processes, more requests lost when one dies). ``bench/bench_load.py`` measures both.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import socket
from typing import Any

from geo.core.errors import LnmapError

log = logging.getLogger(__name__)


class ServeError(LnmapError):
    """The server cannot start (port in use, unknown host ...)."""


def default_workers(cores: int | None = None) -> int:
    """2 x cores + 1 (gunicorn's rule for sync workers), at least 2, at most 9."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(2, min(9, 2 * cores + 1))


def check_port(host: str, port: int) -> None:
    """Fail with one line now, before minutes of loading, if ``host:port`` cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ServeError(f"cannot serve on {host}: {e.strerror}") from e
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn and werkzeug bind
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is in use (another server is running there? "
                                 "pick another with --port)") from e
            if e.errno == errno.EACCES:
                raise ServeError(f"no permission to serve on {host}:{port} (ports below 1024 need root)") from e
            raise ServeError(f"cannot serve on {host}:{port}: {e.strerror}") from e


def _post_fork(_server: Any, _worker: Any) -> None:
    from geo.store.db import after_fork

    after_fork()


def gunicorn_options(host: str, port: int, *, workers: int, threads: int = 1, timeout: int = 30) -> dict:
    """The gunicorn settings ``lnmap serve`` uses (a dict of gunicorn setting names)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "preload_app": True,
        "post_fork": _post_fork,
        "timeout": timeout,  # a worker silent this long is killed and replaced (imports stop at the reader's 5 s)
        "graceful_timeout": 10,
        "keepalive": 5,
        "proc_name": "lnmap",
        "errorlog": "-",
        "loglevel": "warning",
        "forwarded_allow_ips": "127.0.0.1,::1",  # a reverse proxy on this host may say the request was https
    }


def run_gunicorn(server: Any, host: str, port: int, *, workers: int, threads: int = 1) -> None:
    """Serve the built WSGI ``server`` with gunicorn until stopped (SIGINT/SIGTERM)."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host, port, workers=workers, threads=threads)

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return server

    gc.collect()
    gc.freeze()  # what the app built stays shared between the workers
    _Gunicorn().run()


def run_dev(app: Any, host: str, port: int, *, debug: bool = False) -> None:
    """Flask's development server: one process, for debugging (``lnmap serve --dev``)."""
    app.run(host=host, port=port, debug=debug)
