"""``lnmap export all``: every indicator, the 14 city profiles and the small multiples, in parallel.

The work is cut into tasks — one per indicator (all its formats from one drawing), one per
city profile, one per small-multiples measure — and run by a pool of worker processes
(``jobs``, default: the machine's cores). Each worker loads the data once, when it starts,
and keeps it for all its tasks; workers write their files themselves (atomically, see
:mod:`geo.core.fileio`) and send back only the paths written, the failures, the slide pictures of
the PowerPoint deck, which the parent assembles in catalogue order, and the HTML pages, in which
the parent embeds one font subset for all of them (:func:`geo.exports.interactive.finish_pages`: one
subset per run instead of one per page, the largest single cost of a page).
``jobs=1`` runs the same tasks one after another in this process.

Processes are started with ``spawn``: matplotlib and the data are imported fresh in each
worker, never inherited from a parent that may hold threads (a progress bar's) or
half-drawn figures.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo.core.classify import DEFAULT_SCHEME
from geo.core.fileio import write_bytes_atomic
from geo.core.settings import Settings
from geo.exports.interactive import HtmlPage
from geo.exports.maps import render_spec
from geo.exports.spec import (
    DATA_FORMATS,
    DECK_NAME,
    DEFAULT_DPI,
    FORMATS,
    STATIC_FORMATS,
    ExportError,
    ExportSummary,
    LayerChoice,
    Layers,
    MapSpec,
    check_options,
    exportable,
    load_layers,
    map_spec,
)
from geo.measures.catalogue import CATALOGUE

if TYPE_CHECKING:
    from geo.exports.slides import Deck

log = logging.getLogger(__name__)

#: Formats a city profile is written in, when ``export all`` is asked for them.
PROFILE_FORMATS = ("pdf", "png")
#: Formats of the small multiples, likewise.
MULTIPLES_FORMATS = ("pdf", "png", "svg")


@dataclass(frozen=True)
class Options:
    """What every task needs to know besides its own subject (picklable: sent to workers)."""

    out_dir: Path
    formats: tuple[str, ...]
    lang: str
    scheme: str
    page: str
    regions: LayerChoice
    sites: LayerChoice
    dpi: int
    map_type: str
    settings: Settings | None
    observed: pd.DataFrame | None


@dataclass
class Result:
    """What a task sends back."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    slide: tuple[MapSpec, bytes] | None = None  # an indicator's PowerPoint slide: its spec and picture
    html: HtmlPage | None = None  # an indicator's HTML page, its font still to embed (geo.exports.interactive.finish_pages)


# --------------------------------------------------------------------------- worker side

_STATE: dict = {}


def _init(options: Options) -> None:
    """Load the data once per worker."""
    _STATE.clear()
    _STATE["options"] = options
    _STATE["layers"] = load_layers(options.settings, options.observed)


def _layers() -> Layers:
    return _STATE["layers"]


def _profile_data():
    if "profile" not in _STATE:
        from geo.exports.profile import load_profile_data

        o = _STATE["options"]
        _STATE["profile"] = load_profile_data(o.settings, o.observed, layers=_layers())
    return _STATE["profile"]


def _fail(result: Result, subject: str, fmt: str, exc: BaseException) -> None:
    log.exception("export of %s (%s) failed", subject, fmt)
    result.failed.append((subject, fmt, f"{type(exc).__name__}: {exc}"))


def _write(result: Result, path: Path, data: bytes) -> None:
    write_bytes_atomic(path, data)
    result.written.append(str(path))


def _indicator_task(ind_id: str) -> Result:
    from geo.core.fonts import export_font

    o: Options = _STATE["options"]
    layers, result = _layers(), Result()
    try:
        spec = map_spec(ind_id, layers, lang=o.lang, scheme=o.scheme, map_type=o.map_type)
        export_font().check(spec.texts(), where=f"{ind_id} ({o.lang})")
    except Exception as exc:  # the indicator cannot be drawn at all: say so, go on with the others
        _fail(result, ind_id, "*", exc)
        return result
    static = [f for f in o.formats if f in STATIC_FORMATS]
    if static:
        from geo.exports.static import render_static_many

        try:
            for f, data in render_static_many(spec, layers, static, page=o.page, regions=o.regions, sites=o.sites,
                                              dpi=o.dpi).items():
                _write(result, o.out_dir / f"{ind_id}.{f}", data)
        except Exception as exc:
            _fail(result, ind_id, "/".join(static), exc)
    if "pptx" in o.formats:
        from geo.exports.slides import slide_picture

        try:
            result.slide = spec, slide_picture(spec, layers, regions=o.regions, sites=o.sites)
        except Exception as exc:
            _fail(result, ind_id, "pptx", exc)
    if "html" in o.formats:
        from geo.exports.interactive import html_page

        try:
            result.html = html_page(spec, layers, regions=o.regions, sites=o.sites, font=export_font())
        except Exception as exc:
            _fail(result, ind_id, "html", exc)
    for f in o.formats:
        if f in STATIC_FORMATS or f in ("pptx", "html"):
            continue
        try:
            _write(result, o.out_dir / f"{ind_id}.{f}",
                   render_spec(spec, layers, f, page=o.page, regions=o.regions, sites=o.sites, dpi=o.dpi))
        except Exception as exc:
            _fail(result, ind_id, f, exc)
    return result


