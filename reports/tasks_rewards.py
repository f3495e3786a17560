"""Beat work for rewards: approved rewards not claimed in time lapse, and reporters whose claim
deadline is near get a sealed reminder on their status page (staff tier: it needs the keyring)."""

from celery import shared_task

from . import reward_flow


@shared_task
def lapse_and_remind() -> dict:
    lapsed = reward_flow.lapse_overdue()
    reminded = reward_flow.send_reminders()
    return {"lapsed": len(lapsed), "reminded": reminded}
