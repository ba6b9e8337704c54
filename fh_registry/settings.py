"""The one settings module: everything comes from the environment.

With nothing set the registry runs locally on SQLite with Celery tasks executed
in-process. `DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis;
`DJANGO_ENV=production` hardens this same file (no default secret, secure cookies,
HSTS, JSON logs) and refuses demo data.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in {"local", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be local, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="local-only-insecure-key-never-use-in-production"
    )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "fh_registry",
    "screening",
    "followup",
    "epidemiology",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fh_registry.mfa.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "fh_registry.middleware.PrivateResponsesMiddleware",
    "fh_registry.middleware.SessionLimitsMiddleware",
    # Last: it answers a locked-out login attempt itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fh_registry.urls"
WSGI_APPLICATION = "fh_registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fh_registry.context_processors.registry",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "fh_registry.User"
# Axes first: it refuses a locked-out username + address before any password check.
# Then Django's backend, which never lets a lab-system user sign in or keep a session.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fh_registry.authentication.RegistryModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
# Argon2 first: new and changed passwords are hashed with it, older hashes are
# upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# A second factor (TOTP) for every role that sees persons (fh_registry.mfa); on
# in production, off for the demo and the suite unless a test turns it on.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = "FH registry"

# Password guessing (django-axes): after AXES_FAILURE_LIMIT wrong passwords for
# one username from one address, that pair waits AXES_COOLOFF_TIME; nobody can
# lock an account for good, nor lock out other addresses. The login page and
# the admin's both go through it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fh_registry.views.locked_out"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

if (
    DJANGO_ENV == "test"
):  # the suite logs in hundreds of times; hashing is not under test
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *PASSWORD_HASHERS,
    ]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["fh_registry.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# A strict Content Security Policy from day one: no inline script or style, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Registry ---------------------------------------------------------------
ACTIVE_PAEDIATRIC_RULESET = env.str("ACTIVE_PAEDIATRIC_RULESET", default="eas2026")
# Relatives from 18 are assessed by each of these (issue: DLCN and Simon Broome).
ADULT_RULESETS = env.list("ADULT_RULESETS", default=["dlcn", "simon-broome-adult"])
DEMO_DATA_ALLOWED = not PRODUCTION
LOST_TO_FOLLOW_UP_MONTHS = env.int("LOST_TO_FOLLOW_UP_MONTHS", default=18)
SMALL_CELL_MINIMUM = env.int("SMALL_CELL_MINIMUM", default=10)
# History is read per record (by id or person, then sorted): an index on the
# date alone would only slow the bulk writes of imports.
SIMPLE_HISTORY_DATE_INDEX = False
# Worker processes deciding the rows of a PostgreSQL import (default: one per
# core, at most 4); 0 decides in the importing process.
IMPORT_WORKERS = env.int("IMPORT_WORKERS", default=None)
# Upload bounds: the file as sent, and a workbook unpacked (a zip bomb).
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=100_000_000)
IMPORT_MAX_XLSX_UNPACKED_BYTES = env.int(
    "IMPORT_MAX_XLSX_UNPACKED_BYTES", default=200_000_000
)

# --- API ----------------------------------------------------------------------
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW_SECONDS = env.int(
    "API_TOKEN_FAILURE_WINDOW_SECONDS", default=15 * 60
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fh_registry.authentication.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per client and per user; a lab system posting results stays far below.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/min"),
        "user": env.str("API_USER_RATE", default="3000/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "fh_registry.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "fh_registry.api.RegistryCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "fh_registry.api_schema.RegistryAutoSchema",
    "EXCEPTION_HANDLER": "fh_registry.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FH screening registry API",
    "DESCRIPTION": (
        "Capture of pediatric lipid screening results, assessments by versioned "
        "rule sets, and follow-up. Token auth: `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EntryUnitEnum": "screening.models.EntryUnit",
        "LpaUnitEnum": "screening.models.LpaUnit",
    },
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker the embedded default runs every task in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An outbox message published this long ago that is neither done nor held by a
# worker was lost (broker restart, killed worker): the sweep publishes it again
# (fh_registry.outbox). One merely still queued then arrives twice, harmlessly.
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=600)
# A message whose work raised this many times is given up instead of being
# published again for ever (a lasting fault, not a lost message): logged as an
# error, kept with its last error for an operator.
OUTBOX_MAX_FAILURES = env.int("OUTBOX_MAX_FAILURES", default=5)
# Done outbox rows are kept this long (to see what ran), then deleted daily;
# given-up rows stay until an operator has looked at them.
OUTBOX_KEEP_DONE_DAYS = env.int("OUTBOX_KEEP_DONE_DAYS", default=30)
# A lab file holds identifiers outside the database: once its batch finished,
# the stored copy is deleted this many days after (daily), the batch remains.
IMPORT_KEEP_FILES_DAYS = env.int("IMPORT_KEEP_FILES_DAYS", default=30)
# A finished export's file (statistics, FHIR bulk) can be downloaded this long;
# its ExportRecord (who, what, hash) stays.
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]


def _daily(task: str, hour: int, minute: int = 0) -> dict[str, object]:
    """A beat entry running `task` once a day at hour:minute (CELERY_TIMEZONE)."""
    return {"task": task, "schedule": crontab(hour=hour, minute=minute)}


# One scheduler: Celery beat reads this schedule (run exactly one `celery beat`,
# README). The follow-up jobs are idempotent, so a beat restarted mid-day or a
# job delivered twice changes nothing.
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "fh_registry.tasks.relay_outbox",
        "schedule": env.float("OUTBOX_RELAY_SECONDS", default=10.0),
    },
    "requeue-stale-outbox": {
        "task": "fh_registry.tasks.requeue_stale_outbox",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=60.0),
    },
    # Daily, at quiet hours.
    "prune-outbox": _daily("fh_registry.tasks.prune_outbox", 4, 45),
    "forget-old-uploads": _daily("screening.imports.tasks.forget_old_uploads", 4, 50),
    "forget-finished-jobs": _daily("fh_registry.tasks.forget_finished_jobs", 4, 55),
    "escalate-overdue-tasks": _daily("followup.tasks.escalate_overdue_tasks", 5),
    "sweep-lost-to-follow-up": _daily("followup.tasks.sweep_lost_to_follow_up", 5, 15),
    "schedule-yearly-reviews": _daily("followup.tasks.schedule_yearly_reviews", 5, 30),
    "send-task-reminders": _daily("followup.tasks.send_task_reminders", 7),
}

# --- Follow-up (DOMAIN §6); days unless said otherwise ----------------------------
FOLLOWUP_REPEAT_LIPIDS_DUE_DAYS = env.int("FOLLOWUP_REPEAT_LIPIDS_DUE_DAYS", default=42)
FOLLOWUP_HOFH_REFERRAL_DUE_DAYS = env.int("FOLLOWUP_HOFH_REFERRAL_DUE_DAYS", default=7)
FOLLOWUP_STAGE_TASK_DUE_DAYS = env.int("FOLLOWUP_STAGE_TASK_DUE_DAYS", default=28)
# Lost to follow-up (LOST_TO_FOLLOW_UP_MONTHS, DOMAIN §6: no visit for 18
# months): also this many failed contact attempts in a row within that period.
FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS = env.int(
    "FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS", default=3
)
FOLLOWUP_PRACTICE_RECALL_DUE_DAYS = env.int(
    "FOLLOWUP_PRACTICE_RECALL_DUE_DAYS", default=14
)
FOLLOWUP_REVIEW_LEAD_DAYS = env.int("FOLLOWUP_REVIEW_LEAD_DAYS", default=30)
# Cascade: invite within this many days; a young child's test due by an age far
# off (NICE: by 10, or 5) is invited this many days before that birthday.
FOLLOWUP_INVITATION_DUE_DAYS = env.int("FOLLOWUP_INVITATION_DUE_DAYS", default=14)
FOLLOWUP_INVITATION_LEAD_DAYS = env.int("FOLLOWUP_INVITATION_LEAD_DAYS", default=180)
FOLLOWUP_QUEUE_PAGE_SIZE = 50
# Cascade letters: the answer code printed in an invitation letter is valid for
# this many days; the public answer page takes at most GUESSES_PER_WINDOW wrong
# codes from one client address within GUESS_WINDOW_SECONDS, then answers 429.
FOLLOWUP_ANSWER_CODE_DAYS = env.int("FOLLOWUP_ANSWER_CODE_DAYS", default=90)
FOLLOWUP_ANSWER_GUESSES_PER_WINDOW = env.int(
    "FOLLOWUP_ANSWER_GUESSES_PER_WINDOW", default=10
)
FOLLOWUP_ANSWER_GUESS_WINDOW_SECONDS = env.int(
    "FOLLOWUP_ANSWER_GUESS_WINDOW_SECONDS", default=15 * 60
)
# Where relatives reach the public answer page; printed in invitation letters.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# --- E-mail (reminders): printed to the console unless a server is configured --
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registry@localhost")

# --- Cache and sessions ---------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis unreachable: a miss after half a second, not a 500 (fh_registry.cache).
    CACHES["default"]["BACKEND"] = "fh_registry.cache.DegradingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=0.5, socket_timeout=0.5
    )
# Sessions live in the database alone. A session is security state (sign-in,
# second factor, sign-out): read through a cache, a sign-out while Redis is down
# (the cache's delete skipped) would bring the ended session back once Redis
# returned, and a per-process cache could serve a session another worker ended.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_SECONDS without a request, and at the latest
# SESSION_ABSOLUTE_SECONDS after login (fh_registry.middleware.SessionLimits).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging: structured to stdout ---------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if PRODUCTION else "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Its start-up banner would land in commands' output (cascade_plan).
        "axes": {"level": "WARNING"},
    },
}
