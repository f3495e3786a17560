"""Scale data, reports: many encrypted reports for benchmarks (``manage.py generate_scale_data``).
Fake content about nobody, written for load tests only.

Reports are spread over every status of ``Status`` (older reports are mostly closed, recent ones
mostly open, and some open ones are overdue), the regions of ``reports/regions.py``, the violation
categories, party types, channels and the years 2019 to the day before the run, with the case
fields the staff queue and the statistics read filled in as the workflow would have left them:
decision, assignee or referral, outcome, verified amount, measures, the acceptance and
investigation deadlines (``deadlines``/``case_deadlines``, computed once per day), ``overdue_since``
for open reports past their step's due date, and ``processed_at`` (so the sweep does not take
100,000 reports for new ones and e-mail the intake officers about each).

Each report is sealed the way ``intake.submit()`` seals one: a fresh random data key; the content
(party, date, amount, description, a random salt) and a real-name reporter's identity sealed
under it, bound to the report's id and slot; the data key wrapped to the bureau's current key; the
submission digest; a signed receipt; the number taken from ``ReportCounter`` in the same
transaction as the insert (``YYYY-NNNNNN`` by the Beijing year of receipt, increasing with the time
of receipt, no gap). Decisions and outcomes told to the reporter are sealed messages, as
``workflow.perform`` posts them. Staff open a generated report like any other
(``intake.open_for_staff``) and ``reportkeys check`` and ``rotate`` treat it like any other.

The one deliberate difference: **generated reports have no tracking code.** ``submit()`` wraps
the data key under a key derived from the code with scrypt (``crypto.CODE_KDF_COST``, about
over 100 ms each: hours for 100,000 reports). A generated report gets instead a random, unique
``code_digest`` that no code hashes to, and in ``code_key_wrap`` the marker ``NO_CODE_WRAP``, which
is not an envelope: no code finds or opens a generated report, the status page answers "no such
report" for every code, and nothing else reads that column. Nothing here prints or logs content.

Random content (texts, dates, states) comes from the seed; keys, nonces, salts, ids and lookup
digests are random every time, from the operating system, as they must be.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from disclosures.models import Measure, ViolationCategory

from . import case_deadlines, crypto, deadlines, intake, keys, receipts
from .identity import id_check_character
from .models import (
    Channel,
    MessageKind,
    Outcome,
    PartyType,
    RejectionReason,
    Report,
    ReportCounter,
    ReportMessage,
    Sender,
    Status,
)
from .regions import region_names
from .staff import INVESTIGATORS_GROUP

FIRST_YEAR = 2019

#: Stored instead of a code-wrapped data key: not an envelope (no kind byte of crypto.py), so
#: ``crypto.unwrap_with_code`` refuses it if anything ever tried.
NO_CODE_WRAP = b"scale-data:no-tracking-code"

#: Investigators made when the database has none (unusable passwords: nobody signs in as them).
SCALE_INVESTIGATOR = "scale-investigator-{:02d}"
SCALE_INVESTIGATORS = 8

ProgressCallback = Callable[[str, int, int], None]

CHANNELS = [(Channel.ONLINE, 70), (Channel.HOTLINE, 20), (Channel.LETTER, 6), (Channel.VISIT, 4)]
PARTIES = [
    (PartyType.INSTITUTION, 50),
    (PartyType.PHARMACY, 25),
    (PartyType.INSURED, 15),
    (PartyType.AGENCY, 5),
    (PartyType.OTHER, 5),
]
#: Status by age of the report (days since receipt): new reports are open, old ones closed.
STATUS_BY_AGE = [
    (
        15,
        {Status.RECEIVED: 70, Status.ACCEPTED: 18, Status.REJECTED: 10, Status.ASSIGNED: 2},
    ),
    (
        90,
        {
            Status.RECEIVED: 4,
            Status.ACCEPTED: 10,
            Status.REJECTED: 16,
            Status.ASSIGNED: 20,
            Status.INVESTIGATING: 35,
            Status.CONCLUDED: 10,
            Status.FED_BACK: 5,
        },
    ),
    (
        365,
        {
            Status.RECEIVED: 1,
            Status.ACCEPTED: 2,
            Status.REJECTED: 20,
            Status.ASSIGNED: 4,
            Status.INVESTIGATING: 10,
            Status.CONCLUDED: 13,
            Status.FED_BACK: 50,
        },
    ),
    (
        None,
        {
            Status.RECEIVED: 0.2,
            Status.ACCEPTED: 0.3,
            Status.REJECTED: 22,
            Status.ASSIGNED: 0.5,
            Status.INVESTIGATING: 1,
            Status.CONCLUDED: 3,
            Status.FED_BACK: 73,
        },
    ),
]
OUTCOMES = [(Outcome.SUBSTANTIATED, 45), (Outcome.PARTLY, 20), (Outcome.UNFOUNDED, 35)]
REFERRED_TO = ["卫生健康局", "市场监督管理局", "公安局", "纪委监委", "上级医疗保障局"]

HOSPITALS = ["人民医院", "中医医院", "民营医院", "骨科医院", "中心卫生院", "社区卫生服务中心", "诊所", "口腔医院"]
PHARMACIES = ["大药房", "便民药店", "医药连锁门店", "中西药店"]
SURNAMES = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "罗", "段", "杞", "字", "鲁"]
GIVEN = ["建国", "秀兰", "志明", "丽萍", "文华", "春梅", "永福", "海军", "小红", "德华", "玉珍", "正华"]
WHAT_I_SAW = [
    "住院部有多名病人白天不在病房，只在夜间回来签字。",
    "收费清单上有没有做过的检查和治疗。",
    "药店用医保卡给人刷洗发水、食用油等生活用品。",
    "同一个项目在费用清单上出现了好几次。",
    "医院组织车辆接老人来免费体检，然后让他们办理住院。",
    "开的是医保目录里的药，拿到手的却是保健品。",
    "有人拿着别人的医保卡来看病开药。",
    "诊所让病人把门诊拆成几次挂号结算。",
    "有人大量开药后转卖给药贩子。",
    "病历里写的治疗和实际做的不一样。",
]
ASKED = ["请尽快核查。", "希望医保部门严肃处理。", "我可以提供收费单据。", "请为我保密。", ""]
DECISION_TEXTS = {
    "accept": "您的举报已受理，我们将依法组织核查，核查结果将通过本页告知您。",
    RejectionReason.NOT_FUND_MATTER: "经审查，您反映的问题不属于医疗保障基金使用监督管理的范围，不予受理。",
    RejectionReason.NO_TARGET_OR_FACTS: (
        "经审查，您的举报没有明确的被举报对象或具体事实，不予受理。欢迎补充线索后重新举报。"
    ),
    RejectionReason.ALREADY_UNDER_INVESTIGATION: "您反映的问题我局已受理并正在调查处理中，不再重复受理。",
    RejectionReason.REPEATED_WITHOUT_NEW_CLUES: "您反映的问题已办结，本次举报未提供新的线索，不予受理。",
    RejectionReason.UPHELD_BY_HIGHER_BUREAU: "您反映的问题已经上级医疗保障部门复查并维持原处理意见，不予受理。",
    RejectionReason.FOR_COURTS_OR_REVIEW: "您反映的问题应当通过诉讼、仲裁或行政复议等途径解决，不予受理。",
}
FEEDBACK_TEXTS = {
    Outcome.SUBSTANTIATED: "经核查，您反映的问题属实，我局已依法追回医保基金并作出处理。感谢您的监督。",
    Outcome.PARTLY: "经核查，您反映的问题部分属实，我局已对查实部分依法处理。感谢您的监督。",
    Outcome.UNFOUNDED: "经核查，未发现您反映的问题，查无实据。感谢您对医保基金监管工作的关心。",
}


@dataclass
class ReportCounts:
    reports: int = 0
    messages: int = 0
    category_links: int = 0
    by_status: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {
            "reports": self.reports,
            "messages": self.messages,
            "category_links": self.category_links,
            **{f"status_{status}": self.by_status[status] for status in Status.values},
        }


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*(pairs.items() if isinstance(pairs, dict) else pairs), strict=True)
    return rng.choices(items, weights=weights)[0]


def _status_for_age(rng: random.Random, age_days: int) -> str:
    for limit, weights in STATUS_BY_AGE:
        if limit is None or age_days < limit:
            return _weighted(rng, weights)
    raise AssertionError("unreachable")  # pragma: no cover


def investigators() -> list:
    """Active users who may investigate; a few placeholder investigators when there are none, so
    that assigned and investigated reports have someone to be assigned to."""
    User = get_user_model()
    permission = Permission.objects.get(content_type__app_label="reports", codename="investigate_report")
    found = list(
        User.objects.filter(Q(groups__permissions=permission) | Q(user_permissions=permission), is_active=True)
        .distinct()
        .order_by("pk")
    )
    if found:
        return found
    group = Group.objects.filter(name=INVESTIGATORS_GROUP).first()
    made = []
    for n in range(1, SCALE_INVESTIGATORS + 1):
        user, created = User.objects.get_or_create(username=SCALE_INVESTIGATOR.format(n))
        if created:
            user.set_unusable_password()
            user.save()
        if group is not None:
            user.groups.add(group)
        else:
            user.user_permissions.add(permission)
        made.append(user)
    return made


# --- one report --------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What the seed decides about one report (no key material)."""

    received_at: datetime
    channel: str
    party_type: str
    region: str
    category_ids: list[int]
    real_name: bool
    status: str
    content: dict
    identity: dict | None
    decided_at: datetime | None = None
    assigned_at: datetime | None = None
    started_at: datetime | None = None
    concluded_at: datetime | None = None
    fed_back_at: datetime | None = None
    assignee_index: int | None = None
    referred_to: str = ""
    rejection_reason: str = ""
    outcome: str = ""
    verified_amount: Decimal | None = None
    measure_ids: list[int] = field(default_factory=list)


