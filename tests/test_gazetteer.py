import re

import pytest

from geo.core.errors import GazetteerError
from geo.places.gazetteer import get_gazetteer, normalise


@pytest.fixture(scope="module")
def gaz():
    return get_gazetteer()


@pytest.mark.parametrize("name,adcode", [
    ("沈 阳", "210100"), ("沈阳", "210100"), ("沈阳市", "210100"), ("Shenyang", "210100"), ("SHENYANG", "210100"),
    ("210100", "210100"), (210100, "210100"), ("葫 芦 岛", "211400"), ("葫芦岛市", "211400"),
    ("\u3000大\u3000连 ", "210200"), ("辽源", "220400"), ("辽源市", "220400"),
])
def test_city_spellings(gaz, name, adcode):
    assert gaz.resolve(name).adcode == adcode


def test_liaoyuan_is_in_jilin(gaz):
    place = gaz.resolve("辽 源")
    assert place.province_zh == "吉林省" and not place.in_liaoning


@pytest.mark.parametrize("name,adcode", [("本溪县", "210521"), ("桓仁县", "210522"), ("桓仁满族自治县", "210522"),
                                         ("庄河市", "210283")])
def test_county_spellings(gaz, name, adcode):
    assert gaz.resolve(name, level="county").adcode == adcode


def test_unknown_name_is_an_error_naming_the_row(gaz):
    with pytest.raises(GazetteerError) as exc:
        gaz.resolve("长春", row=7, field="城市", source="x.csv")
    assert "row 7" in str(exc.value) and "城市" in str(exc.value) and "长春" in str(exc.value)


def test_ambiguous_name_is_an_error(gaz):
    with pytest.raises(GazetteerError, match="ambiguous.*210106.*210303"):
        gaz.resolve("铁西区", level="county", row=3)


def test_empty_name_is_an_error(gaz):
    with pytest.raises(GazetteerError, match="empty"):
        gaz.resolve("  ", row=2)


def test_every_spelling_in_the_seeds_resolves(gaz, seeds_dir):
    """Every city name in the annex tables of the quota document maps to exactly one city."""
    text = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    names = set()
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) >= 3 and re.fullmatch(r"[\u4e00-\u9fff ]+", cells[0].strip()) and normalise(cells[0]) != "城市":
            names.add(cells[0].strip())
    assert len(names) == 14
    assert {gaz.resolve(n).adcode for n in names} == {p.adcode for p in gaz.cities()}


def test_fourteen_liaoning_cities(gaz):
    assert len(gaz.cities()) == 14
    assert all(p.in_liaoning for p in gaz.cities())
