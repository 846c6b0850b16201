"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Redoc's files for the API docs page, served from our static files (no CDN).
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "oauth2_provider",
    "csp",
]
# Ours, in dependency order: `load_demo` runs each app's demo hook in this order.
PROJECT_APPS = [
    "core",
    "accounts",
    "entities",
    "jobs",
    "audit",
    "partners",
    "beneficiaries",
    "datasharing",
    "claims",
    "cmslists",
    "alignment",
    "benchmarks",
    "settlement",
    "care",
    "events",
    "quality",
    "specialists",
]
INSTALLED_APPS += PROJECT_APPS
# Synthetic data for the demo, tests and benches: its commands (load_demo, generate_cclf) only.
INSTALLED_APPS += ["synthetic"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in a path or query is refused (400) before any view or filter sees it.
    "core.requests.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy; Permissions-Policy and Cache-Control: no-store (core.security).
    "csp.middleware.CSPMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # PostgreSQL row-level security: the rest of the request sees its user's entities only.
    "core.rls.RowSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The PHI access policy: a second factor verified in this session (audit/phi.py).
    "audit.phi.PhiPolicyMiddleware",
    # One PHI access-log record per partner call and per API response showing beneficiaries.
    "partners.access.AccessLogMiddleware",
    # RateLimit-Limit, -Remaining and -Reset on every answer to a partner client.
    "partners.throttling.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# Files the application keeps on this machine (the SQLite database, uploads, demo keys and
# deliveries) live under VAR_DIR; the tests point it at a temporary folder.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# Beneficiaries per demo entity that `load_demo` generates (2,000 looks like a small real entity
# and keeps `make run` quick; the SQLite demo test loads fewer).
DEMO_BENEFICIARIES = env.int("DEMO_BENEFICIARIES", default=2000)
# Database: DATABASE_URL names PostgreSQL in production and CI; unset, an embedded SQLite file.
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    # Jobs run in threads of the web process on SQLite: WAL and immediate transactions keep
    # readers and the one writer from tripping over each other.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # SQLite cannot make the jobs' "one active job" constraint treat NULL entities as equal;
    # job_enqueue's own check covers it there.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Prepared statements only where code asks for them (`partners.sql.prepared_cursor`, the
    # partner API's hot queries). Django sets psycopg's threshold to None, which turns
    # preparation off altogether, even for `execute(..., prepare=True)`; a threshold no query
    # reaches keeps the ORM's queries unprepared (as Django wants, for poolers) and lets those
    # asked for be prepared.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("prepare_threshold", 2**31 - 1)
    # Those statements keep one generic plan: PostgreSQL's default re-plans a statement whose
    # generic plan looks dearer than its custom ones, and the roster extras (arrays of keys)
    # always look so: planning them took 2-3 ms a call against 0.3 ms to run. Only named
    # prepared statements (and PL/pgSQL's) are affected; the ORM's queries are not prepared.
    options.setdefault("options", "-c plan_cache_mode=force_generic_plan")
    # No JIT compilation unless DATABASE_JIT=on. PostgreSQL compiles a query whose estimated
    # cost passes jit_above_cost, and misestimated joins pass it: measured on the 2-core
    # machine, two partner roster tests took 368 s and 172 s with JIT (a leaked planner setting
    # made their small joins look dear) and 3 s without. Where JIT is meant to pay, the bulk
    # reads, it did not: the claims snapshot and final-action read of 4,000 beneficiaries and
    # 200,000 claim lines took 3.0-3.4 s and 17-23 s with and without it.
    if not env.bool("DATABASE_JIT", default=False):
        options["options"] += " -c jit=off"
# The PostgreSQL role requests and jobs run as, subject to row-level security (core/rls.py);
# DATABASE_URL's role owns the tables. Web and worker processes should log in as it.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="openvbc_app")
# Its password, should `migrate` have to create it (a superuser owner, as in docker-compose.yml).
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", default="")
# Off only to measure what the wall costs (bench/dashboard, bench/api): requests and jobs then
# stay as the role they logged in as, outside any scope. `check --deploy` warns when it is off.
DATABASE_ROW_SECURITY = env.bool("DATABASE_ROW_SECURITY", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email login, no public sign-up (entity admins invite users), TOTP MFA.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapters.InviteOnlyAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OpenVBC"
# Wrong codes count against the same database sign-in limit as wrong passwords (accounts/forms.py).
MFA_FORMS = {
    "authenticate": "accounts.forms.LimitedAuthenticateForm",
    "reauthenticate": "accounts.forms.LimitedReauthenticateForm",
}
# One limit on failed passwords for every sign-in path (the admin console's goes through allauth's
# form), per account typed and per client address, kept in the database (accounts.SignInLock) so
# that an administrator sees a lock and can lift it.
SIGN_IN_FAILURES_PER_ACCOUNT = env.int("SIGN_IN_FAILURES_PER_ACCOUNT", default=5)
SIGN_IN_FAILURES_PER_ADDRESS = env.int("SIGN_IN_FAILURES_PER_ADDRESS", default=20)
SIGN_IN_FAILURE_WINDOW_SECONDS = env.int("SIGN_IN_FAILURE_WINDOW_SECONDS", default=15 * 60)
SIGN_IN_LOCK_SECONDS = env.int("SIGN_IN_LOCK_SECONDS", default=30 * 60)
# Platform staff's break-glass access to one entity's PHI lasts at most this long.
BREAK_GLASS_MAX_MINUTES = env.int("BREAK_GLASS_MAX_MINUTES", default=240)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True
# Django's own date rendering (admin lists, `|date` without a format) as core.display.day does.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected static files exist only where `collectstatic` ran (the production image);
# elsewhere WhiteNoise serves straight from the finders.
STATIC_ROOT = env("STATIC_ROOT", default=None)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploads, exports and bulk files hold PHI: no URL serves the media root (in any settings);
# each file is read through a view that checks the caller and records the access. Files are
# readable by the app's own user only.
MEDIA_URL = "media/"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Sessions end after 15 minutes idle (PHI safeguard): every request a person makes renews the
# window; a page's own polling does not (core.sessions.IdleSessionMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp; Django 5.2 has none built in): scripts only from our own
# static files, never inline; no framing; forms post only to us. Styles allow inline
# attributes (the admin's and charts' `style=`), never scripts. Redoc runs its search in a
# blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    # Partner systems send OAuth 2.0 bearer tokens (partners.authentication); people use the
    # session. The bearer class comes first so that a bad token is answered 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.PartnerClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # People reach the API's PHI only with a second factor verified in the session (audit/phi.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "audit.phi.SecondFactorVerified",
    ],
    # The browsable API is for developers (production settings turn it off); it masks MBIs.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.renderers.MaskedBrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.PartnerClientRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenVBC API",
    "DESCRIPTION": "Attribution, providers, jobs and settlement for Medicare value-based-care entities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "REDOC_DIST": "SIDECAR",
    # Jobs and alignment runs share one lifecycle (queued, running, succeeded, failed): one name.
    "ENUM_NAME_OVERRIDES": {"RunStateEnum": "jobs.models.JobState"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Errors are RFC 9457 problem documents; the schema says so for every operation.
        "partners.api.schema.add_problem_responses",
        # The TIN, NPI, MBI and year constraints the views check by hand.
        "partners.api.schema.add_enforced_constraints",
        # Operations no partner scope opens are grouped as the admin console's.
        "partners.api.schema.separate_console_operations",
        # The docs page opens with how a partner system gets a token.
        "partners.api.schema.add_partner_guide",
        # Each operation headed in words ("List alignment runs"), not by its operation id.
        "partners.api.schema.add_operation_summaries",
    ],
}