def _received_moment(rng: random.Random, first: date, until: date) -> datetime:
    """A moment of receipt: reports grow in number over the years; any hour, mostly by day."""
    span = until.toordinal() - first.toordinal()
    while True:
        position = rng.random()
        if rng.random() < 0.4 + 0.6 * position:
            break
    day = date.fromordinal(first.toordinal() + round(position * span))
    hour = rng.choices(range(24), weights=[1] * 7 + [6] * 11 + [3] * 6)[0]
    moment = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=deadlines.CHINA_TZ)
    return moment


def _id_number(rng: random.Random) -> str:
    area = f"5309{rng.randint(2, 27):02d}"
    born = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{area}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_character(first17)


def _content(rng: random.Random, party_type: str, region: str, categories: list[str], received: date) -> dict:
    place = "临沧市" if region in ("市本级", "不清楚") else region
    if party_type == PartyType.INSTITUTION:
        party = f"{place}某{rng.choice(HOSPITALS)}"
    elif party_type == PartyType.PHARMACY:
        party = f"{place}某{rng.choice(PHARMACIES)}"
    elif party_type == PartyType.INSURED:
        party = f"参保人{rng.choice(SURNAMES)}某某"
    elif party_type == PartyType.AGENCY:
        party = f"{place}某医保服务站"
    else:
        party = f"{place}某公司"
    occurred = received - timedelta(days=rng.randint(1, 400)) if rng.random() < 0.7 else None
    amount = str((Decimal(rng.randint(50, 500_000)) / 100).quantize(Decimal("0.01"))) if rng.random() < 0.5 else None
    description = f"我反映{party}涉嫌{'、'.join(categories)}的问题。{rng.choice(WHAT_I_SAW)}{rng.choice(ASKED)}"
    # The same keys as intake._content_document, with a random salt (never from the seed).
    return {
        "party_name": party,
        "occurred_on": occurred.isoformat() if occurred else None,
        "amount": amount,
        "description": description,
    }


