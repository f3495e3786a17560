"""A staff member who lost their phone gets a fresh second-factor set-up, with an audit event."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.audit import AuditEvent

pytestmark = pytest.mark.django_db


def test_resetting_deletes_the_devices_and_is_audited():
    user = get_user_model().objects.create_user("hecha", password="x")
    TOTPDevice.objects.create(user=user, name="old phone", confirmed=True)
    out = StringIO()
    call_command("reset_two_factor", "hecha", stdout=out)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert "Deleted 1" in out.getvalue()
    event = AuditEvent.objects.get(action="account.reset_two_factor")
    assert event.details["user"] == user.pk and event.details["devices"] == 1


def test_an_unknown_user_is_named():
    with pytest.raises(CommandError, match="nobody"):
        call_command("reset_two_factor", "nobody")
