"""Reward schemes (举报奖励方案) as data: a scheme and its immutable versions.

A ``RewardScheme`` says what a scheme is (name, region, legal basis, whether it is only an
illustration). Everything the calculation uses lives on a ``RewardSchemeVersion``: validity, floor,
cap, rounding, kind and the rules JSON. A version never changes once saved (only a still-open end
date may be set); a change of the rules is a new version (``scheme.new_version(...)``, or adding a
version in the admin), which ends the previous one the day before it starts. A reward decision can
therefore point at a version and be reproduced from it for ever.

The version that applies to a report is the one whose validity covers the report's received date in
Beijing (``scheme.version_for_received(report.received_at)``). The calculation is
``reports/rewards.py``, which works on ``SchemeRules.from_version(version)``.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rewards
from .deadlines import local_date


class SchemeKind(models.TextChoices):
    GRADE = rewards.Kind.GRADE, _("By evidence grade")
    SUBJECT = rewards.Kind.SUBJECT, _("By who caused the loss")
    BRACKETS = rewards.Kind.BRACKETS, _("Segmented cumulative brackets")
    FIXED = rewards.Kind.FIXED, _("Fixed amount")


class RoundingRule(models.TextChoices):
    HALF_UP = rewards.Rounding.HALF_UP, _("Half up to the fen")
    DOWN = rewards.Rounding.DOWN, _("Down to the fen")


class VersionImmutable(ValueError):
    """A saved scheme version was about to be changed; make a new version instead."""


class NoVersionInForce(LookupError):
    """No version of the scheme covers the date asked for."""


class RewardScheme(models.Model):
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=60)
    legal_basis = models.TextField(_("legal basis"))
    illustrative = models.BooleanField(
        _("illustrative only"), default=False, help_text=_("Not any region's actual rule; the note says so everywhere.")
    )
    illustrative_note = models.TextField(_("illustration note"), blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("reward scheme")
        verbose_name_plural = _("reward schemes")

    def __str__(self):
        if self.illustrative:
            return f"{self.name}（{self.illustrative_note or _('illustrative only')}）"
        return self.name

    def clean(self):
        super().clean()
        if self.illustrative and not self.illustrative_note.strip():
            raise ValidationError({"illustrative_note": _("Say why the scheme is only an illustration.")})

    def version_on(self, day: date) -> "RewardSchemeVersion":
        """The version in force on ``day`` (a Beijing calendar date)."""
        version = (
            self.versions.filter(valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
            .order_by("-number")
            .first()
        )
        if version is None:
            raise NoVersionInForce(f"Scheme {self.slug} has no version in force on {day.isoformat()}.")
        return version

    def version_for_received(self, received_at: datetime) -> "RewardSchemeVersion":
        """The version in force on the Beijing date a report was received (``Report.received_at``)."""
        return self.version_on(local_date(received_at))

    def new_version(self, *, valid_from: date, **fields) -> "RewardSchemeVersion":
        """Add the next version (floor, cap, kind, rules, rounding, valid_until as keyword arguments);
        the version still open ends the day before ``valid_from``."""
        version = RewardSchemeVersion(scheme=self, valid_from=valid_from, **fields)
        version.full_clean(exclude=["number"])
        version.save()
        return version


#: What a decision depends on: never changed once a version is saved.
IMMUTABLE_FIELDS = ("scheme_id", "number", "valid_from", "floor", "cap", "rounding", "kind", "rules")

_MONEY = {"max_digits": 9, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class RewardSchemeVersion(models.Model):
    scheme = models.ForeignKey(
        RewardScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"), editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Last day it applies; empty while in force.")
    )
    floor = models.DecimalField(_("floor (yuan)"), **_MONEY)
    cap = models.DecimalField(
        _("cap (yuan)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(rewards.NATIONAL_CAP)],
    )
    rounding = models.CharField(
        _("rounding"), max_length=16, choices=RoundingRule.choices, default=RoundingRule.HALF_UP
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SchemeKind.choices)
    rules = models.JSONField(
        _("rules"),
        help_text=_(
            'Amounts and shares as strings, e.g. grade: {"grades": [{"grade": 1, "share": "0.03", "floor": "400"}], '
            '"insider_bonus": "0.20"}; subject: {"institution": [{"up_to": "500000", "share": "0.02", "floor": "500"}, '
            '{"up_to": null, "share": "0.04"}], "individual": [...], "floor": "500"}; brackets: {"brackets": '
            '[{"up_to": "100000", "share": "0.05"}, {"up_to": null, "share": "0.03"}]}; fixed: {"amount": "500"}.'
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["scheme", "number"]
        verbose_name = _("reward scheme version")
        verbose_name_plural = _("reward scheme versions")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="reward_version_number_unique"),
            models.CheckConstraint(
                condition=Q(floor__gte=0) & Q(cap__gte=models.F("floor")) & Q(cap__lte=rewards.NATIONAL_CAP),
                name="reward_version_floor_cap",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="reward_version_validity",
            ),
        ]

    def __str__(self):
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.scheme} v{self.number} ({self.valid_from.isoformat()}–{until})"

    def save(self, *args, **kwargs):
        stored = self._stored()
        if stored is not None:
            errors = self._change_errors(stored)
            if errors:
                raise VersionImmutable(
                    f"Version {stored.number} of scheme {stored.scheme.slug} cannot change "
                    f"({', '.join(sorted(errors))}); use scheme.new_version(...)."
                )
            super().save(*args, **kwargs)
            return
        errors = self._value_errors()
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            # Serialise versions of one scheme: numbers and end dates are read and written under the lock.
            RewardScheme.objects.select_for_update().filter(pk=self.scheme_id).first()
            errors = self._start_errors()
            if errors:
                raise ValidationError(errors)
            latest = self.scheme.versions.order_by("-number").first()
            if self.number is None:
                self.number = latest.number + 1 if latest else 1
            if latest is not None and (latest.valid_until is None or latest.valid_until >= self.valid_from):
                # The only change a saved version ever gets: its end, the day before its successor starts.
                type(self).objects.filter(pk=latest.pk).update(valid_until=self.valid_from - timedelta(days=1))
            super().save(*args, **kwargs)

    # --- Validation -------------------------------------------------------------------------------

    def _normalise_money(self) -> dict:
        errors = {}
        for name in ("floor", "cap"):
            try:
                setattr(self, name, self._meta.get_field(name).to_python(getattr(self, name)))
            except ValidationError as error:
                errors[name] = error.messages
        return errors

    def _value_errors(self) -> dict:
        errors = self._normalise_money()
        if errors:
            return errors
        if self.cap is not None and self.cap > rewards.NATIONAL_CAP:
            errors["cap"] = _("The cap is at most 200,000 yuan per case (national measures).")
        elif self.cap is not None and self.floor is not None and self.cap < self.floor:
            errors["cap"] = _("The cap must not be below the floor.")
        if self.valid_until is not None and self.valid_from is not None and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date must not be before the start date.")
        try:
            parsed = rewards.parse_rules(self.kind, self.rules)
        except rewards.RulesError as error:
            errors["rules"] = str(error)
        else:
            if self.cap is not None and any(floor > self.cap for floor in rewards.rule_floors(parsed)):
                errors["rules"] = _("A floor or fixed amount in the rules is above the cap.")
        return errors

    def _stored(self):
        if self._state.adding or self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).first()

    def _change_errors(self, stored) -> dict:
        errors = self._normalise_money()
        changed = [name for name in IMMUTABLE_FIELDS if getattr(stored, name) != getattr(self, name)]
        if changed:
            message = _("A saved version never changes; add a new version instead.")
            errors.update({name.removesuffix("_id"): message for name in changed})
        if stored.valid_until != self.valid_until and self.has_successor():
            errors["valid_until"] = _("A later version exists; this version's end date is fixed.")
        return errors

    def _start_errors(self) -> dict:
        latest = self.scheme.versions.order_by("-number").first() if self.scheme_id else None
        if latest is not None and self.valid_from is not None and self.valid_from <= latest.valid_from:
            return {
                "valid_from": _("A new version must start after the current one (from %(day)s).")
                % {"day": latest.valid_from.isoformat()}
            }
        return {}

    def has_successor(self) -> bool:
        return RewardSchemeVersion.objects.filter(scheme_id=self.scheme_id, number__gt=self.number).exists()

    def clean(self):
        super().clean()
        errors = self._value_errors()
        stored = self._stored()
        errors.update(self._change_errors(stored) if stored is not None else self._start_errors())
        if errors:
            raise ValidationError(errors)
