"""Reward decisions (issue 7, "Decision and payment"): one decision per rewarded reporter's report,
from proposal through review and approval to the reporter's claim (or waiver, or lapse) and payment.

The rules live in ``reports/reward_flow.py``; this module only stores. The payee's details (name, ID
number, bank, account) are sealed under the report's own data key (field ``reward/payee``), like the
rest of what the reporter gives. A paid decision never changes (``save`` refuses).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PAYEE_FIELD = "reward/payee"


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    SENT_BACK = "sent_back", _("Sent back")
    CLAIMED = "claimed", _("Claimed, payment pending")
    WAIVED = "waived", _("Waived")
    LAPSED = "lapsed", _("Lapsed")
    PAID = "paid", _("Paid")


class DecisionLocked(ValueError):
    """A paid reward decision was about to be changed."""


class RewardDecision(models.Model):
    report = models.ForeignKey(
        "reports.Report", verbose_name=_("report"), on_delete=models.PROTECT, related_name="reward_decisions"
    )
    scheme_version = models.ForeignKey(
        "reports.RewardSchemeVersion", verbose_name=_("scheme version"), on_delete=models.PROTECT, related_name="+"
    )
    case_value = models.DecimalField(_("case value (yuan)"), max_digits=14, decimal_places=2)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    subject_type = models.CharField(_("who caused the loss"), max_length=16, blank=True)
    insider = models.BooleanField(_("insider"), default=False)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    reasoning = models.JSONField(_("reasoning"), default=list)
    checks = models.JSONField(_("eligibility checks"), default=list)
    excluded_reason = models.TextField(_("exclusion note"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=DecisionState.choices, default=DecisionState.PROPOSED, db_index=True
    )
    sent_back_reason = models.TextField(_("reason for sending back"), blank=True)

    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_back_at = models.DateTimeField(_("sent back at"), null=True, blank=True)
    claim_due = models.DateField(_("claim by"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    waived = models.BooleanField(_("waived"), default=False)
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    lapsed_on = models.DateField(_("lapsed on"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Sealed JSON (name, id_number, bank_name, account) under the report's data key.
    payee = models.BinaryField(null=True, editable=False)

    class Meta:
        app_label = "reports"
        ordering = ["-proposed_at"]
        verbose_name = _("reward decision")
        verbose_name_plural = _("reward decisions")
        permissions = [
            ("propose_reward", _("Propose a reward")),
            ("review_reward", _("Review a proposed reward")),
            ("approve_reward", _("Approve a reviewed reward")),
            ("export_reward_payments", _("Export claimed rewards for payment")),
            ("mark_reward_paid", _("Mark a reward as paid")),
        ]

    def __str__(self):
        return f"{self.report} {self.amount} ({self.state})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored_state = type(self).objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored_state == DecisionState.PAID:
                raise DecisionLocked("A paid reward cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.state == DecisionState.PAID:
            raise DecisionLocked("A paid reward cannot be deleted.")
        return super().delete(*args, **kwargs)


class RewardExclusion(models.Model):
    """A reporter found excluded from rewards (e.g. staff with a duty to report, or involved in the
    wrongdoing). The reward then goes to the first reporter of the case who is not excluded."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="reward_exclusion")
    reason = models.TextField(_("reason for exclusion"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    def __str__(self):
        return f"{self.report}: excluded"
