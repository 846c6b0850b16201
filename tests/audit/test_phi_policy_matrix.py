"""The PHI access policy as a generated matrix: every URL pattern of the project (the resolver
walked, the API's routes and the admin console's included) that is not one of the few named as
free of PHI, requested by a person of every role whose session holds no verified second factor,
is refused: pages send them to set-up (or, with an authenticator, to the verify page), the API
and FHIR answer 403 problem+json. The same person, verified, is let through on their own
entity's objects; the pages and endpoints named in `OWN_ENTITY_OK` answer 200 with their data.

(Cross-entity 404s and the access records are checked by their own matrix.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from accounts.models import Role
from audit.phi import PHI_FREE_ROUTES
from tests.care.conftest import make_alignment_run, make_bene, make_risk_score  # noqa: F401
from tests.conftest import PASSWORD
from tests.login import password_only_client, totp_authenticator, verified_client

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    kwargs: tuple[str, ...]
    api: bool
    positional: int = 0  # unnamed groups (simple_history's admin pages)

    def __str__(self) -> str:
        return self.route


def _kwarg_names(pattern: Any) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def _positional(pattern: Any) -> int:
    if isinstance(pattern, RegexPattern):
        return pattern.regex.groups - len(pattern.regex.groupindex)
    return 0


def _walk(resolver: Any, prefix: str = "", namespace: str = "", names: tuple = ()) -> Any:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from _walk(
                entry, prefix + str(entry.pattern), ns, names + _kwarg_names(entry.pattern)
            )
        elif isinstance(entry, URLPattern) and entry.name:
            callback = entry.callback
            cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            from rest_framework.views import APIView

            yield Route(
                name=f"{namespace}:{entry.name}" if namespace else entry.name,
                route=prefix + str(entry.pattern),
                kwargs=names + _kwarg_names(entry.pattern),
                api=isinstance(cls, type) and issubclass(cls, APIView),
                positional=_positional(entry.pattern),
            )


def all_routes() -> list[Route]:
    seen: dict[tuple[str, tuple[str, ...]], Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault((route.name, route.kwargs), route)
    return list(seen.values())


# The pages and endpoints that show no PHI and stay open before set-up. Changing this set is a
# decision about the policy: the test says so.
FREE = {
    "home", "healthz", "api-schema", "api-docs", "partners-token", "fhir:metadata",
    "fhir:smart-configuration", "admin-login",
}  # fmt: skip
ADMIN_FREE_SITE = {"admin:index", "admin:login", "admin:logout", "admin:password_change",
                   "admin:password_change_done", "admin:jsi18n", "admin:view_on_site",
                   "admin:app_list", "admin:autocomplete"}  # fmt: skip
PHI_ADMIN_MODELS = {"beneficiaries_beneficiary", "alignment_voluntaryalignment", "audit_accessrecord",
                    "claims_delivery", "jobs_job", "alignment_pendingdesignation"}  # fmt: skip


def is_free(route: Route) -> bool:
    if route.name in FREE or route.name in ADMIN_FREE_SITE:
        return True
    if route.route.startswith("accounts/"):
        return True  # allauth's sign-in, set-up and verify pages
    if route.name.startswith("admin:"):
        return not any(route.name.startswith(f"admin:{m}_") for m in PHI_ADMIN_MODELS)
    return False


ROUTES = all_routes()
PHI_ROUTES = [r for r in ROUTES if not is_free(r)]


def test_the_policy_names_the_same_free_routes_as_this_test() -> None:
    assert FREE == PHI_FREE_ROUTES
    assert len(PHI_ROUTES) > 80  # the walk found the app's pages, API and admin


@pytest.fixture
def world(request, entity_a, aco_admin, aco_coordinator) -> dict[str, Any]:
    new_bene = request.getfixturevalue("make_bene")
    new_run = request.getfixturevalue("make_alignment_run")
    new_risk = request.getfixturevalue("make_risk_score")
    from care.services import worklist_item_create
    from jobs.models import Job, parameters_key

    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    bene = new_bene(entity_a, last_name="Abbott")
    run = new_run(
        entity_a, as_of=date(2025, 6, 30),
        results=[(bene, True, "aligned_plurality", "123456789", "1234567893", "")],
    )  # fmt: skip
    new_risk(bene, 2025, [("HCC38", "Diabetes with chronic complications")])
    item = worklist_item_create(entity=entity_a, beneficiary=bene, title="Call Abbott",
                                due_date=timezone.localdate(), assigned_to=aco_coordinator,
                                acting_user=aco_coordinator)  # fmt: skip
    job = Job.objects.create(entity=entity_a, kind="demo.wait", parameters_key=parameters_key({}))
    return {"entity": entity_a, "bene": bene, "run": run, "item": item, "job": job}


def _value(route: Route, name: str, world: dict[str, Any]) -> Any:
    r = route.route
    by_name = {
        "entity_id": world["entity"].pk, "beneficiary_id": world["bene"].pk, "year": 2025,
        "run_id": world["run"].pk, "tin": "123456789", "fmt": "csv", "job_id": world["job"].pk,
        "item_id": world["item"].pk, "export_id": uuid.uuid4(), "resource_type": "Patient",
        "group_id": "1", "key": "123456789", "format": "json", "app_label": "beneficiaries",
        "content_type_id": "1", "url": "nothing/", "period": 0, "message_id": 1,
        "result_id": 1, "npi": "1234567893", "quality_id": "001",
    }  # fmt: skip
    if name in by_name:
        return by_name[name]
    if name in ("pk", "object_id"):
        if "alignment/runs" in r or "alignment-runs" in r or "alignmentrun" in r:
            return world["run"].pk
        if "beneficiar" in r or "Patient" in r or "Coverage" in r:
            return world["bene"].pk
        if "worklist" in r:
            return world["item"].pk
        if "job" in r:
            return world["job"].pk
        if "entit" in r:
            return world["entity"].pk
        return 1
    raise AssertionError(f"no value for <{name}> in {r}")


def url_of(route: Route, world: dict[str, Any]) -> str:
    if route.positional:
        first = _value(route, "object_id", world)
        return reverse(route.name, args=[first] + [1] * (route.positional - 1))
    return reverse(route.name, kwargs={k: _value(route, k, world) for k in route.kwargs})


def assert_refused(response: Any, route: Route, to: str) -> None:
    if route.api:
        assert response.status_code == 403, (route, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json"), route
        assert "second factor" in response.json()["detail"]
    else:
        assert response.status_code == 302, (route, response.status_code)
        assert response["Location"].startswith(to), (route, response["Location"])


@pytest.fixture
def aco_preferred(entity_a, make_member) -> Any:
    return make_member(entity_a, Role.PREFERRED_PROVIDER, "preferred@a.example.test")


def test_no_verified_second_factor_no_phi_whatever_the_role(world, aco_admin, aco_analyst,
                                                            aco_coordinator, aco_preferred) -> None:  # fmt: skip
    """Every route in one test, each person signed in once: the routes' requests are the test;
    a sign-in per route and person had been most of its time."""
    urls = [(route, url_of(route, world)) for route in PHI_ROUTES]
    for person in (aco_admin, aco_analyst, aco_coordinator, aco_preferred):
        # Before set-up: sent to set it up.
        client = password_only_client(person)
        for route, url in urls:
            assert_refused(client.get(url), route, "/accounts/2fa/totp/activate/")
    # With an authenticator, but signed in with the password alone: sent to verify it.
    totp_authenticator(aco_coordinator)
    client = password_only_client(aco_coordinator)
    for route, url in urls:
        assert_refused(client.get(url), route, "/accounts/2fa/reauthenticate/?next=")


# Answer 200 to their own entity's person once verified (the admin console: the entity admin).
OWN_ENTITY_OK = {
    "care:today", "care:overview", "care:roster", "care:worklist", "care:beneficiary",
    "alignment:index", "alignment:run_detail", "alignment:run_results",
    "alignment:beneficiary_history", "benchmarks:risk_list", "benchmarks:beneficiary_risk",
    "jobs:detail", "beneficiary-list", "beneficiary-detail", "alignment-run-list",
    "alignment-run-detail", "worklist-item-list", "worklist-item-detail", "care-gap-list",
    "job-list", "job-detail", "events:unmatched", "events:beneficiary",
    "admin:beneficiaries_beneficiary_changelist",
    "admin:beneficiaries_beneficiary_change",
}  # fmt: skip
OWN_ENTITY_OK |= {"care:queue", "care:search"}


def test_the_same_person_verified_is_let_through_on_their_own_entity(world, aco_admin,
                                                                     aco_coordinator) -> None:  # fmt: skip
    admin, coordinator = verified_client(aco_admin), verified_client(aco_coordinator)
    for route in PHI_ROUTES:
        client = admin if route.name.startswith("admin:") else coordinator
        response = client.get(url_of(route, world))
        location = response.get("Location", "")
        assert "/accounts/" not in location, (route, location)
        assert response.status_code != 500, route
        if response.status_code == 403 and route.api:
            assert "second factor" not in response.json().get("detail", ""), route
        if route.name in OWN_ENTITY_OK and "format" not in route.kwargs:
            assert response.status_code == 200, (route, response.status_code)


def test_every_route_expected_to_answer_200_exists() -> None:
    names = {r.name for r in PHI_ROUTES}
    assert names >= OWN_ENTITY_OK, OWN_ENTITY_OK - names


def test_free_pages_stay_open_before_set_up(aco_admin) -> None:
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    client = password_only_client(aco_admin)
    for url in ("/", "/admin/", "/admin/entities/entity/", "/admin/entities/participation/",
                "/accounts/2fa/", "/api/v1/docs/"):  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_a_partner_client_is_not_a_person(entity_a) -> None:
    """A bearer request is decided by its token, never sent to a set-up page."""
    response = Client().get("/api/v1/beneficiaries/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_a_bearer_header_does_not_open_a_page_to_a_password_only_session(
    entity_a, aco_coordinator
) -> None:
    client = password_only_client(aco_coordinator)
    response = client.get(
        reverse("care:roster", args=[entity_a.pk]), HTTP_AUTHORIZATION="Bearer whatever"
    )
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


# allauth announces the new authenticator once its transaction commits, as in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [Role.ENTITY_ADMIN, Role.ANALYST, Role.CARE_COORDINATOR])
def test_setting_up_an_authenticator_in_the_session_verifies_it(
    role, entity_a, make_member, settings
) -> None:
    """allauth's set-up view: the code typed proves the device; PHI opens in this session."""
    import time

    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value

    settings.MFA_TOTP_TOLERANCE = 1  # a code computed at the end of its 30 s window still counts
    person = make_member(entity_a, role)
    client = password_only_client(person)
    url = reverse("care:roster", args=[entity_a.pk])
    assert client.get(url)["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks for the password again before a security change.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith("/accounts/reauth")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, response.content[:500]
    assert client.get(url).status_code == 200


def test_the_api_has_no_format_suffix_routes(aco_coordinator) -> None:
    """`/api/v1/beneficiaries.json` once answered 500: the API negotiates JSON, no suffixes."""
    assert not [r for r in PHI_ROUTES if r.api and "format" in r.kwargs]
    response = verified_client(aco_coordinator).get("/api/v1/beneficiaries.json")
    assert response.status_code == 404
