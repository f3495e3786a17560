from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


def render_yuan(value):
    with translation.override("zh-hans"):
        return Template("{% load portal_tags %}{{ value|yuan }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567.5"), "1,234,567.50 元"),
        (Decimal("0.005"), "0.01 元"),
        (Decimal("2.675"), "2.68 元"),
        (0.1 + 0.2, "0.30 元"),
        (200000, "200,000.00 元"),
        ("60.25", "60.25 元"),
        (Decimal("0"), "0.00 元"),
    ],
)
def test_amounts_are_shown_in_yuan_to_the_fen(value, shown):
    assert render_yuan(value) == shown


@pytest.mark.parametrize("value", [None, "", "abc", "NaN", float("nan"), float("inf")])
def test_missing_or_unreadable_amounts_show_a_dash(value):
    assert render_yuan(value) == "—"
