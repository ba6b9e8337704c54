from django.urls import path

from followup import views

app_name = "followup"
urlpatterns = [path("queue/", views.queue, name="queue")]