def _plan(
    rng: random.Random,
    until: date,
    categories: list[tuple[int, str]],
    measures: list[int],
    regions: list[str],
    assignees: int,
    forced_status: str | None,
) -> _Plan:
    received_at = _received_moment(rng, date(FIRST_YEAR, 1, 1), until)
    limit = datetime.combine(until, time(23, 59, 59), tzinfo=deadlines.CHINA_TZ)
    age = (until - received_at.date()).days
    status = forced_status or _status_for_age(rng, age)
    chosen = rng.sample(categories, min(len(categories), rng.choice([1, 1, 1, 2, 2, 3])))
    party_type = _weighted(rng, PARTIES)
    region = rng.choice(regions)
    real_name = rng.random() < 0.3
    identity = None
    if real_name:
        identity = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": _id_number(rng),
            "phone": f"1{rng.choice('3456789')}{rng.randint(0, 10**9 - 1):09d}",
            "contact_preference": rng.choice(["portal", "portal", "phone", "sms"]),
        }
    plan = _Plan(
        received_at=received_at,
        channel=_weighted(rng, CHANNELS),
        party_type=party_type,
        region=region,
        category_ids=sorted(pk for pk, _name in chosen),
        real_name=real_name,
        status=status,
        content=_content(rng, party_type, region, [name for _pk, name in chosen], received_at.date()),
        identity=identity,
    )

    def later(moment, low_days, high_days):
        return min(moment + timedelta(days=rng.randint(low_days, high_days), hours=rng.randint(0, 8)), limit)

    if status == Status.RECEIVED:
        return plan
    plan.decided_at = later(received_at, 1, 20)
    if status == Status.REJECTED:
        plan.rejection_reason = rng.choice(RejectionReason.values)
        return plan
    if status == Status.ACCEPTED:
        return plan
    plan.assigned_at = later(plan.decided_at, 0, 5)
    if status == Status.ASSIGNED and rng.random() < 0.2:
        plan.referred_to = f"{'临沧市' if region in ('市本级', '不清楚') else region}{rng.choice(REFERRED_TO)}"
        return plan
    plan.assignee_index = rng.randrange(assignees)
    if status == Status.ASSIGNED:
        return plan
    plan.started_at = later(plan.assigned_at, 0, 6)
    if status == Status.INVESTIGATING:
        return plan
    plan.concluded_at = later(plan.started_at, 7, 85)
    plan.outcome = _weighted(rng, OUTCOMES)
    if plan.outcome != Outcome.UNFOUNDED:
        plan.verified_amount = (Decimal(rng.randint(10_000, 50_000_000)) / 100).quantize(Decimal("0.01"))
        plan.measure_ids = sorted(rng.sample(measures, min(len(measures), rng.randint(1, 3))))
    if status == Status.FED_BACK:
        plan.fed_back_at = later(plan.concluded_at, 1, 12)
    return plan


