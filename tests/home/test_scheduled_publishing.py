import datetime

import pytest
from django.utils import timezone

from home.models import StandardPage
from home.tasks import publish_scheduled_pages
from portal.celery import app

pytestmark = pytest.mark.django_db


def test_beat_runs_the_scheduled_publishing_every_minute():
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "home.tasks.publish_scheduled_pages")
    assert entry["schedule"] == 60.0


def test_task_publishes_a_page_whose_go_live_time_has_come(client, demo):
    page = StandardPage(title="定时发布的通知", slug="scheduled-notice", live=False)
    demo.add_child(instance=page)
    page.save_revision(approved_go_live_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get("/scheduled-notice/").status_code == 404

    publish_scheduled_pages()

    assert client.get("/scheduled-notice/").status_code == 200
