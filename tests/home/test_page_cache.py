"""Anonymous public pages come from the shared page cache (home/page_cache.py), and every change a public
page shows purges it at once; the report channel is never cached."""

import datetime
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Site

from disclosures.draw_service import DrawPlan, commit
from disclosures.models import InspectionDraw, ViolationCategory
from home import page_cache
from home.elder import COOKIE_NAME as ELDER_COOKIE
from home.models import PortalSettings, StandardPage
from home.tasks import publish_scheduled_pages
from tests.disclosures.factories import CaseFactory, CaseIndexFactory, PolicyFactory, PolicyIndexFactory, categories
from tests.disclosures.factories_directories import (
    InspectedInstitutionFactory,
    InspectionItemFactory,
    InspectorFactory,
)
from tests.disclosures.factories_inspections import InspectionIndexPageFactory, InspectionPlanPageFactory
from tests.factories import StandardPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    # A fresh generation: nothing another test stored (in a shared Redis) can be found.
    page_cache.purge()


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    return response, response.get("X-Cache")


def warm(client, *urls):
    """Fetch each page until it comes from the cache, so that a later MISS proves a purge."""
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200, url
        second = client.get(url)
        assert second["X-Cache"] == "HIT", url


def section(html, heading):
    start = html.index(f">{heading}</h2>")
    return html[start : html.index("</section>", start)]


@pytest.fixture
def policies(demo):
    return PolicyIndexFactory(parent=demo, title="政策文件", slug="policies")


@pytest.fixture
def policy(policies):
    return PolicyFactory(
        parent=policies, title="原来的政策标题", slug="the-policy", date_issued=datetime.date(2025, 6, 1)
    )


# Hits and misses ----------------------------------------------------------------------------------


def test_second_anonymous_get_is_a_hit_with_the_same_page(client, demo):
    first, first_state = fetch(client, "/")
    second, second_state = fetch(client, "/")

    assert (first_state, second_state) == ("MISS", "HIT")
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Frame-Options"] == "DENY", "headers of the inner middleware are kept"
    for response in (first, second):
        assert "max-age=0" in response["Cache-Control"], "no proxy or browser keeps a page the purge cannot reach"
        assert "Set-Cookie" not in response and not response.cookies


