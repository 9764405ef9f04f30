"""The allocation workbench's screen (issue 23, item 5): two scenarios side by side on the map, at ``/workbench``.

A Flask blueprint of the dashboard's server, kept apart from the Dash page: its own files in
``dashboard/workbench_static/`` (never ``dashboard/assets/``, which Dash injects into the main page),
Leaflet from ``geo/vendor/leaflet-1.9.4`` and the city outlines from the dashboard's GeoJSON route.

- ``GET /workbench``: the page (``?lang=en``; ``view=a|b|diff``; the two scenarios as ``a_*`` and ``b_*``
  parameters, see :data:`SCENARIO_KEYS`), so a copied link reopens the same comparison. A value the page
  does not know is named in a notice and replaced by the default, never dropped silently.
- ``GET|POST /lnmap/api/allocate``: one scenario (GET: the same parameters without the prefix; POST: JSON,
  ``{"scenario": <Scenario.as_dict()>}`` or the parameters as an object) → the per-city table, the
  province's row, the check line, the rule's formula, inputs, sources, notes and statistics in both
  languages, computed by :func:`geo.allocation.engine.allocate` (the rules never run in the browser).
  Bad input: 400 with the problems (field and message, in both languages where a translation exists).
- ``GET /lnmap/api/allocate/download?fmt=csv|xlsx|pdf|pptx&…``: the scenario as a file
  (:mod:`geo.exports.allocation`).
- ``GET /lnmap/api/scenarios`` (the stored scenarios), ``GET /lnmap/api/scenarios/<name>`` (one, as
  the page's parameters), ``POST /lnmap/api/scenarios`` (store one: signed-in editors only,
  :mod:`dashboard.auth`; :func:`geo.allocation.store.save_scenario` refuses what the rule refuses).

Every visible word comes from :data:`WORDS` (Chinese and English). Requests are bounded (query and body
size, number of parameters, entries per list).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import flask

from geo.core.errors import DataValidationError, LnmapError, Problem, StoreError
from geo.core.settings import Settings, get_settings
from geo.core.vocabulary import LANGS, citation_text, rewrite

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "workbench_static"
LEAFLET_DIR = HERE.parent / "geo" / "vendor" / "leaflet-1.9.4"
PAGE = "/workbench"
API = "/lnmap/api/allocate"
DOWNLOAD = "/lnmap/api/allocate/download"
SCENARIOS = "/lnmap/api/scenarios"
STATIC_URL = "/lnmap/workbench/static"
LEAFLET_URL = "/lnmap/workbench/leaflet"
FONT_URL = "/lnmap/workbench/cjk.woff"
CITIES_URL = "/lnmap/geo/wgs84/cities.geojson"
LABELS_URL = "/lnmap/geo/wgs84/labels.geojson"

#: Bounds of a request: the query string, a POST body, parameters, entries of one list, characters of one value.
MAX_QUERY_BYTES = 4096
MAX_BODY_BYTES = 32 * 1024
MAX_PARAMS = 48
MAX_ITEMS = 20
MAX_VALUE_CHARS = 400

#: A scenario's parameters (``a_<key>`` and ``b_<key>`` on the page, ``<key>`` in the API).
SCENARIO_KEYS = ("rule", "kind", "target", "rates", "m", "choices", "w", "basis", "floors", "ceils", "stored", "name")
#: Parameters the two scenarios share.
SHARED_KEYS = ("p", "base", "lang", "view")
POLLUTANTS = ("cod", "nh3n", "so2", "nox")
RULES_OFFERED = ("uniform", "region", "proportional", "index", "annex2017")
#: Rules that need inputs the data package does not bundle (population, GDP, a project list): listed, not offered.
RULES_NEEDING_TABLE = ("converge", "key_projects")
KINDS = ("total_cut_pct", "cap_t", "key_project_t", "intensity_cut_pct")
MEMBERSHIPS = ("strictest", "laxest", "mean", "choice")
BASES = ("emissions", "intensity")
WEIGHT_INPUTS = ("emission_t", "key_project_t")  # the index inputs every city has with the bundled data
VIEWS = ("a", "b", "diff")
FORMATS = ("csv", "xlsx", "pdf", "pptx")
DEFAULT_BASE_YEAR = 2015
DEFAULT_RATES = {"shenyang_metro": "12", "coastal_belt": "10", "west_liaoning": "8", "east_green": "9"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "a": {"rule": "uniform", "kind": "total_cut_pct", "target": "10", "rates": {}, "m": "", "choices": {}, "w": {},
          "basis": "", "floors": {}, "ceils": {}, "stored": "", "name": "A"},
    "b": {"rule": "region", "kind": "total_cut_pct", "target": "10", "rates": dict(DEFAULT_RATES), "m": "strictest",
          "choices": {}, "w": {}, "basis": "", "floors": {}, "ceils": {}, "stored": "", "name": "B"},
}
SHARED_DEFAULTS = {"p": "cod", "base": str(DEFAULT_BASE_YEAR), "lang": "zh", "view": "diff"}

# --------------------------------------------------------------------------- words

#: Every word the page shows, Chinese and English.
WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "减排指标分配工作台", "en": "Allocation workbench"},
    "subtitle": {"zh": "把全省目标按规则分到 14 个市，比较两种方案", "en": "Split the province's target among the 14 cities "
                 "by a rule, and compare two splits"},
    "back": {"zh": "返回地图", "en": "Back to the map"},
    "lang_other": {"zh": "English", "en": "中文"},
    "pollutant": {"zh": "污染物", "en": "Pollutant"},
    "base_year": {"zh": "基准年", "en": "Base year"},
    "view": {"zh": "地图显示", "en": "Map shows"},
    "view_a": {"zh": "方案 A", "en": "Scenario A"},
    "view_b": {"zh": "方案 B", "en": "Scenario B"},
    "view_diff": {"zh": "差值 B − A", "en": "Difference B − A"},
    "scenario": {"zh": "方案", "en": "Scenario"},
    "rule": {"zh": "分配规则", "en": "Rule"},
    "kind": {"zh": "全省目标", "en": "Provincial target"},
    "kind_total_cut_pct": {"zh": "总量削减比例（%）", "en": "total cut (%)"},
    "kind_intensity_cut_pct": {"zh": "强度下降比例（%）", "en": "intensity cut (%)"},
    "kind_cap_t": {"zh": "排放总量上限（吨）", "en": "cap (t)"},
    "kind_key_project_t": {"zh": "重点工程减排量（吨）", "en": "key-project cut (t)"},
    "target_value": {"zh": "目标值", "en": "Target value"},
    "target_sum": {"zh": "留空 = 各市合计", "en": "empty = the cities' sum"},
    "target_none": {"zh": "（按附件各市比例，全省为各市合计）", "en": "(the annexes' city rates; the province is their sum)"},
    "rates": {"zh": "各区域削减率（%）", "en": "Cut rate per region (%)"},
    "membership": {"zh": "跨区域或部分成员城市取", "en": "A city in two regions (or a partial member) takes"},
    "m_strictest": {"zh": "取严（较高的削减率）", "en": "the strictest (highest) rate"},
    "m_laxest": {"zh": "取宽（较低的削减率）", "en": "the laxest (lowest) rate"},
    "m_mean": {"zh": "取平均", "en": "the mean of its rates"},
    "m_choice": {"zh": "逐市指定", "en": "a region named per city"},
    "m_none": {"zh": "（不指定）", "en": "(not given)"},
    "choices": {"zh": "逐市指定的区域", "en": "Region named per city"},
    "choice_none": {"zh": "按上面的规定", "en": "as above"},
    "basis": {"zh": "比例依据", "en": "In proportion to"},
    "basis_emissions": {"zh": "基准年排放量", "en": "base-year emissions"},
    "basis_intensity": {"zh": "排放强度（需要各市 GDP）", "en": "emission intensity (needs every city's GDP)"},
    "weights": {"zh": "指数权重", "en": "Index weights"},
    "w_emission_t": {"zh": "基准年排放量", "en": "base-year emissions"},
    "w_key_project_t": {"zh": "重点工程减排能力", "en": "key-project cut capacity"},
    "entropy": {"zh": "用熵权", "en": "entropy weights"},
    "bounds": {"zh": "各市削减比例下限 / 上限（%）", "en": "Floors and ceilings of a city's cut (%)"},
    "bounds_all": {"zh": "全部城市", "en": "Every city"},
    "floor": {"zh": "下限", "en": "floor"},
    "ceiling": {"zh": "上限", "en": "ceiling"},
    "bounds_count": {"zh": "已设 {n} 项", "en": "{n} set"},
    "stored": {"zh": "已保存的方案", "en": "Stored scenarios"},
    "stored_none": {"zh": "（尚无保存的方案）", "en": "(none stored yet)"},
    "stored_pick": {"zh": "选择方案…", "en": "Pick a scenario…"},
    "load_into": {"zh": "载入到", "en": "Load into"},
    "loaded": {"zh": "已载入“{name}”（第 {v} 版）到方案 {x}。", "en": "Loaded “{name}” (version {v}) into scenario {x}."},
    "loaded_pollutant": {"zh": "污染物随之改为{p}（两个方案共用）。",
                         "en": "The pollutant is now {p} (both scenarios share it)."},
    "save_as": {"zh": "保存为", "en": "Store as"},
    "save": {"zh": "保存", "en": "Store"},
    "save_name": {"zh": "方案名称", "en": "Scenario name"},
    "save_note": {"zh": "说明（可空）", "en": "Note (optional)"},
    "saved": {"zh": "已保存“{name}”第 {v} 版。", "en": "Stored “{name}”, version {v}."},
    "save_viewer": {"zh": "保存方案需要编辑账号：", "en": "Storing a scenario needs an editor account:"},
    "sign_in": {"zh": "编辑登录", "en": "Editor sign-in"},
    "signed_in": {"zh": "已登录编辑：{name}", "en": "Signed in as editor {name}"},
    "download": {"zh": "下载", "en": "Download"},
    "working": {"zh": "计算中…", "en": "Computing…"},
    "failed": {"zh": "方案 {x} 无法计算：", "en": "Scenario {x} cannot be computed:"},
    "server_failed": {"zh": "服务器暂时无法响应，请稍后重试。", "en": "The server could not answer just now. Please try again."},
    "field": {"zh": "字段“{field}”", "en": "field “{field}”"},
    "row": {"zh": "第 {row} 行", "en": "row {row}"},
    "map_alt": {"zh": "地图：14 市的削减比例（颜色）与削减量（圆）",
                "en": "Map: the 14 cities' cut % (colour) and tonnes (circles)"},
    "legend_cut_pct": {"zh": "削减比例（%）", "en": "Cut (%)"},
    "legend_cut_t": {"zh": "圆面积 ∝ 削减量（吨）", "en": "Circle area ∝ cut (t)"},
    "legend_diff_pp": {"zh": "削减比例差 B − A（百分点）", "en": "Cut % difference B − A (points)"},
    "legend_diff_t": {"zh": "圆面积 ∝ |削减量差|；红：B 多，蓝：B 少", "en": "Circle area ∝ |difference in t|; red: B more, "
                      "blue: B less"},
    "legend_same": {"zh": "两方案相同", "en": "the same in both"},
    "legend_none": {"zh": "无结果", "en": "no result"},
    "ranking": {"zh": "谁在 B 下承担更多、谁更少（按吨差排序）", "en": "Who carries more or less under B than under A "
                "(by the difference in t)"},
    "col_rank": {"zh": "序", "en": "#"},
    "col_city": {"zh": "城市", "en": "City"},
    "col_a_t": {"zh": "A 削减量（吨）", "en": "A cut (t)"},
    "col_b_t": {"zh": "B 削减量（吨）", "en": "B cut (t)"},
    "col_diff_t": {"zh": "B − A（吨）", "en": "B − A (t)"},
    "col_a_pct": {"zh": "A %", "en": "A %"},
    "col_b_pct": {"zh": "B %", "en": "B %"},
    "col_diff_pp": {"zh": "B − A（百分点）", "en": "B − A (points)"},
    "more": {"zh": "多", "en": "more"},
    "less": {"zh": "少", "en": "less"},
    "province": {"zh": "辽宁省", "en": "Liaoning"},
    "table_total": {"zh": "全省", "en": "Province"},
    "cities_more": {"zh": "{n} 市在 B 下承担更多，{m} 市更少。", "en": "{n} cities carry more under B, {m} less."},
    "not_comparable": {"zh": "两个方案的全省目标不同：差值包含总量之差。",
                       "en": "The two scenarios' provincial totals differ: the differences include that of the totals."},
    "explain": {"zh": "方案 {x}：{rule}", "en": "Scenario {x}: {rule}"},
    "formula": {"zh": "公式", "en": "Formula"},
    "inputs": {"zh": "输入", "en": "Inputs"},
    "sources": {"zh": "出处", "en": "Sources"},
    "notes": {"zh": "说明", "en": "Notes"},
    "check": {"zh": "核对", "en": "Check"},
    "province_row": {"zh": "全省：基准 {base} 吨，削减 {cut} 吨（{pct} %），上限 {cap} 吨",
                     "en": "Province: base {base} t, cut {cut} t ({pct} %), cap {cap} t"},
    "extremes": {"zh": "削减比例最小：{lo}（{lo_pct} %）；最大：{hi}（{hi_pct} %）",
                 "en": "Smallest cut: {lo} ({lo_pct} %); largest: {hi} ({hi_pct} %)"},
    "inequality_none": {"zh": "人均、单位 GDP 的基尼与泰尔系数：需要各市人口或 GDP（数据包未收录）。",
                        "en": "Gini and Theil per capita or per GDP: need every city's population or GDP (not bundled)."},
    "in_target": {"zh": "规划期 {plan}（{b}–{t}）；{p}{kind}：{value}",
                  "en": "Plan period {plan} ({b}–{t}); {p} {kind}: {value}"},
    "in_rule": {"zh": "规则：{rule}", "en": "Rule: {rule}"},
    "in_rates": {"zh": "区域削减率：{list}", "en": "Regional rates: {list}"},
    "in_membership": {"zh": "跨区域城市：{m}", "en": "Cities in two regions: {m}"},
    "in_choices": {"zh": "逐市指定：{list}", "en": "Named per city: {list}"},
    "in_weights": {"zh": "权重：{list}", "en": "Weights: {list}"},
    "in_entropy": {"zh": "熵权：{list}", "en": "Entropy weights: {list}"},
    "in_basis": {"zh": "比例依据：{b}", "en": "In proportion to: {b}"},
    "in_floors": {"zh": "下限：{list}", "en": "Floors: {list}"},
    "in_ceils": {"zh": "上限：{list}", "en": "Ceilings: {list}"},
    "in_stored": {"zh": "已保存的方案：{name}（第 {v} 版）", "en": "Stored scenario: {name} (version {v})"},
    "city_rate": {"zh": "{city}：{rate} %（{why}）", "en": "{city}: {rate} % ({why})"},
    "why_only": {"zh": "唯一区域", "en": "its only region"},
    "why_strictest": {"zh": "取严", "en": "strictest"},
    "why_laxest": {"zh": "取宽", "en": "laxest"},
    "why_mean": {"zh": "取平均", "en": "mean"},
    "why_choice": {"zh": "指定", "en": "named"},
    "city_rates": {"zh": "各市采用的削减率", "en": "The rate each city takes"},
    "held": {"zh": "受上下限约束：{list}", "en": "Held at a bound: {list}"},
    "held_floor": {"zh": "下限", "en": "floor"},
    "held_ceiling": {"zh": "上限", "en": "ceiling"},
    "notice_link": {"zh": "链接中有无法识别的内容，已改用默认值：", "en": "The link has values this page does not know; "
                    "the defaults are used instead:"},
    "notice_item": {"zh": "“{key}”的值“{value}”", "en": "“{value}” for “{key}”"},
    "notice_key": {"zh": "未知参数“{key}”", "en": "unknown parameter “{key}”"},
    "notice_too_many": {"zh": "链接过长，只读取了前面部分", "en": "the link is too long; only its first part was read"},
    "dismiss": {"zh": "关闭", "en": "Dismiss"},
    "rule_needs_table": {"zh": "（需要导入各市人口、GDP 或工程清单）",
                         "en": "(needs imported population, GDP or a project list)"},
    "copy_link": {"zh": "复制链接", "en": "Copy link"},
    "copied": {"zh": "链接已复制", "en": "Link copied"},
    "t": {"zh": "吨", "en": "t"},
    "source_base": {"zh": "（{year} 年排放量）", "en": " ({year} emissions)"},
    "source_cut": {"zh": "（{year} 年下降比例）", "en": " ({year} cut %)"},
    "source_kp": {"zh": "（重点工程减排量）", "en": " (key-project cut)"},
    "source_regions": {"zh": "辽环发〔2023〕39号 第十七条（四个区域）；区域成员名单（每市各有出处）",
                       "en": "辽环发〔2023〕39号, clause 17 (the four regions); the regions' member lists (each city with "
                             "its source)"},
    "panel_a": {"zh": "方案 A", "en": "Scenario A"},
    "panel_b": {"zh": "方案 B", "en": "Scenario B"},
    "explanations": {"zh": "两个方案的公式、输入与出处", "en": "Each scenario's formula, inputs and sources"},
    "result_summary": {"zh": "全省削减 {cut} 吨（{pct} %）", "en": "Province cut {cut} t ({pct} %)"},
}

POLLUTANT_WORDS = {"cod": {"zh": "化学需氧量", "en": "COD"}, "nh3n": {"zh": "氨氮", "en": "NH3-N"},
                   "so2": {"zh": "二氧化硫", "en": "SO2"}, "nox": {"zh": "氮氧化物", "en": "NOx"},
                   "co2": {"zh": "二氧化碳", "en": "CO2"}}

#: Field names of the engine's problems (and the page's parameters) in words.
FIELD_WORDS = {
    "name": {"zh": "方案名称", "en": "scenario name"}, "rule": {"zh": "分配规则", "en": "rule"},
    "target.value": {"zh": "目标值", "en": "target value"}, "target": {"zh": "目标值", "en": "target value"},
    "target.kind": {"zh": "全省目标类型", "en": "kind of target"}, "kind": {"zh": "全省目标类型", "en": "kind of target"},
    "target.pollutant": {"zh": "污染物", "en": "pollutant"}, "p": {"zh": "污染物", "en": "pollutant"},
    "target_year": {"zh": "目标年", "en": "target year"},
    "inputs.base_year": {"zh": "基准年", "en": "base year"}, "base": {"zh": "基准年", "en": "base year"},
    "inputs.basis": {"zh": "比例依据", "en": "basis"}, "basis": {"zh": "比例依据", "en": "basis"},
    "inputs.membership": {"zh": "跨区域城市取哪个削减率", "en": "which rate a city in two regions takes"},
    "membership": {"zh": "跨区域城市取哪个削减率", "en": "which rate a city in two regions takes"},
    "m": {"zh": "跨区域城市取哪个削减率", "en": "which rate a city in two regions takes"},
    "rates": {"zh": "区域削减率", "en": "regional rate"}, "inputs.rates": {"zh": "区域削减率", "en": "regional rate"},
    "choices": {"zh": "逐市指定的区域", "en": "region named for a city"},
    "inputs.choices": {"zh": "逐市指定的区域", "en": "region named for a city"},
    "weights": {"zh": "指数权重", "en": "index weight"}, "inputs.weights": {"zh": "指数权重", "en": "index weight"},
    "w": {"zh": "指数权重", "en": "index weight"},
    "floors": {"zh": "下限", "en": "floor"}, "inputs.floors": {"zh": "下限", "en": "floor"},
    "ceilings": {"zh": "上限", "en": "ceiling"}, "inputs.ceilings": {"zh": "上限", "en": "ceiling"},
    "ceils": {"zh": "上限", "en": "ceiling"},
    "inputs.convergence_year": {"zh": "趋同年", "en": "convergence year"},
    "table": {"zh": "输入表", "en": "input table"}, "gdp_100m_yuan": {"zh": "GDP", "en": "GDP"},
    "table.gdp_100m_yuan": {"zh": "GDP", "en": "GDP"}, "table.population_10k": {"zh": "人口", "en": "population"},
    "table.emission_t": {"zh": "排放量", "en": "emissions"}, "projects": {"zh": "重点工程清单", "en": "key-project list"},
    "stored": {"zh": "已保存的方案", "en": "stored scenario"}, "request": {"zh": "请求", "en": "request"},
    "fmt": {"zh": "文件格式", "en": "file format"}, "scenario": {"zh": "方案", "en": "scenario"},
    "view": {"zh": "地图显示", "en": "map view"}, "lang": {"zh": "语言", "en": "language"},
}

#: The engine's problem messages in Chinese: (pattern, replacement); names are put in afterwards.
PROBLEMS_ZH: list[tuple[str, str]] = [
    (r"^'(.*)' is not a number$", r"“\1”不是数字"),
    (r"^'(.*)': must be between (\S+) and (\S+)$", r"“\1”：应在 \2 到 \3 之间"),
    (r"^'(.*)': must be at least (\S+)$", r"“\1”：应不小于 \2"),
    (r"^'(.*)': must be finite$", r"“\1”：应为有限数"),
    (r"^(\S+): rate (\S+) must be between 0 and 100 %$", r"\1：削减率 \2 应在 0 到 100 % 之间"),
    (r"^no rate for (\S+), which (.+) need$", r"\1没有削减率，而\2需要它"),
    (r"^(\S+) is (?:in two or more regions|a partial member) \((.+)\): the scenario must say which rate applies.*$",
     r"\1属于多个区域或为部分成员（\2）：方案须说明采用哪个削减率（取严、取宽、取平均或逐市指定）"),
    (r"^(\S+) belongs to no region: .*$", r"\1不属于任何区域：按区域定比例无法给它削减率"),
    (r"^(\S+): the rate chosen for it, (\S+), is not a region it belongs to \((.+)\)$",
     r"\1：为它指定的\2不是它所属的区域（\3）"),
    (r"^the floors \((.+)\) need a cut of at least (\S+) t, more than the provincial cut of (\S+) t: .*$",
     r"下限（\1）要求至少削减 \2 吨，超过全省削减量 \3 吨：请降低下限或提高目标"),
    (r"^the ceilings \((.+)\) allow a cut of at most (\S+) t, less than the provincial cut of (\S+) t: .*$",
     r"上限（\1）最多允许削减 \2 吨，少于全省削减量 \3 吨：请提高上限或降低目标"),
    (r"^(\S+): floor (\S+) % is above its ceiling (\S+) %$", r"\1：下限 \2 % 高于上限 \3 %"),
    (r"^(\S+): weight (\S+) is negative; weights are ≥ 0$", r"权重 \2 为负；权重应不小于 0"),
    (r"^every weight is zero: .*$", r"所有权重都为 0：请至少给一项大于 0 的权重"),
    (r"^the index rule needs weights .*$", r"加权指数需要权重（或选用熵权）"),
    (r"^the (\S+) rule needs a provincial target value.*$", r"该规则需要全省目标值"),
    (r"^annex2017 takes every city's cut % from the 2017 annexes: .*$",
     r"2017 年附件方法按附件取各市下降比例，全省为各市合计：不需要目标值（请留空）"),
    (r"^index input (\S+) needs (.+) for (\d+) in every city; missing or zero for (.+)$",
     r"指数输入项需要每个城市 \3 年的数据；缺少或为 0：\4"),
    (r"^(\S+) has no (population_10k|gdp_100m_yuan) for (\d+) \(> 0\).*$", r"\1 缺少 \3 年的人口或 GDP（需大于 0）"),
    (r"^(\S+) has no gdp_100m_yuan \(> 0\); .*$", r"\1 没有 GDP：按排放强度分配需要每个城市的 GDP"),
    (r"^proportional to emissions per unit of GDP needs every city's GDP: no gdp_100m_yuan given for any city$",
     r"按排放强度分配需要每个城市的 GDP，而数据包中没有 GDP"),
    (r"^the key_projects rule needs a key-project list.*$", r"重点工程规则需要导入的重点工程清单"),
    (r"^no (\d+) emissions of (\S+) for the cities: .*$", r"没有各市 \1 年的排放量：数据包只有 2017 年附件的 2015 年数据"),
    (r"^base year (.+): a year between 1949 and 2100$", r"基准年 \1：应为 1949 到 2100 之间的年份"),
    (r"^target year (.+): after the base year (\d+)$", r"目标年 \1：应晚于基准年 \2"),
    (r"^rule '(.*)': one of .*$", r"未知规则“\1”"),
    (r"^kind '(.*)': one of .*$", r"未知目标类型“\1”"),
    (r"^pollutant '(.*)': one of .*$", r"未知污染物“\1”"),
    (r"^membership '(.*)': one of .*$", r"未知的跨区域规定“\1”"),
    (r"^basis '(.*)': one of .*$", r"未知的比例依据“\1”"),
    (r"^'(.*)' is not a region .*$", r"“\1”不是区域"),
    (r"^'(.*)' is not one of Liaoning's 14 cities.*$", r"“\1”不是辽宁 14 个市之一"),
    (r"^'(.*)' is not an index input .*$", r"“\1”不是指数输入项"),
    (r"^'(.*)': a second rate for .*$", r"“\1”：同一区域给了两个削减率"),
    (r"^a scenario needs a name of 1–64 characters$", r"方案名称应为 1–64 个字符"),
    (r"^(.+) left to cities the rule gives no share .*$", r"\1 吨须分给规则不分配的城市：请放宽上下限"),
    # the page's own
    (r"^unknown parameter '(.*)'$", r"未知参数“\1”"),
    (r"^'(.*)' is not a known value$", r"“\1”不是可用的值"),
    (r"^'(.*)' is not a pair key:value$", r"“\1”不是“名称:数值”的形式"),
    (r"^more than (\d+) entries$", r"超过 \1 项"),
    (r"^the request is too large: (.+)$", r"请求过大：\1"),
    (r"^the value is longer than (\d+) characters$", r"值超过 \1 个字符"),
    (r"^no stored scenario '(.*)'(.*)$", r"没有名为“\1”的已保存方案\2"),
    (r"^'(.*)': one of (.+)$", r"“\1”：应为 \2 之一"),
    (r"^format '(.*)': one of .*$", r"未知文件格式“\1”"),
    (r"^expected a JSON object$", r"应为 JSON 对象"),
    (r"^only a signed-in editor may store a scenario$", r"只有已登录的编辑可以保存方案"),
    (r"^unknown key '(.*)' \(known: .*\)$", r"未知键“\1”"),
]

#: The engine's problem messages that carry identifiers, in plain English words.
PROBLEMS_EN: list[tuple[str, str]] = [
    (r"^(\S+): weight (\S+) is negative; weights are ≥ 0$", r"weight \2 is negative; weights are ≥ 0"),
    (r"^proportional to emissions per unit of GDP needs every city's GDP: .*$",
     r"in proportion to emissions per unit of GDP needs every city's GDP, which the data package does not have"),
    (r"^no (\d+) emissions of (\S+) for the cities: the 2017 annexes have 2015 only.*$",
     r"no \1 emissions for the cities: the 2017 annexes have 2015 only"),
    (r"^(.+) \(membership strictest \| laxest \| mean, or a choice for (.+)\)$",
     r"\1 (the strictest, the laxest, the mean, or a region named for \2)"),
    (r"^annex2017 takes (.*)$", r"The 2017 annexes' method takes \1"),
    (r"^the (\S+) rule needs a provincial target value.*$", r"this rule needs a provincial target value"),
    (r"^the key_projects rule needs (.*)$", r"the key-project rule needs \1"),
    (r"^index input (\S+) needs (.+) for (\d+) in every city; missing or zero for (.+)$",
     r"this index input needs every city's values for \3; missing or zero for \4"),
    (r"^(\S+) has no (population_10k|gdp_100m_yuan) for (\d+) \(> 0\).*$", r"\1 has no \3 population or GDP (above 0)"),
    (r"^(\S+) has no gdp_100m_yuan \(> 0\); .*$", r"\1 has no GDP: in proportion to emission intensity needs every city's"),
]

#: The engine's notes in Chinese (pattern, replacement); the English ones are the engine's own words.
NOTES_ZH: list[tuple[str, str]] = [
    (r"^the rule's own tonnes \((\S+) t\) scaled by (\S+) to meet the provincial target \((\S+) t\)$",
     r"规则本身给出的削减量（\1 吨）按同一系数 \2 缩放，使各市合计等于全省目标（\3 吨）"),
    (r"^intensity cut split as a total cut of base-year emissions: .*$",
     r"强度下降目标按基准年排放总量的削减分配：假定各市 GDP 增长相同"),
    (r"^(各市 2015 年排放量不含省直管电厂)（(.+)）: .*$", r"\1（\2）"),
    (r"^clause 一\(二\)'s provincial cap of (\S+) t includes the province-managed power plants; the cities' 2015 bases cover "
     r"(\S+) % of the implied provincial 2015 total \((\S+) t\) \((\S+)[;)].*$",
     r"第一(二)条的全省上限 \1 吨包含省直管电厂；各市 2015 年基数占推算的全省 2015 年总量（\3 吨）的 \2 %（\4）"),
]
NOTES_EN: list[tuple[str, str]] = [
    (r"^各市 2015 年排放量不含省直管电厂（(\S+) 附件(\d)(?:、\d)? 注）: (.*)$",
     r"The cities' 2015 emissions exclude the province-managed power plants (\1, annex \2, note)"),
    (r"^clause 一\(二\)'s (.*) \((\S+); reconciliation\.csv\)$", r"Clause 1(2)'s \1 (\2)"),
]


def w(word: str, lang: str, **kw: Any) -> str:
    """The word ``word`` of :data:`WORDS` in ``lang``, with ``{name}`` fields filled from ``kw``."""
    entry = WORDS[word]
    text = entry.get(lang) or entry["zh"]
    return text.format(**kw) if kw else text


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Reference:
    """What the page names: the 14 cities (annex order) and the four regions, both languages."""

    cities: list[dict]
    regions: list[dict]
    members: dict[str, list[str]]  # adcode → region ids

    @property
    def adcodes(self) -> list[str]:
        return [c["adcode"] for c in self.cities]

    def city(self, adcode: str) -> dict | None:
        return next((c for c in self.cities if c["adcode"] == adcode), None)

    def city_name(self, adcode: str, lang: str) -> str:
        c = self.city(adcode)
        if c is None:
            return w("bounds_all", lang) if adcode == "*" else adcode
        return c["name_en"] if lang == "en" else c["name_zh"]

    def region_name(self, rid: str, lang: str, short: bool = True) -> str:
        r = next((r for r in self.regions if r["id"] == rid), None)
        if r is None:
            return rid
        return r[f"short_{lang}" if short else f"name_{lang}"]


@lru_cache(maxsize=4)
def reference(data_dir: str) -> Reference:
    from geo.allocation.inputs import load_cities
    from geo.places.boundaries import load_layer
    from geo.places.regions import load_members, load_regions

    settings = _settings_for(data_dir)
    order = load_cities(settings)
    layer = load_layer("cities", settings).set_index("adcode")
    cities = [{"adcode": a, "name_zh": order.name(a), "name_en": str(layer.at[a, "name_en"])} for a in order.adcodes]
    regions = [{"id": r.region_id, "name_zh": r.name_zh, "name_en": r.name_en, "short_zh": r.short_zh,
                "short_en": r.short_en} for r in load_regions(settings).itertuples()]
    members: dict[str, list[str]] = {}
    for m in load_members(settings).itertuples():
        members.setdefault(str(m.adcode), []).append(str(m.region_id))
    return Reference(cities, regions, members)


_SETTINGS: dict[str, Settings] = {}


def _settings_for(data_dir: str) -> Settings:
    return _SETTINGS.get(data_dir) or get_settings()


# --------------------------------------------------------------------------- parameters


class RequestProblem(LnmapError):
    """A request the workbench refuses before any rule runs (too large, malformed)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _pairs(text: str, key: str, problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not text:
        return out
    items = [s for s in text.split(",") if s.strip()]
    if len(items) > MAX_ITEMS:
        problems.append(Problem(f"more than {MAX_ITEMS} entries", field=key))
        items = items[:MAX_ITEMS]
    for item in items:
        k, sep, v = item.partition(":")
        if not sep or not k.strip():
            problems.append(Problem(f"{item.strip()!r} is not a pair key:value", field=key))
            continue
        out[k.strip()] = v.strip()
    return out


def parse_params(get: Callable[[str], str | None], keys: list[str], prefix: str, ref: Reference, *,
                 defaults: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """One scenario's state from parameters ``prefix + key`` (``get`` returns a parameter or None).

    The state holds strings (numbers are checked by the engine, which names the field); enumerated values
    (rule, kind, membership, basis, regions, cities, weight inputs) are checked here: an unknown one is a
    problem and the default stays in its place.
    """
    problems: list[Problem] = []
    st: dict[str, Any] = json.loads(json.dumps(dict(defaults)))
    given = {k: get(prefix + k) for k in SCENARIO_KEYS}  # a key not given keeps the default (the page writes all)
    region_ids = {r["id"] for r in ref.regions}
    cities = set(ref.adcodes) | {"*"}

    def bad(key: str, value: str) -> None:
        problems.append(Problem(f"{value!r} is not a known value", field=prefix + key))

    for key, value in given.items():
        if value is None:
            continue
        if key in ("rule", "kind", "m", "basis"):
            allowed = {"rule": (*RULES_OFFERED, *RULES_NEEDING_TABLE), "kind": KINDS, "m": ("", *MEMBERSHIPS),
                       "basis": ("", *BASES)}[key]
            if value in allowed:
                st[key] = value
            else:
                bad(key, value)
        elif key in ("target", "stored", "name"):
            st[key] = value.strip()
        elif key == "rates":
            st["rates"] = {}
            for k, v in _pairs(value, prefix + key, problems).items():
                if k in region_ids:
                    st["rates"][k] = v
                else:
                    bad(key, k)
        elif key == "choices":
            st["choices"] = {}
            for k, v in _pairs(value, prefix + key, problems).items():
                if k in cities and v in region_ids:
                    st["choices"][k] = v
                else:
                    bad(key, f"{k}:{v}")
        elif key in ("floors", "ceils"):
            st[key] = {}
            for k, v in _pairs(value, prefix + key, problems).items():
                if k in cities:
                    st[key][k] = v
                else:
                    bad(key, k)
        elif key == "w":
            st["w"] = {}
            if value.strip() == "entropy":
                st["w"] = {"entropy": "1"}
                continue
            for k, v in _pairs(value, prefix + key, problems).items():
                if k in WEIGHT_INPUTS:
                    st["w"][k] = v
                else:
                    bad(key, k)
    return st, problems


def parse_shared(get: Callable[[str], str | None]) -> tuple[dict[str, str], list[Problem]]:
    problems: list[Problem] = []
    out = dict(SHARED_DEFAULTS)
    allowed = {"p": POLLUTANTS, "lang": LANGS, "view": VIEWS}
    for key in SHARED_KEYS:
        value = get(key)
        if value is None:
            continue
        if key == "base":
            if re.fullmatch(r"\d{4}", value.strip()):
                out[key] = value.strip()
            else:
                problems.append(Problem(f"{value!r} is not a known value", field=key))
        elif value in allowed[key]:
            out[key] = value
        else:
            problems.append(Problem(f"{value!r} is not a known value", field=key))
    return out, problems


def check_request_size(args: Mapping[str, str], query: bytes) -> None:
    if len(query) > MAX_QUERY_BYTES:
        raise RequestProblem([Problem(f"the request is too large: {len(query):,} bytes of parameters, at most "
                                      f"{MAX_QUERY_BYTES:,}", field="request")])
    if len(args) > MAX_PARAMS:
        raise RequestProblem([Problem(f"the request is too large: {len(args)} parameters, at most {MAX_PARAMS}",
                                      field="request")])
    long = [k for k, v in args.items() if len(v) > MAX_VALUE_CHARS or len(k) > 40]
    if long:
        raise RequestProblem([Problem(f"the value is longer than {MAX_VALUE_CHARS} characters", field=k[:40])
                              for k in long])


def state_to_scenario(st: Mapping[str, Any], shared: Mapping[str, str], settings: Settings | None = None):
    """The :class:`~geo.allocation.scenario.Scenario` a page state describes (not yet checked)."""
    from dataclasses import replace

    from geo.allocation.scenario import RuleInputs, Scenario, Target

    base_scenario = None
    if st.get("stored"):
        base_scenario = _stored(st["stored"], settings)
    target_text = str(st.get("target") or "").strip()
    value: Any = None
    if target_text:
        try:
            value = float(target_text.replace(",", ""))
        except ValueError:
            value = target_text  # check_scenario names it: "'abc' is not a number"
    weights = dict(st.get("w") or {})
    entropy = weights.pop("entropy", None) is not None
    try:
        base_year: Any = int(shared.get("base") or DEFAULT_BASE_YEAR)
    except ValueError:
        base_year = shared.get("base")
    inputs = RuleInputs(base_year=base_year, basis=st.get("basis") or None,
                        weights=(weights or None) if not entropy else None, entropy=entropy,
                        rates=dict(st.get("rates") or {}), membership=st.get("m") or None,
                        choices=dict(st.get("choices") or {}), floors=dict(st.get("floors") or {}),
                        ceilings=dict(st.get("ceils") or {}))
    if st.get("rule") == "index" and not weights and not entropy:
        inputs = replace(inputs, weights={})  # the engine says "weights … or entropy weights"
    name = str(st.get("name") or "").strip() or "A"
    target = Target(pollutant=shared.get("p") or "cod", kind=st.get("kind") or "total_cut_pct", value=value)
    if base_scenario is not None:
        return replace(base_scenario, name=name, target=target, rule=st.get("rule") or base_scenario.rule,
                       inputs=replace(inputs, convergence_year=base_scenario.inputs.convergence_year),
                       target_year=max(base_scenario.target_year, base_year + 1) if isinstance(base_year, int)
                       else base_scenario.target_year)
    target_year = base_year + 5 if isinstance(base_year, int) and base_year != DEFAULT_BASE_YEAR else 2020
    plan = "十三五" if (base_year, target_year) == (2015, 2020) else f"{base_year}–{target_year}"
    return Scenario(name=name, target=target, rule=st.get("rule") or "uniform", plan=plan, target_year=target_year,
                    inputs=inputs)


def scenario_to_state(s) -> tuple[dict[str, Any], dict[str, str]]:
    """A stored scenario as the page's state (and the shared parameters it sets)."""
    i = s.inputs

    def num(v: Any) -> str:
        return f"{float(v):g}" if isinstance(v, int | float) else str(v)

    st: dict[str, Any] = {
        "rule": s.rule, "kind": s.target.kind, "target": "" if s.target.value is None else num(s.target.value),
        "rates": {k: num(v) for k, v in i.rates.items()}, "m": i.membership or "",
        "choices": dict(i.choices), "w": {"entropy": "1"} if i.entropy and i.weights is None else
        {k: num(v) for k, v in (i.weights or {}).items()}, "basis": i.basis or "",
        "floors": {k: num(v) for k, v in i.floors.items()}, "ceils": {k: num(v) for k, v in i.ceilings.items()},
        "stored": "", "name": s.name,
    }
    return st, {"p": s.target.pollutant, "base": str(i.base_year)}


def _stored(ref_text: str, settings: Settings | None):
    from geo.allocation.store import load_scenario

    name, _, version = ref_text.partition("@")
    try:
        return load_scenario(name, int(version) if version.isdigit() else None, settings)
    except KeyError as e:
        raise DataValidationError(Problem(f"no stored scenario {name!r}" + (f" version {version}" if version else ""),
                                          field="stored")) from e


# --------------------------------------------------------------------------- words for results


def _names_to(text: str, lang: str, ref: Reference) -> str:
    """Chinese city and region names in ``text`` in ``lang`` (ids in parentheses dropped)."""
    text = re.sub(r" \((?:\d{6}|[a-z_]+)\)", "", text)
    if lang == "zh":
        text = re.sub(r"cut ([≥≤]) (\S+) % in every city", r"各市削减比例 \1 \2 %", text)
        return text.replace("（部分 partial）", "（部分成员）").replace(" (no rate)", "（无削减率）")
    for r in sorted(ref.regions, key=lambda r: -len(r["name_zh"])):
        text = text.replace(r["name_zh"], r["short_en"])
    for c in ref.cities:
        text = text.replace(c["name_zh"], c["name_en"])
    return text.replace("、", ", ").replace("（部分 partial）", " (partial)")


def field_text(fieldname: str | None, lang: str, ref: Reference) -> str:
    """A problem's field in words: ``区域削减率 · 辽西先导区``, ``floor · Dalian``."""
    if not fieldname:
        return ""
    f = re.sub(r"^[ab]_", "", fieldname)
    parts = f.split(".")
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        if head in FIELD_WORDS:
            rest = parts[n:]
            out = FIELD_WORDS[head][lang]
            if rest:
                k = rest[0]
                what = ref.region_name(k, lang) if any(r["id"] == k for r in ref.regions) else \
                    ref.city_name(k, lang) if ref.city(k) or k == "*" else \
                    w(f"w_{k}", lang) if f"w_{k}" in WORDS else k
                out += " · " + what
            return out
    return f


def problem_json(p: Problem, ref: Reference) -> dict:
    msg = re.sub(r" \((?:\d{6}|[a-z_]+)\)", "", str(p.message))  # ids in parentheses: the names stay
    zh = rewrite(msg, PROBLEMS_ZH) or msg
    en = rewrite(msg, PROBLEMS_EN) or msg
    return {"field": p.field, "row": p.row, "field_text": {lang: field_text(p.field, lang, ref) for lang in LANGS},
            "message": {"zh": _names_to(zh, "zh", ref), "en": _names_to(en, "en", ref)}}


def problems_json(problems: list[Problem], ref: Reference) -> list[dict]:
    return [problem_json(p, ref) for p in problems]


def note_text(note: str, lang: str, ref: Reference) -> str:
    said = rewrite(note, NOTES_ZH if lang == "zh" else NOTES_EN)
    if said is not None:
        return _names_to(said, lang, ref)
    return _names_to(re.sub(r";?\s*\S+\.(csv|json)\b", "", note), lang, ref)


def source_text(source: str, lang: str) -> str:
    if source.startswith("辽环发〔2023〕39号 十七"):
        return w("source_regions", lang)
    m = re.match(r"^(.+?) \((\d{4}) 年(排放量|下降比例)\)$", source)
    if m:
        key = "source_base" if m[3] == "排放量" else "source_cut"
        return citation_text(m[1], lang) + w(key, lang, year=m[2])
    return citation_text(source, lang)


def inputs_text(alloc, st: Mapping[str, Any], lang: str, ref: Reference) -> list[str]:
    """The scenario's target and inputs in words (no identifiers)."""
    s = alloc.scenario
    i = s.inputs
    unit = "%" if s.target.kind.endswith("_pct") else (" 吨" if lang == "zh" else " t")
    value = w("target_sum", lang).split("=")[-1].strip() if s.target.value is None else \
        f"{s.target.value:,.2f}".rstrip("0").rstrip(".") + unit
    kind = re.sub(r"[（(].*[)）]", "", w(f"kind_{s.target.kind}", lang)).strip()
    lines = [w("in_target", lang, plan=s.plan if lang == "zh" or s.plan != "十三五" else "13th five-year plan",
               b=i.base_year, t=s.target_year, p=POLLUTANT_WORDS[s.target.pollutant][lang], kind=kind, value=value)]
    rule = alloc.rule[f"name_{lang}"]
    lines.append(w("in_rule", lang, rule=rule))
    sep = "、" if lang == "zh" else ", "
    if i.rates:
        lines.append(w("in_rates", lang, list=sep.join(f"{ref.region_name(k, lang)} {v:g} %" for k, v in i.rates.items())))
    if i.membership:
        lines.append(w("in_membership", lang, m=w(f"m_{i.membership}", lang)))
    if i.choices:
        lines.append(w("in_choices", lang, list=sep.join(f"{ref.city_name(k, lang)} → {ref.region_name(v, lang)}"
                                                          for k, v in i.choices.items())))
    if i.basis and s.rule == "proportional":
        lines.append(w("in_basis", lang, b=w(f"basis_{i.basis}", lang)))
    shown = alloc.shown
    if "weights" in shown:
        key = "in_entropy" if shown.get("entropy") else "in_weights"
        lines.append(w(key, lang, list=sep.join(f"{w('w_' + k, lang) if 'w_' + k in WORDS else k} {v:.4f}"
                                                 for k, v in shown["weights"].items())))
    if i.floors:
        lines.append(w("in_floors", lang, list=sep.join(f"{ref.city_name(k, lang)} ≥ {v:g} %" for k, v in i.floors.items())))
    if i.ceilings:
        lines.append(w("in_ceils", lang, list=sep.join(f"{ref.city_name(k, lang)} ≤ {v:g} %" for k, v in i.ceilings.items())))
    if st.get("stored"):
        name, _, v = str(st["stored"]).partition("@")
        lines.append(w("in_stored", lang, name=name, v=v or "—"))
    return lines


def _rate_why(rate_from: str) -> str:
    for key in ("strictest", "laxest", "mean", "choice"):
        if str(rate_from).startswith(key):
            return key
    return "only"


def result_json(alloc, st: Mapping[str, Any], ref: Reference) -> dict:
    """What the page draws of an allocation (see the module's docstring)."""
    t = alloc.table
    cities = []
    for r in t.to_dict("records"):
        c = ref.city(r["adcode"]) or {"name_en": r["adcode"]}
        row = {"adcode": r["adcode"], "name_zh": r["name_zh"], "name_en": c["name_en"], "base_t": r["base_t"],
               "cut_pct": r["cut_pct"], "cut_t": r["cut_t"], "cap_t": r["cap_t"],
               "share": None if r["share_pct"] != r["share_pct"] else r["share_pct"], "bound": r["bound"] or ""}
        if "key_project_t" in r:
            row["key_project_t"] = r["key_project_t"]
        if "rate_pct" in r:
            row["rate_pct"] = r["rate_pct"]
            row["rate_why"] = _rate_why(r.get("rate_from", ""))
        cities.append(row)
    province = {**alloc.province, "name_en": w("province", "en")}
    held = [c for c in cities if c["bound"]]
    notes = {lang: [note_text(n, lang, ref) for n in alloc.notes if not n.startswith("held at a bound")]
             for lang in LANGS}
    for lang in LANGS:
        if held:
            sep = "、" if lang == "zh" else ", "
            notes[lang].append(w("held", lang, list=sep.join(
                f"{ref.city_name(c['adcode'], lang)}（{w('held_' + c['bound'], lang)}）" if lang == "zh" else
                f"{ref.city_name(c['adcode'], lang)} ({w('held_' + c['bound'], lang)})" for c in held)))
    ext = alloc.stats.get("extremes") if alloc.stats else None
    stats: dict[str, Any] = {}
    if ext:
        stats["extremes"] = {k: {**v, "name_en": ref.city_name(v["adcode"], "en")} for k, v in ext.items()}
    ineq = (alloc.stats or {}).get("inequality", {})
    stats["inequality"] = {k: v for k, v in ineq.items()}
    return {
        "ok": True, "cities": cities, "province": province,
        "check": {"ok": alloc.check["ok"], "cities_t": alloc.check["cities_t"], "target_t": alloc.check["target_t"],
                  "zh": alloc.check["zh"], "en": alloc.check["en"]},
        "rule": {"id": alloc.rule["id"], "name_zh": alloc.rule["name_zh"], "name_en": alloc.rule["name_en"]},
        "formula": {"zh": alloc.rule["formula_zh"], "en": alloc.rule["formula_en"]},
        "inputs": {lang: inputs_text(alloc, st, lang, ref) for lang in LANGS},
        "sources": {lang: [source_text(s, lang) for s in alloc.sources] for lang in LANGS},
        "notes": notes, "stats": stats, "scenario": alloc.scenario.as_dict(),
    }


# --------------------------------------------------------------------------- the font


_FONT_LOCK = threading.Lock()
_FONT: dict[str, bytes] = {}


def page_text(ref: Reference) -> str:
    """Every character the page may draw in Chinese (for the font subset)."""
    from geo.allocation.rules import rules_catalogue

    parts: list[str] = []
    for table in (WORDS, POLLUTANT_WORDS, FIELD_WORDS):
        parts += [v for entry in table.values() for v in entry.values()]
    parts += [rep for _, rep in (*PROBLEMS_ZH, *NOTES_ZH)]
    for r in rules_catalogue():
        parts += [r["name_zh"], r["formula_zh"]]
    parts += [c["name_zh"] for c in ref.cities] + [r[k] for r in ref.regions for k in ("name_zh", "short_zh")]
    parts += ["辽政发〔2017〕21号 附件 第列 辽环发〔2023〕39号 十三五 十四五 十五五",
              "一二三四五六七八九十 ✓✗Σ∝≥≤→−·…“”（）：；、，。"]
    parts.append("".join(chr(c) for c in range(0x20, 0x7F)))
    return "".join(parts)


def font_bytes(ref: Reference) -> bytes:
    """A WOFF subset of the export font (:mod:`geo.core.fonts`) with the page's characters, made once."""
    with _FONT_LOCK:
        if "woff" not in _FONT:
            from geo.core.fonts import export_font, woff_subset

            _FONT["woff"] = woff_subset(export_font(), page_text(ref))
        return _FONT["woff"]


# --------------------------------------------------------------------------- the blueprint


@dataclass
class Workbench:
    settings: Settings
    ref: Reference
    version: str = ""
    timings: list[float] = field(default_factory=list)


def _args() -> dict[str, str]:
    return {k: v for k, v in flask.request.args.items()}


def _json_error(problems: list[Problem], ref: Reference, status: int = 400) -> flask.Response:
    body = {"ok": False, "problems": problems_json(problems, ref)}
    return flask.Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


def _editor() -> str | None:
    try:
        from dashboard.auth import actor

        return actor()
    except Exception:  # no login manager on this app
        return None


def _files_version() -> str:
    h = hashlib.sha256()
    for p in sorted(STATIC_DIR.glob("*")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def create_blueprint(settings: Settings | None = None) -> flask.Blueprint:
    """The workbench's page, API and files (register it on the dashboard's Flask server)."""
    settings = settings or get_settings()
    data_dir = str(settings.indicators_dir)
    _SETTINGS[data_dir] = settings
    wb = Workbench(settings, reference(data_dir), _files_version())
    bp = flask.Blueprint("workbench", __name__)

    def scenario_from_request() -> tuple[dict[str, Any], dict[str, str], Any]:
        """(state, shared, Scenario) of an API request; raises RequestProblem or DataValidationError."""
        req = flask.request
        if req.method == "POST":
            if (req.content_length or 0) > MAX_BODY_BYTES:
                raise RequestProblem([Problem(f"the request is too large: {req.content_length:,} bytes, at most "
                                              f"{MAX_BODY_BYTES:,}", field="request")])
            raw = req.get_data(cache=False)[:MAX_BODY_BYTES + 1]
            if len(raw) > MAX_BODY_BYTES:
                raise RequestProblem([Problem(f"the request is too large: at most {MAX_BODY_BYTES:,} bytes",
                                              field="request")])
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise RequestProblem([Problem("expected a JSON object", field="request")])
            if isinstance(body.get("scenario"), dict):
                from geo.allocation.scenario import scenario_from_dict

                s = scenario_from_dict(body["scenario"])
                st, shared = scenario_to_state(s)
                return st, {**SHARED_DEFAULTS, **shared}, s
            args = {str(k): str(v) for k, v in body.items()}
            check_request_size(args, raw)
        else:
            args = _args()
            check_request_size(args, req.query_string)
        known = set(SCENARIO_KEYS) | set(SHARED_KEYS) | {"fmt", "note"}
        unknown = [Problem(f"unknown parameter {k!r}", field=k[:40]) for k in args if k not in known]
        st, problems = parse_params(args.get, list(SCENARIO_KEYS), "", wb.ref, defaults=DEFAULTS["a"] | {"name": "A"})
        shared, more = parse_shared(args.get)
        if unknown or problems or more:
            raise RequestProblem(unknown + problems + more)
        return st, shared, state_to_scenario(st, shared, wb.settings)

    def run(s):
        from geo.allocation.engine import allocate

        return allocate(s, wb.settings)

    @bp.route(API, methods=["GET", "POST"])
    def api_allocate():
        started = time.perf_counter()
        try:
            st, _shared, s = scenario_from_request()
            alloc = run(s)
        except RequestProblem as e:
            return _json_error(e.problems, wb.ref)
        except DataValidationError as e:
            return _json_error(e.problems, wb.ref)
        body = result_json(alloc, st, wb.ref)
        body["server_ms"] = round((time.perf_counter() - started) * 1000, 1)
        resp = flask.Response(json.dumps(body, ensure_ascii=False, default=_json_default), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @bp.route(DOWNLOAD)
    def api_download():
        from geo.exports.allocation import RENDERERS

        fmt = flask.request.args.get("fmt", "")
        if fmt not in FORMATS:
            return _json_error([Problem(f"format {fmt!r}: one of {', '.join(FORMATS)}", field="fmt")], wb.ref)
        try:
            _st, shared, s = scenario_from_request()
            alloc = run(s)
            data = RENDERERS[fmt](alloc)
        except RequestProblem as e:
            return _json_error(e.problems, wb.ref)
        except DataValidationError as e:
            return _json_error(e.problems, wb.ref)
        except LnmapError as e:  # a glyph the export font lacks (a stored scenario's name …)
            return _json_error([Problem(str(e), field="scenario")], wb.ref)
        mime = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "pdf": "application/pdf",
                "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}[fmt]
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", s.name).strip("-") or "scenario"
        filename = f"allocation-{safe}-{s.rule}-{s.target.pollutant}.{fmt}"
        resp = flask.Response(data, mimetype=mime)
        resp.headers["Content-Disposition"] = (f"attachment; filename=\"{filename}\"; "
                                               f"filename*=UTF-8''{quote(f'{s.name}-{s.rule}-{s.target.pollutant}.{fmt}')}")
        return resp

    @bp.route(SCENARIOS, methods=["GET"])
    def api_scenarios():
        from geo.allocation.store import list_scenarios

        try:
            rows = list_scenarios(wb.settings)
        except (StoreError, Exception) as e:  # an unreadable store: say so, the page still works
            log.warning("listing the scenarios failed: %s", e)
            rows = []
        return flask.jsonify({"scenarios": rows, "editor": _editor()})

    @bp.route(SCENARIOS + "/<path:name>", methods=["GET"])
    def api_scenario(name: str):
        v = flask.request.args.get("version", "")
        try:
            s = _stored(f"{name}@{v}" if v else name, wb.settings)
        except DataValidationError as e:
            return _json_error(e.problems, wb.ref, 404)
        from geo.allocation.store import scenario_versions

        versions = scenario_versions(s.name, wb.settings)
        version = int(v) if v.isdigit() else (versions[-1]["version"] if versions else 1)
        st, shared = scenario_to_state(s)
        if s.table or s.projects:
            st["stored"] = f"{s.name}@{version}"
        return flask.Response(json.dumps({"state": st, "shared": shared, "name": s.name, "version": version},
                                         ensure_ascii=False), mimetype="application/json")

    @bp.route(SCENARIOS, methods=["POST"])
    def api_save():
        from geo.allocation.store import NotAnEditor, save_scenario

        who = _editor()
        if who is None:
            return _json_error([Problem("only a signed-in editor may store a scenario", field="scenario")], wb.ref, 401)
        try:
            st, _shared, s = scenario_from_request()
            from dataclasses import replace

            body = flask.request.get_json(silent=True) or {}
            s = replace(s, author=who.removeprefix("web:"), note=str(body.get("note", ""))[:500],
                        date=time.strftime("%Y-%m-%d"))
            # the store checks the editor by name (geo.allocation.store.require_editor), as editors are kept
            stored = save_scenario(s, actor=who.removeprefix("web:"), settings=wb.settings)
        except RequestProblem as e:
            return _json_error(e.problems, wb.ref)
        except DataValidationError as e:
            return _json_error(e.problems, wb.ref)
        except NotAnEditor:
            return _json_error([Problem("only a signed-in editor may store a scenario", field="scenario")], wb.ref, 403)
        return flask.jsonify({"ok": True, **stored})

    @bp.route(PAGE)
    def page():
        args = _args()
        notices: list[Problem] = []
        try:
            check_request_size(args, flask.request.query_string)
        except RequestProblem:
            notices.append(Problem("too many", field="request"))
            args = dict(list(args.items())[:MAX_PARAMS])
            args = {k: v[:MAX_VALUE_CHARS] for k, v in args.items()}
        known = {f"{x}_{k}" for x in ("a", "b") for k in SCENARIO_KEYS} | set(SHARED_KEYS)
        notices += [Problem("unknown", field=k[:40]) for k in args if k not in known]
        state: dict[str, Any] = {}
        for x in ("a", "b"):
            state[x], problems = parse_params(args.get, list(SCENARIO_KEYS), f"{x}_", wb.ref, defaults=DEFAULTS[x])
            notices += problems
        shared, more = parse_shared(args.get)
        notices += more
        state.update(shared)
        lang = shared["lang"]
        config = page_config(wb, state, notices, lang)
        return flask.Response(page_html(config, wb.version, lang), mimetype="text/html")

    @bp.route(FONT_URL)
    def font():
        resp = flask.Response(font_bytes(wb.ref), mimetype="font/woff")
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp

    @bp.route(STATIC_URL + "/<path:name>")
    def static_file(name: str):
        resp = flask.send_from_directory(STATIC_DIR, name, max_age=31536000 if flask.request.args.get("v") else 0)
        return resp

    @bp.route(LEAFLET_URL + "/<path:name>")
    def leaflet_file(name: str):
        return flask.send_from_directory(LEAFLET_DIR, name, max_age=86400)

    return bp


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return str(o)


def notice_text(p: Problem, lang: str, ref: Reference) -> str:
    """A link's problem in words: the parameter it is about (the scenario and the field) and the value."""
    key = (p.field or "")[:40]
    if key == "request":
        return w("notice_too_many", lang)
    if p.message == "unknown":
        return w("notice_key", lang, key=key)
    where = field_text(key, lang, ref)
    if re.match(r"^[ab]_", key):
        where = f"{w('view_' + key[0], lang)} · {where}"
    m = re.match(r"^'(.*)' is not a known value$", p.message)
    return w("notice_item", lang, key=where, value=(m[1] if m else p.message)[:60])


def page_config(wb: Workbench, state: dict, notices: list[Problem], lang: str) -> dict:
    from geo.allocation.rules import rules_catalogue

    rules = [{"id": r["id"], "name_zh": r["name_zh"], "name_en": r["name_en"],
              "offered": r["id"] in RULES_OFFERED} for r in rules_catalogue()]
    return {
        "words": WORDS, "pollutants": {p: POLLUTANT_WORDS[p] for p in POLLUTANTS}, "rules": rules,
        "kinds": list(KINDS), "memberships": list(MEMBERSHIPS), "bases": list(BASES), "weights": list(WEIGHT_INPUTS),
        "cities": wb.ref.cities, "regions": wb.ref.regions, "members": wb.ref.members,
        "defaults": DEFAULTS, "shared_defaults": SHARED_DEFAULTS, "state": state,
        "notices": {lg: [notice_text(p, lg, wb.ref) for p in notices] for lg in LANGS},
        "urls": {"api": API, "download": DOWNLOAD, "scenarios": SCENARIOS, "cities": CITIES_URL, "labels": LABELS_URL,
                 "login": "/login", "map": "/"},
        "editor": (_editor() or "").removeprefix("web:") or None,
    }


def page_html(config: dict, version: str, lang: str) -> str:
    data = json.dumps(config, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    title = w("title", lang)
    return f"""<!DOCTYPE html>
<html lang="{'en' if lang == 'en' else 'zh-CN'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="preload" href="{FONT_URL}" as="font" type="font/woff" crossorigin>
<link rel="stylesheet" href="{LEAFLET_URL}/leaflet.css">
<link rel="stylesheet" href="{STATIC_URL}/workbench.css?v={version}">
<style>@font-face{{font-family:"LnmapWorkbenchCJK";src:url("{FONT_URL}") format("woff");font-display:swap}}</style>
</head><body>
<div id="wb" class="wb" data-lang="{lang}"><noscript>{title}</noscript></div>
<script id="wb-config" type="application/json">{data}</script>
<script src="{LEAFLET_URL}/leaflet.js"></script>
<script src="{STATIC_URL}/workbench.js?v={version}"></script>
</body></html>"""
