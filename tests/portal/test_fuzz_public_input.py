"""Hostile and malformed input on the public side (issue 10): whatever a reader or a reporter sends,
the portal answers with a page or a clear refusal, never a server error (500).

Hypothesis generates the input: text with every kind of character (control characters, lone
surrogates are not encodable in a form and are left out, NUL included), overlong values, wrong
types, repeated fields. Each example is one request through the whole stack (middleware, forms,
views, templates)."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import codes, intake

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a form field can carry: any character but lone surrogates (not encodable as UTF-8).
field_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
long_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=0, max_size=25_000)
field_value = st.one_of(field_text, st.lists(field_text, max_size=4))


def assert_answered(response, path):
    assert response.status_code < 500, f"{path} answered {response.status_code}"


@given(text=st.text(max_size=200))
def test_the_tracking_code_parser_accepts_a_code_or_says_why_not(text):
    try:
        canonical = codes.normalise(text)
    except codes.CodeError as refused:
        assert str(refused), "a refusal says what is wrong"
    else:
        assert codes.normalise(canonical) == canonical, "a parsed code parses to itself"


@EXAMPLES
@given(code=field_text)
def test_a_status_lookup_with_any_code_is_answered(code, demo, report_keys):
    client = Client()
    response = client.post("/report/status/", {"code": code})
    assert_answered(response, "/report/status/")


@EXAMPLES
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "party_type": field_value,
            "party_name": field_text,
            "region": field_text,
            "categories": st.lists(st.one_of(field_text, st.integers().map(str)), max_size=5),
            "occurred_on": field_text,
            "amount": st.one_of(field_text, st.decimals(allow_nan=True).map(str), st.integers().map(str)),
            "description": long_text,
            "identity_mode": field_value,
            "name": field_text,
            "id_number": field_text,
            "phone": field_text,
            "contact_preference": field_text,
        },
    ),
    token=st.one_of(st.just("fresh"), field_text),
)
def test_a_report_with_any_fields_is_received_or_refused_with_a_message(fields, token, demo, report_keys):
    client = Client()
    data = {**fields, "intake_token": intake.new_intake_token() if token == "fresh" else token}
    response = client.post("/report/", data)
    assert_answered(response, "/report/")


@EXAMPLES
@given(
    action=st.sampled_from(["reply/", "identity/", "evidence/", "reward/claim/", "reward/waive/"]),
    data=st.dictionaries(
        st.sampled_from(
            [
                "code",
                "message",
                "reply_token",
                "file",
                "payee_name",
                "payee_id_number",
                "payee_bank_name",
                "payee_account",
                "confirm",
            ]
        ),
        field_value,
        max_size=6,
    ),
)
def test_status_page_actions_with_any_fields_are_answered(action, data, demo, report_keys):
    client = Client()
    path = f"/report/status/{action}"
    assert_answered(client.post(path, data), path)


@EXAMPLES
@given(
    path=st.sampled_from(
        ["/search/", "/policies/", "/cases/", "/inspections/", "/funds/", "/open-data/", "/report/receipt/verify/"]
    ),
    params=st.dictionaries(
        st.sampled_from(["q", "page", "year", "region", "category", "validity", "outcome", "institution_type", "p"]),
        field_value,
        max_size=5,
    ),
)
def test_public_pages_with_any_query_string_are_answered(path, params, demo, report_keys):
    client = Client()
    assert_answered(client.get(path, params), path)


def test_a_category_id_beyond_any_integer_is_refused_with_a_message(demo, report_keys):
    # Found by the test above: such an id reached the database and made it fail (a 500).
    client = Client()
    data = {"categories": ["9" * 30], "intake_token": intake.new_intake_token(), "description": "短"}
    response = client.post("/report/", data)
    assert response.status_code in (200, 400)
    assert 'name="categories"' in response.content.decode(), "the form comes back with its errors"
