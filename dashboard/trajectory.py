"""A city's year-by-year chart per pollutant: the 2015 baseline, the straight path to the 2020 cap, the
cap, and the observed years (:func:`geo.measures.observed.trajectory`), drawn with plotly (Dash's own charts,
served by the app, so offline too).

Readable without colour: the path is a dashed line with hollow markers, the observed values a solid
line with filled circles, the baseline a square and the cap a diamond, each named in the legend; the
numbers are in a table under the chart as well.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from geo.core.vocabulary import POLLUTANT_LABELS, fmt_number, label, t

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def _num(v: float | None) -> str:
    return fmt_number(v, 2)


def trajectory_figure(points: list[dict], lang: str) -> go.Figure:
    """One pollutant's chart from ``trajectory()`` rows (``year``, ``path_t``, ``observed_t``)."""
    years = [p["year"] for p in points]
    path = [(p["year"], p["path_t"]) for p in points if p["path_t"] is not None]
    observed = [(p["year"], p["observed_t"]) for p in points if p["observed_t"] is not None]
    unit = "吨" if lang == "zh" else "t"
    hover = "%{x}: %{customdata} " + unit + "<extra>%{fullData.name}</extra>"
    fig = go.Figure()
    if path:
        fig.add_trace(go.Scatter(
            x=[y for y, _ in path], y=[v for _, v in path], customdata=[_num(v) for _, v in path],
            name=t("traj_path", lang), mode="lines+markers", hovertemplate=hover,
            line={"color": "#666666", "dash": "dash", "width": 2},
            marker={"symbol": "circle-open", "size": 7, "color": "#666666"}))
        (y0, base), (y1, cap) = path[0], path[-1]
        fig.add_trace(go.Scatter(
            x=[y0], y=[base], customdata=[_num(base)], name=t("traj_baseline", lang), mode="markers",
            hovertemplate=hover, marker={"symbol": "square", "size": 11, "color": "#1f4e79"}))
        fig.add_trace(go.Scatter(
            x=[y1], y=[cap], customdata=[_num(cap)], name=t("traj_cap", lang), mode="markers",
            hovertemplate=hover, marker={"symbol": "diamond", "size": 13, "color": "#b35806"}))
    if observed:
        fig.add_trace(go.Scatter(
            x=[y for y, _ in observed], y=[v for _, v in observed], customdata=[_num(v) for _, v in observed],
            name=t("traj_observed", lang), mode="lines+markers", hovertemplate=hover,
            line={"color": "#111111", "width": 2.5}, marker={"symbol": "circle", "size": 9, "color": "#111111"}))
    fig.update_layout(
        height=230, margin={"l": 8, "r": 8, "t": 8, "b": 8}, font={"family": FONT, "size": 12},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#ffffff", hovermode="closest",
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}},
        xaxis={"tickmode": "array", "tickvals": years, "ticktext": [str(y) for y in years], "showgrid": False,
               "linecolor": "#888", "fixedrange": True},
        yaxis={"title": {"text": unit}, "gridcolor": "#e5e5e5", "separatethousands": True, "tickformat": ",.0f",
               "fixedrange": True, "rangemode": "normal"},
    )
    return fig


def trajectory_table(points: list[dict], lang: str) -> html.Table:
    """The chart's numbers: year, path, observed, ahead of the path (t, as printed: 0.01)."""
    head = [t(k, lang) for k in ("col_year", "col_path", "col_observed_year", "col_ahead")]
    rows: list[list[Any]] = [[str(p["year"]), html.Span(_num(p["path_t"]), className="num"),
             html.Span(_num(p["observed_t"]), className="num observed"),
             html.Span(_num(p["ahead_of_path_t"]), className="num")]
            for p in points if p["path_t"] is not None or p["observed_t"] is not None]
    return html.Table(className="data trajectory-table", children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
    ])


def render_trajectories(trajectories: dict[str, list[dict]], lang: str, first: str | None = None) -> list:
    """A chart and a table per pollutant with observed years; ``first``: the pollutant on the map."""
    groups = [g for g, pts in trajectories.items() if any(p["observed_t"] is not None for p in pts)]
    if not groups:
        return []
    groups.sort(key=lambda g: g != first)
    out: list = [html.H3(t("trajectory_title", lang))]
    for g in groups:
        name = label(POLLUTANT_LABELS, g, lang)
        out.append(html.Figure(className="trajectory", id={"type": "trajectory", "key": g}, children=[
            html.Figcaption(name),
            dcc.Graph(figure=trajectory_figure(trajectories[g], lang), config={"displayModeBar": False,
                                                                               "responsive": True},
                      className="trajectory-chart", style={"height": "230px"}),
            trajectory_table(trajectories[g], lang),
        ]))
    out.append(html.P(t("trajectory_note", lang), className="note"))
    return out
