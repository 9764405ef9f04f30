"""The city profile's PowerPoint carries the year-by-year charts as native, editable charts on a second
slide when a dataset is in use (issue 11, item 2). Expected values, worked by hand: 沈阳 SO2 2015 =
101,296.20 t (附件4 第1列), cut 16.5 % -> cap 84,582.33 t; the fixture's observed 2016 = 98,000 and
2018 = 90,000 t (tests/fixtures/observed_years_so2.csv, invented)."""

from __future__ import annotations

import io

from pptx import Presentation

from tests.test_profile_trajectory import FIXTURE, _export, _import


def _charts(deck: bytes):
    prs = Presentation(io.BytesIO(deck))
    return prs, [sh.chart for slide in prs.slides for sh in slide.shapes if sh.has_chart]


def test_pptx_profile_has_an_editable_chart_per_observed_pollutant(tmp_path):
    _import(FIXTURE)
    prs, charts = _charts(_export(tmp_path, "沈阳", "zh", "pptx"))
    assert len(prs.slides) == 2 and len(charts) == 1  # 沈阳 has SO2 only
    chart = charts[0]
    # (y, x) of each series: y from python-pptx, x (the year) from the series' own xVal cache.
    series = {s.name: list(zip(s.iter_values(), (round(float(x)) for x in s._element.xpath("./c:xVal//c:v/text()"))))
              for s in chart.plots[0].series}
    assert set(series) == {"目标路径", "实测", "2015年基准", "2020年上限"}
    assert series["实测"] == [(98000.0, 2016), (90000.0, 2018)]
    assert series["2015年基准"] == [(101296.2, 2015)] and series["2020年上限"] == [(84582.33, 2020)]
    assert len(series["目标路径"]) == 6  # 2015 … 2020


def test_no_dataset_no_chart_slide(tmp_path):
    prs, charts = _charts(_export(tmp_path, "沈阳", "en", "pptx"))
    assert len(prs.slides) == 1 and not charts
