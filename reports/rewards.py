"""Reward calculation (举报奖励): a scheme's rules in, an amount and its reasoning out.

A plain module, like ``reports/deadlines.py``: no request, no model at call time. A scheme version
(``reports/reward_models.py``) is turned into a frozen ``SchemeRules`` with
``SchemeRules.from_version(version)``, and ``calculate_reward`` works on that alone, so a quote can
be reproduced from the stored version whatever happens to the scheme afterwards.

The steps are those of shared/DOMAIN.md, in its order, each recorded as a line of reasoning and each
rounded to the fen by the scheme's rounding rule at its end:

1. share: the share of the case value the rule gives (grade-based: the grade's share; subject-based:
   the share of the threshold the value falls in, plus that threshold's fixed bonus; brackets: each
   slice of the value at its own share, each slice rounded; fixed: the fixed amount);
2. insider bonus (grade-based schemes that have one): the share amount times (1 + bonus);
3. floor: the highest of the scheme's floor and the floor of the grade or threshold that applied;
4. cap: the scheme's cap (never above 200,000 yuan).

Zero case value: a substantiated report whose loss is zero still gets the floor from a share-based
scheme (the share is 0, the floor lifts it). Whether a report is substantiated and eligible at all is
decided elsewhere; this module only computes. Where no money can be measured, a fixed scheme is the
intended tool.

Rules are stored as JSON; amounts and shares in it are strings (``"0.03"``), though JSON numbers are
accepted and read through their decimal text, never as binary floats. ``parse_rules`` validates
them and raises ``RulesError`` with a message for staff.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

#: The national measures (医保办发〔2022〕22号): at most 200,000 yuan per case.
NATIONAL_CAP = Decimal("200000")

FEN = Decimal("0.01")


class Kind:
    GRADE = "grade"
    SUBJECT = "subject"
    BRACKETS = "brackets"
    FIXED = "fixed"
    ALL = (GRADE, SUBJECT, BRACKETS, FIXED)


class Rounding:
    HALF_UP = "half_up"
    DOWN = "down"
    ALL = (HALF_UP, DOWN)


class Subject:
    INSTITUTION = "institution"
    INDIVIDUAL = "individual"
    ALL = (INSTITUTION, INDIVIDUAL)


_DECIMAL_ROUNDING = {Rounding.HALF_UP: ROUND_HALF_UP, Rounding.DOWN: ROUND_DOWN}


class RulesError(ValueError):
    """A scheme's rules are malformed (a message for the staff who edit them)."""


class RewardInputError(ValueError):
    """The inputs do not fit the scheme (missing or unknown grade or subject, negative case value …)."""


# --- Parsed rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeRule:
    grade: int
    share: Decimal
    floor: Decimal


@dataclass(frozen=True)
class Threshold:
    """Values up to and including ``up_to`` (None: no limit) get ``share`` of the value plus ``bonus``,
    at least ``floor``."""

    up_to: Decimal | None
    share: Decimal
    floor: Decimal = Decimal("0")
    bonus: Decimal = Decimal("0")


@dataclass(frozen=True)
class Bracket:
    """The slice of the value above the previous bracket's ``up_to`` and up to this one's (None: no limit)."""

    up_to: Decimal | None
    share: Decimal


@dataclass(frozen=True)
class GradeRules:
    grades: tuple[GradeRule, ...]
    insider_bonus: Decimal = Decimal("0")


@dataclass(frozen=True)
class SubjectRules:
    by_subject: Mapping[str, tuple[Threshold, ...]]
    floor: Decimal = Decimal("0")


@dataclass(frozen=True)
class BracketRules:
    brackets: tuple[Bracket, ...]


@dataclass(frozen=True)
class FixedRules:
    amount: Decimal


ParsedRules = GradeRules | SubjectRules | BracketRules | FixedRules


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise RulesError(f"{where}: expected a number, got {value!r}.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RulesError(f"{where}: {value!r} is not a number.") from None
    if not number.is_finite():
        raise RulesError(f"{where}: {value!r} is not a finite number.")
    return number


def _money(value: Any, where: str) -> Decimal:
    amount = _decimal(value, where)
    if amount < 0:
        raise RulesError(f"{where}: must not be negative.")
    if amount != amount.quantize(FEN):
        raise RulesError(f"{where}: at most two decimals (fen).")
    return amount.quantize(FEN)


def _share(value: Any, where: str) -> Decimal:
    share = _decimal(value, where)
    if not 0 <= share <= 1:
        raise RulesError(f"{where}: a share is between 0 and 1 (0.03 is 3%).")
    return share


def _mapping(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where}: expected an object.")
    missing = [key for key in required if key not in value]
    if missing:
        raise RulesError(f"{where}: missing {', '.join(missing)}.")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}.")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise RulesError(f"{where}: expected a non-empty list.")
    return value