def test_a_hit_serves_the_page_without_querying_the_database(client, demo, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        assert client.get("/")["X-Cache"] == "HIT"


def test_head_is_served_from_what_a_get_stored(client, demo):
    full = client.get("/")
    head = client.head("/")

    assert head.status_code == 200 and head["X-Cache"] == "HIT"
    assert head.content == b""
    assert head["Content-Length"] == full["Content-Length"]


def test_a_head_alone_does_not_store_a_page(client, policy):
    assert client.head(policy.url)["X-Cache"] == "MISS"
    assert client.head(policy.url)["X-Cache"] == "MISS"
    assert client.get(policy.url)["X-Cache"] == "MISS"
    assert client.head(policy.url)["X-Cache"] == "HIT"


def test_query_string_variants_are_distinct_and_spellings_of_the_same_are_one(client, demo):
    index = CaseIndexFactory(parent=demo, slug="cases")
    CaseFactory(parent=index, title="挂床案", categories=categories("phantom-inpatients"))
    CaseFactory(parent=index, title="药店案", institution_type="pharmacy", categories=categories("substitution"))

    hospital, state = fetch(client, "/cases/?institution_type=hospital")
    assert state == "MISS"
    pharmacy, state = fetch(client, "/cases/?institution_type=pharmacy")
    assert state == "MISS", "another filter is another page"
    assert "挂床案" in hospital.content.decode() and "挂床案" not in pharmacy.content.decode()
    assert fetch(client, "/cases/")[1] == "MISS"

    assert fetch(client, "/cases/?institution_type=hospital&region=")[1] == "MISS"
    assert fetch(client, "/cases/?region=&institution_type=hospital")[1] == "HIT", "order of parameters"
    assert fetch(client, "/cases/?institution_type=%68ospital")[1] == "HIT", "percent-encoding"


def test_elder_mode_is_a_variant_of_its_own(client, demo):
    plain = client.get("/")
    client.cookies[ELDER_COOKIE] = "1"
    elder, state = fetch(client, "/")

    assert state == "MISS"
    assert 'class="elder"' in elder.content.decode() and 'class="elder"' not in plain.content.decode()
    assert fetch(client, "/")[1] == "HIT"
    del client.cookies[ELDER_COOKIE]
    assert 'class="elder"' not in client.get("/").content.decode()


def test_a_csrf_cookie_alone_still_gets_the_shared_page(client, demo):
    client.get("/")
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "x" * 32
    assert fetch(client, "/")[1] == "HIT"


def test_the_cache_can_be_turned_off(client, demo, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    client.get("/")
    response = client.get("/")
    assert response.status_code == 200 and "X-Cache" not in response


# Who and what is never cached ---------------------------------------------------------------------


def test_a_signed_in_user_is_never_served_from_the_cache_nor_stores(client, policy):
    editor = UserFactory(superuser=True)
    client.force_login(editor)
    for _ in range(2):
        response = client.get(policy.url)
        assert response.status_code == 200 and "X-Cache" not in response
    client.logout()
    anonymous = client.get(policy.url)
    assert anonymous["X-Cache"] == "MISS", "the signed-in user's page was not stored"
    assert "wagtail-userbar" not in anonymous.content.decode()


def test_a_signed_in_user_does_not_get_the_anonymous_page(client, policy):
    warm(client, policy.url)
    client.force_login(UserFactory(superuser=True))
    assert "X-Cache" not in client.get(policy.url)


@pytest.mark.parametrize("cookie", ["sessionid", "messages", "django_language", "anything-else"])
def test_any_cookie_that_may_change_the_page_passes_the_cache_by(client, demo, cookie):
    warm(client, "/")
    client.cookies[cookie] = "x"
    assert "X-Cache" not in client.get("/")


def test_an_authorization_header_passes_the_cache_by(client, demo):
    warm(client, "/")
    assert "X-Cache" not in client.get("/", HTTP_AUTHORIZATION="Basic eDp5")


@pytest.mark.parametrize("url", ["/report/", "/report/status/", "/report/receipt/verify/"])
def test_report_pages_are_never_cached_and_say_no_store(client, demo, report_keys, url):
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert response.get("X-Cache") != "HIT"
    assert client.head(url).get("X-Cache") != "HIT"


def test_report_posts_are_never_cached(client, demo, report_keys, monkeypatch):
    from reports import codes, crypto, intake
    from tests.reports.builders import make_submission

    cheap = crypto.ScryptCost(n_log2=4, r=1, p=1)
    monkeypatch.setattr(crypto, "CODE_KDF_COST", cheap)
    monkeypatch.setattr(crypto, "KEYRING_KDF_COST", cheap)
    code = codes.format_code(intake.submit(make_submission()).code)

    for _ in range(2):
        response = client.post(reverse("reports:status"), {"code": code})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "X-Cache" not in response
    for _ in range(2):
        response = client.post(reverse("reports:status"), {"code": codes.format_code(codes.generate_code())})
        assert "X-Cache" not in response and "no-store" in response["Cache-Control"]


def test_the_report_channel_is_excluded_by_path_even_if_a_view_forgot_no_store():
    factory = RequestFactory()
    for path in ("/report/", "/report/status/", "/report", "/admin/", "/admin/pages/3/edit/preview/", "/healthz"):
        assert not page_cache.request_is_eligible(factory.get(path)), path
    assert page_cache.request_is_eligible(factory.get("/reporting-guide/")), "a page whose slug begins alike"


def test_healthz_and_admin_are_never_cached(client, demo):
    for _ in range(2):
        assert "X-Cache" not in client.get("/healthz")
        assert "X-Cache" not in client.get("/admin/login/")


def test_search_results_are_not_cached_but_the_empty_search_page_is(client, demo):
    StandardPageFactory(parent=demo, title="挂床住院的说明")
    for _ in range(2):
        response = client.get("/search/", {"q": "挂床"})
        assert "挂床住院的说明" in response.content.decode()
        assert "X-Cache" not in response
    client.get("/search/")
    assert client.get("/search/")["X-Cache"] == "HIT"


def _through_the_middleware(view, request):
    return page_cache.PageCacheMiddleware(view)(request)


def test_a_response_that_sets_a_cookie_is_not_stored(settings):
    calls = []

    def view(request):
        calls.append(1)
        response = HttpResponse("<p>你好</p>")
        response.set_cookie("seen", "1")
        return response

    factory = RequestFactory()
    assert _through_the_middleware(view, factory.get("/cookie-page/"))["X-Cache"] == "MISS"
    assert _through_the_middleware(view, factory.get("/cookie-page/"))["X-Cache"] == "MISS"
    assert len(calls) == 2


def test_a_page_with_a_csrf_token_is_never_stored_even_for_a_visitor_holding_the_cookie():
    template = engines["django"].from_string("<form method=post>{% csrf_token %}</form>")

    def view(request):
        return HttpResponse(template.render({}, request))

    chain = page_cache.PageCacheMiddleware(CsrfViewMiddleware(view))
    factory = RequestFactory()
    first = chain(factory.get("/form-page/"))
    assert "csrftoken" in first.cookies, "Django sends the cookie with every page that uses the token"
    request = factory.get("/form-page/")
    request.COOKIES[django_settings.CSRF_COOKIE_NAME] = first.cookies["csrftoken"].value
    second = chain(request)
    assert second["X-Cache"] == "MISS"
    assert 'name="csrfmiddlewaretoken"' in second.content.decode()


def test_a_token_in_the_body_alone_is_enough_to_refuse_storing():
    def view(request):
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    factory = RequestFactory()
    for _ in range(2):
        assert _through_the_middleware(view, factory.get("/token/"))["X-Cache"] == "MISS"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Cache-Control", "private"),
        ("Cache-Control", "no-store, max-age=0"),
        ("Cache-Control", "no-cache"),
        ("Vary", "Accept-Language"),
        ("Vary", "*"),
    ],
)
def test_responses_that_ask_not_to_be_shared_are_not_stored(header, value):
    def view(request):
        response = HttpResponse("<p>x</p>")
        response[header] = value
        return response

    factory = RequestFactory()
    for _ in range(2):
        assert _through_the_middleware(view, factory.get("/some-page/"))["X-Cache"] == "MISS"


