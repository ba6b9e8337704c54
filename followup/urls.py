from django.urls import path

from followup import views

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
]
