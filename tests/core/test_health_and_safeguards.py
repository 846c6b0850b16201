from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from core.logging import MASK, MaskMBIFilter, mask_mbis
from entities.models import Entity

# Synthetic MBIs in the CMS format (never issued to anyone).
SYNTHETIC_MBIS = ["1EG4TE5MK73", "9AA0AA0AA00", "2c35d72ef81"]


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_broker(client, settings) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings) -> None:
    settings.JOBS_DISPATCH = "celery"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "mode": "celery", "error": "ConnectionError"}


@pytest.mark.django_db
def test_healthz_checks_the_real_redis_when_one_is_configured(client, settings) -> None:
    import os

    if not os.environ.get("REDIS_URL"):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REDIS_URL is required")
        pytest.skip("no REDIS_URL")
    settings.JOBS_DISPATCH = "celery"
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    assert client.get(reverse("healthz")).json()["broker"] == {"ok": True, "mode": "celery"}


@pytest.mark.parametrize("mbi", SYNTHETIC_MBIS)
def test_mbi_shaped_strings_are_masked(mbi: str) -> None:
    assert (
        mask_mbis(f"loaded beneficiary {mbi} from CCLF8") == f"loaded beneficiary {MASK} from CCLF8"
    )


def test_things_that_are_not_mbis_are_left_alone() -> None:
    text = "NPI 1234567893, TIN 123456789, claim 000012345678, ACO A1234"
    assert mask_mbis(text) == text


def test_the_logging_filter_masks_messages_and_arguments(caplog) -> None:
    logger = logging.getLogger("tests.mbi")
    logger.addFilter(MaskMBIFilter())
    with caplog.at_level(logging.INFO, logger="tests.mbi"):
        logger.info("crosswalk %s -> %s", SYNTHETIC_MBIS[0], SYNTHETIC_MBIS[1])
        logger.info(f"inline {SYNTHETIC_MBIS[2]}")  # noqa: G004 - the point of the test
    logger.filters.clear()
    for mbi in SYNTHETIC_MBIS:
        assert mbi not in caplog.text
    assert caplog.text.count(MASK) == 3


def test_the_configured_handlers_mask_mbis() -> None:
    from django.conf import settings

    assert "mask_mbi" in settings.LOGGING["handlers"]["console"]["filters"]


@pytest.mark.django_db
def test_a_user_sees_only_the_entities_they_belong_to(
    aco_coordinator, other_entity_user, entity_a, entity_b
) -> None:
    assert list(Entity.objects.for_user(aco_coordinator)) == [entity_a]
    assert list(Entity.objects.for_user(other_entity_user)) == [entity_b]


@pytest.mark.django_db
def test_the_home_page_names_only_the_users_entity(client_b, entity_a, entity_b) -> None:
    content = client_b.get(reverse("home")).content.decode()
    assert entity_b.legal_name in content
    assert entity_a.legal_name not in content
    # The entity's card leads to its overview, not nowhere.
    assert f'href="{reverse("care:overview", args=[entity_b.pk])}"' in content


def _totp_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.mark.django_db
def test_a_user_enrols_totp_and_is_then_asked_for_a_code_at_login(client, aco_coordinator) -> None:
    credentials = {"login": aco_coordinator.email, "password": "correct horse battery"}
    assert client.post(reverse("account_login"), credentials).status_code == 302

    # Enrolling a second factor asks for the password again first.
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": credentials["password"]})
    activation = client.get(reverse("mfa_activate_totp"))
    assert activation.status_code == 200
    secret = activation.context["form"].secret
    enrolled = client.post(reverse("mfa_activate_totp"), {"code": _totp_now(secret)})
    assert enrolled.status_code == 302
    assert aco_coordinator.authenticator_set.filter(type="totp").exists()

    client.post(reverse("account_logout"))
    second_login = client.post(reverse("account_login"), credentials)
    assert second_login["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in until the code is given


@pytest.mark.django_db
def test_public_sign_up_is_closed(client) -> None:
    response = client.get(reverse("account_signup"))
    assert "closed" in response.content.decode().lower()
