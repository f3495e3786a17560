"""Reports and staff for the deadline tests: report rows with their case fields only."""

import uuid
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from reports import deadlines
from reports.models import Report, Status


def beijing(year, month, day, hour=10):
    """An aware moment given in Beijing time."""
    return datetime(year, month, day, hour, tzinfo=deadlines.CHINA_TZ).astimezone(UTC)


def plain_report(number="2026-900001", *, status=Status.RECEIVED, **fields) -> Report:
    """A report row with its case fields only (placeholder ciphertexts: nothing here opens it), so
    that no keyring is needed and nothing is queued."""
    now = timezone.now()
    values = {
        "number": number,
        "received_at": now,
        "status_changed_at": now,
        "status": status,
        "party_type": "institution",
        "region": "临翔区",
        "code_digest": uuid.uuid4().hex,
        "staff_key_wrap": b"-",
        "code_key_wrap": b"-",
        "content": b"-",
        "submission_digest": "0" * 64,
        "receipt_key_id": "test",
        "receipt_signature": b"-",
        "processed_at": now,
    }
    values.update(fields)
    return Report.objects.create(**values)


def staff_user(username, *codenames, email=""):
    """A user holding the given permissions of reports.Report (by codename)."""
    user = get_user_model().objects.create_user(username, email=email, password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache
