"""The draw itself (disclosures/draw.py): deterministic, within its share, fair to its exclusions,
and checkable — any change to a published input or the seed is caught."""

import copy
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosures import draw
from disclosures.uscc import check_character

REGIONS = ["临翔区", "凤庆县", "云县", "永德县", "镇康县"]
SEED = "5" * 64


def code(n):
    body = f"52530900{n:09d}"
    return body + check_character(body)


def make_inputs(objects=40, inspectors=10, share="5", per_object=2, weights=None, regions=REGIONS):
    return {
        "format": draw.FORMAT,
        "plan": {"id": 1, "title": "2026年第1批", "year": 2026, "batch": 1},
        "items": [{"code": "YB-001", "name": "医保基金使用情况"}],
        "scope": {"institution_types": [], "regions": [], "levels": [], "credit_ratings": []},
        "share_percent": share,
        "minimum_share_percent": "5",
        "inspectors_per_object": per_object,
        "weights": weights,
        "exclusions": ["same_region", "own_unit"],
        "objects": [
            {
                "code": code(n),
                "name": f"机构{n}",
                "type": "hospital",
                "region": regions[n % len(regions)],
                "level": "primary",
                "credit_rating": "ABCD"[n % 4],
            }
            for n in range(objects)
        ],
        "inspectors": [
            {
                "certificate": f"YB{n:06d}",
                "unit": f"{regions[n % len(regions)]}医保局",
                "region": regions[n % len(regions)],
            }
            for n in range(inspectors)
        ],
    }


def published(inputs, seed=SEED):
    return {
        "inputs": inputs,
        "commitment": draw.commitment(inputs, seed),
        "seed": seed,
        "result": draw.run(inputs, seed),
    }


def selection(result):
    return [row["code"] for row in result["objects"]]


def test_the_same_inputs_always_give_the_same_selection():
    inputs = make_inputs(objects=300, share="10")
    first = draw.run(inputs, SEED)
    assert draw.run(copy.deepcopy(inputs), SEED) == first
    # Through JSON and back, as a reader downloads it: still the same.
    assert draw.run(json.loads(json.dumps(inputs, ensure_ascii=False)), SEED) == first
    assert draw.run(inputs, "6" * 64) != first


@pytest.mark.parametrize(
    ("population", "share", "expected"),
    [(1, "5", 1), (19, "5", 1), (20, "5", 1), (21, "5", 2), (10_000, "5", 500), (10_000, "5.01", 501), (19, "100", 19)],
)
def test_the_share_is_rounded_up_and_at_least_one_is_drawn(population, share, expected):
    result = draw.run(make_inputs(objects=population, share=share), SEED)
    codes = selection(result)
    assert result["size"] == len(codes) == expected
    assert len(set(codes)) == expected, "an institution was drawn twice"
    assert result["population"] == population


def test_a_share_below_the_minimum_is_refused():
    with pytest.raises(draw.DrawError) as refused:
        draw.run(make_inputs(share="4.99"), SEED)
    assert refused.value.code == "below_minimum"


@pytest.mark.parametrize(
    "change",
    [
        lambda i: i["objects"][7].update(name="机构七"),
        lambda i: i["objects"][3].update(credit_rating="A"),
        lambda i: i["objects"].pop(),
        lambda i: i["inspectors"][2].update(unit="市医保局"),
        lambda i: i["inspectors"].pop(),
        lambda i: i.update(share_percent="6"),
        lambda i: i.update(inspectors_per_object=3),
        lambda i: i["items"].append({"code": "YB-002", "name": "收费"}),
        lambda i: i["plan"].update(batch=2),
        lambda i: i.update(weights={"A": 1, "B": 1, "C": 1, "D": 2, "": 1}),
    ],
)
def test_changing_any_input_changes_the_result(change):
    inputs = make_inputs(objects=200, inspectors=12, share="10")
    before = draw.run(inputs, SEED)
    changed = copy.deepcopy(inputs)
    change(changed)
    assert draw.run(changed, SEED) != before


def test_inspectors_never_come_from_the_object_region_when_others_are_free():
    inputs = make_inputs(objects=100, inspectors=10, share="50", per_object=3)
    result = draw.run(inputs, SEED)
    objects = {o["code"]: o for o in inputs["objects"]}
    inspectors = {p["certificate"]: p for p in inputs["inspectors"]}
    for row in result["objects"]:
        chosen = [inspectors[c] for c in row["inspectors"]]
        assert len(set(row["inspectors"])) == 3
        assert row["conflicts_left"] == 0
        assert all(person["region"] != objects[row["code"]]["region"] for person in chosen)


def test_an_inspector_never_inspects_their_own_unit():
    inputs = make_inputs(objects=1, inspectors=3, share="100", per_object=1, regions=["A区"])
    inputs["inspectors"] = [
        {"certificate": "YB000001", "unit": "机构0", "region": "B区"},
        {"certificate": "YB000002", "unit": "市医保局", "region": "A区"},
        {"certificate": "YB000003", "unit": "县医保局", "region": "C区"},
    ]
    for n in range(30):
        result = draw.run(inputs, f"{n:064x}")
        assert result["objects"][0]["inspectors"] == ["YB000003"]


def test_the_draw_says_when_exclusions_cannot_hold():
    # One region only: every inspector shares the institution's region.
    inputs = make_inputs(objects=10, inspectors=4, share="50", per_object=2, regions=["临翔区"])
    result = draw.run(inputs, SEED)
    assert all(row["conflicts_left"] == 2 and len(set(row["inspectors"])) == 2 for row in result["objects"])
    # One free inspector: taken first, and the one conflict left is stated.
    inputs["inspectors"][0]["region"] = "凤庆县"
    result = draw.run(inputs, SEED)
    for row in result["objects"]:
        assert row["conflicts_left"] == 1
        assert inputs["inspectors"][0]["certificate"] in row["inspectors"]


def test_weighting_by_credit_risk_draws_risky_institutions_more_often():
    weights = {"A": 1, "B": 2, "C": 3, "D": 4, "": 2}
    inputs = make_inputs(objects=400, share="10", weights=weights)
    ratings = {o["code"]: o["credit_rating"] for o in inputs["objects"]}
    counts = Counter()
    for n in range(20):
        counts.update(ratings[c] for c in selection(draw.run(inputs, f"{n:064x}")))
    # 100 of each rating, 800 picks in all: D should come out about four times as often as A.
    assert counts["D"] > 2 * counts["A"]
    assert counts["A"] < counts["B"] < counts["C"] < counts["D"]


def test_a_weighted_plan_needs_a_weight_for_every_rating_in_scope():
    with pytest.raises(draw.DrawError) as refused:
        draw.run(make_inputs(weights={"A": 1, "B": 2}), SEED)
    assert refused.value.code == "weights"


@pytest.mark.parametrize(
    ("mutate", "failing"),
    [
        (lambda p: p.update(seed="7" * 64), {"seed_sha256", "same_result"}),
        (lambda p: p["inputs"]["objects"].pop(0), {"inputs_sha256", "same_result"}),
        (lambda p: p["inputs"]["objects"][0].update(region="云县"), {"inputs_sha256", "same_result"}),
        (lambda p: p["result"]["objects"].reverse(), {"same_result"}),
        (lambda p: p["result"]["objects"][0]["inspectors"].reverse(), {"same_result"}),
    ],
)
def test_a_tampered_draw_fails_verification(mutate, failing):
    honest = published(make_inputs(objects=60, share="10"))
    assert all(ok for _, ok in draw.verify(honest))
    tampered = copy.deepcopy(honest)
    mutate(tampered)
    assert {name for name, ok in draw.verify(tampered) if not ok} == failing


def test_the_program_checks_a_downloaded_draw_with_the_standard_library_only(tmp_path):
    honest = published(make_inputs(objects=50, share="10"))
    good, bad = tmp_path / "draw.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(honest, ensure_ascii=False), encoding="utf-8")
    honest["seed"] = "8" * 64
    bad.write_text(json.dumps(honest, ensure_ascii=False), encoding="utf-8")
    program = Path(draw.__file__)
    # -I: isolated, so nothing from the project or its virtualenv can be imported.
    ok = subprocess.run([sys.executable, "-I", str(program), str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "FAIL" not in ok.stdout
    failed = subprocess.run([sys.executable, "-I", str(program), str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1
    assert "FAIL seed_sha256" in failed.stdout


@settings(max_examples=60, deadline=None)
@given(
    population=st.integers(min_value=1, max_value=300),
    share=st.decimals(min_value=5, max_value=100, places=2),
    per_object=st.integers(min_value=1, max_value=4),
    seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
)
def test_any_draw_has_its_size_distinct_objects_and_distinct_inspectors(population, share, per_object, seed):
    inputs = make_inputs(objects=population, inspectors=8, share=str(share), per_object=per_object)
    result = draw.run(inputs, seed)
    expected = min(population, max(1, math.ceil(population * share / 100)))
    assert result["size"] == expected == len(set(selection(result)))
    assert all(len(set(row["inspectors"])) == per_object for row in result["objects"])
