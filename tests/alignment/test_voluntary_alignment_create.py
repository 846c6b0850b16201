"""Voluntary alignment records: checked against the participant list at the signature date,
entered in the admin console or imported from CSV (all-or-nothing), and used by runs."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from alignment.models import AlignmentResult, VoluntaryAlignment
from alignment.services.voluntary import voluntary_alignment_create, voluntary_alignment_import
from beneficiaries.models import Beneficiary
from core.api import ApplicationError
from entities.choices import ParticipationRole
from entities.models import Participation
from tests.login import verified_client

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 1)


def _participant(entity, role=ParticipationRole.PARTICIPANT):
    return (
        Participation.objects.filter(entity=entity, role=role, provider__isnull=False)
        .select_related("provider", "organization")
        .first()
    )


def _free_beneficiary(entity) -> Beneficiary:
    return (
        Beneficiary.objects.filter(entity=entity)
        .exclude(voluntary_alignments__isnull=False)
        .order_by("pk")
        .first()
    )


def test_a_designation_of_a_participant_is_recorded_with_its_tin(
    entity_a, population_a, aco_admin
) -> None:
    p = _participant(entity_a)
    bene = _free_beneficiary(entity_a)
    record = voluntary_alignment_create(
        entity=entity_a, beneficiary_id=bene.pk, npi=p.provider.npi, signature_date=date(2024, 5, 1),
        source="attestation", today=TODAY, acting_user=aco_admin,
    )  # fmt: skip
    assert (record.tin, record.created_by) == (p.organization.tin, aco_admin)
    # The page lists it under a heading with the count, the beneficiary with its masked MBI
    # (never the MBI itself), as the other alignment pages do.
    text = verified_client(aco_admin).get(reverse("alignment:voluntary")).content.decode()
    n = VoluntaryAlignment.objects.filter(entity=entity_a).count()
    assert f"{n:,} designation{'s' if n != 1 else ''}, the latest signed first" in text
    assert f"#{bene.pk}</a> {bene.masked_mbi}" in text
    assert bene.current_mbi not in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"npi": "1234567890"}, "npi", "not a valid NPI"),
        (
            {"signature_date": date(2022, 12, 31)},
            "npi",
            "was not a participant provider of A9001 on 2022-12-31",
        ),
        ({"signature_date": date(2026, 6, 1)}, "signature_date", "in the future"),
        ({"tin": "999999999"}, "npi", "did not bill through TIN 999999999"),
        ({"source": "fax"}, "source", "not one of"),
    ],
)
def test_a_bad_designation_is_refused_naming_the_field(
    entity_a, population_a, change, field, message
) -> None:
    p = _participant(entity_a)
    args = {
        "entity": entity_a, "beneficiary_id": _free_beneficiary(entity_a).pk, "npi": p.provider.npi,
        "signature_date": date(2024, 5, 1), "source": "medicare_gov", "today": TODAY, **change,
    }  # fmt: skip
    with pytest.raises(ApplicationError, match=message) as caught:
        voluntary_alignment_create(**args)
    assert caught.value.extra["field"] == field


def test_a_reach_preferred_provider_cannot_be_designated(entity_b, population_b) -> None:
    preferred = _participant(entity_b, ParticipationRole.PREFERRED)
    with pytest.raises(ApplicationError, match="not a participant provider"):
        voluntary_alignment_create(
            entity=entity_b, beneficiary_id=_free_beneficiary(entity_b).pk, npi=preferred.provider.npi,
            signature_date=date(2024, 5, 1), source="medicare_gov", today=TODAY,
        )  # fmt: skip


def test_a_csv_import_is_all_or_nothing_and_names_each_bad_line(entity_a, population_a) -> None:
    p = _participant(entity_a)
    benes = list(
        Beneficiary.objects.filter(entity=entity_a, voluntary_alignments__isnull=True).order_by(
            "pk"
        )[:3]
    )
    good = [
        f"{b.current_mbi},{p.provider.npi},2024-04-0{i + 1},medicare_gov"
        for i, b in enumerate(benes[:2])
    ]
    bad = [
        f"{benes[2].current_mbi},1234567890,2024-04-03,medicare_gov",
        "1AB,1234567893,2024-04-03,",
    ]
    before = VoluntaryAlignment.objects.count()
    stored, errors = voluntary_alignment_import(
        entity=entity_a,
        text="mbi,npi,signature_date,source\n" + "\n".join(good + bad) + "\n",
        today=TODAY,
    )
    assert stored == 0
    assert [str(e) for e in errors] == [
        "line 4, npi: '1234567890' is not a valid NPI (10 digits with a Luhn check digit).",
        "line 5, mbi: not a valid MBI",
    ]
    assert VoluntaryAlignment.objects.count() == before
    stored, errors = voluntary_alignment_import(
        entity=entity_a, text="mbi,npi,signature_date\n" + "\n".join(good), today=TODAY
    )
    assert (stored, errors) == (2, [])
    assert VoluntaryAlignment.objects.count() == before + 2


def test_an_entity_admin_enters_a_designation_in_the_console(
    entity_a, population_a, aco_admin, login_client
) -> None:
    aco_admin.is_staff = True  # entity admins work in the admin console
    aco_admin.save(update_fields=["is_staff"])
    client = login_client(aco_admin)
    p = _participant(entity_a)
    bene = _free_beneficiary(entity_a)
    url = reverse("admin:alignment_voluntaryalignment_add")
    form = {
        "entity": entity_a.pk,
        "mbi": bene.current_mbi,
        "npi": p.provider.npi,
        "tin": "",
        "signature_date": "2024-06-01",
        "source": "attestation",
    }
    refused = client.post(url, {**form, "signature_date": "2022-06-01"})
    assert refused.status_code == 200
    assert "was not a participant provider" in refused.content.decode()
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = VoluntaryAlignment.objects.get(beneficiary=bene)
    assert (record.tin, record.created_by) == (p.organization.tin, aco_admin)

    # The recorded designation opens read-only (it is corrected by a new record, not edited).
    page = client.get(reverse("admin:alignment_voluntaryalignment_change", args=[record.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert p.organization.tin in body
    assert p.provider.npi in body
    assert bene.current_mbi not in body  # the MBI is not stored with the record
    assert 'name="npi"' not in body


def test_the_designation_aligns_the_beneficiary_in_the_next_run(
    entity_a, population_a, run_alignment
) -> None:
    first = run_alignment(entity_a)
    lost = AlignmentResult.objects.filter(run=first, reason="plurality_lost").first()
    p = _participant(entity_a)
    voluntary_alignment_create(
        entity=entity_a, beneficiary_id=lost.beneficiary_id, npi=p.provider.npi, signature_date=date(2024, 6, 1),
        source="medicare_gov", today=TODAY,
    )  # fmt: skip
    second = run_alignment(entity_a, as_of=date(2026, 4, 1))
    result = AlignmentResult.objects.get(run=second, beneficiary_id=lost.beneficiary_id)
    assert (result.aligned, result.step, result.attributed_npi) == (
        True,
        "voluntary",
        p.provider.npi,
    )
    change = second.changes.get(beneficiary_id=lost.beneficiary_id)
    assert change.explanation == "added: voluntary alignment to one of the entity's clinicians"
