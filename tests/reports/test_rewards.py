"""Reward schemes and the reward calculation (issue 7): DOMAIN.md's worked examples to the fen, the
edges of every rule, versions, the reward_quote command, and properties (Hypothesis)."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.deadlines import CHINA_TZ
from reports.reward_models import NoVersionInForce, RewardScheme, RewardSchemeVersion, VersionImmutable
from reports.reward_reference import ILLUSTRATIVE_NOTE, REFERENCE_SCHEMES, ensure_reference_schemes
from reports.rewards import RewardInputError, RulesError, SchemeRules, calculate_reward, parse_rules
from reports.staff import REWARD_REVIEWERS_GROUP

D = Decimal


def _rules(slug: str) -> SchemeRules:
    spec = next(s for s in REFERENCE_SCHEMES if s["slug"] == slug)
    version = spec["version"]
    return SchemeRules.build(
        slug=slug,
        version=1,
        name=spec["name"],
        illustrative=spec["illustrative"],
        illustrative_note=spec["illustrative_note"],
        kind=version["kind"],
        rules=version["rules"],
        floor=version["floor"],
        cap=version["cap"],
        rounding=version["rounding"],
    )


GUANGDONG = _rules("guangdong-2022")
HEFEI = _rules("hefei-2023")
BRACKETS = _rules("example-brackets")
ALL_SCHEMES = [GUANGDONG, HEFEI, BRACKETS]


def amount(scheme, value, **kwargs) -> Decimal:
    return calculate_reward(scheme, D(value), **kwargs).amount


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# --- DOMAIN.md's worked examples ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "grade", "insider", "expected"),
    [
        ("50000", 1, False, "1500.00"),
        ("12000", 3, False, "200.00"),  # 120 → grade 3's floor
        ("100000", 2, True, "2400.00"),  # 2,000 × 1.2
        ("8000000", 1, False, "200000.00"),  # 240,000 → cap
    ],
)
def test_guangdong_worked_examples(value, grade, insider, expected):
    assert amount(GUANGDONG, value, grade=grade, insider=insider) == D(expected)


@pytest.mark.parametrize(
    ("value", "subject", "expected"),
    [
        ("500000", "institution", "10000.00"),
        ("500000.01", "institution", "20000.00"),  # 20,000.0004 rounded to the fen
        ("3000", "individual", "500.00"),  # 300 → floor
        ("10000", "individual", "1000.00"),
        ("20000", "individual", "2500.00"),  # 2,000 + 500
    ],
)
def test_hefei_worked_examples(value, subject, expected):
    result = amount(HEFEI, value, subject_type=subject)
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


# --- Edges: every threshold, one fen either side ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "subject", "expected"),
    [
        # Institution: 2% up to and including 500,000 (floor 500 up to 25,000), then 4% of the whole.
        ("24999.99", "institution", "500.00"),
        ("25000", "institution", "500.00"),
        ("25000.01", "institution", "500.00"),  # 500.0002 → 500.00
        ("25000.25", "institution", "500.01"),  # 500.005 → half up
        ("499999.99", "institution", "10000.00"),  # 9,999.9998 → 10,000.00
        ("500000", "institution", "10000.00"),
        ("500000.01", "institution", "20000.00"),
        ("4999999.99", "institution", "200000.00"),  # 199,999.9996 → 200,000.00
        ("5000000", "institution", "200000.00"),
        ("5000000.01", "institution", "200000.00"),  # 200,000.0004 → capped
        # Individual: 10% up to and including 10,000 (floor 500 up to 5,000), then 10% plus 500.
        ("4999.99", "individual", "500.00"),
        ("5000", "individual", "500.00"),
        ("5000.01", "individual", "500.00"),  # 500.001 → 500.00
        ("5000.05", "individual", "500.01"),  # 500.005 → half up
        ("9999.99", "individual", "1000.00"),  # 999.999 → 1,000.00
        ("10000", "individual", "1000.00"),
        ("10000.01", "individual", "1500.00"),  # 1,000.001 + 500
        ("1994999.99", "individual", "200000.00"),  # 199,500.00 + 500 = 200,000.00 exactly
        ("1995000", "individual", "200000.00"),
        ("1995000.01", "individual", "200000.00"),
    ],
)
def test_hefei_thresholds(value, subject, expected):
    assert amount(HEFEI, value, subject_type=subject) == D(expected)


@pytest.mark.parametrize(
    ("value", "grade", "insider", "expected"),
    [
        # Grade 1: 3% floor 400 — the floor holds up to 13,333.33.
        ("13333.33", 1, False, "400.00"),  # 399.9999 → 400.00
        ("13333.34", 1, False, "400.00"),
        ("13350", 1, False, "400.50"),
        # Cap at 200,000: 3% of 6,666,666.67 = 200,000.0001.
        ("6666666.33", 1, False, "199999.99"),  # 199,999.9899
        ("6666666.67", 1, False, "200000.00"),  # 200,000.0001 → 200,000.00, not above the cap
        ("6666666.84", 1, False, "200000.00"),  # 200,000.0052 → 200,000.01 → capped
        # Grade 2: 2% floor 300 — up to 15,000.
        ("14999.99", 2, False, "300.00"),
        ("15000", 2, False, "300.00"),
        ("15000.50", 2, False, "300.01"),
        # Grade 3: 1% floor 200 — up to 20,000.
        ("19999.99", 3, False, "200.00"),
        ("20000", 3, False, "200.00"),
        ("20001", 3, False, "200.01"),
        # Insider: share, then bonus, then floor, then cap.
        ("12000", 3, True, "200.00"),  # 120 × 1.2 = 144 → floor 200
        ("20000", 3, True, "240.00"),
        # 3% of 5,555,555.55 = 166,666.6665 → 166,666.67 (end of the share step); × 1.2 = 200,000.004 → 200,000.00.
        ("5555555.55", 1, True, "200000.00"),
        ("5555555.00", 1, True, "199999.98"),  # 166,666.65 × 1.2
        ("5555555.60", 1, True, "200000.00"),  # 166,666.668 → 166,666.67 × 1.2 = 200,000.004 → 200,000.00
        ("5555556.00", 1, True, "200000.00"),  # 166,666.68 × 1.2 = 200,000.016 → cap
    ],
)
def test_guangdong_edges(value, grade, insider, expected):
    assert amount(GUANGDONG, value, grade=grade, insider=insider) == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "200.00"),
        ("3999.99", "200.00"),  # 200.00 (199.9995 half up)
        ("4000", "200.00"),
        ("4000.20", "200.01"),
        ("99999.99", "5000.00"),  # 4,999.9995 → 5,000.00
        ("100000", "5000.00"),
        ("100000.01", "5000.00"),  # 5,000 + 0.0003
        ("100000.17", "5000.01"),  # 5,000 + 0.0051 → 0.01
        ("500000", "17000.00"),
        ("500000.01", "17000.00"),
        ("700000", "19000.00"),
        ("18799999.99", "200000.00"),  # 17,000 + 182,999.9999 → 183,000.00
        ("18800000", "200000.00"),
        ("18800000.01", "200000.00"),
        ("100000000", "200000.00"),
    ],
)
def test_example_brackets(value, expected):
    assert amount(BRACKETS, value) == D(expected)


def test_cap_applies_one_fen_above():
    with translation.override("en"):
        lines = calculate_reward(GUANGDONG, D("6666666.84"), grade=1).lines
        assert "Limited to the cap of 200,000.00 yuan (was 200,000.01 yuan)." in lines
        assert not any("cap" in line for line in calculate_reward(GUANGDONG, D("6666666.67"), grade=1).lines)


def test_bracket_cap_boundary_exactly():
    # 17,000 at 500,000, then 1%: 200,000 is reached at 18,800,000.
    assert amount(BRACKETS, "18799999") == D("199999.99")
    assert amount(BRACKETS, "18800000") == D("200000.00")


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.slug)
def test_zero_case_value_gives_the_floor(scheme):
    kwargs = {"grade": 1} if scheme is GUANGDONG else {"subject_type": "institution"} if scheme is HEFEI else {}
    quote = calculate_reward(scheme, D("0"), **kwargs)
    assert quote.amount >= scheme.floor
    # The highest floor that applies: grade 1's 400, Hefei's 500, the example's 200.
    assert quote.amount == {GUANGDONG.slug: D("400"), HEFEI.slug: D("500"), BRACKETS.slug: D("200")}[scheme.slug]


def test_round_down_rule():
    down = SchemeRules.build(
        slug="down", version=1, kind="subject", rules=HEFEI_RULES, floor="500", cap="200000", rounding="down"
    )
    assert amount(down, "25000.25", subject_type="institution") == D("500.00")  # 500.005 → down
    assert amount(down, "500000.01", subject_type="institution") == D("20000.00")
    assert amount(down, "499999.99", subject_type="institution") == D("9999.99")  # 9,999.9998 → down


HEFEI_RULES = next(s for s in REFERENCE_SCHEMES if s["slug"] == "hefei-2023")["version"]["rules"]


def test_fixed_scheme():
    fixed = SchemeRules.build(slug="fixed", version=1, kind="fixed", rules={"amount": "500"}, floor="200", cap="200000")
    assert amount(fixed, "0") == D("500")
    assert amount(fixed, "123456.78") == D("500")


# --- Input errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value", "kwargs", "message"),
    [
        (GUANGDONG, "1000", {}, "give the grade"),
        (GUANGDONG, "1000", {"grade": 4}, "no grade 4"),
        (HEFEI, "1000", {}, "institution or individual"),
        (HEFEI, "1000", {"subject_type": "pharmacy"}, "Unknown subject"),
        (BRACKETS, "-0.01", {}, "must not be negative"),
        (BRACKETS, "1.005", {}, "two decimals"),
        (BRACKETS, "NaN", {}, "finite"),
        (BRACKETS, "abc", {}, "not a number"),
    ],
)
def test_input_errors(scheme, value, kwargs, message):
    with pytest.raises(RewardInputError, match=message):
        calculate_reward(scheme, value, **kwargs)
    assert issubclass(RewardInputError, ValueError)


def test_float_case_value_is_refused():
    with pytest.raises(RewardInputError):
        calculate_reward(BRACKETS, 1000.5)


@pytest.mark.parametrize(
    ("kind", "rules", "message"),
    [
        ("grade", {"grades": []}, "non-empty list"),
        ("grade", {"grades": [{"grade": 1, "share": "3"}]}, "between 0 and 1"),
        ("grade", {"grades": [{"grade": 1, "share": "0.03"}, {"grade": 1, "share": "0.02"}]}, "only once"),
        ("grade", {"grades": [{"grade": 0, "share": "0.03"}]}, "whole number"),
        ("subject", {"institution": [{"up_to": None, "share": "0.02"}]}, "missing individual"),
        ("subject", {**HEFEI_RULES, "institution": [{"up_to": "500000", "share": "0.02"}]}, "last entry"),
        (
            "brackets",
            {
                "brackets": [
                    {"up_to": "5", "share": "0.1"},
                    {"up_to": "4", "share": "0.1"},
                    {"up_to": None, "share": "0"},
                ]
            },
            "increase",
        ),
        ("brackets", {"brackets": [{"up_to": None, "share": "0.1"}, {"up_to": None, "share": "0.1"}]}, "only the last"),
        ("fixed", {"amount": "1.001"}, "two decimals"),
        ("fixed", {"amount": "500", "extra": 1}, "unknown key"),
        ("lottery", {}, "Unknown kind"),
    ],
)
def test_rules_validation(kind, rules, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(kind, rules)


# --- Reasoning lines ----------------------------------------------------------------------------


def test_lines_record_every_step(english):
    quote = calculate_reward(GUANGDONG, D("100000"), grade=2, insider=True)
    assert quote.lines[1:] == [
        "Grade 2: 2% of 100,000.00 = 2,000.00 yuan.",
        "Insider bonus: 2,000.00 × 1.2 = 2,400.00 yuan.",
        "Reward: 2,400.00 yuan (each step rounded half up to the fen).",
    ]
    floor = calculate_reward(GUANGDONG, D("12000"), grade=3).lines
    assert "Raised to 200.00 yuan, the scheme's floor." in floor  # grade 3's floor is also 200
    assert "Raised to 400.00 yuan, the floor of grade 1." in calculate_reward(GUANGDONG, D("0"), grade=1).lines
    cap = calculate_reward(GUANGDONG, D("8000000"), grade=1).lines
    assert "Limited to the cap of 200,000.00 yuan (was 240,000.00 yuan)." in cap
    hefei = calculate_reward(HEFEI, D("500000.01"), subject_type="institution").lines
    assert "Institutions, case value above 500,000.00 yuan: 4% of 500,000.01 = 20,000.00 yuan." in hefei
    plus = calculate_reward(HEFEI, D("20000"), subject_type="individual").lines
    assert "Plus the fixed 500.00 yuan of this rule: 2,500.00 yuan." in plus
    assert (
        "This scheme gives no insider bonus."
        in calculate_reward(HEFEI, D("1"), subject_type="individual", insider=True).lines
    )


def test_bracket_lines_add_up(english):
    quote = calculate_reward(BRACKETS, D("700000"))
    assert quote.lines[0].startswith("Illustrative scheme, not any region's actual rule: ")
    assert ILLUSTRATIVE_NOTE in quote.lines[0]
    assert quote.lines[2:6] == [
        "Slice 0.00–100,000.00 yuan: 5% of 100,000.00 = 5,000.00 yuan.",
        "Slice 100,000.00–500,000.00 yuan: 3% of 400,000.00 = 12,000.00 yuan.",
        "Slice 500,000.00–700,000.00 yuan: 1% of 200,000.00 = 2,000.00 yuan.",
        "Sum of the slices: 19,000.00 yuan.",
    ]


# --- Properties ---------------------------------------------------------------------------------

CASE_VALUES = st.decimals(min_value=0, max_value=100_000_000, places=2, allow_nan=False, allow_infinity=False)


def _inputs(scheme):
    if scheme is GUANGDONG:
        return st.fixed_dictionaries({"grade": st.sampled_from([1, 2, 3]), "insider": st.booleans()})
    if scheme is HEFEI:
        return st.fixed_dictionaries({"subject_type": st.sampled_from(["institution", "individual"])})
    return st.just({})


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.slug)
def test_amount_between_floor_and_cap(scheme):
    @settings(max_examples=200, deadline=None)
    @given(value=CASE_VALUES, kwargs=_inputs(scheme))
    def check(value, kwargs):
        result = calculate_reward(scheme, value, **kwargs).amount
        assert scheme.floor <= result <= scheme.cap
        assert result == result.quantize(D("0.01"))

    check()


@settings(max_examples=200, deadline=None)
@given(a=CASE_VALUES, b=CASE_VALUES)
def test_brackets_monotonic(a, b):
    low, high = sorted((a, b))
    assert calculate_reward(BRACKETS, low).amount <= calculate_reward(BRACKETS, high).amount


@settings(max_examples=200, deadline=None)
@given(value=st.decimals(min_value=0, max_value=100_000_000, places=2), step=st.sampled_from([D("0.01"), D("1")]))
def test_brackets_monotonic_by_the_fen(value, step):
    assert calculate_reward(BRACKETS, value).amount <= calculate_reward(BRACKETS, value + step).amount


# --- Models: reference data, versions, immutability ---------------------------------------------


@pytest.mark.django_db
def test_reference_schemes_loaded_by_the_migration():
    for spec in REFERENCE_SCHEMES:
        scheme = RewardScheme.objects.get(slug=spec["slug"])
        assert scheme.legal_basis == spec["legal_basis"]
        version = scheme.versions.get()
        assert (version.number, version.valid_from, version.valid_until) == (1, spec["version"]["valid_from"], None)
        assert SchemeRules.from_version(version) == _rules(spec["slug"])
    assert str(RewardScheme.objects.get(slug="example-brackets")).endswith(f"（{ILLUSTRATIVE_NOTE}）")
    assert "广东省医疗保障基金违法违规行为举报奖励实施细则（征求意见稿）2022" in (
        RewardScheme.objects.get(slug="guangdong-2022").legal_basis
    )
    ensure_reference_schemes(django_apps)  # idempotent: nothing added, nothing changed
    assert RewardSchemeVersion.objects.count() == len(REFERENCE_SCHEMES)


@pytest.mark.django_db
def test_reward_reviewers_manage_schemes():
    group = Group.objects.get(name=REWARD_REVIEWERS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_rewardscheme", "add_rewardscheme", "add_rewardschemeversion"} <= codenames
    assert "change_rewardschemeversion" not in codenames
    assert "delete_rewardschemeversion" not in codenames


def _received(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


@pytest.mark.django_db
def test_scheme_changed_after_a_report_arrived():
    hefei = RewardScheme.objects.get(slug="hefei-2023")
    old = hefei.versions.get()
    received = _received(date(2024, 6, 30), hour=23).astimezone(UTC)  # 15:00 UTC, still 30 June in Beijing
    new_rules = json.loads(json.dumps(HEFEI_RULES))
    new_rules["institution"][0]["share"] = "0.03"
    new = hefei.new_version(valid_from=date(2024, 7, 1), floor="500", cap="200000", kind="subject", rules=new_rules)
    assert new.number == 2
    old.refresh_from_db()
    assert old.valid_until == date(2024, 6, 30)
    assert old.rules == HEFEI_RULES and old.floor == D("500")

    # Received on 30 June in Beijing: the old version applies.
    applied = hefei.version_for_received(received)
    assert applied == old
    assert amount(SchemeRules.from_version(applied), "500000", subject_type="institution") == D("10000.00")
    # 1 July 00:30 Beijing is 30 June 16:30 UTC: the new version.
    later = hefei.version_for_received((_received(date(2024, 7, 1), hour=0) + timedelta(minutes=30)).astimezone(UTC))
    assert later == new
    assert amount(SchemeRules.from_version(later), "500000", subject_type="institution") == D("15000.00")
    with pytest.raises(NoVersionInForce):
        hefei.version_on(date(2022, 12, 31))


@pytest.mark.django_db
def test_versions_are_immutable():
    version = RewardScheme.objects.get(slug="guangdong-2022").versions.get()
    version.rules = {"grades": [{"grade": 1, "share": "0.5"}]}
    with pytest.raises(VersionImmutable):
        version.save()
    version.refresh_from_db()
    version.cap = D("100000")
    with pytest.raises(VersionImmutable):
        version.save()
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert "cap" in error.value.message_dict
    version.refresh_from_db()
    version.valid_until = date(2030, 12, 31)  # closing the open version is allowed
    version.save()
    version.refresh_from_db()
    assert version.valid_until == date(2030, 12, 31)


@pytest.mark.django_db
def test_new_version_validation():
    scheme = RewardScheme.objects.get(slug="example-brackets")
    fields = {"floor": "200", "cap": "200000", "kind": "fixed", "rules": {"amount": "300"}}
    with pytest.raises(ValidationError) as error:
        scheme.new_version(valid_from=date(2022, 1, 1), **fields)
    assert "valid_from" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scheme.new_version(valid_from=date(2025, 1, 1), **{**fields, "cap": "200000.01"})
    assert "cap" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scheme.new_version(valid_from=date(2025, 1, 1), **{**fields, "floor": "300", "cap": "250"})
    assert "cap" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scheme.new_version(valid_from=date(2025, 1, 1), **{**fields, "rules": {"amount": "-1"}})
    assert "rules" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scheme.new_version(valid_from=date(2025, 1, 1), **{**fields, "kind": "grade"})
    assert "rules" in error.value.message_dict
    assert scheme.versions.count() == 1 and scheme.versions.get().valid_until is None

    version = scheme.new_version(valid_from=date(2025, 1, 1), rounding="down", **fields)
    assert version.number == 2 and scheme.version_on(date(2025, 1, 1)) == version
    assert scheme.version_on(date(2024, 12, 31)).number == 1
    # A version with a successor keeps its end date.
    first = scheme.versions.get(number=1)
    first.valid_until = date(2024, 6, 30)
    with pytest.raises(VersionImmutable):
        first.save()


@pytest.mark.django_db
def test_illustrative_scheme_needs_its_note():
    scheme = RewardScheme(slug="x", name="x", region="x", legal_basis="x", illustrative=True)
    with pytest.raises(ValidationError, match="illustrative_note"):
        scheme.full_clean()


# --- The command --------------------------------------------------------------------------------


def _quote(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("reward_quote", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_reward_quote_command():
    out = _quote("--scheme", "guangdong-2022", "--case-value", "100000", "--grade", "2", "--insider")
    lines = out.splitlines()
    assert lines[0] == "2400.00"
    assert "  Insider bonus: 2,000.00 × 1.2 = 2,400.00 yuan." in lines
    out = _quote("--scheme", "hefei-2023", "--case-value", "3,000", "--subject", "individual", "--date", "2023-01-01")
    assert out.splitlines()[0] == "500.00"
    assert "Raised to 500.00 yuan" in out


@pytest.mark.django_db
def test_reward_quote_json():
    out = _quote("--scheme", "hefei-2023", "--case-value", "500000.01", "--subject", "institution", "--json")
    data = json.loads(out)
    assert data["amount"] == "20000.00"
    assert data["scheme"] == "hefei-2023" and data["version"] == 1 and data["illustrative"] is False
    assert any("4% of 500,000.01 = 20,000.00" in line for line in data["lines"])
    data = json.loads(_quote("--scheme", "example-brackets", "--case-value", "0", "--json"))
    assert data["amount"] == "200.00" and data["illustrative"] is True
    assert ILLUSTRATIVE_NOTE in data["lines"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheme", "nowhere", "--case-value", "1"], "No scheme"),
        (["--scheme", "guangdong-2022", "--case-value", "1"], "give the grade"),
        (
            ["--scheme", "hefei-2023", "--case-value", "1", "--subject", "individual", "--date", "2022-12-31"],
            "no version",
        ),
        (["--scheme", "hefei-2023", "--case-value", "-5", "--subject", "individual"], "negative"),
    ],
)
def test_reward_quote_errors(args, message):
    with pytest.raises(CommandError, match=message):
        _quote(*args)


# --- Admin --------------------------------------------------------------------------------------


def _member(username, group):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
def test_reward_reviewers_manage_schemes_in_the_admin(client):
    client.force_login(_member("jiangli", REWARD_REVIEWERS_GROUP))
    listing = client.get(reverse("wagtailsnippets_reports_rewardscheme:list"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "hefei-2023" in html and ILLUSTRATIVE_NOTE in html

    scheme = RewardScheme.objects.get(slug="example-brackets")
    data = {
        "scheme": scheme.pk,
        "valid_from": "2026-01-01",
        "valid_until": "",
        "floor": "200",
        "cap": "200000",
        "rounding": "half_up",
        "kind": "brackets",
        "rules": json.dumps({"brackets": [{"up_to": None, "share": "0.02"}]}),
    }
    added = client.post(reverse("wagtailsnippets_reports_rewardschemeversion:add"), data)
    assert added.status_code == 302
    assert scheme.versions.get(number=1).valid_until == date(2025, 12, 31)
    new = scheme.versions.get(number=2)
    assert new.rules == {"brackets": [{"up_to": None, "share": "0.02"}]}

    # A reviewer may not edit a version at all; a superuser's edit is refused by the model.
    edit_url = reverse("wagtailsnippets_reports_rewardschemeversion:edit", args=[new.pk])
    assert client.get(edit_url).status_code in (302, 403)
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    refused = client.post(edit_url, {**data, "cap": "100000"})
    assert refused.status_code == 200 and "cap" in refused.context["form"].errors
    new.refresh_from_db()
    assert new.cap == D("200000")

    bad = client.post(
        reverse("wagtailsnippets_reports_rewardschemeversion:add"),
        {**data, "valid_from": "2027-01-01", "cap": "250000"},
    )
    assert bad.status_code == 200 and "cap" in bad.context["form"].errors


@pytest.mark.django_db
def test_other_staff_cannot_manage_schemes(client):
    client.force_login(_member("caiwu", "财务"))
    response = client.get(reverse("wagtailsnippets_reports_rewardscheme:list"))
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_demo_content_does_not_depend_on_the_schemes():
    from home.demo_content import load_demo_content

    RewardSchemeVersion.objects.all().delete()
    RewardScheme.objects.all().delete()
    assert load_demo_content(publications=False)
    assert not RewardScheme.objects.exists()  # reference data comes from the migration only
