from django.contrib import messages
from django.utils.translation import gettext as _
from wagtail import hooks

from disclosures import draw_admin
from disclosures.models.funds import FundDisclosurePage
from home.templatetags.portal_tags import amount as amount_text


@hooks.register("register_admin_urls")
def register_draw_urls():
    return draw_admin.urlpatterns()


# The published figures of a fund page as they were before an edit request changed them.
_FIGURES_BEFORE_EDIT = "_fund_figures_before_edit"


def _saved_version(page):
    """The version this request just saved (a draft, a scheduled or a published revision)."""
    revision = page.get_latest_revision()
    return revision.as_object() if revision else page


def _warn_about_balances(request, page):
    # A warning, not a validation error: a bureau may publish figures that do not add up
    # (rounding in the source, say) but the editor should see it before readers do.
    for row in page.balance_mismatches():
        messages.warning(
            request,
            _(
                "%(fund)s: the current balance %(balance)s is not income minus expenditure "
                "(%(income)s − %(expenditure)s = %(expected)s)."
            )
            % {
                "fund": row.get_fund_type_display(),
                "balance": amount_text(row.current_balance),
                "income": amount_text(row.income),
                "expenditure": amount_text(row.expenditure),
                "expected": amount_text(row.expected_balance),
            },
        )


@hooks.register("before_edit_page")
def remember_published_figures(request, page):
    if request.method != "POST" or not isinstance(page, FundDisclosurePage) or not page.live:
        return
    # The database holds the live version; drafts live only in revisions.
    live = FundDisclosurePage.objects.get(pk=page.pk)
    setattr(request, _FIGURES_BEFORE_EDIT, (live.figures(), live.correction_note.strip()))


@hooks.register("after_create_page")
def check_new_fund_page(request, page):
    if isinstance(page, FundDisclosurePage):
        _warn_about_balances(request, _saved_version(page))


@hooks.register("after_edit_page")
def check_edited_fund_page(request, page):
    if not isinstance(page, FundDisclosurePage):
        return
    saved = _saved_version(page)
    _warn_about_balances(request, saved)
    before = getattr(request, _FIGURES_BEFORE_EDIT, None)
    if before is None:
        return
    figures, note = before
    if saved.figures() != figures and saved.correction_note.strip() == note:
        messages.warning(
            request,
            _(
                "Published figures of “%(title)s” have changed. A published figure is never changed "
                "silently: give the date and the reason in the correction fields."
            )
            % {"title": saved.title},
        )


from disclosures import directory_admin  # noqa: E402,F401
