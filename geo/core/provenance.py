"""Citations: the five source documents and how to cite a figure from them.

The documents' text is kept in the repository (``data/sources/``, one ``NNN_*.txt`` per
document; official documents are outside copyright under Article 5 of the Copyright Law of
the PRC) with its sha256 in ``data/sources/manifest.json``, so every figure can be checked
against its source in any clone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Document:
    number: str  # 文号, or title + date where the text carries none
    title: str
    issuer: str
    date: str
    seed_prefix: str  # file-name prefix under data/sources (the files are never cited by file name)
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


SOURCES_MANIFEST = "manifest.json"


def source_file(sources_dir: Path, doc: Document) -> Path:
    """The text file of ``doc`` under ``sources_dir``."""
    matches = sorted(Path(sources_dir).glob(doc.seed_prefix + "*.txt"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one {doc.seed_prefix}*.txt for {doc.number} under {sources_dir}, "
                                f"found {len(matches)}")
    return matches[0]


def sources_manifest(sources_dir: Path) -> dict:
    """The manifest of the source texts: for each document its file, size and sha256."""
    docs = []
    for doc in DOCUMENTS:
        path = source_file(sources_dir, doc)
        data = path.read_bytes()
        docs.append({"number": doc.number, "title": doc.title, "issuer": doc.issuer, "date": doc.date,
                     "file": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return {"documents": docs}


def check_sources(sources_dir: Path) -> list[str]:
    """Problems with the source texts: a file missing, or changed since the manifest was written."""
    manifest_path = Path(sources_dir) / SOURCES_MANIFEST
    try:
        recorded = json.loads(manifest_path.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError) as exc:
        return [f"{manifest_path.name}: cannot read the manifest of the source texts ({exc})"]
    problems = []
    for entry in recorded:
        path = Path(sources_dir) / entry["file"]
        if not path.is_file():
            problems.append(f"{entry['file']}: the text of {entry['number']} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{entry['file']}: the text of {entry['number']} differs from the sha256 in "
                            f"{SOURCES_MANIFEST}")
    return problems
