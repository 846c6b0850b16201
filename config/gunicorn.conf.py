"""gunicorn's settings for the web process: the production image, docker compose and
bench/api run the same ones (`gunicorn -c config/gunicorn.conf.py config.wsgi:application`).

Sync workers, two per core (WEB_CONCURRENCY overrides): a request spends about half its time
waiting on PostgreSQL and Redis, so two processes per core keep the cores busy; more only
queue on the CPU (bench/api measured 4 and 8 workers on 2 cores: 8 served no more).
"""

import multiprocessing
import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
# Load the project once and fork: workers start faster and share its memory.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The access log carries paths without query strings and masks MBI-shaped values.
logger_class = "core.access_log.MaskedAccessLogger"


def when_ready(server: Any) -> None:
    """In the master, once the project is loaded and before any worker is forked: the URLs and
    every page's module with them, which Django would otherwise import in each worker at its
    first request (seconds of CPU a worker). Nothing here opens a connection; any that did is
    closed, so that no worker inherits one. Without preload_app the master has no project."""
    if not server.cfg.preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL modules and their views
    connections.close_all()