# Partner systems (partners app): OAuth 2.0 client credentials with signed JWT client
# assertions (SMART Backend Services), 5-minute access tokens stored only as checksums.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "OAUTH2_VALIDATOR_CLASS": "partners.oauth.PartnerOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "partners.scopes.PartnerScopes",
    "ERROR_RESPONSE_WITH_SCOPES": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    # Partners use no browser flows; the remaining RFC 9700 rules are adopted all the same.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["client_credentials"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["private_key_jwt"],
}
# django-oauth-toolkit's own models; named so that migrations can refer to them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Requests per minute a partner client may make unless its registration says otherwise.
PARTNERS_DEFAULT_RATE_PER_MINUTE = env.int("PARTNERS_DEFAULT_RATE_PER_MINUTE", default=600)
# Token requests per minute, per client (the client id its assertion names) and per address.
PARTNERS_TOKEN_RATE_PER_MINUTE = env.int("PARTNERS_TOKEN_RATE_PER_MINUTE", default=60)
PARTNERS_TOKEN_RATE_PER_ADDRESS = env.int("PARTNERS_TOKEN_RATE_PER_ADDRESS", default=600)
# The token URL partner assertions must name as `aud`; empty: the URL the request came to.
PARTNERS_TOKEN_URL = env("PARTNERS_TOKEN_URL", default="")

