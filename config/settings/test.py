"""Settings for the test run. DATABASE_URL and REDIS_URL choose real services when set."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run jobs in the calling thread when its transaction commits; the worker tests switch
# to "celery" and run a real worker on the real Redis broker.
JOBS_DISPATCH = env("JOBS_DISPATCH", default="sync")
