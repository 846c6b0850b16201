"""The Celery app. Celery only delivers jobs; their state lives in the jobs.Job table."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("openvbc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