def _pages(subject: str, formats: list[str], path_of: Callable[[str], Path], render: Callable[[str], bytes]) -> Result:
    """One page (a profile, a small multiple) in each of ``formats``."""
    result = Result()
    for f in formats:
        try:
            _write(result, path_of(f), render(f))
        except Exception as exc:
            _fail(result, subject, f, exc)
    return result


def _profile_task(adcode: str) -> Result:
    from geo.exports.profile import profile_file_name, render_profile

    o: Options = _STATE["options"]
    return _pages(f"profile {adcode}", [f for f in PROFILE_FORMATS if f in o.formats],
                  lambda f: o.out_dir / profile_file_name(adcode, f, o.lang),
                  lambda f: render_profile(adcode, f, lang=o.lang, data=_profile_data(), settings=o.settings))


def _multiples_task(measure: str) -> Result:
    from geo.exports.multiples import multiples_file_name, render_multiples

    o: Options = _STATE["options"]
    return _pages(f"multiples {measure}", [f for f in MULTIPLES_FORMATS if f in o.formats],
                  lambda f: o.out_dir / multiples_file_name(measure, f, o.lang),
                  lambda f: render_multiples(measure, f, lang=o.lang, scheme=o.scheme, map_type=o.map_type,
                                             layers=_layers()))


_TASKS: dict[str, Callable[[str], Result]] = {
    "indicator": _indicator_task, "profile": _profile_task, "multiples": _multiples_task,
}


def _run(kind: str, subject: str) -> Result:
    return _TASKS[kind](subject)


# --------------------------------------------------------------------------- parent side


def multiples_measures(indicator_ids: list[str]) -> list[str]:
    """Measures all four pollutants have values for (e.g. emission_2015_t, cap_2020_t)."""
    from geo.measures.catalogue import POLLUTANTS

    have = set(indicator_ids)
    measures = []
    for ind in indicator_ids:
        p, _, measure = ind.partition("_")
        if p == next(iter(POLLUTANTS)) and all(f"{q}_{measure}" in have for q in POLLUTANTS):
            measures.append(measure)
    return measures


