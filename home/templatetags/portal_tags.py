from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _
from wagtail.models import Page

from home.privacy import public
from home.site_lookup import site_for_request

register = template.Library()

FEN = Decimal("0.01")


def format_amount(value) -> str | None:
    """Money as '1,234,567.89' (rounded half up to the fen), or None when it is not a number.
    Floats go through str() so that binary rounding never shows up in a published amount."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return f"{amount.quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


@register.filter
def amount(value):
    """An amount without its unit, for tables whose caption states the unit: '1,234.50'."""
    return format_amount(value) or "—"


@register.filter
def yuan(value):
    """Money in yuan: '1,234,567.89 元'."""
    text = format_amount(value)
    return "—" if text is None else _("%(amount)s yuan") % {"amount": text}


@register.simple_tag(takes_context=True)
def main_menu(context):
    """Live, public children of the site's root page that editors marked 'show in menus'.
    One query: each entry is its specific page with only the common page fields loaded (the menu
    shows the title and links to the page's URL)."""
    request = context.get("request")
    site = site_for_request(request) if request else None
    if site is None:
        return Page.objects.none()
    return public(site.root_page.get_children().live().in_menu()).specific(defer=True)


@register.filter
def figure(value):
    """A statistic with thousands separators and no trailing zeros: 3746 → '3,746', 60.25 → '60.25'."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    if not number.is_finite():
        return "—"
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
