"""The public answer page: relatives answer their invitation without an account."""

from django.urls import path

from followup import public_views

app_name = "answer"
urlpatterns = [path("", public_views.answer, name="answer")]
