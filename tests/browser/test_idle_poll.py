"""In the browser: a job page polling for progress marks its requests as polls, so an
unattended page does not keep the session alive (core/sessions.py, static/js/idle-poll.js)."""

from __future__ import annotations

import pytest

from entities.models import Entity
from jobs.models import Job, parameters_key
from synthetic import demo
from tests.browser.signin import sign_in_with_mfa

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_job_page_polls_as_a_poll(live_server, page) -> None:
    demo.load(entities={}, stdout=None)
    entity = Entity.objects.get(legal_name="Demo Valley Health ACO")
    job = Job.objects.create(entity=entity, kind="demo.wait", parameters_key=parameters_key({}))

    sign_in_with_mfa(page, live_server.url, "admin@valley.demo", demo.DEMO_PASSWORD)

    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true") as poll:
        pass
    assert poll.value.headers.get("x-idle-poll") == "1"
