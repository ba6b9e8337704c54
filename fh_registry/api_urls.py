"""The API root, /api/v1/: every app's endpoints on one router, FHIR under fhir/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from epidemiology.api_urls import register as register_epidemiology
from followup.api.urls import register as register_followup
from interop import api_urls as fhir_urls
from screening.api.urls import register as register_screening

router = DefaultRouter()
register_screening(router)
register_followup(router)
register_epidemiology(router)

urlpatterns = [
    path("fhir/", include(fhir_urls)),
    *router.urls,
]
