"""Partial members of a region are hatched in the region's colour, over the city's own colour
(issue 9). The members are region_members.csv's rows, read here with the csv module."""

from __future__ import annotations

import csv

import pytest

from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def test_partial_members_are_hatched_and_the_city_colour_shows_through(page, base):
    from geo.core.settings import get_settings

    with (get_settings().indicators_dir / "region_members.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["region_id"] == "east_green"]
    partial = {r["adcode"] for r in rows if r["membership"] == "partial"}
    assert partial, "east_green has partial members in region_members.csv"
    offline(page)
    page.goto(base + "?indicator=so2_project_coverage_pct&map_type=choropleth&layers=context,labels,east_green")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    # The outline layer draws the partial members of a region as one shape (region_outlines).
    page.wait_for_function("document.querySelectorAll('path.lnmap-partial').length >= 1")
    fills = page.eval_on_selector_all("path.lnmap-partial", "els => els.map(e => e.getAttribute('fill'))")
    assert set(fills) == {"url(#lnmap-hatch-east_green)"}
    # The pattern exists, draws lines (not a solid fill), and the city underneath keeps its class colour.
    assert page.evaluate("document.querySelectorAll('#lnmap-hatch-east_green line').length") >= 1
    city_fills = page.eval_on_selector_all("path.lnmap-city", "els => els.map(e => e.getAttribute('fill-opacity'))")
    assert all(float(o) > 0.5 for o in city_fills)
    assert page.locator("#layer-legend .partial-swatch").count() == 1