@pytest.mark.parametrize("status", [301, 302, 404, 500])
def test_only_ok_responses_are_stored(status):
    def view(request):
        return HttpResponse("x", status=status)

    factory = RequestFactory()
    for _ in range(2):
        assert _through_the_middleware(view, factory.get("/status/"))["X-Cache"] == "MISS"


def test_previews_are_not_stored():
    def view(request):
        request.is_preview = True
        return HttpResponse("<p>draft</p>")

    factory = RequestFactory()
    for _ in range(2):
        assert _through_the_middleware(view, factory.get("/preview-like/"))["X-Cache"] == "MISS"


# Purges -------------------------------------------------------------------------------------------


def test_a_published_change_shows_at_once_on_the_page_its_index_and_the_home_page(client, policies, policy):
    warm(client, policy.url, policies.url, "/")

    policy.title = "修改后的政策标题"
    policy.save_revision().publish()

    for url in (policy.url, policies.url, "/"):
        response, state = fetch(client, url)
        html = response.content.decode()
        assert state == "MISS", url
        assert "修改后的政策标题" in html and "原来的政策标题" not in html, url
    assert "修改后的政策标题" in section(client.get("/").content.decode(), "政策文件")


def test_a_new_publication_shows_at_once_on_its_index_and_the_home_page(client, policies, policy):
    warm(client, policies.url, "/")

    PolicyFactory(parent=policies, title="刚刚发布的政策", date_issued=datetime.date(2025, 7, 1))

    assert "刚刚发布的政策" in client.get(policies.url).content.decode()
    assert "刚刚发布的政策" in section(client.get("/").content.decode(), "政策文件")


def test_a_draft_change_is_not_shown_and_costs_at_most_a_miss(client, policy):
    warm(client, policy.url)
    policy.title = "尚未发布的标题"
    policy.save_revision()

    html = client.get(policy.url).content.decode()
    assert "原来的政策标题" in html and "尚未发布的标题" not in html


def test_an_unpublished_page_disappears_at_once(client, policies, policy):
    warm(client, policy.url, policies.url, "/")

    policy.unpublish()

    assert client.get(policy.url).status_code == 404
    assert "原来的政策标题" not in client.get(policies.url).content.decode()
    assert "原来的政策标题" not in client.get("/").content.decode()


def test_a_deleted_page_disappears_at_once(client, policies, policy):
    warm(client, policy.url, policies.url)

    policy.delete()

    assert client.get("/policies/the-policy/").status_code == 404
    assert "原来的政策标题" not in client.get(policies.url).content.decode()


