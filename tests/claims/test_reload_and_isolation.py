"""Loading the same delivery twice changes nothing; entity A's users never see entity B's claims."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from beneficiaries.models import Beneficiary, BeneficiaryDemographics, BeneficiaryMbi, MbiCrosswalk
from beneficiaries.selectors import beneficiary_list
from claims.models import CLAIMS_MODELS, Delivery, DeliveryStatus
from claims.selectors import deliveries_for_user, final_action_claims
from claims.services import cclf_delivery_load
from entities.models import Entity
from jobs.models import Job, JobState
from synthetic.cclf import GeneratorConfig, generate_delivery


def _snapshot(entity: Entity) -> dict[str, object]:
    counts = {code: m.objects.filter(entity=entity).count() for code, m in CLAIMS_MODELS.items()}
    counts["beneficiaries"] = Beneficiary.objects.filter(entity=entity).count()
    counts["mbis"] = BeneficiaryMbi.objects.filter(entity=entity).count()
    counts["xref"] = MbiCrosswalk.objects.filter(entity=entity).count()
    counts["demographics"] = BeneficiaryDemographics.objects.filter(entity=entity).count()
    frame = final_action_claims(entity=entity)
    counts["final"] = (len(frame), sum(frame.paid_amount))
    return counts


def test_loading_the_same_delivery_twice_changes_nothing(entity_a: Entity, cclf_dir: Path) -> None:
    path = generate_delivery(
        GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=60, seed=3), cclf_dir
    )
    first = cclf_delivery_load(path=path)
    assert first.counts["CCLF5"]["inserted"] > 100
    before = _snapshot(entity_a)
    again = cclf_delivery_load(path=path)
    assert again.already_loaded
    # The same delivery re-zipped (another fingerprint, the same CMS name) is still the same one.
    copy = cclf_dir / "copy"
    copy.mkdir()
    rezipped = copy / path.name
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(rezipped, "w", zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert cclf_delivery_load(path=rezipped).already_loaded
    assert _snapshot(entity_a) == before
    assert Delivery.objects.get().status == DeliveryStatus.LOADED


def test_a_later_delivery_with_the_same_claims_adds_no_rows(
    entity_a: Entity, cclf_dir: Path
) -> None:
    """The run-out delivery repeats the year's claims: each is stored once."""
    regular = generate_delivery(
        GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=40, seed=5), cclf_dir
    )
    cclf_delivery_load(path=regular)
    before = _snapshot(entity_a)
    # The same records under a later delivery name: every claim is a re-delivery.
    with zipfile.ZipFile(regular) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    later = cclf_dir / "P.A9001.ACO.ZCY25.D251216.T1200000.zip"
    with zipfile.ZipFile(later, "w") as zf:
        for name, data in members.items():
            zf.writestr(name.replace("D251215", "D251216"), data)
    result = cclf_delivery_load(path=later)
    assert result.counts["CCLF5"]["inserted"] == 0
    assert result.counts["CCLF5"]["replaced"] == result.counts["CCLF5"]["records"]
    after = _snapshot(entity_a)
    assert {k: v for k, v in after.items() if k not in ("demographics", "xref")} == {
        k: v for k, v in before.items() if k not in ("demographics", "xref")
    }


@pytest.fixture
def two_loaded(entity_a: Entity, entity_b: Entity, cclf_dir: Path) -> tuple[Entity, Entity]:
    for cms_id in ("A9001", "D9002"):
        cclf_delivery_load(
            path=generate_delivery(
                GeneratorConfig(entity_id=cms_id, year=2025, beneficiaries=30, seed=9), cclf_dir
            )
        )
    return entity_a, entity_b


def test_entity_a_users_never_see_entity_b_claims_or_beneficiaries(
    two_loaded: tuple[Entity, Entity], other_entity_user: User, aco_coordinator: User
) -> None:
    a, b = two_loaded
    assert set(final_action_claims(entity=a).beneficiary_id).isdisjoint(
        final_action_claims(entity=b).beneficiary_id
    )
    assert set(beneficiary_list(user=other_entity_user).values_list("entity_id", flat=True)) == {
        b.pk
    }
    assert set(beneficiary_list(user=aco_coordinator).values_list("entity_id", flat=True)) == {a.pk}
    assert [d.entity_id for d in deliveries_for_user(user=other_entity_user)] == [b.pk]


