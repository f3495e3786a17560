"""What the database keeps of a report: triage fields in clear, everything the reporter gave sealed.

Every ``BinaryField`` here holds an envelope of ``reports/crypto.py`` sealed under the report's own
data key, with the report's ``id`` and the field's slot name (``sealed_field_name``) as associated
data. The data key itself is kept only wrapped: to the bureau's key (``staff_key_wrap``) and under
the tracking code (``code_key_wrap``). Ciphertexts live in the database rather than in media
storage so that a submission is one transaction: report, files and keys together or not at all.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyType(models.TextChoices):
    INSTITUTION = "institution", _("Designated medical institution")
    PHARMACY = "pharmacy", _("Designated retail pharmacy")
    INSURED = "insured", _("Insured person")
    AGENCY = "agency", _("Medical insurance agency")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("Hotline")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("In person")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Under investigation")
    CONCLUDED = "concluded", _("Concluded")
    FED_BACK = "fed_back", _("Result given")


#: What each status means for the reporter, in plain words (status page).
STATUS_EXPLANATIONS = {
    Status.RECEIVED: _("We have received your report and are deciding whether to accept it."),
    Status.ACCEPTED: _("Your report has been accepted and will be investigated."),
    Status.REJECTED: _("After review your report was not accepted; the reason is in the reply below."),
    Status.ASSIGNED: _("Your report has been passed to an investigator or to the authority responsible for it."),
    Status.INVESTIGATING: _(
        "The matter you reported is being investigated; the investigator may ask you questions on this page."
    ),
    Status.CONCLUDED: _("The investigation is finished; you will be told the outcome on this page."),
    Status.FED_BACK: _("The outcome has been given to you; please read the reply below."),
}


class RejectionReason(models.TextChoices):
    """The grounds for not accepting a report (from the provincial rules, see shared/DOMAIN.md)."""

    NOT_FUND_MATTER = "not_fund_matter", _("Not a matter of medical insurance funds")
    NO_TARGET_OR_FACTS = "no_target_or_facts", _("No clear target or facts")
    ALREADY_UNDER_INVESTIGATION = "under_investigation", _("Already accepted and still under investigation")
    REPEATED_WITHOUT_NEW_CLUES = "repeated", _("Already concluded; repeated without new clues")
    UPHELD_BY_HIGHER_BUREAU = "upheld_above", _("Already reviewed by the higher bureau and upheld")
    FOR_COURTS_OR_REVIEW = "other_procedure", _("A matter for the courts, arbitration or administrative review")


class Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNFOUNDED = "unfounded", _("Not substantiated")


class ReportQuerySet(models.QuerySet):
    def without_ciphertext(self):
        """Listings never need the sealed blobs; leave them in the database."""
        return self.defer("content", "identity", "staff_key_wrap", "code_key_wrap", "code_resend")

    def unprocessed(self):
        return self.filter(processed_at__isnull=True)


class Report(models.Model):
    # The stable identifier every ciphertext of the report is bound to; never reused, survives a
    # dump and restore (a row number would not).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Public, not a secret, opens nothing: quoted in letters and phone calls. Given at the end of
    # the submitting transaction (reports/numbering.py), hence nullable for that instant.
    number = models.CharField(_("report number"), max_length=20, unique=True, null=True)  # noqa: DJ001
    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed at"))

    # Triage fields, in clear (DESIGN.md): enough to route a report, nothing that identifies.
    party_type = models.CharField(_("reported party type"), max_length=16, choices=PartyType.choices, db_index=True)
    region = models.CharField(_("region"), max_length=40, db_index=True)
    categories = models.ManyToManyField(
        "disclosures.ViolationCategory", verbose_name=_("violation categories"), related_name="reports"
    )
    real_name = models.BooleanField(_("real-name report"), default=False)
    # Case work (reports/workflow.py), in clear: who handles it and what came of it, never content.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("investigator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_reports",
    )
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    rejection_reason = models.CharField(
        _("reason for not accepting"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, db_index=True)
    verified_amount = models.DecimalField(
        _("verified amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    measures = models.ManyToManyField(
        "disclosures.Measure", verbose_name=_("measures taken"), related_name="reports", blank=True
    )
    # Reports about the same facts: each later one points at the earliest, which carries the case.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_reports"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    # Deadline of the investigation (set when the report is accepted; reports/deadlines.py), and the
    # bookkeeping of reminders: the day the last reminder went out, the day the report became overdue.
    investigation_due = models.DateField(_("investigation due"), null=True, blank=True)
    investigation_due_provisional = models.BooleanField(default=False)
    reminded_on = models.DateField(null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True, db_index=True)
    # Who typed in a report taken by telephone, letter or visit (channel says which).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="registered_reports"
    )
    acceptance_due = models.DateField(_("acceptance due"), null=True, blank=True)
    acceptance_due_provisional = models.BooleanField(default=False)

    # Keys and sealed content.
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    staff_key_wrap = models.BinaryField(editable=False)
    code_key_wrap = models.BinaryField(editable=False)
    content = models.BinaryField(editable=False)
    identity = models.BinaryField(null=True, editable=False)

    # The signed receipt, so that the reporter can download it again from the status page.
    submission_digest = models.CharField(max_length=64, editable=False)
    receipt_key_id = models.CharField(max_length=40, editable=False)
    receipt_signature = models.BinaryField(editable=False)

    # Double-submit guard: the digest of the form's one-time token, and the code sealed under that
    # token so a reload of the result page shows the same code again (cleared once confirmed).
    # NULL, not "", when absent: many reports have none and the column is unique.
    intake_token_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    code_resend = models.BinaryField(null=True, editable=False)

    # Set once the after-commit tasks (notification) have run; the sweep finds the rest.
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        # The staff queue (reports/case_views.py) lists newest first, filtered by status, region,
        # category (the M2M table's keys), investigator (the foreign key's index) or overdue: a
        # step's statuses with its due date past.
        indexes = [
            models.Index(fields=["status", "-received_at"], name="report_status_received_idx"),
            models.Index(fields=["region", "-received_at"], name="report_region_received_idx"),
            models.Index(fields=["status", "acceptance_due"], name="report_status_accept_due_idx"),
            models.Index(fields=["status", "investigation_due"], name="report_status_invest_due_idx"),
        ]
        # Checked on every staff view and every workflow transition (reports/workflow.py); the
        # groups that hold them are created by a migration.
        permissions = [
            ("view_all_reports", _("See every report, not only those assigned to oneself")),
            ("register_report", _("Register a report taken by telephone, letter or visit")),
            ("decide_report", _("Accept a report or decline to accept it")),
            ("assign_report", _("Assign a report to an investigator or refer it elsewhere")),
            ("merge_report", _("Merge reports about the same facts into one case")),
            ("investigate_report", _("Investigate an assigned report and conclude it")),
            ("give_feedback", _("Give the reporter the outcome")),
            ("extend_deadline", _("Extend a deadline, with its legal reason")),
            ("request_identity", _("Ask to see a real-name reporter's identity")),
            ("grant_identity", _("Grant or refuse requests to see a reporter's identity")),
            ("view_report_statistics", _("See the report statistics")),
        ]

    def __str__(self):
        return self.number or str(self.id)

    @property
    def report_id(self) -> str:
        """The identifier bound into every ciphertext of this report."""
        return str(self.id)

    @property
    def status_explanation(self):
        return STATUS_EXPLANATIONS[self.status]


class Sender(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    STAFF = "staff", _("Bureau staff")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    INFO_REQUEST = "info_request", _("Request for more information")
    DECISION = "decision", _("Decision on acceptance")
    FEEDBACK = "feedback", _("Outcome")
    IDENTITY = "identity", _("Identity change")


class ReportMessage(models.Model):
    """One message between the reporter and the bureau; its text is sealed under the report's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=16, choices=Sender.choices)
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    body = models.BinaryField(editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_sender_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def sealed_field_name(self) -> str:
        return f"message/{self.id}"


class EvidenceFile(models.Model):
    """One sanitised evidence file. Its name, type and bytes are all sealed: a file name alone can
    identify a reporter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey(
        ReportMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    added_at = models.DateTimeField()
    # The order the reporter attached the files in, within one submission or message.
    position = models.PositiveSmallIntegerField(default=0)
    # Sealed JSON: name, content type, size and SHA-256 of the sanitised bytes.
    meta = models.BinaryField(editable=False)
    data = models.BinaryField(editable=False)

    class Meta:
        ordering = ["added_at", "position"]

    def __str__(self):
        return f"evidence {self.id}"

    @property
    def sealed_meta_name(self) -> str:
        return f"evidence/{self.id}/meta"

    @property
    def sealed_data_name(self) -> str:
        return f"evidence/{self.id}/data"


class DeadlineStep(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Decision on acceptance")
    INVESTIGATION = "investigation", _("Investigation")


class DeadlineExtension(models.Model):
    """A lawful extension of a deadline, with its reason; the report's due date moves with it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deadline_extensions")
    step = models.CharField(_("step"), max_length=16, choices=DeadlineStep.choices)
    previous_due = models.DateField(_("previous due date"))
    new_due = models.DateField(_("new due date"))
    reason = models.TextField(_("reason and legal basis"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.report} {self.step}: {self.previous_due} → {self.new_due}"


class AccessDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class IdentityAccessRequest(models.Model):
    """A staff member's reasoned request to see a real-name reporter's identity, decided by a custodian
    (a holder of ``grant_identity``); both steps are audited."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identity_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("requested at"))
    decision = models.CharField(
        _("decision"), max_length=16, choices=AccessDecision.choices, default=AccessDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    # A grant is for a limited time; seeing the identity afterwards needs a new request.
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.report} {self.requested_by}: {self.decision}"


class ReportCounter(models.Model):
    """The last report number given in a year; incremented under a row lock (reports/numbering.py)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


from .audit import AuditEvent  # noqa: E402, F401
from .reward_decisions import RewardDecision, RewardExclusion  # noqa: E402, F401
from .reward_models import RewardScheme, RewardSchemeVersion  # noqa: E402, F401
