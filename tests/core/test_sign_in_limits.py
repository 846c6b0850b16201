"""Every sign-in path shares one attempt limit per account and per address, kept where an
administrator sees it and lifts it; the admin console signs people in through the same form and
second factor; the partner token endpoint is limited per client."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import BreakGlassGrant, SignInLock
from accounts.services import break_glass_grant_create
from audit.models import AccessRecord
from tests.care.conftest import make_bene  # noqa: F401 (fixture)
from tests.conftest import PASSWORD
from tests.login import password_only_client, totp_authenticator, verified_client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _sign_in(client: Client, email: str, password: str, address: str = "10.0.0.1") -> object:
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=address)


def test_the_admin_console_signs_people_in_through_the_one_form() -> None:
    response = Client().get("/admin/login/?next=/admin/beneficiaries/beneficiary/")
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/login/?next=%2Fadmin%2Fbeneficiaries%2Fbeneficiary%2F"
    )
    # Any console page sends a stranger the same way.
    response = Client().get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    # A login form of the console's own no longer exists: a POST there signs no one in.
    assert Client().post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_an_admin_with_an_authenticator_must_give_a_code_after_the_password(aco_admin) -> None:
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    totp_authenticator(aco_admin)
    client = Client()
    response = client.post(
        f"{LOGIN}?next=/admin/", {"login": aco_admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # The code page says a recovery code is taken too, and opens a phone's number pad.
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Code from your authenticator app, or a recovery code" in page
    assert 'inputmode="numeric"' in page
    # Not signed in yet: the console is still closed.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_wrong_passwords_lock_the_account_even_against_the_right_one(aco_analyst) -> None:
    client = Client()
    for _ in range(5):
        assert _sign_in(client, aco_analyst.email, "wrong").status_code == 200
    lock = SignInLock.objects.get(scope="account", key=aco_analyst.email)
    assert lock.failures == 5
    assert lock.locked_until > timezone.now()
    response = _sign_in(client, aco_analyst.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same account from another address is locked too (the count is the account's).
    assert "_auth_user_id" not in Client().session
    response = _sign_in(Client(), aco_analyst.email, PASSWORD, address="10.9.9.9")
    assert "Too many failed login attempts" in response.content.decode()


def test_one_address_trying_many_accounts_is_locked(settings, make_member, entity_a) -> None:
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    people = [make_member(entity_a) for _ in range(4)]
    for person in people[:3]:
        _sign_in(Client(), person.email, "wrong", address="10.0.0.7")
    response = _sign_in(Client(), people[3].email, PASSWORD, address="10.0.0.7")
    assert "Too many failed login attempts" in response.content.decode()
    response = _sign_in(Client(), people[3].email, PASSWORD, address="10.0.0.8")
    assert response.status_code == 302


def test_an_administrator_sees_the_lock_and_lifts_it(aco_analyst, make_member, entity_a) -> None:
    from accounts.models import User

    for _ in range(5):
        _sign_in(Client(), aco_analyst.email, "wrong", address="10.0.0.3")
    staff = User.objects.create_superuser("platform@example.test", PASSWORD)
    console = password_only_client(staff)  # the console's non-PHI pages need no second factor
    page = console.get("/admin/accounts/signinlock/")
    assert page.status_code == 200
    assert aco_analyst.email in page.content.decode()
    lock = SignInLock.objects.get(scope="account", key=aco_analyst.email)
    address = SignInLock.objects.get(scope="address", key="10.0.0.3")
    response = console.post(
        "/admin/accounts/signinlock/",
        {"action": "lift", "_selected_action": [lock.pk, address.pk]},
    )
    assert response.status_code == 302
    lock.refresh_from_db()
    assert lock.locked_until is None
    assert lock.lifted_by == staff
    assert lock.failures == 0
    assert _sign_in(Client(), aco_analyst.email, PASSWORD, address="10.0.0.3").status_code == 302


def test_the_lock_runs_out(aco_analyst) -> None:
    for _ in range(5):
        _sign_in(Client(), aco_analyst.email, "wrong")
    SignInLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _sign_in(Client(), aco_analyst.email, PASSWORD).status_code == 302


def test_the_token_endpoint_is_limited_per_client(settings) -> None:
    import jwt

    settings.PARTNERS_TOKEN_RATE_PER_MINUTE = 3
    one, two = f"client-{uuid.uuid4()}", f"client-{uuid.uuid4()}"  # fresh Redis counters
    assertion = jwt.encode({"iss": one, "sub": one}, "k")
    other = jwt.encode({"iss": two, "sub": two}, "k")
    data = {"grant_type": "client_credentials", "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}  # fmt: skip
    codes = [Client().post("/api/v1/auth/token", data).status_code for _ in range(5)]
    assert codes[0] != 429
    assert 429 in codes
    refused = Client().post("/api/v1/auth/token", data)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another client is counted apart.
    assert (
        Client().post("/api/v1/auth/token", {**data, "client_assertion": other}).status_code != 429
    )


# ------------------------------------------------------------------ break glass


def test_staff_see_no_phi_without_a_grant_then_only_the_granted_entity(
    request, entity_a, entity_b
) -> None:
    from accounts.models import User
    from beneficiaries.models import Beneficiary

    new_bene = request.getfixturevalue("make_bene")  # the care tests' builder
    bene_a = new_bene(entity_a, last_name="Abbott")
    new_bene(entity_b, last_name="Baker")
    from care.models import WorklistItem
    from care.services import worklist_item_create

    worklist_item_create(entity=entity_a, beneficiary=bene_a, title="Call", acting_user=None)
    staff = User.objects.create_superuser("platform@example.test", PASSWORD)
    client = verified_client(staff)
    # Verified, superuser, no grant: no beneficiary anywhere (pages 404, API empty, admin empty).
    assert Beneficiary.objects.for_user(staff).count() == 0
    assert client.get(reverse("care:beneficiary", args=[entity_a.pk, bene_a.pk])).status_code == 404
    assert WorklistItem.objects.for_user(staff).count() == 0
    assert "Abbott" not in client.get("/admin/beneficiaries/beneficiary/").content.decode()
    # The entity's pages say why they show nobody, rather than reading as an empty entity.
    overview = client.get(reverse("care:overview", args=[entity_a.pk]))
    assert overview.status_code == 200
    assert 'id="staff-without-grant"' in overview.content.decode()
    # Their home page says where their work is, not "ask your entity's administrator".
    home = client.get(reverse("home")).content.decode()
    assert "You are platform staff" in home
    assert "not a member of any entity" not in home
    assert 'href="/admin/"' in home
    # The console lists one "People and access" (users, roles, grants), not two "Accounts".
    console = client.get("/admin/").content.decode()
    assert console.count(">Accounts<") <= 1
    assert "People and access" in console

    grant = break_glass_grant_create(
        user=staff, entity=entity_a, reason="Ticket 4411: check a duplicate record", minutes=30
    )
    assert list(Beneficiary.objects.for_user(staff)) == [bene_a]
    assert client.get(reverse("care:beneficiary", args=[entity_a.pk, bene_a.pk])).status_code == 200
    assert AccessRecord.objects.filter(user=staff, entity=entity_a).exists()
    assert [item.title for item in WorklistItem.objects.for_user(staff)] == ["Call"]
    assert "Abbott" in client.get("/admin/beneficiaries/beneficiary/").content.decode()
    overview = client.get(reverse("care:overview", args=[entity_a.pk]))
    assert 'id="staff-without-grant"' not in overview.content.decode()

    # It ends by itself.
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        starts_at=timezone.now() - timedelta(hours=2),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    assert Beneficiary.objects.for_user(staff).count() == 0


def test_a_grant_needs_a_reason_and_a_limit(entity_a) -> None:
    from accounts.models import User
    from core.api import ApplicationError

    staff = User.objects.create_superuser("platform@example.test", PASSWORD)
    with pytest.raises(ApplicationError, match="why"):
        break_glass_grant_create(user=staff, entity=entity_a, reason="  ", minutes=30)
    with pytest.raises(ApplicationError, match="minutes"):
        break_glass_grant_create(
            user=staff, entity=entity_a, reason="Ticket 1 audit", minutes=10_000
        )


def test_staff_ask_for_a_grant_in_the_console_and_the_entity_admin_sees_it(
    entity_a, aco_admin
) -> None:
    from accounts.models import User

    staff = User.objects.create_superuser("platform@example.test", PASSWORD)
    console = verified_client(staff)
    response = console.post(
        "/admin/accounts/breakglassgrant/add/",
        {"entity": entity_a.pk, "reason": "Ticket 4412: claims question", "minutes": 15},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.entity) == (staff, entity_a)
    assert timedelta(minutes=14) < grant.expires_at - grant.starts_at <= timedelta(minutes=15)
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    page = verified_client(aco_admin).get("/admin/accounts/breakglassgrant/")
    assert page.status_code == 200
    assert "platform@example.test" in page.content.decode()
    # An entity admin does not grant themselves anything.
    assert verified_client(aco_admin).get("/admin/accounts/breakglassgrant/add/").status_code == 403


# ------------------------------------------------------------------ wrong authenticator codes


def _code_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _with_totp(user: object) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_wrong_codes_count_against_the_same_lock_as_wrong_passwords(aco_analyst, settings) -> None:
    """Two wrong passwords and three wrong codes make the five failures that lock the account:
    then even the right password and the right code are refused until the lock is lifted."""
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 5
    secret = _with_totp(aco_analyst)
    for _ in range(2):
        _sign_in(Client(), aco_analyst.email, "wrong", address="10.0.1.1")
    client = Client()
    assert _sign_in(client, aco_analyst.email, PASSWORD, address="10.0.1.1").status_code == 302
    code_page = reverse("mfa_authenticate")
    for _ in range(3):
        response = client.post(
            code_page, {"code": _wrong(_code_now(secret))}, REMOTE_ADDR="10.0.1.1"
        )
        assert response.status_code == 200
    lock = SignInLock.objects.get(scope="account", key=aco_analyst.email)
    assert lock.failures == 5
    assert lock.locked_until > timezone.now()
    # The address counted the same five failures.
    assert SignInLock.objects.get(scope="address", key="10.0.1.1").failures == 5

    response = client.post(code_page, {"code": _code_now(secret)}, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # An administrator lifts the lock; the right code is then accepted.
    from accounts.services import sign_in_lock_lift

    sign_in_lock_lift(lock=lock, acting_user=aco_analyst)
    client = Client()
    assert _sign_in(client, aco_analyst.email, PASSWORD, address="10.0.1.2").status_code == 302
    response = client.post(code_page, {"code": _code_now(secret)}, REMOTE_ADDR="10.0.1.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(aco_analyst.pk)


def test_wrong_codes_on_the_verify_page_lock_the_address(
    aco_analyst, make_member, entity_a, settings
) -> None:
    """In a session signed in with the password alone, the verify page before PHI counts wrong
    codes per address too: one address guessing codes for several accounts is stopped."""
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 10
    verify = reverse("mfa_reauthenticate")
    for person in (aco_analyst, make_member(entity_a)):
        secret = _with_totp(person)
        client = password_only_client(person)
        for _ in range(2 if person == aco_analyst else 1):
            response = client.post(
                verify, {"code": _wrong(_code_now(secret))}, REMOTE_ADDR="10.0.2.2"
            )
            assert response.status_code == 200
    assert SignInLock.objects.get(scope="address", key="10.0.2.2").locked_until > timezone.now()
    response = client.post(verify, {"code": _code_now(secret)}, REMOTE_ADDR="10.0.2.2")
    assert "Too many failed sign-in attempts" in response.content.decode()
