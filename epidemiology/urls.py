from django.urls import path

from epidemiology import views

app_name = "epidemiology"
urlpatterns = [path("", views.overview, name="overview")]
