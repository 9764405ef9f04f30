"""Every refusal of `lnmap carbon import` (and of `remove` and `table`) in Chinese and in English (issue 22,
point 6): a grid that misses Liaoning, a TIFF without a CRS, an unknown or missing unit, a 4 GB file, negative
values outside sink sectors, an ambiguous county name, and the other refusals of geo.carbon that a file or an
option can trigger. The Chinese names the row and the field the English does, keeps numbers and the user's names,
and leaves no English word of ours; after the refusal the store is as it was."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from carbon_inputs import lonlat_grid, pattern, write_geotiff, write_netcdf
from click.testing import CliRunner

from geo.carbon import schema
from geo.carbon.commands import carbon
from geo.carbon.inventory import import_inventory
from geo.store import db

GiB = 1024 ** 3
#: A grid over Liaoning (118.5–126.5°E, 38–44°N), 0.25°.
WEST, NORTH, RES, NX, NY = 118.5, 44.0, 0.25, 32, 24
ASSET_HEADER = "lon,lat,sector,gas,tonnes,year"
TABLE_HEADER = "城市,二氧化碳排放量,单位,年份"

#: The identifiers a Chinese message may keep: formats, standards, tools' and options' names (stripped below).
IDS = {"GeoTIFF", "NetCDF", "TIFF", "EDGAR", "GCJ", "Excel", "xls", "xlsx", "CSV", "XLSX", "UTF", "GBK", "EPSG",
       "LULUCF", "NaN", "BOM", "NUL", "GiB"}
STRIPPED = re.compile(r"--[a-z]+|lnmap carbon \w+|gdal_translate -\w+|cdo \w+|degrees_(north|east)|wgs84|gcj02")
#: Fields that are the program's own words (options, axes, canonical columns): translated, not the user's.
OWN_FIELDS = re.compile(r"^(name|year|unit|variable|sector|source|licence|datum|time|grid|lon|lat|gas|tonnes|place|"
                        r"value|bands? .+|column \d+)$")
#: What GDAL or netCDF says of a damaged file: English of theirs, given in the English message only.
READER_SAYS = re.compile(r" \(the reader says: .*\)$")
EN_PREFIX = re.compile(r"^(?:(?P<src>[^,:]+?), )?(?:row (?P<row>[\d,]+))?(?:, )?(?:field '(?P<field>[^']+)')?: ")


def _rows() -> dict[str, int]:
    with db.reading() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (schema.inventories, schema.values, schema.points, db.audit)}


# --------------------------------------------------------------------------- inputs


def _tif(tmp: Path, name: str = "grid.tif", values: np.ndarray | None = None, **kw) -> Path:
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    if values is None:
        values = pattern(lon, lat)
    kw.setdefault("crs", "EPSG:4326")
    kw.setdefault("units", "t CO2")
    return write_geotiff(tmp / name, values, west=kw.pop("west", WEST), north=kw.pop("north", NORTH), xres=RES,
                         yres=RES, **kw)


def _negative_tif(tmp: Path) -> Path:
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    values = pattern(lon, lat)
    values[9, 19] = -5.0  # 123.25–123.5°E, 41.5–41.75°N: 沈阳
    return _tif(tmp, "neg.tif", values)


def _sea_only_tif(tmp: Path) -> Path:
    values = np.full((NY, NX), np.nan)
    values[19, 6] = 100.0  # 120.0–120.25°E, 39.0–39.25°N: the Bohai sea
    return _tif(tmp, "sea.tif", values)


def _three_bands(tmp: Path) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    path = tmp / "three.tif"
    with rasterio.open(path, "w", driver="GTiff", width=NX, height=NY, count=3, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES)) as ds:
        ds.write(np.ones((3, NY, NX), dtype="float32"))
    return path


def _rotated(tmp: Path) -> Path:
    import rasterio
    from affine import Affine

    path = tmp / "rotated.tif"
    with rasterio.open(path, "w", driver="GTiff", width=NX, height=NY, count=1, dtype="float32", crs="EPSG:4326",
                       transform=Affine(RES, 0.02, WEST, 0.02, -RES, NORTH)) as ds:
        ds.write(np.ones((1, NY, NX), dtype="float32"))
        ds.update_tags(1, units="t CO2")
    return path


def _nc(tmp: Path, months=range(1, 13), name: str = "grid.nc", **kw) -> Path:
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    values = pattern(lon, lat) * 1e-9
    return write_netcdf(tmp / name, {(2020, m): values for m in months}, west=WEST, north=NORTH, res=RES, **kw)


def _huge(tmp: Path) -> Path:
    path = tmp / "huge.nc"
    with open(path, "wb") as f:
        f.truncate(4 * GiB)  # sparse: four gigabytes on paper, nothing on the disk
    return path


def _bytes(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path
    return make


def _assets(*rows: str, header: str = ASSET_HEADER) -> Callable[[Path], Path]:
    return _bytes("assets.csv", "\n".join([header, *rows]) + "\n")


def _table(*rows: str, header: str = TABLE_HEADER) -> Callable[[Path], Path]:
    return _bytes("table.csv", "\n".join([header, *rows]) + "\n")


GOOD_TABLE = _table("沈阳,100,万吨,2020", "大连,200,万吨,2020")

# (id, the file, options after FILE, words of the English refusal): the six of issue 22 first.
CASES: list[tuple[str, Callable[[Path], Path], list[str], str]] = [
    ("grid misses Liaoning", lambda t: _tif(t, "far.tif", west=0.0, north=10.0), [], "does not cover Liaoning"),
    ("TIFF without a CRS", lambda t: _tif(t, "nocrs.tif", crs=None), [], "no coordinate reference system"),
    ("unknown unit", _tif, ["--unit", "furlongs"], "unknown unit 'furlongs'"),
    ("missing unit", lambda t: _tif(t, "nounit.tif", units=None), [], "missing unit"),
    ("4 GB file", _huge, [], "file too large: 4,294,967,296 bytes"),
    ("negative cell", _negative_tif, ["--sector", "power"], "negative value -5 t CO2 in the cell at row 9, column 19"),
    ("negative tonnes", _assets("123.4,41.8,power,CO2,-50,2020", "123.4,41.8,,CO2,-5,2020"), [],
     "negative tonnes '-50' in sector 'power'"),
    ("negative value in a table", _table("大连,-5,万吨,2020"), [], "negative value '-5'"),
    ("ambiguous county", _table("铁西区,5,万吨,2020"), [], "ambiguous place name '铁西区'"),
    # the options
    ("empty name", GOOD_TABLE, ["--name", " "], "an inventory needs a name"),
    ("long name", GOOD_TABLE, ["--name", "EDGAR" * 14], "at most 64 printable characters"),
    ("year out of range", GOOD_TABLE, ["--year", "1800"], "--year 1800: a year from 1950 to 2100"),
    ("long source", GOOD_TABLE, ["--source", "CEADs " * 200], "--source: at most 1,000 printable characters"),
    ("name already stored", GOOD_TABLE, ["--name", "kept"], "already stored: remove it first"),
    ("datum of a grid", _tif, ["--datum", "gcj02"], "--datum applies to asset lists: a grid"),
    ("datum of a table", GOOD_TABLE, ["--datum", "gcj02"], "--datum applies to asset lists (with lon"),
    ("variable of a table", GOOD_TABLE, ["--variable", "co2"], "--variable applies to NetCDF"),
    ("rate for an asset list", _assets("123.4,41.8,power,CO2,50,2020"), ["--unit", "kg m-2 s-1"],
     "an asset list holds tonnes, not a rate"),
    # grids
    ("named a TIFF, not one", _bytes("broken.tif", bytes(range(256)) * 8), [], "named as a GeoTIFF file"),
    ("named a NetCDF, not one", _bytes("broken.nc", bytes(range(256)) * 8), [], "named as a NetCDF file"),
    ("damaged TIFF", _bytes("damaged.tif", b"II*\x00" + bytes(range(256)) * 8), [], "cannot read the GeoTIFF"),
    ("damaged NetCDF", _bytes("damaged.nc", b"CDF\x01" + bytes(range(256)) * 8), [], "cannot read the NetCDF"),
    ("no value around Liaoning", lambda t: _tif(t, "nan.tif", np.full((NY, NX), np.nan)), [], "no value around Liaoning"),
    ("no valid cell over Liaoning", _sea_only_tif, [], "no valid cell over Liaoning"),
    ("no species", lambda t: _tif(t, "flux.tif", units="kg m-2 s-1"), [], "does not say whether the values are carbon"),
    ("unreadable unit token", _tif, ["--unit", "t CO2 / furlong"], "cannot read 'furlong' as a denominator"),
    ("no mass in the unit", _tif, ["--unit", "m-2 s-1"], "it names no mass"),
    ("species twice", _tif, ["--unit", "t C CO2"], "it names the species twice"),
    ("three bands", _three_bands, [], "the GeoTIFF has 3 bands"),
    ("band out of range", _tif, ["--variable", "5"], "a band number from 1 to 1"),
    ("rotated grid", _rotated, [], "the GeoTIFF's grid is rotated"),
    ("no such variable", _nc, ["--variable", "flux_co2"], "no variable 'flux_co2' in the file"),
    ("several variables", lambda t: _nc(t, extra_variable="area_flag"), [], "several variables on the grid"),
    ("a month missing", lambda t: _nc(t, months=range(1, 12)), [], "has 11 monthly step(s)"),
    ("no step of the year", _nc, ["--year", "2015"], "no time step of 2015"),
    # asset lists
    ("asset rows", _assets("123.4,41.8,power,CO2,50,20x0", "east,41.8,power,CO2,50,2020", "123.4,95,power,CO2,50,2020",
                           "123.4,41.8,power,CO2,lots,2020", "123.4,41.8,power,,50,2020", ",,,,,",
                           "123.4,41.8,power,CO2,50,2020"), [], "is not a longitude in degrees"),
    ("asset column missing", _assets("123.4,41.8,power,50,2020", header="lon,lat,sector,tonnes,year"), [],
     "missing column 'gas'"),
    ("asset column twice", _assets("123.4,41.8,41.8,power,CO2,50,2020", header="lon,lat,latitude,sector,gas,tonnes,year"),
     [], "two columns mean 'lat'"),
    ("no asset of the year", _assets("123.4,41.8,power,CO2,50,2019"), [], "no row of 2020 in the list"),
    ("no asset in Liaoning", _assets("116.4,39.9,power,CO2,50,2020"), [], "lies in Liaoning"),
    # tables by place
    ("table rows", _table("火星,5,万吨,2020", "吉林市,5,万吨,2020", "沈阳,五,万吨,2020", "沈阳,5,t CO2/yr,2020",
                          "沈阳,5,furlongs,2020", "鞍山,5,万吨,20x9", "大连,1,万吨,2020", "大连,2,万吨,2020"), [],
     "unknown place name '火星'"),
    ("table column missing", _table("沈阳,5", header="城市,单位"), [], "missing column 'value'"),
    ("no table row of the year", _table("沈阳,5,万吨,2019"), [], "no row of 2020 in the table"),
    ("empty file", _bytes("empty.csv", b""), [], "not a table: the file is empty"),
    ("binary file", _bytes("binary.csv", b"\x00\x01\x02" * 100), [], "not a table: the file is binary"),
    ("old Excel", _bytes("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), [], "an old Excel .xls"),
]
#: remove and table refuse an inventory that is not stored.
MISSING = [("remove", ["remove", "nowhere"]), ("table", ["table", "--name", "nowhere"])]


def _invoke(args: list[str], lang: str) -> tuple[int, list[str]]:
    res = CliRunner().invoke(carbon, [*args, "--lang", lang])
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    return res.exit_code, lines


def _english_words(zh: str, en: str, field: str | None, file_name: str) -> set[str]:
    """Words of three or more ASCII letters in ``zh`` that are neither the user's (a value the English quotes, the
    file's name, a field the user named) nor an identifier (a format, a tool, an option)."""
    allowed = set(IDS)
    for quoted in re.findall(r"'([^']*)'", en) + re.findall(r"variables(?::| on the grid \()\s*([^)]*)\)", en):
        allowed |= set(re.findall(r"[A-Za-z]+", quoted))  # the user's values and the file's variables
    allowed |= set(re.findall(r"[A-Za-z]+", file_name))
    if field and not OWN_FIELDS.match(field):
        allowed |= set(re.findall(r"[A-Za-z]+", field))
    return {w for w in re.findall(r"[A-Za-z]{3,}", STRIPPED.sub(" ", zh)) if w not in allowed}