def plan(layers: Layers, formats: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The tasks of one run, and the indicators skipped (with why)."""
    indicators, skipped = exportable(layers)
    ids = [i.id for i in indicators]
    tasks = [("indicator", i) for i in ids]
    if any(f in PROFILE_FORMATS for f in formats):
        tasks += [("profile", str(a)) for a in layers.cities["adcode"]]
    if any(f in MULTIPLES_FORMATS for f in formats):
        tasks += [("multiples", m) for m in multiples_measures(ids)]
    return tasks, skipped


class _SlidesInOrder:
    """The deck, its slides added in catalogue order as they arrive (in any order) during the run,
    so that only saving it is left at the end."""

    def __init__(self, subjects: list[str]) -> None:
        self.order, self.done = subjects, 0
        self.waiting: dict[str, tuple[MapSpec, bytes] | None] = {}
        self.deck: Deck | None = None
        self.broken = False

    def arrive(self, subject: str, slide: tuple[MapSpec, bytes] | None, summary: ExportSummary) -> None:
        """Take ``subject``'s slide (None: it has none, e.g. its task failed) and add every slide now in turn."""
        self.waiting[subject] = slide
        while self.done < len(self.order) and self.order[self.done] in self.waiting:
            ready = self.waiting.pop(self.order[self.done])
            self.done += 1
            if ready is None or self.broken:
                continue
            try:
                if self.deck is None:
                    from geo.core.fonts import export_font
                    from geo.exports.slides import Deck

                    self.deck = Deck(export_font().family)
                self.deck.add(*ready)
            except Exception as exc:
                self._fail(summary, exc)

    def write(self, path: Path, summary: ExportSummary) -> None:
        if self.deck is None or self.broken:
            return
        try:
            write_bytes_atomic(path, self.deck.save())
            summary.written.append(path)
        except Exception as exc:
            self._fail(summary, exc)

    def _fail(self, summary: ExportSummary, exc: Exception) -> None:
        log.exception("PowerPoint deck failed")
        summary.failed.append(("(deck)", "pptx", f"{type(exc).__name__}: {exc}"))
        self.broken = True


def _finish_pages(out_dir: Path, pages: dict[str, HtmlPage], summary: ExportSummary) -> None:
    """Embed one font subset in all the HTML pages and write them (:func:`geo.exports.interactive.finish_pages`)."""
    from geo.core.fonts import export_font
    from geo.exports.interactive import finish_pages

    try:
        for subject, data in finish_pages(pages, export_font()).items():
            path = out_dir / f"{subject}.html"
            write_bytes_atomic(path, data)
            summary.written.append(path)
    except Exception as exc:
        log.exception("HTML pages failed")
        summary.failed += [(subject, "html", f"{type(exc).__name__}: {exc}") for subject in pages]


def run_all(options: Options, *, jobs: int | None = None, progress: Callable[[int], object] | None = None,
            layers: Layers | None = None, tasks: list[tuple[str, str]] | None = None) -> ExportSummary:
    """Run every task of :func:`plan` (or the ``tasks`` given) with ``jobs`` workers; write the
    deck; summarise."""
    start = time.perf_counter()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    layers = layers or load_layers(options.settings, options.observed)
    planned, skipped = plan(layers, options.formats)
    tasks = planned if tasks is None else tasks
    summary = ExportSummary(skipped=skipped)
    deck = _SlidesInOrder([s for kind, s in tasks if kind == "indicator"]) if "pptx" in options.formats else None
    pages: dict[str, HtmlPage] = {}

    def collect(kind: str, subject: str, result: Result) -> None:
        summary.written += [Path(p) for p in result.written]
        summary.failed += result.failed
        if deck and kind == "indicator":
            deck.arrive(subject, result.slide, summary)
        if result.html is not None:
            pages[subject] = result.html
        if progress:
            progress(1)

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if jobs == 1:
        _init(options)
        for kind, subject in tasks:
            collect(kind, subject, _run(kind, subject))
    else:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_init,
                                 initargs=(options,)) as pool:
            futures = {pool.submit(_run, kind, subject): (kind, subject) for kind, subject in tasks}
            for fut in as_completed(futures):
                kind, subject = futures[fut]
                try:
                    result = fut.result()
                except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                    result = Result(failed=[(subject, "*", f"worker process died: {exc}")])
                collect(kind, subject, result)
    if pages:
        _finish_pages(options.out_dir, pages, summary)
    if deck:
        deck.write(options.out_dir / DECK_NAME, summary)
    summary.written.sort()
    summary.seconds = time.perf_counter() - start
    return summary


__all__ = ["DATA_FORMATS", "MULTIPLES_FORMATS", "PROFILE_FORMATS", "Options", "plan", "run_all"]


def export_all(
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    lang: str = "zh",
    scheme: str = DEFAULT_SCHEME,
    page: str = "slide",
    regions: LayerChoice = False,
    sites: LayerChoice = False,
    dpi: int = DEFAULT_DPI,
    settings: Settings | None = None,
    observed: pd.DataFrame | None = None,
    progress=None,
    map_type: str = "auto",
    jobs: int | None = None,
) -> ExportSummary:
    """Every indicator with values in every format asked for, the 14 city profiles and the
    small multiples (PDF/PNG/SVG when asked for), into ``out_dir``, with ``jobs`` worker
    processes (default: the machine's cores; see :mod:`geo.exports.batch`).

    One file per indicator and format (``<id>.<fmt>``), except PowerPoint: one deck,
    ``indicators.pptx`` (:data:`DECK_NAME`), one slide per indicator; ``profile_<adcode>_<lang>.<fmt>``;
    ``multiples_<measure>_shared_<lang>.<fmt>``. A failure is recorded with its subject and
    format and the others go on. ``progress(n)`` is called after each task (a tqdm bar's ``update``).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ExportError(f"unknown format(s) {', '.join(bad)}; expected {', '.join(FORMATS)}")
    check_options(CATALOGUE[0].id, None, lang, scheme, page, dpi)
    options = Options(Path(out_dir), tuple(formats), lang, scheme, page, regions, sites, dpi, map_type, settings,
                      observed)
    return run_all(options, jobs=jobs, progress=progress)
