from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("children/", views.person_list, name="person-list"),
    path("children/register/", views.person_register, name="person-register"),
    path("children/<str:pseudonym>/", views.person_detail, name="person-detail"),
    path(
        "children/<str:pseudonym>/results/new/",
        views.lab_result_create,
        name="labresult-create",
    ),
    path(
        "children/<str:pseudonym>/family-history/new/",
        views.family_history_create,
        name="familyhistory-create",
    ),
    path(
        "children/<str:pseudonym>/genetic-results/new/",
        views.genetic_result_create,
        name="geneticresult-create",
    ),
    path(
        "children/<str:pseudonym>/complete/",
        views.person_complete,
        name="person-complete",
    ),
    path(
        "children/<str:pseudonym>/parents/new/",
        views.parent_create,
        name="parent-create",
    ),
    path(
        "children/<str:pseudonym>/history/",
        views.person_history,
        name="person-history",
    ),
]
