"""Voluntary alignment designations recorded before the beneficiary is in any delivery: recorded
by MBI, name and date of birth, matched when a delivery brings the MBI, then used by runs."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from alignment.models import (
    AlignmentResult,
    DesignationStatus,
    PendingDesignation,
    VoluntaryAlignment,
)
from alignment.services.designations import (
    pending_designation_create,
    pending_designations_match,
)
from audit.models import AccessRecord
from cclf.layouts import layout
from claims.services import cclf_delivery_load
from core.api import ApplicationError
from entities.choices import ParticipationRole
from entities.models import Entity, ParticipantOrganization, Participation, Provider
from synthetic.cclf import GeneratorConfig, generate_delivery
from synthetic.cclf import Provider as SynthProvider

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 1)
TIN = "123456789"
NPI = "1234567893"  # a valid check digit (domain.md 8.4)
DELIVERED = datetime(2025, 12, 15, 12)  # noqa: DTZ001 - CMS names carry local times


@pytest.fixture
def participant(entity_a: Entity) -> Participation:
    org = ParticipantOrganization.objects.create(tin=TIN, legal_name="Synthetic practice")
    provider = Provider.objects.create(npi=NPI, name="Clinician 7893")
    return Participation.objects.create(
        entity=entity_a,
        organization=org,
        provider=provider,
        role=ParticipationRole.PARTICIPANT,
        start_date=date(2023, 1, 1),
    )


@pytest.fixture
def delivery(entity_a: Entity, participant: Participation, tmp_path: Path) -> Path:
    """A small synthetic delivery of 12 beneficiaries, written but not loaded."""
    config = GeneratorConfig(
        entity_id=entity_a.cms_id,
        year=2025,
        beneficiaries=12,
        seed=31,
        participants=[SynthProvider(TIN, NPI, "01")],
        delivered_at=DELIVERED,
    )
    return generate_delivery(config, tmp_path)


def _living_person(path: Path) -> dict[str, Any]:
    """The first beneficiary of the delivery's CCLF8 who is alive: MBI, names, date of birth."""
    fields = {f.label: f for f in layout("CCLF8").fields}

    def value(line: bytes, label: str) -> str:
        f = fields[label]
        return line[f.start : f.start + f.width].decode("latin-1").strip()

    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if ".ZC8" in n)
        lines = zf.read(name).splitlines()
    for line in lines:
        if not value(line, "BENE_DEATH_DT"):
            return {
                "mbi": value(line, "BENE_MBI_ID"),
                "first_name": value(line, "BENE_1ST_NAME") or "First",
                "last_name": value(line, "BENE_LAST_NAME") or "Last",
                "birth_date": date.fromisoformat(value(line, "BENE_DOB")),
            }
    raise AssertionError("no living beneficiary in the delivery")


def _record(entity: Entity, person: dict[str, Any], **change: Any) -> PendingDesignation:
    args = {
        "entity": entity, **person, "npi": NPI, "signature_date": date(2024, 10, 1),
        "source": "medicare_gov", "today": TODAY, **change,
    }  # fmt: skip
    return pending_designation_create(**args)


def test_a_designation_waits_for_its_delivery_and_a_run_uses_it(
    entity_a: Entity, delivery: Path, run_alignment: Any
) -> None:
    person = _living_person(delivery)
    dashed = f"{person['mbi'][:4]}-{person['mbi'][4:7]}-{person['mbi'][7:]}"
    pending = _record(entity_a, {**person, "mbi": dashed})
    assert pending.status == DesignationStatus.PENDING
    assert pending.mbi == person["mbi"]  # stored without dashes
    assert pending.tin == TIN  # the TIN the NPI billed through on the date signed
    assert not VoluntaryAlignment.objects.exists()

    cclf_delivery_load(path=delivery)
    run = run_alignment(entity_a)  # a run matches waiting designations first

    pending.refresh_from_db()
    assert pending.status == DesignationStatus.MATCHED
    assert pending.matched_on == DELIVERED.date()
    record = VoluntaryAlignment.objects.get()
    assert (record.beneficiary_id, record.npi, record.tin) == (pending.beneficiary_id, NPI, TIN)
    assert record.signature_date == date(2024, 10, 1)
    assert pending.voluntary_alignment_id == record.pk
    assert pending.beneficiary_id is not None
    result = AlignmentResult.objects.get(run=run, beneficiary_id=pending.beneficiary_id)
    assert (result.aligned, result.step, result.reason) == (True, "voluntary", "aligned_voluntary")
    assert result.attributed_npi == NPI


