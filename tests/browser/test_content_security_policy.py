"""In a real browser, the strict policy of the public pages blocks nothing the pages themselves do:
charts draw, tooltips show, the report form's script runs, and an editor's user bar works."""

import pytest
from wagtail.models import Site

from disclosures.models.inspections import InspectionPlanPage
from home.demo_content import load_demo_content
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every violation the page reports, from before its first script runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_public_pages_break_no_rule_of_their_own_policy(page, live_server, report_keys):
    load_demo_content()
    plan = InspectionPlanPage.objects.live().first()
    site = Site.objects.get(is_default_site=True)
    page.add_init_script(WATCH_VIOLATIONS)

    for path in ("/", "/cases/", "/funds/", "/report/", plan.get_url(current_site=site)):
        assert visit(page, live_server.url + path) == [], path

    # The fund chart draws, and pointing at it (ECharts styles its tooltip through the CSSOM) is allowed.
    assert visit(page, live_server.url + "/funds/2025-q4/") == []
    chart = page.locator("[data-fund-chart] canvas, [data-fund-chart] svg").first
    chart.wait_for(timeout=10_000)
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__violations") == []

    # The report form's own script runs under the channel's policy: the evidence list reacts.
    assert visit(page, live_server.url + "/report/") == []


def test_an_editor_sees_the_user_bar_without_a_violation(page, live_server, client):
    load_demo_content()
    editor = UserFactory(superuser=True)
    client.force_login(editor)
    session_cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": session_cookie.value, "url": live_server.url}])
    page.add_init_script(WATCH_VIOLATIONS)

    violations = visit(page, live_server.url + "/")

    assert page.locator("wagtail-userbar").count() == 1
    assert violations == []

    # The watch itself works: markup that slips an inline script in is reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__ran = 1\">')")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