def _check(en_lines: list[str], zh_lines: list[str], file_name: str) -> None:
    assert len(zh_lines) == len(en_lines), (en_lines, zh_lines)
    assert zh_lines[0].startswith("错误："), zh_lines[0]
    for en, zh in zip(en_lines, zh_lines):
        en_text = READER_SAYS.sub("", en.removeprefix("Error: ").removeprefix("  - "))
        assert zh != en and re.search(r"[\u4e00-\u9fff]", zh), zh
        where = EN_PREFIX.match(en_text)
        field = where["field"] if where else None
        if where and where["row"]:
            assert f"第 {where['row']} 行" in zh, (en, zh)
        if field:
            assert "字段“" in zh and (OWN_FIELDS.match(field) or f"“{field}”" in zh), (en, zh)
        for number in re.findall(r"\d[\d,.]*\d|\d", re.sub(r"'[^']*'", "", en_text)):
            assert number in zh, (number, en, zh)
        assert _english_words(zh, en_text, field, file_name) == set(), (en, zh)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_refusal_of_the_import_in_chinese_and_english_stores_nothing(tmp_path, case):
    _, make, options, words = case
    import_inventory(GOOD_TABLE(tmp_path), name="kept", year=2020)
    path = make(tmp_path)
    args = ["import", str(path), "--name", "new", "--year", "2020", *options]
    before = _rows()
    code_en, en = _invoke(args, "en")
    assert _rows() == before
    code_zh, zh = _invoke(args, "zh")
    assert _rows() == before
    assert code_en == code_zh == 1, (en, zh)
    assert en[0] == "Error: rejected (nothing stored):" and zh[0] == "错误：文件被拒绝，未保存任何数据：", (en, zh)
    assert words in "\n".join(en), en
    _check(en, zh, path.name)


