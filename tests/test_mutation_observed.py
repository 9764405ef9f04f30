"""Tests that kill surviving mutants of geo/observed.py (bench/results_mutation.md).

Each test names the bug it catches; expected values come from the policy text, a hand
calculation in the comment, or another library -- never from the code under test.
"""

import pandas as pd

from geo.observed import annual_sources, observed_sources

SOURCE_COLUMNS = ["adcode", "pollutant", "source", "flag", "conversion", "source_row", "dataset_id"]


def _rows(*rows: tuple) -> pd.DataFrame:
    """Stored rows (geo.observed.STORED_COLUMNS' names) of (adcode, pollutant, year, value, flag, source_row)."""
    return pd.DataFrame([{"adcode": a, "city_zh": "", "pollutant": p, "indicator_id": f"{p}_emission_{y}_observed_t",
                          "year": y, "value": v, "unit": "t", "value_as_given": str(v), "unit_as_given": "吨",
                          "conversion": "none", "flag": f, "source_row": r, "dataset_id": "d", "source": "s"}
                         for a, p, y, v, f, r in rows])


def test_observed_sources_are_those_of_the_progress_year_only():
    """Bug: the sources shown beside the 2020 progress name a row of another year, or lose a column
    (flag, conversion, row) the panel prints; an empty dataset must still give the columns."""
    obs = _rows(("210100", "so2", 2019, 1.0, "统计公报", 2), ("210100", "so2", 2020, 2.0, "考核值", 3),
                ("210200", "cod", 2020, 3.0, "", 4))
    got = observed_sources(obs)
    assert list(got.columns) == SOURCE_COLUMNS
    assert got.source_row.tolist() == [3, 4] and got.flag.tolist() == ["考核值", ""]
    empty = observed_sources(obs.iloc[0:0])
    assert list(empty.columns) == SOURCE_COLUMNS and len(empty) == 0


def test_annual_sources_keep_every_year_with_its_columns():
    """Bug: the per-year sources drop a year or a column; an empty dataset must still give the columns."""
    cols = ["adcode", "pollutant", "year", "source", "flag", "conversion", "source_row", "dataset_id"]
    obs = _rows(("210100", "so2", 2019, 1.0, "统计公报", 2), ("210100", "so2", 2020, 2.0, "考核值", 3))
    got = annual_sources(obs)
    assert list(got.columns) == cols and got.year.tolist() == [2019, 2020]
    empty = annual_sources(obs.iloc[0:0])
    assert list(empty.columns) == cols and len(empty) == 0
