"""portal/db_unavailable.py in process, on any database: a database that fails every query gives the
reader the 503 page, the reporter is told the report was not received, and other errors stay 500s.
The real outage (a proxy cutting PostgreSQL under gunicorn) is tests/portal/test_faults_postgres.py."""

import logging

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.db.backends import utils
from django.test import Client
from django.urls import reverse
from django.utils import translation

from reports import intake
from reports.models import Report

from ..reports.test_report_views import form_data

pytestmark = pytest.mark.django_db


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def database_down(monkeypatch):
    """From now on every query of this process fails as if PostgreSQL had gone away."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    def switch():
        monkeypatch.setattr(utils.CursorWrapper, "_execute", refuse)
        monkeypatch.setattr(utils.CursorWrapper, "_executemany", refuse)

    return switch


def assert_503_page(response):
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit() and int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    assert "服务暂时不可用" in body and "12393" in body and "Connection refused" not in body
    return body


@pytest.mark.parametrize("path", ["/", "/about/", "/report/", "/search/?q=挂床"])
def test_pages_answer_503_when_no_query_succeeds(client, demo, database_down, path):
    database_down()
    body = assert_503_page(client.get(path))
    assert zh("Please try again in a few minutes.") in body
    assert 'id="not-received"' not in body


def test_a_report_sent_while_the_database_is_down_is_said_not_received(client, demo, monkeypatch, caplog):
    data = form_data()

    def unreachable(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(intake, "submit", unreachable)
    with caplog.at_level(logging.INFO):
        response = client.post(reverse("reports:submit"), data)

    body = assert_503_page(response)
    assert zh("Your report was NOT received.") in body and 'id="tracking-code"' not in body
    assert Report.objects.count() == 0
    assert "Database unavailable (InterfaceError, SQLSTATE -): answered 503." in caplog.messages
    logged = "\n".join(caplog.messages)
    assert data["description"] not in logged and data["party_name"] not in logged and "127.0.0.1" not in logged


def test_another_form_sent_while_the_database_is_down_is_said_not_received(client, demo, database_down):
    database_down()
    body = assert_503_page(client.post(reverse("reports:status"), {"code": "0000-0000-0000-0000-0"}))
    assert zh("What you sent was NOT received.") in body
    assert zh("Your report was NOT received.") not in body


def test_errors_that_are_bugs_stay_server_errors(demo, monkeypatch):
    def broken(*args, **kwargs):
        raise ProgrammingError("relation does not exist")

    monkeypatch.setattr(intake, "submit", broken)
    response = Client(raise_request_exception=False).post(reverse("reports:submit"), form_data())
    assert response.status_code == 500


def test_with_debug_on_the_developer_gets_the_traceback(demo, database_down, settings):
    settings.DEBUG = True
    database_down()
    with pytest.raises(OperationalError):
        Client().get("/about/")


def test_a_signed_in_user_whose_session_cannot_load_gets_the_503_page(demo, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import UserFactory

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(superuser=True))

    def refuse(self):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", refuse)

    assert_503_page(client.get("/admin/"))


def test_any_other_error_outside_a_view_stays_the_500_page(demo, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import UserFactory

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(superuser=True))
    monkeypatch.setattr(SessionStore, "load", lambda self: 1 / 0)

    response = client.get("/admin/")

    assert response.status_code == 500 and "Retry-After" not in response