@pytest.mark.parametrize("command", MISSING, ids=[m[0] for m in MISSING])
def test_remove_and_table_refuse_an_inventory_not_stored_in_both_languages(command):
    before = _rows()
    code_en, en = _invoke(command[1], "en")
    code_zh, zh = _invoke(command[1], "zh")
    assert code_en == code_zh == 1 and _rows() == before
    assert en == ["Error: no inventory 'nowhere' (lnmap carbon list)"], en
    _check(en, zh, "")
    assert zh == ["错误：没有名为“nowhere”的清单（已存的清单见 lnmap carbon list）"], zh


def test_the_six_refusals_of_issue_22_read_as_written(tmp_path):
    """A few of the Chinese refusals word for word: the numbers, the file's name, the row and the field kept."""
    lines = {}
    for case_id in ("grid misses Liaoning", "TIFF without a CRS", "4 GB file", "negative value in a table",
                    "ambiguous county", "unknown unit"):
        _, make, options, _ = next(c for c in CASES if c[0] == case_id)
        path = make(tmp_path)
        lines[case_id] = _invoke(["import", str(path), "--name", "x", "--year", "2020", *options], "zh")[1][1]
    assert lines["grid misses Liaoning"] == (
        "  - 字段“波段 1”：格网未覆盖辽宁：其范围为 x 0 至 8、y 4 至 10（EPSG:4326），"
        "而辽宁位于东经 118.8°–125.8°、北纬 38.7°–43.5°")
    assert lines["TIFF without a CRS"] == (
        "  - 文件“nocrs.tif”：该 GeoTIFF 没有坐标参考系，无法确定其在地图上的位置；"
        "请先为文件写入坐标参考系（gdal_translate -a_srs …）")
    assert lines["4 GB file"] == (
        "  - 文件“huge.nc”：文件过大：4,294,967,296 字节，上限为 2,147,483,648 字节（2 GiB）；"
        "请先把格网裁剪到辽宁及周边（gdal_translate -projwin 或 cdo sellonlatbox）")
    assert lines["negative value in a table"] == (
        "  - 文件“table.csv”，第 2 行，字段“二氧化碳排放量”：数值“-5”为负；只有碳汇部门（LULUCF、林业等，"
        "用 --sector 指明）可以为负值")
    assert lines["ambiguous county"] == (
        "  - 文件“table.csv”，第 2 行，字段“城市”：地名“铁西区”有歧义：可能是 沈阳市铁西区 (210106), 鞍山市铁西区 (210303)；"
        "请写六位行政区划代码，或在前面写上所属城市（如 沈阳市铁西区）")
    assert lines["unknown unit"].startswith("  - 字段“单位”：单位“furlongs”无法识别：无法识别“furlongs”；可用的单位：")


