import time

from celery import shared_task
from django.core.cache import cache

from .health import HEARTBEAT_CACHE_KEY


@shared_task
def record_worker_heartbeat() -> float:
    """Run by beat every minute; /healthz reports how long ago a worker last did it."""
    now = time.time()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now


@shared_task
def publish_scheduled_pages() -> None:
    """Run by beat every minute: publish pages whose go-live time has come, unpublish expired ones."""
    from django.core.management import call_command

    call_command("publish_scheduled")
