"""The trajectory charts of the city profile (issue 11, part 2): with an observed dataset, a small chart
per pollutant the dataset has for the city, its legend in the page's language and the observed years'
numbers under it; the page stays one A4 page.

The dataset is tests/fixtures/observed_years_so2.csv (invented: SO2 of 沈阳/大连/鞍山 in 2016 and 2018,
大连 COD 2018). Expected numbers are worked by hand from 附件4 of 辽政发〔2017〕21号: 沈阳 SO2 2015 =
101,296.20 t, cut 16.5 % -> cap 101,296.20 × 0.835 = 84,582.327 -> 84,582.33 t; the cut to make,
101,296.20 − 84,582.33 = 16,713.87 t, is spread evenly over the five years:
path 2016 = 101,296.20 − 16,713.87 × 1/5 = 97,953.426 -> 97,953.43 (observed 98,000: 46.57 behind);
path 2018 = 101,296.20 − 16,713.87 × 3/5 = 91,267.878 -> 91,267.88 (observed 90,000: 1,267.88 ahead).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from click.testing import CliRunner

from geo.cli import main
from geo.core.provenance import DOCUMENTS

FIXTURE = Path(__file__).parent / "fixtures" / "observed_years_so2.csv"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LEGEND_ZH = ("目标路径", "实测", "2015年基准", "2020年上限")
LEGEND_EN = ("Path to the cap", "Observed", "2015 baseline", "2020 cap")


def _import(path: Path) -> None:
    """Import ``path`` and make it the dataset in use (a file without 2020 values is not made so on import)."""
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    dataset_id = re.search(r" as (obs-\S+) ", result.output)[1]
    result = CliRunner().invoke(main, ["datasets", "use", dataset_id])
    assert result.exit_code == 0, result.output


def _export(tmp_path: Path, city: str, lang: str = "zh", fmt: str = "pdf") -> bytes:
    out = tmp_path / f"{city}_{lang}.{fmt}"
    result = CliRunner().invoke(main, ["export", "city", "--city", city, "--format", fmt, "--lang", lang,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _text(pdf: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages)


def _line(text: str, start: str) -> str:
    return next(ln for ln in text.splitlines() if ln.startswith(start))


def test_chinese_profile_has_the_so2_chart_with_its_legend_and_numbers(tmp_path):
    _import(FIXTURE)
    pages, text = _text(_export(tmp_path, "沈阳"))
    assert pages == 1
    assert "逐年轨迹" in text and "二氧化硫（吨）" in text
    for word in LEGEND_ZH:
        assert word in text, word
    # The table under the chart: year, path, observed, ahead of the path.
    assert _line(text, "2018 ").split() == ["2018", "91,267.88", "90,000", "1,267.88"]
    assert _line(text, "2016 ").split() == ["2016", "97,953.43", "98,000", "−46.57"]
    # 沈阳 has no COD in the dataset (大连 has): one chart only. No English chart words on the Chinese page.
    assert "化学需氧量（吨）" not in text
    for word in LEGEND_EN:
        assert word not in text, word


def test_english_profile_has_the_legend_in_english_and_no_chinese(tmp_path):
    _import(FIXTURE)
    pages, text = _text(_export(tmp_path, "Shenyang", "en"))
    assert pages == 1
    assert "SO2 (t)" in text
    for word in LEGEND_EN:
        assert word in text, word
    assert _line(text, "2018 ").split() == ["2018", "91,267.88", "90,000", "1,267.88"]
    flat = re.sub(r"\s+", "", text)
    for doc in sorted((d.number for d in DOCUMENTS), key=len, reverse=True):
        flat = flat.replace(re.sub(r"\s+", "", doc), "")
    flat = flat.replace("边界仅供示意", "")  # the required wording, in every language
    assert not CJK.findall(flat), CJK.findall(flat)


def test_two_pollutants_give_two_charts(tmp_path):
    _import(FIXTURE)
    pages, text = _text(_export(tmp_path, "大连"))
    assert pages == 1
    assert "化学需氧量（吨）" in text and "二氧化硫（吨）" in text
    # 大连 COD 2018: 16.5 万吨 = 165,000 t.
    assert "165,000" in _line(text, "2018 ")


def test_without_a_chart_the_page_is_the_page_without_a_dataset(tmp_path):
    """No dataset: no chart. A dataset without the city (抚顺 is not in the file) draws the same page."""
    pages, before = _text(_export(tmp_path / "none", "抚顺"))
    assert pages == 1
    assert "逐年轨迹" not in before and "目标路径" not in before
    _import(FIXTURE)
    assert _text(_export(tmp_path, "抚顺"))[1] == before


def test_four_charts_and_many_years_stay_on_one_page(tmp_path):
    """The crowded case: the four pollutants, eight years each (values invented); the table under each
    chart lists the latest three years and says how many more the chart shows."""
    rows = ["城市,指标,年份,数值,单位"]
    for pollutant, level in (("化学需氧量", 200_000), ("氨氮", 15_000), ("二氧化硫", 90_000), ("氮氧化物", 70_000)):
        rows += [f"沈阳,{pollutant},{year},{level + year},吨" for year in range(2016, 2024)]
    src = tmp_path / "eight_years.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _import(src)
    for lang, more in (("zh", "另有 5 年"), ("en", "and 5 earlier years")):
        pages, text = _text(_export(tmp_path, "沈阳", lang))
        assert pages == 1
        assert text.count(more) == 4, lang
        assert "92,023" in text  # SO2 2023: 90,000 + 2023
