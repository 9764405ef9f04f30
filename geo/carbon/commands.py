"""``lnmap carbon``: import a carbon inventory, list, remove, and print one by city or county."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from geo.core.errors import DataValidationError, LnmapError, Problem, StoreError
from geo.core.vocabulary import T as in_lang
from geo.core.vocabulary import carbon_problem_text, t


def refusal_text(exc: Exception, lang: str) -> str:
    """What a refused command says in ``lang``: every problem on its own line and that nothing was stored
    (a refused file); a store that cannot be written; an inventory that is not stored."""
    if isinstance(exc, DataValidationError):
        return t("rejected", lang) + "\n" + "\n".join(f"  - {carbon_problem_text(p, lang)}" for p in exc.problems)
    if isinstance(exc, StoreError) and lang == "zh":
        return t({"full": "store_full", "read_only": "store_read_only"}.get(exc.reason, "store_failed"), lang)
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return carbon_problem_text(Problem(text), lang)


class Rejected(click.ClickException):
    """A refused input, said in ``lang`` (:func:`refusal_text`), the word "Error" too."""

    def __init__(self, exc: Exception, lang: str = "en"):
        super().__init__(refusal_text(exc, lang))
        self.lang = lang

    def show(self, file=None) -> None:
        click.echo(t("error", self.lang) + self.format_message(), file=file, err=file is None)


#: ``--lang``: the language of what a command says; English unless asked (no lnmap command reads the locale).
lang_option = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                           help="The language of the messages: en or zh (中文).")


@click.group()
def carbon() -> None:
    """Carbon inventories (grids, asset lists, tables) summed to Liaoning's cities and counties."""


@carbon.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The inventory's name in the store, e.g. EDGAR-2022.")
@click.option("--year", required=True, type=int, help="The year to read (a NetCDF file's 12 months are summed).")
@click.option("--unit", default=None,
              help="t_C, t_CO2, kt_CO2 or a flux ('kg m-2 s-1'); default: the file's own units attribute.")
@click.option("--variable", default=None, help="NetCDF: the variable; GeoTIFF: the band number.")
@click.option("--sector", default=None, help="The sector; a sink sector (LULUCF, forest) may hold negative values.")
@click.option("--source", "source_text", default=None, help="Where the inventory comes from (shown beside its numbers).")
@click.option("--licence", default=None, help="Its licence, e.g. 'CC BY 4.0'.")
@click.option("--datum", type=click.Choice(["wgs84", "gcj02"]), default="wgs84", show_default=True,
              help="Datum of an asset list's lon/lat.")
@lang_option
def import_cmd(file: Path, name: str, year: int, unit: str | None, variable: str | None, sector: str | None,
               source_text: str | None, licence: str | None, datum: str, lang: str) -> None:
    """Import FILE (GeoTIFF, NetCDF, asset CSV, or a table by city or county) as inventory NAME."""
    from geo.carbon.inventory import import_inventory

    try:
        meta = import_inventory(file, name=name, year=year, unit=unit, variable=variable, sector=sector,
                                source=source_text, licence=licence, datum=datum)
    except LnmapError as exc:
        raise Rejected(exc, lang) from exc
    from geo.carbon.measures import METHODS

    m = meta["meta"]
    method = METHODS.get(meta["method"], (meta["method"], meta["method"]))[0]
    click.echo(in_lang(lang,
                       f"已保存清单“{meta['name']}”：{method}，{meta['year']}年，{m['cities']} 个城市、{m['counties']} 个县区"
                       + (f"、{m['points']} 个点位" if m["points"] else ""),
                       f"stored inventory {meta['name']!r}: {meta['method']}, {meta['year']}, {m['cities']} cities, "
                       f"{m['counties']} counties" + (f", {m['points']} sites" if m["points"] else "")))


@carbon.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option
def list_cmd(fmt: str, lang: str) -> None:
    """The stored inventories."""
    from geo.carbon.inventory import list_inventories

    try:
        items = list_inventories()
    except LnmapError as exc:
        raise Rejected(exc, lang) from exc
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=1))
        return
    if not items:
        click.echo(in_lang(lang, "尚未保存任何清单（导入：lnmap carbon import FILE --name NAME --year Y）",
                           "no inventory stored (lnmap carbon import FILE --name NAME --year Y)"))
    for i in items:
        click.echo(f"{i['name']:24s} {i['year']}  {i['method']:5s}  {i['unit']:16s}  {i['licence'] or '-':12s}  "
                   f"{i['imported_at'][:19]}  {i['imported_by']}  {i['file_name']}")


@carbon.command("remove")
@click.argument("name")
@lang_option
def remove_cmd(name: str, lang: str) -> None:
    """Remove inventory NAME with its values (the audit log keeps the removal)."""
    from geo.carbon.inventory import remove_inventory

    try:
        remove_inventory(name)
    except (KeyError, LnmapError) as exc:
        raise Rejected(exc, lang) from exc
    click.echo(in_lang(lang, f"已删除清单“{name}”（审计日志保留此次删除）", f"removed inventory {name!r}"))


@carbon.command("table")
@click.option("--name", required=True, help="The inventory.")
@click.option("--level", type=click.Choice(["city", "county"]), default="city", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here, not to stdout.")
@lang_option
def table_cmd(name: str, level: str, fmt: str, out: Path | None, lang: str) -> None:
    """One row per city or county: adcode, names, co2_t, co2_t_per_km2, coverage_pct, co2_t_per_10k_yuan (cities
    whose GDP of the inventory's year is in the active observed dataset), the inventory's year, method and licence."""
    from geo.carbon.measures import carbon_table
    from geo.core.fileio import write_bytes_atomic
    from geo.measures.observed import load_observed

    try:
        table = carbon_table(name, level, load_observed())
    except (KeyError, LnmapError) as exc:
        raise Rejected(exc, lang) from exc
    if fmt == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
    else:
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                   for r in table.to_dict("records")]
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        write_bytes_atomic(out, text.encode("utf-8"))
        click.echo(in_lang(lang, f"已将 {len(table)} 行写入 {out}", f"wrote {len(table)} rows to {out}"))