def test_a_different_date_of_birth_holds_the_designation_as_a_conflict(
    entity_a: Entity, delivery: Path
) -> None:
    person = _living_person(delivery)
    pending = _record(entity_a, {**person, "birth_date": date(1931, 2, 3)})
    cclf_delivery_load(path=delivery)
    outcome = pending_designations_match(entity=entity_a)
    assert (outcome.matched, outcome.conflicts, outcome.waiting) == (0, 1, 0)
    pending.refresh_from_db()
    assert pending.status == DesignationStatus.CONFLICT
    assert "date of birth differs" in pending.note
    assert not VoluntaryAlignment.objects.exists()


def test_a_designation_of_someone_already_delivered_is_matched_at_once(
    entity_a: Entity, delivery: Path
) -> None:
    cclf_delivery_load(path=delivery)
    pending = _record(entity_a, _living_person(delivery))
    assert pending.status == DesignationStatus.MATCHED
    assert pending.beneficiary_id is not None
    assert VoluntaryAlignment.objects.filter(beneficiary_id=pending.beneficiary_id).count() == 1


PERSON = {
    "mbi": "1EG4TE5MK73",
    "first_name": "Ada",
    "last_name": "Synthetic",
    "birth_date": date(1950, 1, 2),
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mbi": "1EG4TE5MK7"}, "mbi", "Not a valid MBI"),
        ({"mbi": "1SG4TE5MK73"}, "mbi", "Not a valid MBI"),  # S is never used
        ({"last_name": " "}, "last_name", "last name is required"),
        ({"birth_date": date(2026, 6, 1)}, "birth_date", "in the future"),
        ({"npi": "1234567890"}, "npi", "not a valid NPI"),
        ({"signature_date": date(2022, 12, 31)}, "npi", "was not a participant provider"),
        ({"signature_date": date(2026, 6, 1)}, "signature_date", "in the future"),
        ({"source": "fax"}, "source", "not one of"),
    ],
)
def test_a_bad_designation_is_refused_naming_the_field(
    entity_a: Entity, participant: Participation, change: dict, field: str, message: str
) -> None:
    with pytest.raises(ApplicationError, match=message) as caught:
        _record(entity_a, {**PERSON, **{k: v for k, v in change.items() if k in PERSON}},
                **{k: v for k, v in change.items() if k not in PERSON})  # fmt: skip
    assert caught.value.extra["field"] == field
    assert str(caught.value).startswith(f"{field}: ")
    if field == "mbi":
        assert change["mbi"] not in str(caught.value)  # never echoed back
    assert not PendingDesignation.objects.exists()


def test_the_same_designation_twice_is_refused(
    entity_a: Entity, participant: Participation
) -> None:
    _record(entity_a, PERSON)
    with pytest.raises(ApplicationError, match="already recorded"):
        _record(entity_a, {**PERSON, "mbi": "1EG4-TE5-MK73"})


def test_an_admin_records_one_in_the_console_and_a_bad_mbi_is_shown_on_its_field(
    entity_a: Entity, participant: Participation, aco_admin: Any, login_client: Any
) -> None:
    aco_admin.is_staff = True  # entity admins work in the admin console
    aco_admin.save(update_fields=["is_staff"])
    client = login_client(aco_admin)
    url = reverse("admin:alignment_pendingdesignation_add")
    form = {
        "entity": entity_a.pk, "mbi": "1EG4-TE5-MK73", "first_name": "Ada",
        "last_name": "Synthetic", "birth_date": "1950-01-02", "npi": NPI, "tin": "",
        "signature_date": "2024-10-01", "source": "medicare_gov",
    }  # fmt: skip
    bad = client.post(url, {**form, "mbi": "1EG4TE5MK7"})
    assert bad.status_code == 200
    assert "Not a valid MBI" in str(bad.context["adminform"].form.errors["mbi"])
    assert not PendingDesignation.objects.exists()

    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    saved = PendingDesignation.objects.get()
    assert (saved.mbi, saved.tin, saved.created_by) == ("1EG4TE5MK73", TIN, aco_admin)
    voluntary = client.get(reverse("alignment:voluntary"))
    assert "<strong>1</strong> waiting for a delivery" in voluntary.content.decode()
    listing = client.get(reverse("admin:alignment_pendingdesignation_changelist"))
    assert listing.status_code == 200
    assert b"*******MK73" in listing.content
    assert b"1EG4TE5MK73" not in listing.content
    assert AccessRecord.objects.filter(
        route="admin:alignment_pendingdesignation_changelist", beneficiary_count=1
    ).exists()


def test_another_entity_admin_cannot_see_the_designation(
    entity_a: Entity, participant: Participation, make_member: Any, entity_b: Entity,
    login_client: Any,
) -> None:  # fmt: skip
    pending = _record(entity_a, PERSON)
    other = make_member(entity_b, "entity_admin", "admin@b.example.test")
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    client = login_client(other)
    page = client.get(reverse("admin:alignment_pendingdesignation_change", args=[pending.pk]))
    assert page.status_code in (302, 404)
    listing = client.get(reverse("admin:alignment_pendingdesignation_changelist"))
    assert b"MK73" not in listing.content
