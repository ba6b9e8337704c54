"""The follow-up side's scheduled jobs as Celery tasks (the beat schedule is in
settings: CELERY_BEAT_SCHEDULE). Thin: each calls its job in followup.jobs."""

from celery import shared_task

from followup import jobs


@shared_task(acks_late=True)
def escalate_overdue_tasks() -> int:
    return jobs.escalate_overdue()


@shared_task(acks_late=True)
def send_task_reminders() -> int:
    return jobs.send_reminders()


@shared_task(acks_late=True)
def sweep_lost_to_follow_up() -> int:
    return jobs.sweep_lost()


@shared_task(acks_late=True)
def schedule_yearly_reviews() -> int:
    return jobs.schedule_yearly_reviews()