def test_english_stays_the_default():
    code, lines = _invoke(["remove", "nowhere"], "en")
    res = CliRunner().invoke(carbon, ["remove", "nowhere"])
    assert code == res.exit_code == 1 and res.output.splitlines() == lines


def test_what_the_commands_say_when_they_succeed_in_chinese(tmp_path):
    """A stored, listed, tabled and removed inventory, each said in Chinese with --lang zh: no English word
    but the command to type, the counts as the store holds them (a table of two cities and one county)."""
    path = tmp_path / "t.csv"
    path.write_text("地区,排放量,单位\n沈阳,6500,万吨\n大连,7000,万吨\n沈阳市和平区,120,万吨\n", encoding="utf-8")
    code, lines = _invoke(["import", str(path), "--name", "表A", "--year", "2020"], "zh")
    assert code == 0 and lines == ["已保存清单“表A”：按地区表导入，2020年，2 个城市、1 个县区"], lines
    code, lines = _invoke(["table", "--name", "表A", "--level", "county", "--out", str(tmp_path / "c.csv")], "zh")
    assert code == 0 and lines == [f"已将 100 行写入 {tmp_path / 'c.csv'}"], lines
    code, lines = _invoke(["remove", "表A"], "zh")
    assert code == 0 and lines == ["已删除清单“表A”（审计日志保留此次删除）"], lines
    code, lines = _invoke(["list"], "zh")
    assert code == 0 and lines[0].startswith("尚未保存任何清单") and re.findall(r"[A-Za-z]{3,}", lines[0]) == [
        "lnmap", "carbon", "import", "FILE", "name", "NAME", "year"]  # the command to type, as typed
