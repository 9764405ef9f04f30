"""Citations: the five source documents and how to cite a figure from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    number: str  # 文号, or title + date where the text carries none
    title: str
    issuer: str
    date: str
    seed_prefix: str  # file-name prefix under shared/seeds (the seeds are never cited by file name)
    scope_adcode: str
    url: str = ""


DOCUMENTS: tuple[Document, ...] = (
    Document(
        "辽政发〔2017〕21号",
        "辽宁省“十三五”节能减排综合工作实施方案",
        "辽宁省人民政府",
        "2017-04-21",
        "003_",
        "210000",
        "http://www.china-nengyuan.com/news/107798.html (reposted text, as given in the document copy)",
    ),
    Document(
        "辽环发〔2023〕39号",
        "辽宁省减污降碳协同增效实施方案",
        "辽宁省生态环境厅等六部门",
        "2023-10-20",
        "001_",
        "210000",
    ),
    Document(
        "辽宁省绿色低碳循环发展经济体系任务措施(2021-11-16)",
        "辽宁省加快建立健全绿色低碳循环发展经济体系任务措施",
        "辽宁省人民政府办公厅",
        "2021-11-16",
        "000_",
        "210000",
    ),
    Document(
        "大发改资源字〔2021〕283号",
        "大连市贯彻落实《国务院关于加快建立健全绿色低碳循环发展经济体系的指导意见》实施方案",
        "大连市发展和改革委员会",
        "2021-05-10",
        "004_",
        "210200",
    ),
    Document(
        "辽府发〔2022〕4号",
        "辽源市加快建立健全绿色低碳循环发展经济体系实施方案",
        "辽源市人民政府 (吉林省)",
        "2022-01-18",
        "002_",
        "220400",
    ),
)

QUOTA_DOC = DOCUMENTS[0]


def document(number: str) -> Document:
    for doc in DOCUMENTS:
        if doc.number == number:
            return doc
    raise KeyError(f"unknown document number {number!r}")


def cite(number: str, part: str) -> str:
    """A citation string: document number and annex or clause, e.g. ``辽政发〔2017〕21号 附件2``."""
    document(number)  # raise on a number we do not know
    return f"{number} {part}".strip()