# Celery. REDIS_URL set: workers on Redis. Unset: jobs run in threads of the web process.
REDIS_URL = env("REDIS_URL", default="")
# How a queued job reaches its runner: "celery" (a worker), "thread" (this process) or "sync".
JOBS_DISPATCH = env("JOBS_DISPATCH", default="celery" if REDIS_URL else "thread")
# The cache holds counters shared by every web process (API throttling): Redis when REDIS_URL
# is set, so that all processes count together; local memory otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# The queue jobs are sent to; workers listen on it (`celery worker -Q`).
JOBS_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_DEFAULT_QUEUE = JOBS_QUEUE
# Alignment runs split beneficiaries into this many buckets and fan out to this many workers.
ALIGNMENT_BUCKETS = env.int("ALIGNMENT_BUCKETS", default=8)
ALIGNMENT_WORKERS = env.int("ALIGNMENT_WORKERS", default=2)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job longer than this is redelivered by Redis; the job's advisory lock makes that harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7 * 3600)
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "requeue-orphaned-jobs": {"task": "jobs.tasks.requeue_orphans", "schedule": 300.0},
    # Export files live 24 hours; tokens 5 minutes; used assertion ids until they expire.
    "partners-purge-expired": {"task": "partners.tasks.purge_expired", "schedule": 3600.0},
    # Due-date roll-over (each entity as of its data date) and roster exports past 24 hours.
    "care-daily": {"task": "care.tasks.daily", "schedule": 24 * 3600.0},
    # Lead-specialist lists: published for the quarter after each entity's claims date.
    "specialists-quarterly": {"task": "specialists.tasks.quarterly", "schedule": 24 * 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_mbi": {"()": "core.logging.MaskMBIFilter"},
        "request_line": {"()": "core.logging.RequestLineFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_line", "mask_mbi"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request log (`make run`) through the same filters, not Django's handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Care coordination: who is flagged "at risk of dropping out of alignment" (care/engine/
# alignment_risk.py; domain.md 1.2 plurality rule). Attention flags, not payment rules.
# A competitor with at least (1 - margin) of the entity's primary care allowed charges:
CARE_ALIGNMENT_RISK_MARGIN = Decimal(env.str("CARE_ALIGNMENT_RISK_MARGIN", default="0.20"))
# No primary care service with the entity in this many months:
CARE_ALIGNMENT_RISK_NO_VISIT_MONTHS = env.int("CARE_ALIGNMENT_RISK_NO_VISIT_MONTHS", default=9)
# Roster risk tiers from the latest risk score (raw CMS-HCC score, 1.0 = average): name, lower
# bound, highest first; below them all is "low".
CARE_RISK_TIERS = (("high", Decimal("2.0")), ("moderate", Decimal("1.0")))

# Hospital events (events app, docs/adt.md). An emergency visit's follow-up has no CMS deadline:
# the organisation's practice, in business days.
EVENTS_ED_FOLLOW_UP_BUSINESS_DAYS = env.int("EVENTS_ED_FOLLOW_UP_BUSINESS_DAYS", default=2)
# The MLLP listener (manage.py adt_listener): address and port.
ADT_LISTENER_HOST = env("ADT_LISTENER_HOST", default="127.0.0.1")
ADT_LISTENER_PORT = env.int("ADT_LISTENER_PORT", default=2575)
