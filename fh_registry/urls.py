"""URL map: pages per app, the API under /api/v1/, schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from fh_registry import mfa, views

handler404 = views.not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/", mfa.verify, name="mfa-verify"),
    path("accounts/mfa/setup/", mfa.enrol, name="mfa-enrol"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("preferences/unit/", views.set_display_unit, name="set-display-unit"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("screening/imports/", include("screening.imports.urls")),
    path("screening/", include("screening.urls")),
    path("followup/", include("followup.urls")),
    path("answer/", include("followup.public_urls")),
    path("statistics/", include("epidemiology.urls")),
    path("api/v1/", include("fh_registry.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]