class _Deadlines:
    """The acceptance and investigation deadlines as ``deadlines.deadline_for`` gives them, from a table.

    ``deadline_for`` walks the calendar a day at a time (about 1 ms for 15 working days, 3 ms for 60),
    which for 100,000 reports is many seconds even once per day. The table says, for every day of
    the run's range, whether ``deadline_for`` counts it as a working day (the holiday calendar where
    it knows the year, Monday to Friday beyond, which makes a date provisional), as a running count;
    the n-th working day after a start is then a bisection. The scale-data tests compare it with
    ``deadline_for`` day by day; a date outside the table is asked of ``deadline_for`` itself.
    """

    def __init__(self, first: date, last: date):
        self.first = first
        self.running: list[int] = []
        count, day = 0, first
        while day <= last:
            if deadlines.FIRST_KNOWN_YEAR <= day.year <= deadlines.LAST_KNOWN_YEAR:
                count += deadlines.is_working_day(day)
            else:
                count += day.weekday() < 5
            self.running.append(count)
            day += timedelta(days=1)
        self.acceptance_days = getattr(
            settings, "PORTAL_ACCEPTANCE_WORKING_DAYS", deadlines.DEFAULT_ACCEPTANCE_WORKING_DAYS
        )
        self.investigation_days = case_deadlines.investigation_days()

    def due(self, start: date, working_days: int) -> tuple[date, bool]:
        """(due date, provisional) of ``deadlines.deadline_for(start, working_days, …)``."""
        index = (start - self.first).days
        if working_days == 0 and 0 <= index < len(self.running):
            return start, False
        if 0 <= index < len(self.running):
            found = bisect_left(self.running, self.running[index] + working_days, lo=index + 1)
            if found < len(self.running):
                due = self.first + timedelta(days=found)
                return due, due.year > deadlines.LAST_KNOWN_YEAR
        deadline = deadlines.deadline_for(start, working_days, "")
        return deadline.due, deadline.provisional

    def accept(self, moment: datetime) -> tuple[date, bool]:
        return self.due(deadlines.local_date(moment), self.acceptance_days)

    def investigate(self, moment: datetime) -> tuple[date, bool]:
        return self.due(deadlines.local_date(moment), self.investigation_days)


