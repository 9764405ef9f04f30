"""Reading the rows of a user's table, shared by observed values (:mod:`geo.measures.observed`) and plan
targets (:mod:`geo.measures.plans`): header keys, pollutant names, numbers as written, printable source text."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from geo.core.errors import Problem


def cell_key(text: object) -> str:
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_()（）\[\]【】]", "", t)



BRACKETED = re.compile(r"^(.*?)\s*[(（\[【]\s*([^)）\]】]*)\s*[)）\]】]\s*$")



def split_header(text: object) -> tuple[str, str]:
    """A header's key without a bracketed part, and the bracketed part: ``排放量（吨）`` -> (排放量, 吨)."""
    norm = unicodedata.normalize("NFKC", str(text)).strip()
    m = BRACKETED.match(norm)
    return (cell_key(m.group(1)), m.group(2).strip()) if m else (cell_key(norm), "")



POLLUTANT_NAMES = {
    "cod": ["cod", "化学需氧量", "codcr", "cod_emission_2020_observed_t", "cod_emission_observed_t"],
    "nh3n": ["nh3n", "nh3-n", "氨氮", "nh3", "nh3n_emission_2020_observed_t", "nh3n_emission_observed_t"],
    "so2": ["so2", "二氧化硫", "so₂", "so2_emission_2020_observed_t", "so2_emission_observed_t"],
    "nox": ["nox", "氮氧化物", "nox_emission_2020_observed_t", "nox_emission_observed_t"],
}



POLLUTANT_INDEX = {cell_key(alias): p for p, aliases in POLLUTANT_NAMES.items() for alias in aliases}



PLAIN_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")



GROUPED_NUMBER = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")



def parse_number(text: str, *, comma_grouping: bool) -> tuple[float | None, str]:
    """Parse a value; (number, "") or (None, why). A comma is accepted only as thousands
    grouping (12,345.6) in a comma-separated file or a workbook; in a semicolon- or
    tab-separated file a comma may be a decimal comma, so it is refused as ambiguous.

    Full-width forms are their ASCII characters (NFKC): ２１７３７．５ is 21737.5, and a
    full-width comma ， follows the rule of the comma. Only the digits 0-9 count as digits.
    The ideographic full stop 。 is not a decimal point: refused, with the value to write.
    """
    t = unicodedata.normalize("NFKC", text).strip()
    if "。" in t:
        return None, f"value {text!r} is not a number: 。 is not a decimal point (write {t.replace('。', '.')!r})"
    if "," in t:
        if comma_grouping and GROUPED_NUMBER.match(t):
            t = t.replace(",", "")
        else:
            return None, (f"value {text!r} is ambiguous: a comma may be a decimal comma or a thousands separator; "
                          "write it without grouping, with a decimal point (e.g. 21737 or 21.737)")
    if not PLAIN_NUMBER.match(t):
        return None, f"value {text!r} is not a number"
    value = float(t)
    if not np.isfinite(value):
        return None, f"value {text!r} is not a finite number"
    return value, ""



def check_source_text(source: str | None) -> list[Problem]:
    """The source text is printed on figures: refuse characters no font of ours can draw."""
    if not source:
        return []
    bad = sorted({c for c in source if ord(c) > 0xFFFF or unicodedata.category(c) in ("Cc", "Cs", "Co", "So")})
    if bad:
        return [Problem(f"source text contains characters that cannot be printed on exported figures: "
                        f"{' '.join(bad)} — use plain text", field="source")]
    return []



#: An observed value this many times above (or below) the city's 2015 baseline is taken for a
#: unit error (kg for t is 1000x, t for 万吨 10000x), not a real change in emissions.
PLAUSIBLE_FACTOR = 10.0


def header_columns(header: list[str], index: dict[str, str], key, required, aliases: dict[str, list[str]],
                   header_row: int | None, name: str) -> tuple[dict[str, int], list[Problem]]:
    """Which column holds what: ``index`` maps a header's ``key(header)`` to its canonical name. Problems: two
    columns meaning the same, and each ``required`` column missing (with the first headers it accepts)."""
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for i, col in enumerate(header):
        canon = index.get(key(col))
        if canon and canon in columns:
            problems.append(Problem(f"two columns mean {canon!r}: {header[columns[canon]]!r} and {col!r}",
                                    header_row, col, name))
        elif canon:
            columns[canon] = i
    for c in required:
        if c not in columns:
            problems.append(Problem(f"missing column {c!r} (accepted headers: {', '.join(aliases[c][:5])} …)",
                                    header_row, c, name))
    return columns, problems
