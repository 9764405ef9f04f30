"""Naive peers for bench/bench_dashboard.py: the ways an analyst builds such a map today.

- :func:`dash_app`: a minimal Dash + dash-leaflet app. A pollutant switch is a server callback that
  classifies the values, colours the 14 cities and re-sends their styled GeoJSON; a city click is a
  server callback that renders the city's values as a table. Plain Dash: no compression, no store.
- :func:`folium_app`: a Flask route that renders a folium page for the indicator asked for, so a
  switch is a new page (generated, loaded and painted again); a city click opens folium's popup.

Both use the same data as the dashboard (geo.measures.cities.city_table, the city outlines of
geo.places.boundaries.load_layer("cities"), quantile classes from geo.core.classify) and the Leaflet 1.9.4 the
repository vendors (folium's CDN files cannot be fetched offline, and the benchmark blocks the network).
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

from geo.core.classify import classes_for
from geo.measures.catalogue import BY_ID, POLLUTANTS
from geo.measures.cities import city_table
from geo.places.boundaries import load_layer

ROOT = Path(__file__).resolve().parents[2]
LEAFLET = ROOT / "geo" / "vendor" / "leaflet-1.9.4"
#: The indicator a switch to each pollutant shows (the dashboard's default measure).
INDICATORS = {p: f"{p}_emission_2015_t" for p in POLLUTANTS}
NODATA = "#d9d9d9"
CITY_CLASS = "peer-city"
#: Generation times of the folium pages served (seconds), read by the benchmark.
FOLIUM_GEN: list[float] = []


@lru_cache(maxsize=1)
def _data():
    table = city_table().set_index("adcode")
    shapes = load_layer("cities")[["adcode", "name_zh", "name_en", "geometry"]]
    return table, shapes


def styled_geojson(indicator: str) -> dict:
    """The 14 cities as GeoJSON, each with its value and a style coloured by quantile class."""
    table, shapes = _data()
    ind = BY_ID[indicator]
    values = table[indicator]
    classes = classes_for(ind, values.to_numpy(dtype="float64"))
    gj = json.loads(shapes.to_json())
    for f in gj["features"]:
        v = values.get(f["properties"]["adcode"])
        f["properties"]["value"] = None if v is None or v != v else round(float(v), 2)
        colour = NODATA if f["properties"]["value"] is None else classes.colour(float(v))
        f["properties"]["style"] = {"fillColor": colour, "fillOpacity": 0.88, "color": "#ffffff", "weight": 1.2,
                                    "className": CITY_CLASS}
    return gj


def city_names() -> list[str]:
    """Chinese names of the cities in the GeoJSON's order (the order Leaflet draws their paths)."""
    return list(_data()[1]["name_zh"])


def dash_app():
    import dash_leaflet as dl
    from dash import Dash, Input, Output, dcc, html

    app = Dash(__name__, assets_folder=str(Path(__file__).parent / "assets"))
    app.layout = html.Div(style={"display": "flex", "height": "100vh", "fontFamily": "sans-serif"}, children=[
        html.Div(style={"width": "260px", "padding": "8px"}, children=[
            html.H3("污染物"),
            dcc.RadioItems(id="pollutant", options=[{"label": POLLUTANTS[p][0], "value": p} for p in INDICATORS],
                           value="cod"),
            html.Div(id="panel"),
        ]),
        dl.Map(center=[41.2, 122.6], zoom=7, style={"flex": "1", "height": "100%"}, children=[
            dl.GeoJSON(id="cities", style={"variable": "peer.style"}),
        ]),
    ])

    @app.callback(Output("cities", "data"), Input("pollutant", "value"))
    def _switch(pollutant):
        return styled_geojson(INDICATORS[pollutant])

    @app.callback(Output("panel", "children"), Input("cities", "clickData"), prevent_initial_call=True)
    def _click(feature):
        table, _ = _data()
        row = table.loc[feature["properties"]["adcode"]]
        return [html.H2(row["name_zh"]), html.Table([
            html.Tr([html.Td(i.name_zh), html.Td(f"{row[i.id]:,.2f}" if row[i.id] == row[i.id] else "—"), html.Td(i.unit_zh)])
            for i in BY_ID.values() if i.id in table.columns])]

    return app


def folium_html(indicator: str, static: str = "/leaflet") -> str:
    """The page an analyst renders with folium for one indicator: quantile colours, a tooltip and a popup."""
    import folium

    gj = styled_geojson(indicator)
    ind = BY_ID[indicator]
    m = folium.Map(location=[41.2, 122.6], zoom_start=7, tiles=None)
    m.default_js = [("leaflet", f"{static}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{static}/leaflet.css")]
    folium.GeoJson(
        gj, name=ind.name_zh, style_function=lambda f: f["properties"]["style"],
        tooltip=folium.GeoJsonTooltip(fields=["name_zh", "value"], aliases=["城市", ind.name_zh]),
        popup=folium.GeoJsonPopup(fields=["name_zh", "value"], aliases=["城市", f"{ind.name_zh}（{ind.unit_zh}）"]),
    ).add_to(m)
    m.fit_bounds([[38.7, 118.8], [43.5, 125.8]])
    return m.get_root().render()


def folium_app():
    """A Flask app: ``/folium?indicator=…`` renders the page on request; Leaflet is served from the repository."""
    from flask import Flask, request, send_from_directory

    app = Flask(__name__)

    @app.get("/folium")
    def _page():
        t0 = time.perf_counter()
        html = folium_html(request.args.get("indicator", INDICATORS["cod"]))
        FOLIUM_GEN.append(time.perf_counter() - t0)
        return html

    @app.get("/leaflet/<path:name>")
    def _leaflet(name):
        return send_from_directory(LEAFLET, name)

    return app


def main() -> None:
    """Serve both peers as an analyst runs them (Flask's server, threaded, as ``app.run()`` does), each on
    its own port, in this process: ``python bench/peers/naive.py DASH_PORT FOLIUM_PORT``."""
    import sys
    import threading

    from werkzeug.serving import run_simple

    dash_port, folium_port = int(sys.argv[1]), int(sys.argv[2])
    styled_geojson(INDICATORS["cod"])  # load the tables and outlines once, as a running server would have
    threading.Thread(target=run_simple, args=("127.0.0.1", folium_port, folium_app()),
                     kwargs={"threaded": True}, daemon=True).start()
    run_simple("127.0.0.1", dash_port, dash_app().server, threaded=True)


if __name__ == "__main__":
    main()
