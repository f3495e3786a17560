"""A reload (every `make run`) must respect what editors did with the demo content."""

import pytest
from wagtail.models import Page, Site

from home.demo_content import load_demo_content
from home.models import PortalSettings, StandardPage

pytestmark = pytest.mark.django_db


def test_a_deleted_demo_page_stays_deleted():
    load_demo_content()
    StandardPage.objects.get(slug="about").delete()

    assert load_demo_content() == []
    assert not Page.objects.filter(slug="about").exists()


def test_cleared_settings_stay_cleared():
    load_demo_content()
    edited = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    edited.footer_note = ""
    edited.office_hours = ""
    edited.bureau_name = "医疗保障局"
    edited.save()

    load_demo_content()

    kept = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    assert (kept.footer_note, kept.office_hours, kept.bureau_name) == ("", "", "医疗保障局")


def test_an_emptied_home_page_is_not_refilled():
    home = load_demo_content() and Site.objects.get(is_default_site=True).root_page.specific
    home.body = []
    home.save_revision().publish()

    load_demo_content()

    assert not Site.objects.get(is_default_site=True).root_page.specific.body.raw_data