def test_a_moved_page_moves_at_once(client, demo, policies, policy):
    other = PolicyIndexFactory(parent=demo, title="历史政策", slug="old-policies")
    warm(client, policy.url, policies.url, other.url)

    policy.move(other, pos="last-child")

    old = client.get("/policies/the-policy/")
    assert old.status_code == 301 and old["Location"] == "/old-policies/the-policy/", "Wagtail's own redirect"
    assert client.get("/old-policies/the-policy/").status_code == 200
    assert "原来的政策标题" not in client.get(policies.url).content.decode()
    assert "原来的政策标题" in client.get(other.url).content.decode()


def test_a_scheduled_publication_shows_at_once(client, demo):
    page = StandardPage(title="定时发布的通知", slug="scheduled-notice", live=False, show_in_menus=True)
    demo.add_child(instance=page)
    page.save_revision(approved_go_live_at=timezone.now() - datetime.timedelta(minutes=1))
    warm(client, "/")
    assert "定时发布的通知" not in client.get("/").content.decode()

    publish_scheduled_pages()

    assert "定时发布的通知" in client.get("/").content.decode(), "the menu of every page lists it"
    assert client.get("/scheduled-notice/").status_code == 200


def test_editing_a_vocabulary_term_shows_at_once(client, demo):
    index = CaseIndexFactory(parent=demo)
    case = CaseFactory(parent=index, categories=categories("phantom-inpatients"))
    warm(client, case.url)
    term = ViolationCategory.objects.get(slug="phantom-inpatients")
    old_name = term.name

    term.name = "改名后的违规类别"
    term.save()

    html = client.get(case.url).content.decode()
    assert "改名后的违规类别" in html and old_name not in html


def test_editing_the_site_settings_shows_at_once(client, demo, policy):
    warm(client, "/", policy.url)
    settings_row = PortalSettings.for_site(Site.objects.get(is_default_site=True))

    settings_row.hotline = "0883-5550123"
    settings_row.save()

    for url in ("/", policy.url):
        assert "0883-5550123" in client.get(url).content.decode(), url


def test_committing_an_inspection_draw_changes_the_plan_page_at_once(client, demo):
    index = InspectionIndexPageFactory(parent=demo)
    plan = InspectionPlanPageFactory(parent=index, objects_drawn=None, sampling_share="10")
    items = InspectionItemFactory.create_batch(2)
    InspectedInstitutionFactory.create_batch(20)
    InspectorFactory.create_batch(6)
    warm(client, plan.url)

    draw = commit(plan, DrawPlan(items=items, share_percent="10"), UserFactory(superuser=True))

    assert InspectionDraw.objects.filter(plan=plan).exists()
    assert draw.inputs_sha256 in client.get(plan.url).content.decode(), "the commitment is public at once"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: Redirect.objects.create(old_path="/old-notice", redirect_link="/"), id="redirect"),
        pytest.param(
            lambda: Document.objects.create(title="附件", file="documents/attachment.pdf"),
            id="document",
        ),
        pytest.param(
            lambda: Image.objects.create(title="图片", file="original_images/a.png", width=1, height=1),
            id="image",
        ),
        pytest.param(
            lambda: Site.objects.update_or_create(
                hostname="other.example",
                port=80,
                defaults={"root_page_id": Site.objects.get(is_default_site=True).root_page_id},
            ),
            id="site",
        ),
    ],
)
def test_images_documents_redirects_and_sites_purge(demo, change):
    before = page_cache.generation()
    change()
    assert page_cache.generation() != before


def test_every_model_public_pages_show_is_watched():
    watched = {model._meta.label for model in page_cache.watched_models()}
    assert {
        "home.HomePage",
        "home.StandardPage",
        "home.PortalSettings",
        "disclosures.ViolationCategory",
        "disclosures.Measure",
        "disclosures.InspectionItem",
        "disclosures.InspectedInstitution",
        "disclosures.Inspector",
        "disclosures.InspectionDraw",
        "disclosures.InspectionResult",
        "disclosures.FundRow",
        "disclosures.RelatedPolicy",
        "disclosures.CasePage_categories",
        "wagtailcore.Page",
        "wagtailcore.PageViewRestriction",
        "wagtailcore.Site",
        "wagtailimages.Image",
        "wagtaildocs.Document",
        "wagtailredirects.Redirect",
    } <= watched
    assert "wagtailimages.Rendition" not in watched, "rendering a page makes renditions: no purge loop"
    assert not {label for label in watched if label.startswith("reports.")}


