"""Class breaks, class of each city and legend labels as literals, worked out by hand.

The 14 values are 附件2 column 1 of 辽政发〔2017〕21号 (2015 COD, t), sorted:
26274.30 辽阳, 28637.52 盘锦, 29902.51 抚顺, 32375.49 本溪, 39728.10 营口, 56211.55 阜新,
57368.97 丹东, 59627.88 葫芦岛, 75634.24 朝阳, 99223.61 鞍山, 104373.14 锦州, 142602.10 铁岭,
173983.97 大连, 241522.89 沈阳.

- Quantiles (k = 5, linear interpolation between ranks): the p-th break sits at rank
  p/100 × 13; 20 % → rank 2.6 → 29902.51 + 0.6 × (32375.49 − 29902.51) = 31386.298;
  40 % → 5.2 → 56211.55 + 0.2 × 1157.42 = 56443.034; 60 % → 7.8 → 59627.88 + 0.8 × 16006.36
  = 72432.968; 80 % → 10.4 → 104373.14 + 0.4 × 38228.96 = 119664.724; max 241522.89.
- Equal interval: 26274.30 + i × (241522.89 − 26274.30) / 5 = 26274.30 + i × 43049.718.
- Natural breaks (Fisher-Jenks, k = 5): the partition of the sorted values into 5 runs with
  the least within-class sum of squares, found here by trying all C(13, 4) = 715 cuts; its
  upper bounds are data values, so 营口, 朝阳, 锦州 and 大连 sit exactly on a break and belong
  to the class below it (a class is (lower, upper]).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.core.classify import classify
from geo.exports import maps as export
from geo.exports import spec as spec_module

COD_2015 = {
    "沈阳": 241522.89, "大连": 173983.97, "鞍山": 99223.61, "抚顺": 29902.51, "本溪": 32375.49, "丹东": 57368.97,
    "锦州": 104373.14, "营口": 39728.10, "阜新": 56211.55, "辽阳": 26274.30, "铁岭": 142602.10, "朝阳": 75634.24,
    "盘锦": 28637.52, "葫芦岛": 59627.88,
}
BOUNDS = {
    "quantiles": [31386.298, 56443.034, 72432.968, 119664.724, 241522.89],
    "equal_interval": [69324.018, 112373.736, 155423.454, 198473.172, 241522.89],
    "natural_breaks": [39728.10, 75634.24, 104373.14, 173983.97, 241522.89],
}
# Class (0 = lowest) of each city, by hand from the bounds above.
CLASS = {
    "quantiles": {"辽阳": 0, "盘锦": 0, "抚顺": 0, "本溪": 1, "营口": 1, "阜新": 1, "丹东": 2, "葫芦岛": 2,
                  "朝阳": 3, "鞍山": 3, "锦州": 3, "铁岭": 4, "大连": 4, "沈阳": 4},
    "equal_interval": {"辽阳": 0, "盘锦": 0, "抚顺": 0, "本溪": 0, "营口": 0, "阜新": 0, "丹东": 0, "葫芦岛": 0,
                       "朝阳": 1, "鞍山": 1, "锦州": 1, "铁岭": 2, "大连": 3, "沈阳": 4},
    "natural_breaks": {"辽阳": 0, "盘锦": 0, "抚顺": 0, "本溪": 0, "营口": 0, "阜新": 1, "丹东": 1, "葫芦岛": 1,
                       "朝阳": 1, "鞍山": 2, "锦州": 2, "铁岭": 3, "大连": 3, "沈阳": 4},
}
# What the exports' legend prints (whole tonnes, thousands separators): the bounds above, rounded;
# every class after the first starts above its lower edge (a value on a break is in the class below).
LABELS = {
    "quantiles": ["26,274 – 31,386", "> 31,386 – 56,443", "> 56,443 – 72,433", "> 72,433 – 119,665",
                  "> 119,665 – 241,523"],
}


def test_the_hand_worked_natural_breaks_are_the_least_squares_partition():
    """Checks the literal above with an exhaustive search (independent of mapclassify)."""
    v = np.array(sorted(COD_2015.values()))
    best = min(itertools.combinations(range(1, len(v)), 4),
               key=lambda cuts: sum(((p - p.mean()) ** 2).sum() for p in np.split(v, cuts)))
    assert [float(p.max()) for p in np.split(v, best)] == BOUNDS["natural_breaks"]


@pytest.mark.parametrize("scheme", list(BOUNDS))
def test_breaks_and_classes(scheme):
    classes = classify(list(COD_2015.values()), scheme=scheme)
    assert classes.lower == 26274.30
    assert classes.bounds == pytest.approx(BOUNDS[scheme], abs=1e-6)
    assert {name: classes.index(v) for name, v in COD_2015.items()} == CLASS[scheme]


def test_a_value_on_a_break_belongs_to_the_class_below():
    classes = classify(list(COD_2015.values()), scheme="natural_breaks")
    assert classes.index(39728.10) == 0 and classes.index(39728.11) == 1
    assert classes.index(None) == -1 and classes.index(float("nan")) == -1


@pytest.fixture(scope="module")
def layers():
    return export.load_layers()


@pytest.mark.parametrize("scheme", list(BOUNDS))
def test_export_table_classes_and_bounds(layers, scheme):
    """The CSV/XLSX behind a map: each city's class (1-based there) and that class's bounds."""
    frame = spec_module.data_frame(export.map_spec("cod_emission_2015_t", layers, scheme=scheme)).set_index("name_zh")
    lowers = [26274.30, *BOUNDS[scheme][:-1]]
    for name, cls in CLASS[scheme].items():
        row = frame.loc[name + "市"]
        assert row["class"] == cls + 1, name
        assert row["class_lower"] == pytest.approx(lowers[cls], abs=1e-6), name
        assert row["class_upper"] == pytest.approx(BOUNDS[scheme][cls], abs=1e-6), name


def test_export_legend_labels(layers):
    spec = export.map_spec("cod_emission_2015_t", layers, scheme="quantiles")
    assert [label for _, label in spec.legend] == LABELS["quantiles"]


# --------------------------------------------------------------------------- colours, diverging, edge cases


def _cmap_hex(name: str, x: float) -> str:
    """A colour of a ColorBrewer scheme as matplotlib carries it (the oracle for the palettes)."""
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    return to_hex(mpl.colormaps[name](x))


def test_sequential_colours_run_light_to_dark_through_the_scheme():
    classes = classify(list(COD_2015.values()), scheme="quantiles", palette="YlOrBr")
    # Five samples from 0.15 to 0.9 in equal steps of 0.1875 (by hand).
    assert classes.colours == [_cmap_hex("YlOrBr", x) for x in (0.15, 0.3375, 0.525, 0.7125, 0.9)]
    assert classes.colour(26274.30) == classes.colours[0] and classes.colour(241522.89) == classes.colours[4]
    assert classes.colour(59627.88) == classes.colours[2]
    assert classes.colour(None) == "#d9d9d9" and classes.colour(float("nan")) == "#d9d9d9"


def test_a_value_above_the_last_bound_stays_in_the_last_class():
    classes = classify([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], scheme="equal_interval")
    assert classes.index(1e9) == len(classes.bounds) - 1


def test_fewer_distinct_values_than_classes_give_one_class_each():
    classes = classify([16.5] * 14, scheme="quantiles", palette="YlGnBu")
    assert classes.bounds == [16.5] and classes.lower == 16.5
    assert classes.colours == [_cmap_hex("YlGnBu", 0.6)]  # one colour from the middle of the scheme
    two = classify([3.0, 7.0, 3.0, 7.0], scheme="natural_breaks")
    assert two.bounds == [3.0, 7.0] and two.index(3.0) == 0 and two.index(7.0) == 1


def test_no_values_no_classes():
    classes = classify([float("nan"), None], scheme="quantiles")
    assert classes.bounds == [] and classes.colours == [] and classes.lower == 0.0
    assert classes.index(5.0) == -1  # nothing to place it in


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'jenks'"):
        classify([1.0, 2.0], scheme="jenks")


def test_diverging_classes_split_at_the_centre_by_hand():
    """Values −30, −10, 0, 5, 20, 40 around 0 with k = 5: 2 of 6 values lie below, so the
    lower side gets round(5 × 2 / 6) = 2 classes and the upper side 3; each side has no more
    distinct values than classes, so each value is a bound; the centre closes the lower side."""
    classes = classify([-30, -10, 0, 5, 20, 40], scheme="quantiles", diverging=True, centre=0.0)
    assert classes.diverging and classes.centre == 0.0 and classes.lower == -30.0
    assert classes.bounds == [-30.0, -10.0, 0.0, 5.0, 20.0, 40.0]
    below = [_cmap_hex("PuOr_r", x) for x in (0.05, 0.235, 0.42)]
    above = [_cmap_hex("PuOr_r", x) for x in (0.58, 0.765, 0.95)]
    assert classes.colours == below + above
    assert [classes.index(v) for v in (-30, -10, -0.5, 0, 0.1, 5, 20, 40)] == [0, 1, 2, 2, 3, 3, 4, 5]


def test_diverging_progress_centred_on_100():
    """Progress (%) centred on 100 % (target met): 3 below, 2 above → 3 and 2 classes."""
    classes = classify([40.0, 80.0, 95.0, 110.0, 150.0], scheme="quantiles", diverging=True, centre=100.0)
    assert classes.bounds == [40.0, 80.0, 95.0, 100.0, 110.0, 150.0]
    assert classes.index(100.0) == 3 and classes.index(100.01) == 4
    assert len(classes.colours) == len(classes.bounds)


def test_diverging_with_values_on_one_side_only():
    above = classify([5.0, 20.0, 40.0], diverging=True, centre=0.0)
    assert above.bounds == [5.0, 20.0, 40.0] and above.colours == [_cmap_hex("PuOr_r", x) for x in (0.58, 0.765, 0.95)]
    below = classify([-5.0], diverging=True, centre=0.0)
    assert below.bounds == [-5.0, 0.0] and below.colours == [_cmap_hex("PuOr_r", x) for x in (0.05, 0.42)]


def test_fewer_classes_on_request_by_hand():
    """k = 3. Quantiles: ranks 13/3 = 4.333 and 26/3 = 8.667 of the sorted values;
    equal interval: steps of (241522.89 − 26274.30) / 3 = 71749.53."""
    q = classify(list(COD_2015.values()), scheme="quantiles", k=3)
    assert q.bounds == pytest.approx([39728.10 + (56211.55 - 39728.10) / 3,
                                      75634.24 + 2 * (99223.61 - 75634.24) / 3, 241522.89], abs=1e-6)
    e = classify(list(COD_2015.values()), scheme="equal_interval", k=3)
    assert e.bounds == pytest.approx([98023.83, 169773.36, 241522.89], abs=1e-6)
    v = np.array(sorted(COD_2015.values()))
    best = min(itertools.combinations(range(1, len(v)), 2),
               key=lambda cuts: sum(((p - p.mean()) ** 2).sum() for p in np.split(v, cuts)))
    n = classify(list(COD_2015.values()), scheme="natural_breaks", k=3)
    assert n.bounds == [float(p.max()) for p in np.split(v, best)]
    assert q.scheme == "quantiles" and e.scheme == "equal_interval" and n.scheme == "natural_breaks"


def test_float_noise_on_a_break_stays_in_the_class_below():
    classes = classify(list(COD_2015.values()), scheme="natural_breaks")
    assert classes.index(39728.10 * (1 + 1e-12)) == 0  # a sum or a unit conversion off in the last digits
    small = classify([0.5, 1.0, 1.5])
    assert small.index(0.5 + 5e-10) == 0 and small.index(0.5 + 1.5e-9) == 1  # tolerance 1e-9 below 1


def test_ties_in_quantiles_give_fewer_classes_without_a_warning():
    """Six equal values of eleven: quantile breaks coincide; the duplicates collapse (and pytest
    turns any warning that escapes into an error)."""
    classes = classify([1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6], scheme="quantiles")
    assert classes.bounds[0] == 1.0 and classes.bounds[-1] == 6.0
    assert len(classes.bounds) == len(set(classes.bounds)) < 5


def test_breaks_refuses_an_unknown_scheme():
    from geo.core.classify import _breaks

    with pytest.raises(ValueError, match="unknown scheme 'jenks'"):
        _breaks(np.array([1.0, 2.0, 3.0]), "jenks", 2)


def test_diverging_sides_are_classified_with_the_scheme_asked_for():
    """Equal interval around 0 (by hand). Below: −10, −9, −8, −7, −1; the centre 0 itself;
    above: 1 … 9, 20. Sixteen values, five below: round(5 × 5 / 16) = 2 classes below,
    5 − 2 = 3 above. Below in 2 equal steps from −10 to −1: −5.5, −1; above in 3 steps of
    19 / 3 from 1 to 20: 7.333…, 13.666…, 20. The centre closes the lower side."""
    data = [-10, -9, -8, -7, -1, 0, *range(1, 10), 20]
    classes = classify(data, scheme="equal_interval", diverging=True, centre=0.0)
    assert classes.bounds == pytest.approx([-5.5, -1.0, 0.0, 1 + 19 / 3, 1 + 38 / 3, 20.0])
    assert classes.scheme == "equal_interval" and classes.diverging and classes.centre == 0.0
    assert classify([-1.0, 0.5, 2.0], diverging=True).bounds == [-1.0, 0.0, 0.5, 2.0]  # centre 0 unless told


def test_diverging_one_class_on_a_side_takes_that_sides_middle_colour():
    only_centre_below = classify([0.0, 5.0, 20.0, 40.0], diverging=True, centre=0.0)
    assert only_centre_below.bounds == [0.0, 5.0, 20.0, 40.0]
    assert only_centre_below.colours[0] == _cmap_hex("PuOr_r", 0.3)
    one_above = classify([-30.0, -10.0, 5.0], diverging=True, centre=0.0)
    assert one_above.bounds == [-30.0, -10.0, 0.0, 5.0]
    assert one_above.colours[-1] == _cmap_hex("PuOr_r", 0.7)


def test_empty_classes_keep_what_they_were_asked_for():
    empty = classify([], scheme="natural_breaks", diverging=True, centre=100.0)
    assert (empty.scheme, empty.diverging, empty.centre) == ("natural_breaks", True, 100.0)


def test_classes_for_an_indicator_take_its_palette_and_centre():
    from geo.core.classify import classes_for
    from geo.measures.catalogue import BY_ID

    cod = classes_for(BY_ID["cod_emission_2015_t"], list(COD_2015.values()))
    assert cod.colours[0] == _cmap_hex("YlOrBr", 0.15) and not cod.diverging
    energy = classes_for(BY_ID["energy_intensity_cut_target_pct"], [15.0, 16.0, 17.0])
    assert energy.colours[0] == _cmap_hex("YlGnBu", 0.15)
    progress = classes_for(BY_ID["cod_progress_pct"], [40.0, 80.0, 95.0, 110.0, 150.0])
    assert progress.diverging and progress.centre == 100.0 and 100.0 in progress.bounds


def test_a_side_with_few_values_gets_one_class():
    """Two values of twenty below the centre: round(5 × 2 / 20) = 0, raised to 1 class, whose
    only bound is the side's maximum; eighteen below and two above: 5 − round(4.5) = 1 class above."""
    few_below = classify([-3.0, -1.0, *range(1, 19)], scheme="quantiles", diverging=True, centre=0.0)
    assert few_below.bounds[:2] == [-1.0, 0.0]
    few_above = classify([*range(-18, 0), 1.0, 3.0], scheme="quantiles", diverging=True, centre=0.0)
    assert few_above.bounds[-2:] == [0.0, 3.0]
