"""The API root, /api/v1/: every app's endpoints on one router."""

from rest_framework.routers import DefaultRouter

from epidemiology.api_urls import register as register_epidemiology
from followup.api.urls import register as register_followup
from screening.api.urls import register as register_screening

router = DefaultRouter()
register_screening(router)
register_followup(router)
register_epidemiology(router)

urlpatterns = router.urls
