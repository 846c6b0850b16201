"""Jobs through a real Celery worker process on the real Redis broker and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from jobs.models import Job, JobEffect, JobState
from jobs.services import job_enqueue, job_lock_is_free

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _services_or_skip() -> None:
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if missing:
        message = f"the worker tests need {', '.join(missing)}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def start_worker(
    settings: Any, tmp_path: Path
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Starts `celery worker` processes on a queue of this test's own, against the test database."""
    _services_or_skip()
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings.JOBS_DISPATCH = "celery"
    settings.JOBS_QUEUE = queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "JOBS_DISPATCH": "celery",
        "CELERY_QUEUE": queue,
        # Celery's Django fixup runs every system check at a worker's start, the URL check
        # importing every page's module (seconds of CPU a worker); tests/core/test_settings.py
        # runs them. A job's own modules are imported when it runs, as in production.
        "CELERY_SKIP_CHECKS": "1",
    }
    workers: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{name}-{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    for log in sorted(tmp_path.glob("*.log")):
        sys.stdout.write(f"--- {log.name}\n{log.read_text()[-3000:]}\n")


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def test_a_job_goes_through_a_real_worker_and_records_its_progress(start_worker, entity_a) -> None:
    start_worker("w1")
    job = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={"steps": 4, "step_seconds": 0.3}
    )
    seen_progress = set()

    def finished() -> bool:
        current = _job(job.pk)
        seen_progress.add(current.progress)
        return current.state in (JobState.SUCCEEDED, JobState.FAILED)

    _wait_for(finished, 90, "the job to finish")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.progress == 100
    assert job.attempts == 1
    assert job.message == ""  # the last step ("Step 4 of 4") is past once it has succeeded
    assert any(0 < p < 100 for p in seen_progress), seen_progress
    assert JobEffect.objects.filter(job=job).count() == 1


@pytest.mark.kill
def test_a_job_whose_worker_is_killed_completes_exactly_once_on_a_new_worker(
    start_worker, entity_a
) -> None:
    first = start_worker("doomed")
    job = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={"steps": 15, "step_seconds": 0.3}
    )
    _wait_for(
        lambda: _job(job.pk).state == JobState.RUNNING and _job(job.pk).progress >= 10,
        90,
        "the job to run",
    )

    os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and pool child
    first.wait()
    assert _job(job.pk).state == JobState.RUNNING
    assert not JobEffect.objects.filter(job_id=job.pk).exists()
    # PostgreSQL ends the dead worker's session and, with it, the job's advisory lock.
    _wait_for(lambda: job_lock_is_free(job_id=job.pk), 30, "the dead worker's lock to be released")

    start_worker("rescuer")
    _wait_for(
        lambda: _job(job.pk).state in (JobState.SUCCEEDED, JobState.FAILED),
        120,
        "the job to finish",
    )
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.attempts == 2
    assert JobEffect.objects.filter(job_id=job.pk).count() == 1
    assert settings.JOBS_DISPATCH == "celery"
