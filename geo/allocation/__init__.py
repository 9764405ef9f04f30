"""The allocation workbench (issue 23): split a plan period's provincial target among the 14 cities by
stated rules, with every share traced to its rule, inputs and sources.

- :mod:`geo.allocation.rules` — the rules (uniform, region, proportional, index, converge, key_projects,
  annex2017) as small pure functions with their formulas in words; floors and ceilings; largest remainder;
  :func:`rules_catalogue`.
- :mod:`geo.allocation.scenario` — :class:`Scenario` (target, rule, inputs, author, date, note), JSON both ways.
- :mod:`geo.allocation.engine` — :func:`allocate`: the table, the check line, what stands beside it.
- :mod:`geo.allocation.stats` — extremes, Gini and Theil, base-year sensitivity, the declining path.
- :mod:`geo.allocation.store` — scenarios kept in the database with versions (table ``allocation_scenarios``).
- :mod:`geo.allocation.commands` — ``lnmap allocate``. File exports: :mod:`geo.exports.allocation`.
"""

from __future__ import annotations

import importlib

#: Public names → the module that defines them (imported on first use, so ``lnmap`` starts without pandas).
_EXPORTS = {"Allocation": "engine", "allocate": "engine", "rules_catalogue": "rules", "RuleInputs": "scenario",
            "Scenario": "scenario", "Target": "scenario", "scenario_from_dict": "scenario"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"geo.allocation.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'geo.allocation' has no attribute {name!r}")