def _canonical(value) -> bytes:
    """As intake seals content: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _message(report: Report, dek: crypto.DataKey, text: str, kind: str, at: datetime) -> ReportMessage:
    message = ReportMessage(id=uuid.uuid4(), report=report, sender=Sender.STAFF, kind=kind, created_at=at)
    message.body = crypto.seal(dek, text.encode("utf-8"), report_id=report.report_id, field=message.sealed_field_name)
    return message


def _seal(plan: _Plan, keyring, deadline_cache: _Deadlines, staff: list, today: date):
    """The report of a plan, sealed, and the messages it was sent (unsaved)."""
    report = Report(
        id=uuid.uuid4(),
        received_at=plan.received_at,
        channel=plan.channel,
        status=plan.status,
        party_type=plan.party_type,
        region=plan.region,
        real_name=plan.real_name,
        # A random value no code hashes to: see the module docstring.
        code_digest=secrets.token_hex(32),
        code_key_wrap=NO_CODE_WRAP,
        processed_at=plan.received_at + timedelta(minutes=1),
    )
    rid = report.report_id
    dek = crypto.DataKey.generate()
    report.staff_key_wrap = keyring.wrap(dek, report_id=rid)
    content = _canonical({**plan.content, "salt": secrets.token_hex(16)})
    report.content = crypto.seal(dek, content, report_id=rid, field="content")
    if plan.identity is not None:
        report.identity = crypto.seal(dek, _canonical(plan.identity), report_id=rid, field="identity")
    report.submission_digest = intake.submission_digest(content, [])
    report.acceptance_due, report.acceptance_due_provisional = deadline_cache.accept(plan.received_at)

    messages = []
    changed = plan.received_at
    if plan.decided_at is not None:
        report.decided_at = changed = plan.decided_at
        if plan.status == Status.REJECTED:
            report.rejection_reason = plan.rejection_reason
            text = DECISION_TEXTS[plan.rejection_reason]
            messages.append(_message(report, dek, text, MessageKind.DECISION, plan.decided_at))
        else:
            report.investigation_due, report.investigation_due_provisional = deadline_cache.investigate(plan.decided_at)
            if plan.real_name:
                messages.append(_message(report, dek, DECISION_TEXTS["accept"], MessageKind.DECISION, plan.decided_at))
    if plan.assigned_at is not None:
        changed = plan.assigned_at
        report.referred_to = plan.referred_to
        if plan.assignee_index is not None:
            report.assignee = staff[plan.assignee_index % len(staff)]
    if plan.started_at is not None:
        changed = plan.started_at
    if plan.concluded_at is not None:
        report.concluded_at = changed = plan.concluded_at
        report.outcome, report.verified_amount = plan.outcome, plan.verified_amount
    if plan.fed_back_at is not None:
        changed = plan.fed_back_at
        messages.append(_message(report, dek, FEEDBACK_TEXTS[plan.outcome], MessageKind.FEEDBACK, plan.fed_back_at))
    report.status_changed_at = changed

    # Open reports past their step's due date are overdue, as the reminder task would have marked them.
    step = case_deadlines.current_step(report)
    if step is not None:
        due_field, _provisional = case_deadlines.STEP_FIELDS[step]
        due_day = getattr(report, due_field)
        if due_day is not None and due_day < today:
            report.overdue_since = case_deadlines.first_overdue_day(due_day)
    return report, messages


def _reserve_numbers(year: int, count: int) -> int:
    """Take ``count`` numbers of ``year`` from the counter (inside the caller's transaction, which
    holds the row lock until commit, as ``intake.next_report_number`` does); returns the first."""
    counter = ReportCounter.objects.filter(year=year)
    if not counter.update(last=F("last") + count):
        try:
            with transaction.atomic():
                ReportCounter.objects.create(year=year, last=count)
        except IntegrityError:  # created meanwhile by a submission
            counter.update(last=F("last") + count)
    return counter.get().last - count + 1


def _m2m_rows(name: str, pairs) -> list:
    relation = Report._meta.get_field(name)
    through = relation.remote_field.through
    source, target = relation.m2m_field_name() + "_id", relation.m2m_reverse_field_name() + "_id"
    return [through(**{source: a, target: b}) for a, b in pairs]


def generate_reports(
    total: int, *, seed, until: date, batch_size: int = 2000, progress: ProgressCallback | None = None
) -> ReportCounts:
    """Make ``total`` sealed reports received from 2019 to ``until``; see the module docstring."""
    progress = progress or (lambda label, done, of: None)
    counts = ReportCounts()
    if total <= 0:
        return counts
    # Seeded on purpose, for the fake content and states only; every key and salt is from secrets.
    rng = random.Random(f"scale-reports/{seed}")  # noqa: S311 # nosec B311
    categories = list(ViolationCategory.objects.order_by("sort_order", "pk").values_list("pk", "name"))
    measures = list(Measure.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    if not categories:
        raise ValueError("The violation categories are empty: run the migrations first.")
    keyring = keys.intake_keyring()
    receipt_keys = receipts.receipt_keys()
    staff = investigators()
    regions = region_names()
    # The first reports take every status once, so that a small run has them all.
    forced = list(Status.values)
    plans = [
        _plan(rng, until, categories, measures, regions, len(staff), forced[n] if n < len(forced) else None)
        for n in range(total)
    ]
    # Numbers follow the time of receipt within a year, as intake gives them.
    plans.sort(key=lambda plan: plan.received_at)
    deadline_cache = _Deadlines(date(FIRST_YEAR - 1, 12, 1), until + timedelta(days=400))
    today = until + timedelta(days=1)  # the day of the run: nothing is received on it

    for start in range(0, total, batch_size):
        chunk = plans[start : start + batch_size]
        sealed = [_seal(plan, keyring, deadline_cache, staff, today) for plan in chunk]
        years = Counter(timezone.localdate(plan.received_at).year for plan in chunk)
        with transaction.atomic():
            next_number = {year: _reserve_numbers(year, count) for year, count in sorted(years.items())}
            reports = []
            for plan, (report, _messages) in zip(chunk, sealed, strict=True):
                year = timezone.localdate(plan.received_at).year
                report.number = f"{year}-{next_number[year]:06d}"
                next_number[year] += 1
                receipt = receipts.issue_receipt(
                    report.number, report.received_at, report.submission_digest, keys=receipt_keys
                )
                report.receipt_key_id, report.receipt_signature = receipt.key_id, receipt.signature
                reports.append(report)
            Report.objects.bulk_create(reports, batch_size=batch_size)
            links = _m2m_rows(
                "categories", [(r.pk, c) for r, p in zip(reports, chunk, strict=True) for c in p.category_ids]
            )
            links[0].__class__.objects.bulk_create(links, batch_size=batch_size)
            measure_links = _m2m_rows(
                "measures", [(r.pk, m) for r, p in zip(reports, chunk, strict=True) for m in p.measure_ids]
            )
            if measure_links:
                measure_links[0].__class__.objects.bulk_create(measure_links, batch_size=batch_size)
            messages = [message for _report, report_messages in sealed for message in report_messages]
            ReportMessage.objects.bulk_create(messages, batch_size=batch_size)
        counts.reports += len(reports)
        counts.messages += len(messages)
        counts.category_links += len(links)
        counts.by_status.update(report.status for report in reports)
        progress("reports", start + len(chunk), total)
    return counts