def test_the_console_shows_an_entity_admin_only_their_deliveries_and_beneficiaries(
    two_loaded: tuple[Entity, Entity],
    make_member: Callable[..., User],
    login_client: Callable[[User], Client],
) -> None:
    a, b = two_loaded
    admin_b = make_member(b, Role.ENTITY_ADMIN)
    admin_b.is_staff = True
    admin_b.save()
    client = login_client(admin_b)
    listing = client.get(reverse("admin:claims_delivery_changelist"))
    assert listing.status_code == 200
    assert "P.D9002.ACO" in listing.content.decode()
    assert "P.A9001.ACO" not in listing.content.decode()
    own = Delivery.objects.get(entity=b)
    page = client.get(reverse("admin:claims_delivery_change", args=[own.pk]))
    assert page.status_code == 200
    assert "CCLF5" in page.content.decode()  # the files and their row counts
    other = Delivery.objects.get(entity=a)
    assert client.get(reverse("admin:claims_delivery_change", args=[other.pk])).status_code == 404
    other_bene = Beneficiary.objects.filter(entity=a).first()
    assert (
        client.get(
            reverse("admin:beneficiaries_beneficiary_change", args=[other_bene.pk])
        ).status_code
        == 404
    )
    benes = client.get(reverse("admin:beneficiaries_beneficiary_changelist"))
    assert benes.status_code == 200
    assert other_bene.current_mbi not in benes.content.decode()


def test_an_upload_in_the_console_loads_the_delivery_as_a_job(
    entity_a: Entity,
    entity_b: Entity,
    cclf_dir: Path,
    make_member: Callable[..., User],
    login_client: Callable[[User], Client],
    django_capture_on_commit_callbacks: Callable[..., object],
    settings: object,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    admin_a = make_member(entity_a, Role.ENTITY_ADMIN)
    admin_a.is_staff = True
    admin_a.save()
    path = generate_delivery(
        GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=20, seed=4), cclf_dir
    )
    client = login_client(admin_a)
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:claims_delivery_upload"), {"entity": entity_a.pk, "delivery": upload}
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="claims.load_delivery")
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.result["status"] == "loaded"
    assert Delivery.objects.get().status == DeliveryStatus.LOADED
    # Another entity's admin cannot pick entity A in the form.
    admin_b = make_member(entity_b, Role.ENTITY_ADMIN)
    admin_b.is_staff = True
    admin_b.save()
    page = login_client(admin_b).get(reverse("admin:claims_delivery_upload"))
    assert entity_a.legal_name not in page.content.decode()


def test_each_beneficiary_holds_its_latest_cclf8_row(entity_a: Entity, cclf_dir: Path) -> None:
    """A first delivery creates the beneficiaries with their demographics; a later one updates
    those whose row changed. Either way each holds its last row of its latest delivery."""
    # The CCLF8 field behind each beneficiary column (IP Appendix B), written out apart from
    # the code's own table so that a wrong pairing there shows here.
    pairs = [
        ("first_name", "bene_1st_name"), ("last_name", "bene_last_name"),
        ("middle_name", "bene_midl_name"), ("birth_date", "bene_dob"),
        ("death_date", "bene_death_dt"), ("sex_code", "bene_sex_cd"),
        ("dual_status_code", "bene_dual_stus_cd"), ("medicare_status_code", "bene_mdcr_stus_cd"),
        ("part_a_start", "bene_part_a_enrlmt_bgn_dt"), ("zip_code", "bene_zip_cd"),
        ("county_fips", "bene_fips_cnty_cd"), ("state_fips", "bene_fips_state_cd"),
    ]  # fmt: skip

    def latest_rows() -> dict[int, tuple[object, ...]]:
        rows = BeneficiaryDemographics.objects.filter(entity=entity_a).order_by(
            "delivered_on", "delivery_id", "source_line"
        )
        return {
            d.beneficiary_id: (*(getattr(d, source) for _, source in pairs), d.delivered_on)
            for d in rows
        }

    def held() -> dict[int, tuple[object, ...]]:
        return {
            b.pk: (*(getattr(b, column) for column, _ in pairs), b.demographics_as_of)
            for b in Beneficiary.objects.filter(entity=entity_a, demographics_as_of__isnull=False)
        }

    for year, runout in ((2025, False), (2025, True)):
        path = generate_delivery(
            GeneratorConfig(entity_id="A9001", year=year, beneficiaries=80, seed=5, runout=runout),
            cclf_dir / f"{year}{runout}",
        )
        cclf_delivery_load(path=path)
        expected = latest_rows()
        assert len(expected) > 50
        current = held()
        assert {pk: current[pk] for pk in expected} == expected
    without = Beneficiary.objects.filter(entity=entity_a, demographics_as_of__isnull=True)
    assert all(b.first_name == "" and b.birth_date is None for b in without)