def _check_limits(items, where: str) -> None:
    """``up_to`` strictly increasing, the last one None (no limit) and only the last."""
    previous = None
    for index, item in enumerate(items):
        last = index == len(items) - 1
        if item.up_to is None and not last:
            raise RulesError(f"{where}[{index}]: only the last entry may have no limit (up_to null).")
        if item.up_to is not None and last:
            raise RulesError(f"{where}: the last entry must have no limit (up_to null), so every value is covered.")
        if item.up_to is not None and previous is not None and item.up_to <= previous:
            raise RulesError(f"{where}[{index}]: up_to must increase from one entry to the next.")
        previous = item.up_to


def _up_to(value: Any, where: str) -> Decimal | None:
    return None if value is None else _money(value, where)


def parse_rules(kind: str, rules: Any) -> ParsedRules:
    """The validated, typed form of a scheme version's ``rules`` JSON for ``kind``; ``RulesError`` if malformed."""
    if kind == Kind.GRADE:
        data = _mapping(rules, "rules", ("grades",), ("insider_bonus",))
        grades = []
        for index, entry in enumerate(_list(data["grades"], "grades")):
            where = f"grades[{index}]"
            entry = _mapping(entry, where, ("grade", "share"), ("floor",))
            grade = entry["grade"]
            if isinstance(grade, bool) or not isinstance(grade, int) or grade < 1:
                raise RulesError(f"{where}.grade: a whole number from 1.")
            grades.append(
                GradeRule(
                    grade, _share(entry["share"], f"{where}.share"), _money(entry.get("floor", 0), f"{where}.floor")
                )
            )
        if len({g.grade for g in grades}) != len(grades):
            raise RulesError("grades: each grade only once.")
        return GradeRules(tuple(grades), _share(data.get("insider_bonus", 0), "insider_bonus"))
    if kind == Kind.SUBJECT:
        data = _mapping(rules, "rules", Subject.ALL, ("floor",))
        by_subject = {}
        for subject in Subject.ALL:
            thresholds = []
            for index, entry in enumerate(_list(data[subject], subject)):
                where = f"{subject}[{index}]"
                entry = _mapping(entry, where, ("up_to", "share"), ("floor", "bonus"))
                thresholds.append(
                    Threshold(
                        _up_to(entry["up_to"], f"{where}.up_to"),
                        _share(entry["share"], f"{where}.share"),
                        _money(entry.get("floor", 0), f"{where}.floor"),
                        _money(entry.get("bonus", 0), f"{where}.bonus"),
                    )
                )
            _check_limits(thresholds, subject)
            by_subject[subject] = tuple(thresholds)
        return SubjectRules(by_subject, _money(data.get("floor", 0), "floor"))
    if kind == Kind.BRACKETS:
        data = _mapping(rules, "rules", ("brackets",))
        brackets = []
        for index, entry in enumerate(_list(data["brackets"], "brackets")):
            where = f"brackets[{index}]"
            entry = _mapping(entry, where, ("up_to", "share"))
            brackets.append(Bracket(_up_to(entry["up_to"], f"{where}.up_to"), _share(entry["share"], f"{where}.share")))
        _check_limits(brackets, "brackets")
        return BracketRules(tuple(brackets))
    if kind == Kind.FIXED:
        data = _mapping(rules, "rules", ("amount",))
        return FixedRules(_money(data["amount"], "amount"))
    raise RulesError(f"Unknown kind of scheme {kind!r}.")


def rule_floors(parsed: ParsedRules) -> list[Decimal]:
    """Every floor (and fixed amount) the rules name, to check them against the scheme's cap."""
    if isinstance(parsed, GradeRules):
        return [g.floor for g in parsed.grades]
    if isinstance(parsed, SubjectRules):
        return [parsed.floor, *(t.floor for ts in parsed.by_subject.values() for t in ts)]
    if isinstance(parsed, FixedRules):
        return [parsed.amount]
    return []


# --- The scheme as the calculation sees it ------------------------------------------------------


