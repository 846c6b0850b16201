"""The second wall: PostgreSQL's row-level security answers only rows of the entities of the
current request or job, even to a query that forgets `for_user()` (core/rls.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import Client

from accounts.models import Role
from beneficiaries.models import Beneficiary
from care.models import CareGap
from core import rls
from jobs.models import Job, JobState
from jobs.registry import job_handler
from jobs.services import job_execute
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# The tables the platform's PHI and money live in; each must carry the policy.
PHI_AND_MONEY_TABLES = {
    "beneficiaries_beneficiary",
    "beneficiaries_beneficiarymbi",
    "beneficiaries_beneficiarydemographics",
    "beneficiaries_mbicrosswalk",
    "claims_partaclaimheader",
    "claims_partarevenuecenter",
    "claims_partaprocedure",
    "claims_partadiagnosis",
    "claims_partbphysicianline",
    "claims_partbdmeline",
    "claims_partdevent",
    "claims_partabedemo",
    "claims_partbbedemo",
    "cmslists_cmslistbeneficiary",
    "cmslists_cmslistprovider",
    "alignment_alignmentresult",
    "alignment_alignmentchange",
    "alignment_voluntaryalignment",
    "alignment_historicalvoluntaryalignment",
    "alignment_pendingdesignation",
    "alignment_claimsnapshot",
    "alignment_claimline",
    "benchmarks_riskscore",
    "benchmarks_riskscorecomponent",
    "benchmarks_riskhcc",
    "benchmarks_riskdiagnosis",
    "benchmarks_institutionalstatus",
    "benchmarks_benchmarkcalculation",
    "benchmarks_benchmarksegment",
    "benchmarks_benchmarkstep",
    "benchmarks_benchmarkyearpopulation",
    "benchmarks_highneedsresult",
    "care_careprofile",
    "care_caregap",
    "care_worklistitem",
    "care_worklistnote",
    "care_claimevent",
    "care_caresummary",
    "datasharing_datasharingrecord",
    "care_outreachattempt",
    "events_adtmessage",
    "events_stay",
    "settlement_settlementrun",
    "settlement_participantshare",
    "settlement_qualityresult",
    "quality_measurecase",
    "quality_measureevent",
    "quality_patientresult",
    "specialists_leadspecialist",
    "specialists_leadspecialistchange",
    "specialists_episode",
    "specialists_caretransition",
    "specialists_gainsharepolicy",
    "specialists_gainsharearrangement",
    "care_rosterview",
    "care_contactdetails",
}
PHI_APPS = (
    "beneficiaries", "claims", "datasharing", "alignment", "benchmarks", "care", "events",
    "settlement", "quality", "specialists",
)  # fmt: skip


def _reaches_an_entity(model) -> bool:
    if getattr(model, "tenant_path", None):
        return True
    return any(
        f.is_relation
        and f.related_model is not None
        and f.related_model._meta.label == "entities.Entity"
        for f in model._meta.concrete_fields
    ) or any(
        f.is_relation
        and f.many_to_one
        and f.related_model._meta.app_label in PHI_APPS
        and f.related_model._meta.label in rls.SCOPED
        for f in model._meta.concrete_fields
    )


def _people(entity_a, entity_b) -> None:
    for entity, mbi in ((entity_a, "1EG4TE5MK73"), (entity_b, "2EG4TE5MK74")):
        person = Beneficiary.objects.create(entity=entity, current_mbi=mbi, last_name="Doe")
        CareGap.objects.create(
            entity=entity, beneficiary=person, gap="hba1c", label="HbA1c", as_of=date(2025, 6, 30)
        )


def test_every_phi_and_money_table_carries_the_policy() -> None:
    assert set(rls.scoped_tables()) == PHI_AND_MONEY_TABLES
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, pg_get_userbyid(c.relowner), "
            "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s) "
            "FROM pg_class c WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace",
            [rls.POLICY, sorted(PHI_AND_MONEY_TABLES)],
        )
        rows = {
            name: (secured, owner, policy) for name, secured, owner, policy in cursor.fetchall()
        }
        cursor.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [settings.DATABASE_APP_ROLE],
        )
        app_role = cursor.fetchone()
    assert set(rows) == PHI_AND_MONEY_TABLES
    for name, (secured, owner, policy) in rows.items():
        assert secured, f"{name} has no row-level security"
        assert policy, f"{name} has no policy {rls.POLICY}"
        assert owner != settings.DATABASE_APP_ROLE, f"the application role owns {name}"
    assert app_role == (False, False), "the application role must be subject to the policies"


def test_every_model_of_the_phi_apps_that_reaches_an_entity_is_listed() -> None:
    listed = set(rls.SCOPED) | set(rls.UNSCOPED)
    missing = [
        model._meta.label
        for app in PHI_APPS
        for model in apps.get_app_config(app).get_models()
        if _reaches_an_entity(model) and model._meta.label not in listed
    ]
    assert missing == [], f"say in core/rls.py whether these hold PHI or money: {missing}"


@pytest.mark.urls("tests.core.rls_urls")
def test_a_request_that_forgets_for_user_gets_no_row_of_another_entity(
    entity_a, entity_b, aco_coordinator, login_client
) -> None:
    _people(entity_a, entity_b)
    assert Beneficiary.objects.count() == 2  # the test itself runs as the owner: unscoped

    answer = login_client(aco_coordinator).get("/everything/").json()

    assert answer["role"] == settings.DATABASE_APP_ROLE
    assert answer["beneficiaries"] == [entity_a.pk]
    assert answer["gaps"] == [entity_a.pk]


@pytest.mark.urls("tests.core.rls_urls")
def test_the_scope_is_the_users_memberships_none_for_a_stranger(
    entity_a, entity_b, make_member, login_client
) -> None:
    _people(entity_a, entity_b)
    both = make_member(entity_a, Role.ANALYST)
    MembershipFactory(user=both, entity=entity_b, role=Role.ANALYST)
    stranger = UserFactory()

    assert login_client(both).get("/everything/").json()["beneficiaries"] == [
        entity_a.pk,
        entity_b.pk,
    ]
    assert login_client(stranger).get("/everything/").json()["beneficiaries"] == []
    # A preferred provider's membership opens no row of its entity (its pages enter the scope
    # themselves, for its TIN's patients only).
    preferred = make_member(entity_a, Role.PREFERRED_PROVIDER)
    assert login_client(preferred).get("/everything/").json()["beneficiaries"] == []
    # Anonymous: the access policy sends the request to sign in before any view runs, and the
    # request's scope is that of no entity.
    assert Client().get("/everything/").status_code == 302
    assert rls.scope_user(AnonymousUser()) is None


@pytest.mark.urls("tests.core.rls_urls")
def test_platform_staffs_scope_follows_their_break_glass_grants(
    entity_a, entity_b, make_member, login_client
) -> None:
    """A superuser's requests see no entity's PHI in PostgreSQL until a grant opens one; the
    grant's end closes it again. Rows without PHI (here the care summary counts) stay visible
    for every entity, as `for_user()` shows them to platform staff. Staff who are not
    superusers: their memberships and grants, for both kinds of rows."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import BreakGlassGrant
    from accounts.services import break_glass_grant_create, break_glass_grant_end
    from care.models import CareSummary

    _people(entity_a, entity_b)
    for entity in (entity_a, entity_b):
        CareSummary.objects.create(entity=entity, as_of=date(2025, 6, 30))
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = login_client(superuser)

    seen = client.get("/everything/").json()
    assert (seen["beneficiaries"], seen["gaps"]) == ([], [])
    assert seen["summaries"] == [entity_a.pk, entity_b.pk]

    grant = break_glass_grant_create(
        user=superuser, entity=entity_b, reason="Ticket 5120: a merged record", minutes=15
    )
    seen = client.get("/everything/").json()
    assert (seen["beneficiaries"], seen["gaps"]) == ([entity_b.pk], [entity_b.pk])

    break_glass_grant_end(grant=grant, acting_user=superuser)
    assert client.get("/everything/").json()["beneficiaries"] == []
    # One that ran out by itself closes the same way.
    break_glass_grant_create(
        user=superuser, entity=entity_a, reason="Ticket 5121: a duplicate MBI", minutes=15
    )
    assert client.get("/everything/").json()["beneficiaries"] == [entity_a.pk]
    BreakGlassGrant.objects.filter(user=superuser, ended_at__isnull=True).update(
        starts_at=timezone.now() - timedelta(hours=2),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    assert client.get("/everything/").json()["beneficiaries"] == []

    # An entity admin with console access (staff, not superuser): memberships, plus grants.
    admin = make_member(entity_a, Role.ENTITY_ADMIN)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    seen = login_client(admin).get("/everything/").json()
    assert (seen["beneficiaries"], seen["summaries"]) == ([entity_a.pk], [entity_a.pk])
    break_glass_grant_create(
        user=admin, entity=entity_b, reason="Ticket 5122: a shared patient", minutes=5
    )
    seen = login_client(admin).get("/everything/").json()
    assert seen["beneficiaries"] == [entity_a.pk, entity_b.pk]
    assert seen["summaries"] == [entity_a.pk, entity_b.pk]


@pytest.mark.urls("tests.core.rls_urls")
def test_the_connection_is_reset_when_the_request_ends(
    entity_a, entity_b, aco_coordinator, login_client
) -> None:
    login_client(aco_coordinator).get("/everything/")

    assert rls.current_scope() is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting(%s, true)", [rls.SETTING])
        role, entity_ids = cursor.fetchone()
    assert role != settings.DATABASE_APP_ROLE
    assert entity_ids in ("", None)


@job_handler("tests.rls.read_everything")
def _read_everything(job, progress):
    found = {
        "beneficiaries": sorted(Beneficiary.objects.values_list("entity_id", flat=True)),
        "gaps": sorted(CareGap.objects.values_list("entity_id", flat=True)),
    }
    if job.parameters.get("write_to"):
        with transaction.atomic():  # as a real handler's writes are
            Beneficiary.objects.create(
                entity_id=job.parameters["write_to"], current_mbi="3EG4TE5MK75"
            )
    return found


def test_a_job_of_one_entity_reads_no_row_of_another(entity_a, entity_b) -> None:
    _people(entity_a, entity_b)
    job = Job.objects.create(entity=entity_a, kind="tests.rls.read_everything")

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.result == {"beneficiaries": [entity_a.pk], "gaps": [entity_a.pk]}
    assert rls.current_scope() is None


def test_a_job_of_one_entity_cannot_write_a_row_of_another(entity_a, entity_b) -> None:
    job = Job.objects.create(
        entity=entity_a,
        kind="tests.rls.read_everything",
        parameters={"write_to": entity_b.pk},
    )

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "row-level security" in job.error
    assert not Beneficiary.objects.filter(entity=entity_b).exists()


def test_a_platform_job_of_no_entity_reads_every_entity(entity_a, entity_b) -> None:
    _people(entity_a, entity_b)
    job = Job.objects.create(entity=None, kind="tests.rls.read_everything")

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.result["beneficiaries"] == [entity_a.pk, entity_b.pk]


@pytest.mark.django_db
def test_a_scope_left_behind_by_a_rollback_is_applied_in_full_next_time(entity_a) -> None:
    """A block that fails inside a transaction leaves the server's settings to the rollback: the
    next scope is applied whatever the process last set (a COPY after it must not meet the
    application role)."""
    with transaction.atomic():
        with rls.entity_scope([entity_a.pk]):
            try:
                with transaction.atomic(savepoint=False), connection.cursor() as cursor:
                    cursor.execute("SELECT 1 / 0")
            except Exception:  # noqa: S110 - the failure is the point: the transaction must roll back
                pass
        assert rls.current_scope() == rls.UNKNOWN
        transaction.set_rollback(True)
    with rls.bulk_write(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (role,) = cursor.fetchone()
    assert role != settings.DATABASE_APP_ROLE


@pytest.mark.django_db
def test_a_copy_after_a_rolled_back_reset_runs_as_the_owner(entity_a) -> None:
    """A reset made inside a savepoint that rolls back leaves the server in the scope from before
    the savepoint while the process believes it reset: a bulk write still leaves the scope."""
    with rls.entity_scope([entity_a.pk]):
        try:
            with transaction.atomic():
                rls._set(None)
                raise ValueError
        except ValueError:
            pass
        with rls.bulk_write(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            (role,) = cursor.fetchone()
    assert role != settings.DATABASE_APP_ROLE
