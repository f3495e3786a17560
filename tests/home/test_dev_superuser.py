import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

# secrets.token_urlsafe(12) is 16 URL-safe characters, printed at the end of its line.
PRINTED_PASSWORD = re.compile(r"[:：]\s*([A-Za-z0-9_-]{16})\s*$", re.MULTILINE)


def run_command():
    out = StringIO()
    call_command("ensure_dev_superuser", stdout=out)
    return out.getvalue()


def test_first_run_creates_admin_and_prints_a_working_password(settings):
    settings.DEBUG = True

    output = run_command()

    [password] = PRINTED_PASSWORD.findall(output)
    user = authenticate(username="admin", password=password)
    assert user is not None
    assert user.is_superuser and user.is_staff


def test_second_run_keeps_the_account_and_prints_no_password(settings):
    settings.DEBUG = True
    [password] = PRINTED_PASSWORD.findall(run_command())

    output = run_command()

    assert PRINTED_PASSWORD.findall(output) == []
    assert password not in output
    assert "changepassword admin" in output
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert authenticate(username="admin", password=password) is not None


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        run_command()
    assert not get_user_model().objects.filter(username="admin").exists()