@dataclass(frozen=True)
class SchemeRules:
    """One version of a scheme, detached from the database."""

    slug: str
    version: int
    kind: str
    floor: Decimal
    cap: Decimal
    rules: ParsedRules
    rounding: str = Rounding.HALF_UP
    name: str = ""
    illustrative: bool = False
    illustrative_note: str = ""

    def __post_init__(self):
        if self.rounding not in Rounding.ALL:
            raise RulesError(f"Unknown rounding rule {self.rounding!r}.")
        if not 0 <= self.floor <= self.cap <= NATIONAL_CAP:
            raise RulesError(f"Need 0 ≤ floor ≤ cap ≤ {NATIONAL_CAP}.")

    @classmethod
    def build(cls, *, kind: str, rules: Any, floor, cap, **kwargs) -> "SchemeRules":
        """From raw values (``rules`` as stored JSON)."""
        return cls(
            kind=kind,
            rules=parse_rules(kind, rules),
            floor=_money(floor, "floor"),
            cap=_money(cap, "cap"),
            **kwargs,
        )

    @classmethod
    def from_version(cls, version) -> "SchemeRules":
        """From a ``RewardSchemeVersion`` (or anything with the same attributes)."""
        scheme = version.scheme
        return cls.build(
            slug=scheme.slug,
            name=scheme.name,
            illustrative=scheme.illustrative,
            illustrative_note=scheme.illustrative_note,
            version=version.number,
            kind=version.kind,
            rules=version.rules,
            floor=version.floor,
            cap=version.cap,
            rounding=version.rounding,
        )

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(FEN, rounding=_DECIMAL_ROUNDING[self.rounding])


@dataclass(frozen=True)
class RewardQuote:
    amount: Decimal
    lines: list[str] = field(default_factory=list)
    scheme: str = ""
    version: int = 0

    def as_dict(self) -> dict:
        return {"scheme": self.scheme, "version": self.version, "amount": str(self.amount), "lines": list(self.lines)}


