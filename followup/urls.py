from django.urls import path

from followup import family_views, letter_views, views

app_name = "followup"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue-bulk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/<int:task_id>/claim/", views.task_claim, name="task-claim"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task-complete"),
    path(
        "tasks/<int:task_id>/reschedule/", views.task_reschedule, name="task-reschedule"
    ),
    path("persons/<str:pseudonym>/", views.person, name="person"),
    path(
        "persons/<str:pseudonym>/contact-attempts/",
        views.contact_attempt,
        name="contact-attempt",
    ),
    path("persons/<str:pseudonym>/tasks/", views.task_create, name="task-create"),
    path("persons/<str:pseudonym>/episodes/", views.episode_open, name="episode-open"),
    path(
        "episodes/<int:episode_id>/advance/",
        views.episode_advance,
        name="episode-advance",
    ),
    path("episodes/<int:episode_id>/close/", views.episode_close, name="episode-close"),
    path("families/<str:pseudonym>/", family_views.family_page, name="family"),
    path(
        "families/<str:pseudonym>/parents/",
        family_views.parent_add,
        name="family-parent-add",
    ),
    path(
        "families/<str:pseudonym>/children/",
        family_views.child_add,
        name="family-child-add",
    ),
    path(
        "families/<str:pseudonym>/vital-status/",
        family_views.vital_status,
        name="family-vital-status",
    ),
    path(
        "invitations/<int:invitation_id>/state/",
        family_views.invitation_state,
        name="invitation-state",
    ),
    path("cascade/yield/", family_views.cascade_yield, name="cascade-yield"),
    path(
        "letters/family/<str:pseudonym>.pdf",
        letter_views.family_letter,
        name="letter-family",
    ),
    path(
        "letters/invitations/<int:invitation_id>.pdf",
        letter_views.invitation_letter,
        name="letter-invitation",
    ),
    path("letters/pending.pdf", letter_views.pending_letters, name="letters-pending"),
]
