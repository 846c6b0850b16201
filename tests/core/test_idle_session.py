"""Sessions end after 15 minutes idle: a person's requests renew the window, a page's own polling
does not, and a poll that finds the session ended sends the whole page to the login form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job, parameters_key
from tests.factories import MembershipFactory
from tests.login import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_and_client() -> tuple[Job, Client]:
    membership = MembershipFactory()
    job = Job.objects.create(
        entity=membership.entity, kind="demo.wait", parameters_key=parameters_key({})
    )
    return job, verified_client(membership.user)


def _expiry_soon(client: Client) -> Session:
    """Moves the stored session's expiry to one minute from now, as if 14 minutes had passed."""
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    return Session.objects.get(session_key=key)


def test_a_request_by_the_person_renews_the_idle_window(job_and_client, settings) -> None:
    job, client = job_and_client
    before = _expiry_soon(client).expire_date

    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200

    after = Session.objects.get(session_key=client.session.session_key).expire_date
    assert after > before + timedelta(minutes=10)
    assert after <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_a_page_polling_by_itself_does_not_renew_it(job_and_client) -> None:
    job, client = job_and_client
    before = _expiry_soon(client).expire_date

    response = client.get(
        reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true", HTTP_X_IDLE_POLL="1"
    )

    assert response.status_code == 200
    assert Session.objects.get(session_key=client.session.session_key).expire_date == before


def test_a_poll_after_the_session_ended_sends_the_page_to_the_login_form(job_and_client) -> None:
    job, client = job_and_client
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    url = reverse("jobs:detail", args=[job.pk])

    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_X_IDLE_POLL="1")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    # Without htmx the same request is the ordinary redirect.
    assert client.get(url).status_code == 302
