from django_tasks import task

from .push import deliver_due


@task()
def deliver_pushes() -> dict:
    """Post due WeCom / DingTalk / e-mail copies of notifications (every minute, retries with backoff)."""
    return deliver_due()
