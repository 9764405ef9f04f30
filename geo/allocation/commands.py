"""``lnmap allocate``: split a provincial target among the cities by a rule and write it as CSV, XLSX, PDF or PPTX.

The command is built by :func:`allocate_command` around the function that writes the files (the
exports live in a higher layer, :mod:`geo.exports.allocation`; ``geo/cli.py`` joins the two).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from geo.core.errors import DataValidationError, LnmapError, Problem

RULES = ("uniform", "region", "proportional", "index", "converge", "key_projects", "annex2017")
FORMATS = ("csv", "xlsx", "pdf", "pptx")
Writer = Callable[..., list[Path]]


def parse_pairs(text: str | None, option: str, *, numbers: bool = True) -> dict:
    """``a=1,b=2.5`` → {"a": 1.0, "b": 2.5} (full-width ，＝ accepted); a malformed pair names the option."""
    if not text:
        return {}
    out: dict = {}
    problems = []
    for part in text.replace("，", ",").replace("＝", "=").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip().rstrip("%")
        if not sep or not key or not value:
            problems.append(Problem(f"{part.strip()!r}: expected key=value", field=option))
            continue
        if numbers:
            try:
                out[key] = float(value)
            except ValueError:
                problems.append(Problem(f"{part.strip()!r}: {value!r} is not a number", field=option))
        else:
            out[key] = value
    if problems:
        raise DataValidationError(problems)
    return out


def _fail(exc: Exception) -> None:
    if isinstance(exc, DataValidationError):
        click.echo("rejected (nothing stored):", err=True)
        for p in exc.problems:
            click.echo(f"  - {p}", err=True)
    else:
        click.echo(f"error: {exc.args[0] if isinstance(exc, KeyError) and exc.args else exc}", err=True)
    sys.exit(1)


def allocate_command(write: Writer) -> click.Command:
    """The ``allocate`` command, writing its files with ``write(allocation, fmt, out)``."""

    @click.command("allocate")
    @click.option("--pollutant", required=True, type=click.Choice(["cod", "nh3n", "so2", "nox", "co2"]))
    @click.option("--rule", required=True, type=click.Choice(RULES))
    @click.option("--target-cut-pct", type=float, default=None, help="Provincial cut, % of the base-year total.")
    @click.option("--intensity-cut-pct", type=float, default=None,
                  help="Provincial cut of emissions per unit of GDP, % (split as a total cut).")
    @click.option("--cap-t", type=float, default=None, help="Provincial cap in the target year, t.")
    @click.option("--key-project-t", type=float, default=None, help="Provincial key-project cut, t.")
    @click.option("--base-year", type=int, default=2015, show_default=True)
    @click.option("--target-year", type=int, default=None, help="[default: base year + 5]")
    @click.option("--plan", default=None, help="Plan period name [default: 十三五 for 2015–2020, else the years].")
    @click.option("--rates", default=None, help="region: a cut % per region, id or name: shenyang_metro=15,沿海经济带=13 …")
    @click.option("--membership", type=click.Choice(["strictest", "laxest", "mean", "choice"]), default=None,
                  help="region: the rate of a city in two regions or a partial member.")
    @click.option("--choose", default=None, help="region: a region per city, e.g. 锦州=west_liaoning,葫芦岛=coastal_belt.")
    @click.option("--basis", default=None, help="proportional: emissions|intensity; converge: per_capita|per_gdp.")
    @click.option("--weights", default=None, help="index: input=weight,… (emission_t, intensity, gdp_per_capita, "
                                                  "emission_per_capita, key_project_t, gdp, population) or entropy.")
    @click.option("--convergence-year", type=int, default=None, help="converge: [default: the target year]")
    @click.option("--floor", type=float, default=None, help="Every city's cut % is at least this.")
    @click.option("--ceiling", type=float, default=None, help="Every city's cut % is at most this.")
    @click.option("--floors", default=None, help="Per city: 沈阳=12,大连=10 (over --floor).")
    @click.option("--ceilings", default=None, help="Per city: 沈阳=20 (over --ceiling).")
    @click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                  help="CSV: adcode or city, year, emission_t, gdp_100m_yuan, population_10k, province_plants_t, source.")
    @click.option("--projects", "projects_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  default=None, help="CSV of key projects: city, project, tonnes, source.")
    @click.option("--name", default="lnmap allocate", show_default=True, help="The scenario's name.")
    @click.option("--author", default="", help="Who made the scenario.")
    @click.option("--note", default="", help="A note kept with the scenario.")
    @click.option("--save", is_flag=True, help="Also store the scenario in the database (a new version of --name).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="[default: from the file name]")
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    def allocate(pollutant: str, rule: str, target_cut_pct: float | None, intensity_cut_pct: float | None,
                 cap_t: float | None, key_project_t: float | None, base_year: int, target_year: int | None,
                 plan: str | None, rates: str | None, membership: str | None, choose: str | None, basis: str | None,
                 weights: str | None, convergence_year: int | None, floor: float | None, ceiling: float | None,
                 floors: str | None, ceilings: str | None, inputs_file: Path | None, projects_file: Path | None,
                 name: str, author: str, note: str, save: bool, fmt: str | None, out: Path) -> None:
        """Split a provincial target among the 14 cities by RULE; one row per city and one for the province.

        Under the table: the check (Σ cities = province target), the rule's formula, inputs, sources, date.
        annex2017 takes each city's cut % from 辽政发〔2017〕21号 annexes 2–5 (no target). Bad input is
        refused with the field at fault, and nothing is written or stored.
        """
        from geo.allocation.engine import allocate as run
        from geo.allocation.inputs import read_inputs_csv, read_projects_csv
        from geo.allocation.scenario import RuleInputs, Scenario, Target
        from geo.core.repro import export_date

        fmt = fmt or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise click.UsageError(f"cannot tell the format from {out.name!r}: give --format {'|'.join(FORMATS)}")
        given = [(k, v) for k, v in (("total_cut_pct", target_cut_pct), ("intensity_cut_pct", intensity_cut_pct),
                                     ("cap_t", cap_t), ("key_project_t", key_project_t)) if v is not None]
        if len(given) > 1:
            raise click.UsageError("give one target: --target-cut-pct, --intensity-cut-pct, --cap-t or --key-project-t")
        kind, value = given[0] if given else ("total_cut_pct", None)
        target_year = target_year or base_year + 5
        try:
            floor_map = {**({"*": floor} if floor is not None else {}), **parse_pairs(floors, "--floors")}
            ceiling_map = {**({"*": ceiling} if ceiling is not None else {}), **parse_pairs(ceilings, "--ceilings")}
            entropy = (weights or "").strip().lower() == "entropy"
            scenario = Scenario(
                name=name, target=Target(pollutant, kind, value), rule=rule,
                plan=plan or ("十三五" if (base_year, target_year) == (2015, 2020) else f"{base_year}–{target_year}"),
                target_year=target_year,
                inputs=RuleInputs(base_year=base_year, basis=basis,
                                  weights=None if entropy or weights is None else parse_pairs(weights, "--weights"),
                                  entropy=entropy, rates=parse_pairs(rates, "--rates"), membership=membership,
                                  choices=parse_pairs(choose, "--choose", numbers=False), floors=floor_map,
                                  ceilings=ceiling_map, convergence_year=convergence_year),
                table=tuple(read_inputs_csv(inputs_file)) if inputs_file else (),
                projects=tuple(read_projects_csv(projects_file)) if projects_file else (),
                author=author, date=export_date().isoformat(), note=note)
            alloc = run(scenario)
            written = write(alloc, fmt, out)
            if save:
                from geo.allocation.store import save_scenario
                from geo.store.users import default_actor

                stored = save_scenario(scenario, actor=default_actor())
                click.echo(f"stored scenario {stored['name']} version {stored['version']}")
        except (LnmapError, OSError, KeyError) as exc:
            _fail(exc)
        click.echo(alloc.check["en"])
        for path in written:
            click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")

    return allocate
