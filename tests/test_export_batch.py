"""`lnmap export all` in parallel: the same files as one process makes, failures isolated."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.export import load_layers
from geo.export_batch import Options, multiples_measures, plan, run_all

EPOCH = "1767225600"


def _options(out, formats):
    return Options(out, formats, "zh", "quantiles", "slide", False, False, 60, "auto", None, None)


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_plan_covers_indicators_profiles_and_multiples():
    layers = load_layers()
    tasks, skipped = plan(layers, ("pdf", "csv"))
    kinds = [k for k, _ in tasks]
    assert kinds.count("profile") == 14  # one page per city
    # 2 energy + 4 pollutants × (3 annex + 4 derived + 3 per-km² densities) = 42; observed measures wait for an import
    assert kinds.count("indicator") == 42 and len(skipped) == 16
    measures = [s for k, s in tasks if k == "multiples"]
    assert "emission_2015_t" in measures and "cap_2020_t" in measures and "cut_target_pct" in measures
    assert plan(layers, ("csv",))[0] == [t for t in tasks if t[0] == "indicator"]  # csv: no pages, no multiples


def test_multiples_need_all_four_pollutants():
    ids = ["cod_emission_2015_t", "nh3n_emission_2015_t", "so2_emission_2015_t", "nox_emission_2015_t", "cod_cap_2020_t"]
    assert multiples_measures(ids) == ["emission_2015_t"]


def test_two_workers_write_what_one_process_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # spawned workers inherit it
    tasks = [("indicator", "cod_emission_2015_t"), ("indicator", "so2_cut_target_pct"), ("profile", "210100"),
             ("multiples", "emission_2015_t")]
    formats = ("pdf", "csv", "pptx")
    one = run_all(_options(tmp_path / "one", formats), jobs=1, tasks=tasks)
    two = run_all(_options(tmp_path / "two", formats), jobs=2, tasks=tasks)
    assert one.failed == [] and two.failed == []
    names = {p.name for p in one.written}
    assert names == {"cod_emission_2015_t.pdf", "cod_emission_2015_t.csv", "so2_cut_target_pct.pdf",
                     "so2_cut_target_pct.csv", "profile_210100_zh.pdf", "multiples_emission_2015_t_shared_zh.pdf",
                     "indicators.pptx"}
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")  # same bytes, whatever the order of work


def test_a_failing_task_is_reported_and_the_others_are_written(tmp_path):
    tasks = [("profile", "999999"), ("indicator", "cod_emission_2015_t")]
    summary = run_all(_options(tmp_path, ("csv", "pdf")), jobs=2, tasks=tasks)
    assert [f[0] for f in summary.failed] == ["profile 999999"]
    assert {p.name for p in summary.written} == {"cod_emission_2015_t.csv", "cod_emission_2015_t.pdf"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_export_all_writes_every_indicator(tmp_path, jobs):
    result = CliRunner().invoke(main, ["export", "all", "--out", str(tmp_path), "--format", "csv", "--jobs", jobs])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.csv"))) == 42
    assert "wrote 42 files" in result.output