def test_a_change_inside_a_transaction_purges_again_once_after_the_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        before = page_cache.generation()
        for term in ViolationCategory.objects.all()[:3]:
            term.save()
        during = page_cache.generation()
        assert during != before, "at once, for the next request of any node"
    assert [callback for callback in callbacks if callback is page_cache.purge] == [page_cache.purge]
    assert page_cache.generation() != during, "and once after the commit, for pages rendered meanwhile"


def test_a_cache_outage_never_breaks_a_save_nor_a_page(client, demo, monkeypatch):
    class Unreachable:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache, "_default_cache", Unreachable)
    ViolationCategory.objects.first().save()
    response = client.get("/")
    assert response.status_code == 200 and "X-Cache" not in response


# Several web nodes --------------------------------------------------------------------------------


@pytest.mark.integration
def test_two_nodes_share_the_pages_and_a_purge_through_one_reaches_the_other():
    """Two separate cache clients (two connection pools, as two web nodes have) on the run's Redis,
    under a prefix of this test's own."""
    from django.core.cache.backends.redis import RedisCache

    location = django_settings.REDIS_URL
    prefix = f"page-cache-test-{uuid.uuid4().hex}"
    node_a = RedisCache(location, {"KEY_PREFIX": prefix})
    node_b = RedisCache(location, {"KEY_PREFIX": prefix})
    assert node_a._cache.get_client() is not node_b._cache.get_client()

    body = {"text": "第一版"}
    rendered = []

    def view(request):
        rendered.append(body["text"])
        return HttpResponse(f"<p>{body['text']}</p>")

    web_a = page_cache.PageCacheMiddleware(view, cache=node_a)
    web_b = page_cache.PageCacheMiddleware(view, cache=node_b)
    factory = RequestFactory()
    try:
        assert web_a(factory.get("/notice/"))["X-Cache"] == "MISS"
        shared = web_b(factory.get("/notice/"))
        assert shared["X-Cache"] == "HIT" and shared.content == "<p>第一版</p>".encode()

        body["text"] = "第二版"
        page_cache.purge(cache=node_a)

        fresh = web_b(factory.get("/notice/"))
        assert fresh["X-Cache"] == "MISS" and fresh.content == "<p>第二版</p>".encode()
        assert web_a(factory.get("/notice/"))["X-Cache"] == "HIT"
        assert rendered == ["第一版", "第二版"]
    finally:
        # Only this test's keys; never FLUSHDB on a shared server.
        client = node_a._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_a_purge_after_commit_is_registered_again_when_a_savepoint_drops_it(db):
    from django.db import connection

    def pending():
        return [entry for entry in connection.run_on_commit if entry[1] is page_cache.purge]

    term = ViolationCategory.objects.first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                term.save()
                assert len(pending()) == 1
                raise RuntimeError
        except RuntimeError:
            pass
        assert pending() == [], "rolled back with its savepoint"
        term.save()
        term.save()
        assert len(pending()) == 1


def test_a_page_made_private_is_private_at_once(client, policy):
    from wagtail.models import PageViewRestriction

    warm(client, policy.url)
    PageViewRestriction.objects.create(page=policy, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(policy.url)
    assert response.status_code == 302 and response.get("X-Cache") == "MISS"


def test_stored_bytes_are_bounded_however_many_query_variants_are_asked(monkeypatch):
    def view(request):
        return HttpResponse("x" * 1000)

    monkeypatch.setattr(page_cache, "STORE_BUDGET_BYTES", 3500)
    factory = RequestFactory()
    for n in range(5):
        assert _through_the_middleware(view, factory.get(f"/page/?junk={n}"))["X-Cache"] == "MISS"
    hits = [_through_the_middleware(view, factory.get(f"/page/?junk={n}"))["X-Cache"] for n in range(5)]
    assert hits == ["HIT", "HIT", "HIT", "MISS", "MISS"]

    page_cache.purge()  # a new generation has a budget of its own
    _through_the_middleware(view, factory.get("/page/?junk=4"))
    assert _through_the_middleware(view, factory.get("/page/?junk=4"))["X-Cache"] == "HIT"


def test_bodies_over_the_size_limit_are_not_stored(monkeypatch):
    monkeypatch.setattr(page_cache, "MAX_BODY_BYTES", 100)
    factory = RequestFactory()
    for _ in range(2):
        response = _through_the_middleware(lambda request: HttpResponse("x" * 101), factory.get("/big/"))
        assert response["X-Cache"] == "MISS"
