"""Every problem the plan import (geo.measures.plans) and the energy rows of the observed import can report
reads in Chinese on a Chinese screen (geo.core.vocabulary.problem_text): no English sentence left."""

from __future__ import annotations

import re

import pytest

from geo.core.errors import DataValidationError
from geo.core.vocabulary import problem_text
from geo.measures.observed import read_observed
from geo.measures.plans import check_plan_name, import_plan, read_plan

PLAN_HEADER = "城市,指标,基准年,目标年,数值,单位,出处"
PLAN_ROWS = [
    "沈阳,SO2,2020,2020,60000,吨,",                         # 出处 empty
    "某地,SO2,2020,2020,60000,吨,文件 表1",                  # unknown place
    "沈阳,SO2,2020,2020,六万,吨,文件 表1",                    # not a number
    "沈阳,SO2,2020,2020,6。5,万吨,文件 表1",                  # 。 as a decimal point
    "沈阳,SO2,2020,2020,60000,千克,文件 表1",                 # unknown unit
    "沈阳,SO2,2025,2020,10,%,文件 表1",                       # 基准年 after 目标年
    "沈阳,SO2排放量,2020,2025,60000,吨,文件 表1",             # an emission over years
    "沈阳,SO2,2020,2025,60000,吨,文件 表1",                   # tonnes over years, no kind
    "沈阳,SO2,2020,2020,10,%,文件 表1",                       # a cut in one year
    "沈阳,重点工程减排量,2020,2020,10,吨,文件 表1",            # unknown indicator
    "沈阳,SO2重点工程减排量,2020,2020,10,吨,文件 表1",         # key-project tonnes in one year
    "沈阳,能耗强度降低,2020,2020,10,%,文件 表1",               # an intensity cut in one year
    "沈阳,能源消费增量,2020,2020,10,万吨标准煤,文件 表1",       # an increment cap in one year
    "沈阳,SO2,2020,2025,120,%,文件 表1",                      # a cut over 100 %
    "沈阳,COD,2020,2020,9,吨,文件 表1",                       # implausible tonnes
    "沈阳,能源消费增量,2020,2025,200000,万吨标准煤,文件 表1",   # implausible increment
    "沈阳,SO2,20x0,2025,10,%,文件 表1",                       # not a year
    "沈阳,SO2,1990,2025,10,%,文件 表1",                       # a year out of range
    "沈阳,SO2,2020,2025,10,%,文件 表1 ☺",                     # unprintable 出处
    "大连,SO2,2020,2020,55000,吨,文件 表1",                   # duplicate of row 2
]
ENERGY_ROWS = [
    "沈阳,能耗强度降低率,2016,120,%", "沈阳,能耗强度降低率,2017,4,吨", "沈阳,能源消费增量,2016,120,万吨",
    "沈阳,能源消费增量,2017,9000,万吨标准煤", "沈阳,SO2,2018,5,吨", "沈阳,SO2,2019,\"1,5\",吨",
]
LEFT_IN_ENGLISH = re.compile(r"[A-Za-z]{4,}")


def _problems(call) -> list[str]:
    with pytest.raises(DataValidationError) as exc:
        call()
    return [p.message for p in exc.value.problems]


def _english_left(message: str) -> str:
    """The Chinese text if English is left in it (the accepted headers, English ones among them, aside)."""
    zh = problem_text(message, None, None, "zh")
    return "" if zh != message and not LEFT_IN_ENGLISH.search(re.sub(r"（可用的表头：.*）", "", zh)) else zh


def test_every_plan_problem_reads_in_chinese():
    data = "\n".join([PLAN_HEADER, "大连,SO2,2020,2020,55000,吨,文件 表1", *PLAN_ROWS]).encode()
    messages = _problems(lambda: read_plan(data, name="bad.csv"))
    assert len(messages) == len(PLAN_ROWS), messages  # one problem per bad row, all found
    messages += _problems(lambda: read_plan("城市,指标,数值\n沈阳,SO2,1\n".encode()))  # missing columns
    messages += _problems(lambda: check_plan_name(""))
    messages += _problems(lambda: check_plan_name("计" * 65))
    messages += _problems(lambda: import_plan(b"", plan="十三五", name="x.csv"))
    assert {m: _english_left(m) for m in messages if _english_left(m)} == {}


def test_a_second_plan_of_the_same_name_reads_in_chinese():
    good = f"{PLAN_HEADER}\n沈阳,SO2,2020,2020,60000,吨,文件 表1\n".encode()
    import_plan(good, plan="十四五", name="p.csv")
    [message] = _problems(lambda: import_plan(good, plan="十四五", name="p.csv"))
    assert problem_text(message, None, "plan", "zh") == "字段“plan”：名为“十四五”的计划已存在：请先删除它"


def test_every_energy_and_number_problem_reads_in_chinese():
    data = ("城市,指标,年份,数值,单位\n" + "\n".join(ENERGY_ROWS) + "\n").encode()
    messages = _problems(lambda: read_observed(data, name="bad.csv"))
    assert len(messages) == len(ENERGY_ROWS), messages
    messages += _problems(lambda: read_observed("城市,指标,年份,数值（千克）\n沈阳,SO2,2020,1\n".encode()))
    assert {m: _english_left(m) for m in messages if _english_left(m)} == {}


@pytest.mark.parametrize("message,zh", [
    ("基准年 2025 is after 目标年 2020", "基准年 2025 晚于目标年 2020"),
    ("'120' % is not a cut between −100 and 100 %", "“120”% 不是 −100 % 到 100 % 之间的下降比例"),
    ("出处 is empty: every row needs its document number and annex/table/column", "出处为空：每一行都要写明文号及附件、表或列"),
    ("decline '120' % is not between -100 and 100 %", "降低率“120”% 不在 -100 % 到 100 % 之间"),
    ("unknown unit '吨' for 能耗强度降低率; expected %", "“能耗强度降低率”的单位“吨”无法识别；应为 %"),
    ("unknown unit '万吨' for 能源消费增量; expected 万吨标准煤/10kt ce or 吨标准煤/tce",
     "“能源消费增量”的单位“万吨”无法识别；应为 万吨标准煤/10kt ce 或 吨标准煤/tce"),
    ("missing column 'base_year' (accepted headers: 基准年, 基年, baseyear, base …)",
     "缺少“基准年”列（可用的表头：基准年, 基年, baseyear, base …）"),
])
def test_translations_read_as_written(message, zh):
    assert problem_text(message, None, None, "zh") == zh
