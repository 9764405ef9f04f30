"""Export timings (run by hand: `.venv/bin/python bench/bench_export.py [--all-runs N]`).

Writes bench/results_export.md: medians of one PNG (slide, 300 dpi), one PDF (slide),
the other formats, and `lnmap export all` with its default formats — one worker process
(`--jobs 1`) against one per core (the default), alternating in the same run — plus file sizes.
Each single-file case is timed two ways: through render_map with the layers already
loaded (what a long-running dashboard worker pays) and end to end in a fresh call
(layers loaded each time, as `lnmap export map` does after start-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IND = "cod_emission_2015_t"


def machine_load() -> str:
    """`uptime`'s load averages (1, 5, 15 min): others share the cores, so every result states them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--all-runs", type=int, default=3)
    args = parser.parse_args()

    from geo.exports.maps import render_map
    from geo.exports.spec import load_layers

    os.environ["LNMAP_STORE_DIR"] = tempfile.mkdtemp(prefix="lnmap-bench-")
    loads = [("start", time.strftime("%H:%M:%S", time.gmtime()), machine_load())]
    layers = load_layers()
    render_map(IND, "png", layers=layers, dpi=50)  # warm: font registration, imports

    rows = []
    cases = [
        ("PNG slide 300 dpi", "png", {"page": "slide", "dpi": 300}),
        ("PNG A4 300 dpi", "png", {"page": "a4", "dpi": 300}),
        ("PDF slide", "pdf", {"page": "slide"}),
        ("PDF A4", "pdf", {"page": "a4"}),
        ("SVG slide", "svg", {"page": "slide"}),
        ("PPTX (one slide)", "pptx", {}),
        ("HTML (offline, font subset)", "html", {}),
        ("CSV", "csv", {}),
        ("XLSX", "xlsx", {}),
    ]
    for name, fmt, opts in cases:
        warm, data = timed(partial(render_map, IND, fmt, layers=layers, **opts), args.repeat)
        rows.append((name, warm, None, len(data)))
    for name, fmt, opts in (cases[0], cases[2]):
        cold, _ = timed(partial(render_map, IND, fmt, **opts), args.repeat)
        k = [r[0] for r in rows].index(name)
        rows[k] = (name, rows[k][1], cold, rows[k][3])

    lnmap = str(Path(sys.executable).with_name("lnmap"))
    all_runs: dict[str, list[float]] = {"1": [], str(os.cpu_count() or 1): []}
    out_dir = Path(tempfile.mkdtemp(prefix="lnmap-bench-all-"))
    for k in range(args.all_runs):
        for jobs in all_runs:  # alternate, so both see the same machine
            shutil.rmtree(out_dir, ignore_errors=True)
            loads.append((f"export all run {k + 1}, --jobs {jobs}", time.strftime("%H:%M:%S", time.gmtime()),
                          machine_load()))
            t0 = time.perf_counter()
            subprocess.run([lnmap, "export", "all", "--out", str(out_dir), "--jobs", jobs], check=True,
                           capture_output=True)
            all_runs[jobs].append(time.perf_counter() - t0)
    loads.append(("end", time.strftime("%H:%M:%S", time.gmtime()), machine_load()))
    files = list(out_dir.iterdir())
    total = sum(p.stat().st_size for p in files)
    by_ext: dict[str, list[int]] = {}
    for p in files:
        by_ext.setdefault(p.suffix, []).append(p.stat().st_size)

    lines = [
        "# Export benchmark",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. `.venv/bin/python bench/bench_export.py`; medians of {args.repeat} runs "
        f"(export all: {args.all_runs} runs). Indicator `{IND}`, Chinese, quantiles.",
        "",
        "The cores are shared with other work: load averages (1, 5, 15 min, as `uptime` prints them) when",
        "each part started, UTC:",
        "",
        "| when | time | load averages |",
        "|---|---|---|",
        *(f"| {what} | {at} | {load} |" for what, at, load in loads),
        "",
        "| case | median, layers loaded (s) | median, end to end (s) | bytes |",
        "|---|---|---|---|",
    ]
    for name, warm, cold, size in rows:
        lines.append(f"| {name} | {warm:.2f} | {'' if cold is None else f'{cold:.2f}'} | {size:,} |")
    seq, par = all_runs["1"], all_runs[str(os.cpu_count() or 1)]
    lines += [
        "",
        f"`lnmap export all --out DIR` (default formats png, pdf, pptx, html, csv, with the 14 city profiles and "
        f"the small multiples; {len(files)} files, {total / 1e6:.1f} MB):",
        "",
        "| workers | median (s) | runs (s) |",
        "|---|---|---|",
        f"| 1 (`--jobs 1`) | {statistics.median(seq):.1f} | {', '.join(f'{r:.1f}' for r in seq)} |",
        f"| {os.cpu_count()} (default) | **{statistics.median(par):.1f}** | {', '.join(f'{r:.1f}' for r in par)} |",
        "",
        f"Parallel / sequential: {statistics.median(par) / statistics.median(seq):.2f}. Target (issue 10): "
        f"≤ 60 s on 2 cores — {'met' if statistics.median(par) <= 60 else 'not met'} in this run.",
        "",
        "| file type | files | median size (bytes) |",
        "|---|---|---|",
    ]
    for ext, sizes in sorted(by_ext.items()):
        lines.append(f"| {ext} | {len(sizes)} | {int(statistics.median(sizes)):,} |")
    (ROOT / "bench" / "results_export.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
