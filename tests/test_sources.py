"""The source documents travel with the repository, unchanged and checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from geo.core.settings import Settings
from geo.package.build import validate_package

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "data" / "sources"
SHARED = REPO.parent / "shared" / "seeds"


def test_the_five_texts_are_committed_with_their_checksums():
    manifest = json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert len(manifest) == 5
    assert sorted(e["file"] for e in manifest) == sorted(p.name for p in SOURCES.glob("*.txt"))
    for entry in manifest:
        data = (SOURCES / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(data) == entry["bytes"]


@pytest.mark.parametrize("number", ["辽政发〔2017〕21号", "辽环发〔2023〕39号", "大发改资源字〔2021〕283号", "辽府发〔2022〕4号"])
def test_each_text_is_the_document_it_is_listed_as(number):
    manifest = json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))["documents"]
    entry = next(e for e in manifest if e["number"] == number)
    text = (SOURCES / entry["file"]).read_text(encoding="utf-8")
    assert number in text.replace(" ", "")


def test_the_readme_states_why_they_may_be_copied_and_where_they_came_from():
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    assert "Article 5" in readme
    assert "国家机关的决议、决定、命令" in "".join(readme.split())
    for entry in json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))["documents"]:
        assert entry["file"] in readme


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/seeds beside the repository to compare with")
def test_the_committed_texts_equal_the_shared_seeds():
    for path in SOURCES.glob("*.txt"):
        assert path.read_bytes() == (SHARED / path.name).read_bytes(), path.name


def test_validate_reports_a_changed_source_text(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    assert validate_package(data, Settings(data_dir=data)) == []
    target = next((data / "sources").glob("003_*.txt"))
    target.write_text(target.read_text(encoding="utf-8").replace("241522.89", "241522.98"), encoding="utf-8")
    problems = [str(p) for p in validate_package(data, Settings(data_dir=data))]
    assert any(target.name in p and "sha256" in p for p in problems), problems