# --- The calculation ----------------------------------------------------------------------------


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _case_value(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise RewardInputError(f"The case value must be a Decimal, got {type(value).__name__}.")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise RewardInputError(f"The case value {value!r} is not a number.") from None
    if not amount.is_finite():
        raise RewardInputError("The case value must be a finite number.")
    if amount < 0:
        raise RewardInputError("The case value must not be negative.")
    if amount != amount.quantize(FEN):
        raise RewardInputError("The case value is in yuan with at most two decimals (fen).")
    return amount.quantize(FEN)


def _threshold_for(thresholds: tuple[Threshold, ...], value: Decimal) -> Threshold:
    for threshold in thresholds:
        if threshold.up_to is None or value <= threshold.up_to:
            return threshold
    raise AssertionError("parse_rules guarantees the last threshold has no limit")  # pragma: no cover


def calculate_reward(
    scheme: SchemeRules,
    case_value: Decimal,
    grade: int | None = None,
    subject_type: str | None = None,
    insider: bool = False,
) -> RewardQuote:
    """The reward ``scheme`` gives for a substantiated report with ``case_value`` yuan of confirmed loss.

    ``grade``: the evidence grade (grade-based schemes); ``subject_type``: ``"institution"`` or
    ``"individual"`` (subject-based schemes); ``insider``: the reporter is current or former staff of the
    reported institution (the bonus of grade-based schemes that have one). Raises ``RewardInputError``
    when the inputs do not fit the scheme."""
    value = _case_value(case_value)
    rules = scheme.rules
    lines: list[str] = []
    if scheme.illustrative:
        lines.append(
            gettext("Illustrative scheme, not any region's actual rule: %(note)s") % {"note": scheme.illustrative_note}
        )
    lines.append(
        gettext("Scheme %(scheme)s, version %(version)s; case value %(value)s yuan.")
        % {"scheme": scheme.name or scheme.slug, "version": scheme.version, "value": _yuan(value)}
    )
    floors = [(scheme.floor, gettext("the scheme's floor"))]

    # 1. Share.
    if isinstance(rules, GradeRules):
        if grade is None:
            raise RewardInputError("This scheme is graded by evidence: give the grade.")
        rule = next((g for g in rules.grades if g.grade == grade), None)
        if rule is None:
            known = ", ".join(str(g.grade) for g in rules.grades)
            raise RewardInputError(f"This scheme has no grade {grade} (grades: {known}).")
        amount = scheme.round(value * rule.share)
        lines.append(
            gettext("Grade %(grade)s: %(share)s of %(value)s = %(amount)s yuan.")
            % {"grade": grade, "share": _percent(rule.share), "value": _yuan(value), "amount": _yuan(amount)}
        )
        floors.append((rule.floor, gettext("the floor of grade %(grade)s") % {"grade": grade}))
    elif isinstance(rules, SubjectRules):
        if subject_type is None:
            raise RewardInputError("This scheme depends on who caused the loss: give institution or individual.")
        if subject_type not in rules.by_subject:
            raise RewardInputError(f"Unknown subject {subject_type!r}: institution or individual.")
        thresholds = rules.by_subject[subject_type]
        threshold = _threshold_for(thresholds, value)
        index = thresholds.index(threshold)
        lower = thresholds[index - 1].up_to if index else None
        if subject_type == Subject.INSTITUTION:
            if threshold.up_to is not None:
                rule_line = gettext("Institutions, case value up to and including %(limit)s yuan")
            elif lower is not None:
                rule_line = gettext("Institutions, case value above %(limit)s yuan")
            else:
                rule_line = gettext("Institutions, any case value")
        elif threshold.up_to is not None:
            rule_line = gettext("Individuals, case value up to and including %(limit)s yuan")
        elif lower is not None:
            rule_line = gettext("Individuals, case value above %(limit)s yuan")
        else:
            rule_line = gettext("Individuals, any case value")
        limit = threshold.up_to if threshold.up_to is not None else lower
        rule_line = rule_line % {"limit": _yuan(limit) if limit is not None else ""}
        amount = scheme.round(value * threshold.share)
        lines.append(
            gettext("%(rule)s: %(share)s of %(value)s = %(amount)s yuan.")
            % {"rule": rule_line, "share": _percent(threshold.share), "value": _yuan(value), "amount": _yuan(amount)}
        )
        if threshold.bonus:
            amount = scheme.round(amount + threshold.bonus)
            lines.append(
                gettext("Plus the fixed %(bonus)s yuan of this rule: %(amount)s yuan.")
                % {"bonus": _yuan(threshold.bonus), "amount": _yuan(amount)}
            )
        floors.append((rules.floor, gettext("the floor of every case")))
        floors.append((threshold.floor, gettext("the floor of this rule")))
    elif isinstance(rules, BracketRules):
        amount = Decimal("0")
        lower = Decimal("0")
        for bracket in rules.brackets:
            if value <= lower:
                break
            upper = value if bracket.up_to is None else min(value, bracket.up_to)
            part = scheme.round((upper - lower) * bracket.share)
            amount += part
            lines.append(
                gettext("Slice %(lower)s–%(upper)s yuan: %(share)s of %(slice)s = %(amount)s yuan.")
                % {
                    "lower": _yuan(lower),
                    "upper": _yuan(upper),
                    "share": _percent(bracket.share),
                    "slice": _yuan(upper - lower),
                    "amount": _yuan(part),
                }
            )
            if bracket.up_to is None:
                break
            lower = bracket.up_to
        lines.append(gettext("Sum of the slices: %(amount)s yuan.") % {"amount": _yuan(amount)})
    elif isinstance(rules, FixedRules):
        amount = rules.amount
        lines.append(gettext("Fixed reward: %(amount)s yuan.") % {"amount": _yuan(amount)})
    else:  # pragma: no cover - parse_rules knows no other kind
        raise RulesError(f"Unknown rules {rules!r}.")

    # 2. Insider bonus.
    if insider:
        bonus = rules.insider_bonus if isinstance(rules, GradeRules) else Decimal("0")
        if bonus:
            before = amount
            amount = scheme.round(amount * (1 + bonus))
            lines.append(
                gettext("Insider bonus: %(before)s × %(factor)s = %(amount)s yuan.")
                % {"before": _yuan(before), "factor": f"{(1 + bonus).normalize():f}", "amount": _yuan(amount)}
            )
        else:
            lines.append(gettext("This scheme gives no insider bonus."))

    # 3. Floor: the highest that applies.
    floor, floor_name = max(floors, key=lambda item: item[0])
    if amount < floor:
        lines.append(gettext("Raised to %(floor)s yuan, %(which)s.") % {"floor": _yuan(floor), "which": floor_name})
        amount = floor

    # 4. Cap.
    if amount > scheme.cap:
        lines.append(
            gettext("Limited to the cap of %(cap)s yuan (was %(amount)s yuan).")
            % {"cap": _yuan(scheme.cap), "amount": _yuan(amount)}
        )
        amount = scheme.cap

    if scheme.rounding == Rounding.HALF_UP:
        summary = gettext("Reward: %(amount)s yuan (each step rounded half up to the fen).")
    else:
        summary = gettext("Reward: %(amount)s yuan (each step rounded down to the fen).")
    lines.append(summary % {"amount": _yuan(amount)})
    return RewardQuote(amount=amount, lines=lines, scheme=scheme.slug, version=scheme.version)
