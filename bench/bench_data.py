"""Data-layer timings (run by hand: `.venv/bin/python bench/bench_data.py`).

Writes bench/results_data.md with medians over repeated runs and the ratio of each to
a baseline measured in the same run (json.load of the cities GeoJSON), since these
machines are noisy.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    from geo.measures.cities import city_table
    from geo.measures.join import load_cities
    from geo.measures.observed import import_observed
    from geo.package.build import validate_package
    from geo.places.boundaries import load_layer
    from geo.places.gazetteer import _load

    fixture = (ROOT / "tests/fixtures/observed_example_cod_2020.csv").read_bytes()
    store = tempfile.mkdtemp(prefix="lnmap-bench-")
    os.environ["LNMAP_STORE_DIR"] = store

    def baseline():
        json.loads((ROOT / "data/boundaries/cities.geojson").read_text(encoding="utf-8"))

    def fresh_cities():
        _load.cache_clear()
        load_cities()

    cases = [
        ("baseline: json.load cities.geojson", baseline, 20),
        ("load_layer('cities') (pyogrio)", lambda: load_layer("cities"), 20),
        ("load_layer('counties')", lambda: load_layer("counties"), 10),
        ("city_table() (join + derive)", city_table, 20),
        ("load_cities() cold gazetteer", fresh_cities, 10),
        ("validate_package() (frictionless + references)", validate_package, 5),
        ("import_observed(14-row CSV)", lambda: import_observed(fixture, name="bench.csv"), 10),
    ]
    results = [(name, timed(fn, n), n) for name, fn, n in cases]
    base = results[0][1]
    lines = [
        "# Data-layer benchmark",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "`.venv/bin/python bench/bench_data.py`; medians; ratio against the baseline of the same run.",
        "",
        "| case | runs | median (ms) | × baseline |",
        "|---|---|---|---|",
    ]
    for name, med, n in results:
        lines.append(f"| {name} | {n} | {med * 1000:.1f} | {med / base:.1f} |")
    out = ROOT / "bench/results_data.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
