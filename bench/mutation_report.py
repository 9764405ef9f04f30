"""Write bench/results_mutation.md from the last `mutmut run` (run by hand: `make mutate`).

Reads `mutmut results --all true` (one line per mutant: ``name: status``), counts the
statuses per module, and lists every surviving mutant with its diff (`mutmut show`), so
each can be reasoned about: a missing test, or an equivalent mutant no test can tell apart.
The score is killed ÷ (killed + survived + timeout); mutants no test reaches ("no tests")
are counted separately, as are those not checked (a run cut short).
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = str(Path(sys.executable).with_name("mutmut"))


def results() -> list[tuple[str, str, str]]:
    """(module, mutant, status) of every mutant."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*(geo\.(\w+)\.\S+): (.+)$", line)
        if m:
            rows.append((m.group(2), m.group(1), m.group(3).strip()))
    return rows


def diff(mutant: str) -> str:
    shown = subprocess.run([MUTMUT, "show", mutant], cwd=ROOT, capture_output=True, text=True).stdout
    return "\n".join(ln for ln in shown.splitlines()
                     if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results_mutation.md")
    args = ap.parse_args()
    rows = results()
    by_module: dict[str, Counter] = defaultdict(Counter)
    for module, _, status in rows:
        by_module[module][status] += 1
    lines = [
        "# Mutation testing", "",
        f"Run {time.strftime('%Y-%m-%d')} with mutmut (`make mutate`), Python {platform.python_version()}. "
        "Each mutant is one small change to the code (an operator, a constant, a string, a call removed); "
        "the tests that cover the changed function run against it. Score = killed ÷ (killed + survived + "
        "timeout).", "",
        "| module | mutants | killed | survived | timeout | no tests | not checked | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total: Counter = Counter()
    for module, c in sorted(by_module.items()):
        total.update(c)
        judged = c["killed"] + c["survived"] + c["timeout"]
        score = f"{100 * (c['killed'] + c['timeout']) / judged:.1f} %" if judged else "–"
        lines.append(f"| geo/{module}.py | {sum(c.values())} | {c['killed']} | {c['survived']} | {c['timeout']} | "
                     f"{c['no tests']} | {c['not checked']} | {score} |")
    judged = total["killed"] + total["survived"] + total["timeout"]
    if judged:
        lines.append(f"| **all** | {sum(total.values())} | {total['killed']} | {total['survived']} | "
                     f"{total['timeout']} | {total['no tests']} | {total['not checked']} | "
                     f"**{100 * (total['killed'] + total['timeout']) / judged:.1f} %** |")
    notes = ROOT / "bench" / "mutation_notes.md"  # why the survivors survive, written by hand
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    lines += ["", "## Surviving mutants", ""]
    for _module, mutant, status in rows:
        if status == "survived":
            lines += [f"- `{mutant}`", "", "```diff", diff(mutant), "```", ""]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:12 + len(by_module)]))


if __name__ == "__main__":
    main()
