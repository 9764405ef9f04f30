"""Every term the browser code looks up exists in both languages.

The map_*.js assets translate with ``tr(store, key, lang)`` and shows the key itself when the table has
no entry, so a renamed key would put an identifier on screen without any error: these tests
read the keys out of the code and check them against the tables the browser receives.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.i18n import bundle
from dashboard.state import BASEMAPS

ASSETS = Path(__file__).resolve().parents[1] / "dashboard" / "assets"
MAP_JS = "\n".join(p.read_text(encoding="utf-8") for p in sorted(ASSETS.glob("map_*.js")))
STRINGS = bundle()["strings"]


def _literal_keys() -> set[str]:
    keys = set(re.findall(r'\btr\(store, "([A-Za-z0-9_]+)"(?!\s*\+)', MAP_JS))  # not "datum_" + basemap
    # tr(store, cond ? "a" : "b", lang)
    for a, b in re.findall(r'\btr\(store, [^,()]+\? "([A-Za-z0-9_]+)" : "([A-Za-z0-9_]+)"', MAP_JS):
        keys |= {a, b}
    # ["k1", "k2"].forEach(function (k) { ... tr(store, k, lang) ... })
    for block in re.findall(r'\[((?:\s*"[a-z_]+",?)+)\]\.forEach\(function \(k\) \{[^}]*tr\(store, k,', MAP_JS):
        keys |= set(re.findall(r'"([a-z_]+)"', block))
    return keys


def _layout_keys() -> set[str]:
    """Keys of the translatable elements ({"type": "t", "key": ...}) the translate callback fills."""
    from dashboard.app import create_app

    layout = create_app().layout
    keys = set()

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        ident = getattr(node, "id", None)
        if isinstance(ident, dict) and ident.get("type") == "t":
            keys.add(ident["key"])
        walk(getattr(node, "children", None) or [])

    walk(layout)
    return keys


def test_the_keys_are_found_in_the_code():
    """Guards the readers above: if the map_*.js files change shape, this fails instead of checking nothing."""
    keys = _literal_keys()
    assert {"no_data", "legend_source", "legend_formula", "partial", "title", "observed_loaded",
            "no_observed", "popup_kind"} <= keys, keys


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_the_browser_uses_exists_in_both_languages(lang):
    keys = _literal_keys() | {f"datum_{b}" for b in BASEMAPS} | _layout_keys()
    missing = sorted(k for k in keys if not (STRINGS.get(k) or {}).get(lang, "").strip())
    assert missing == [], f"no {lang} text for {missing}"
