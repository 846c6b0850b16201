"""Settings for the test run. DATABASE_URL and REDIS_URL choose real services when set."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, env

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

# Tests write nothing into the repository: uploads, demo keys and demo deliveries go to a
# temporary folder of the run, one per pytest-xdist worker. It is exported, so the workers and
# loaders the tests start as subprocesses (any settings module) use the same folder; the process
# that made it removes it when it exits.
if "OPENVBC_TEST_VAR" not in os.environ:
    os.environ["OPENVBC_TEST_VAR"] = tempfile.mkdtemp(prefix="openvbc-test-")
    atexit.register(shutil.rmtree, os.environ["OPENVBC_TEST_VAR"], ignore_errors=True)
VAR_DIR = Path(os.environ["OPENVBC_TEST_VAR"]) / os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["VAR_DIR"] = str(VAR_DIR)
MEDIA_ROOT = VAR_DIR / "media"

# pytest-xdist workers share one Redis: each keeps its cache keys (rate-limit counters) apart.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "")

# No JIT on the test database whatever DATABASE_JIT says (see base.py): its tables are small,
# so JIT can only cost (it turned one leaked planner setting into minutes of test time).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"]["OPTIONS"]
    if "jit=off" not in _options["options"]:
        _options["options"] += " -c jit=off"
