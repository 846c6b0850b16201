"""Care episodes, scorecards and gain-share statements end to end on hand-built claims: the
run builds them, the pages show them (cases logged, scoped, settlement money refused to a role
the entity keeps from it), and a specialist's statement reconciles to the entity's settlement."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from audit.models import AccessRecord
from beneficiaries.models import BeneficiaryMbi
from claims.models import PartAClaimHeader
from settlement.models import SettlementRun
from specialists.models import Episode, GainShareArrangement, GainSharePolicy
from specialists.services import lead_run_create
from tests.login import verified_client
from tests.page_scan import problems
from tests.specialists.conftest import AS_OF, CARDIO_NPI, CARDIO_TIN, NEPHRO_NPI

pytestmark = pytest.mark.django_db
_ids = itertools.count(950_000)


def stay(bene, admitted, discharged, drg, paid):
    """An inpatient claim (CLM_TYPE_CD 60) under MS-DRG `drg` (CCLF1 holds it with a zero)."""
    claim = next(_ids)
    PartAClaimHeader.objects.create(
        entity_id=bene.entity_id,
        mbi_id=BeneficiaryMbi.objects.get(beneficiary=bene, mbi=bene.current_mbi).pk,
        delivery_id=1, source_file_id=1, source_line=claim, delivered_on=date(2025, 7, 15),
        cur_clm_uniq_id=claim, clm_type_cd="60", clm_from_dt=admitted, clm_thru_dt=discharged,
        clm_blg_prvdr_oscar_num="330101", prncpl_dgns_cd="R0602", dgns_drg_cd=drg,
        clm_pmt_amt=Decimal(paid), clm_adjsmt_type_cd="0", clm_bill_fac_type_cd="1",
        clm_bill_clsfctn_cd="1", clm_bill_freq_cd="1",
    )  # fmt: skip


@pytest.fixture
def episode_run(world, aco_admin, django_capture_on_commit_callbacks):
    ckd, hf, cancer = world.benes
    # Baseline (2024): two heart-failure stays, $10,000 and $14,000.
    stay(ckd, date(2024, 3, 1), date(2024, 3, 5), "0291", "10000.00")
    stay(cancer, date(2024, 4, 1), date(2024, 4, 4), "0292", "14000.00")
    # Performance: a heart-failure stay; the preferred cardiologist's two visits ($120 paid
    # each) fall inside its 90 days, so that practice manages it.
    stay(hf, date(2025, 1, 20), date(2025, 1, 24), "0291", "9000.00")
    # A joint replacement whose 90 days run past the claims date: open, not scored.
    stay(cancer, date(2025, 5, 1), date(2025, 5, 3), "0470", "20000.00")
    with django_capture_on_commit_callbacks(execute=True):
        run = lead_run_create(entity=world.entity, acting_user=aco_admin, as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


def test_a_run_builds_the_episodes_with_targets_and_managing_specialists_and_the_pages_show_them(world, episode_run, aco_admin):  # fmt: skip
    rows = {(e.beneficiary_id, e.episode_type): e for e in Episode.objects.filter(run=episode_run)}
    ckd, hf, cancer = world.benes
    assert set(rows) == {
        (ckd.pk, "heart_failure"), (cancer.pk, "heart_failure"), (hf.pk, "heart_failure"),
        (cancer.pk, "lejr"),
    }  # fmt: skip
    scored = rows[(hf.pk, "heart_failure")]
    assert (scored.period, scored.complete, scored.drg) == ("performance", True, "291")
    assert scored.actual == Decimal("9240.00")
    # Two baseline episodes (fewer than five of MS-DRG 291): the type's mean $12,000, less 3%.
    assert (scored.target, scored.target_basis) == (Decimal("11640.00"), "episode_type")
    assert (scored.managing_tin, scored.managing_reason) == (CARDIO_TIN, "episode_plurality")
    assert scored.network_role == "preferred"
    assert not rows[(cancer.pk, "lejr")].complete
    [card] = episode_run.scorecards
    assert (card["tin"], card["episodes"], card["target_cents"], card["actual_cents"]) == (
        CARDIO_TIN, 1, 1_164_000, 924_000,
    )  # fmt: skip
    # The pages: the scorecards name no one; the cases behind a figure are logged.
    client = verified_client(aco_admin)
    page = client.get(f"/specialists/{world.entity.pk}/episodes/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Heart failure admission" in text
    # Each episode type's spending against its targets, in words.
    assert problems(text) == []
    types, cards = text.split('id="cards-heading"')
    assert '<td class="num">$2,400.00 (20.62%) below</td>' in types
    assert '<td class="num">$2,400.00 (20.62%) below</td>' in cards  # the practice's card
    assert f"TIN {CARDIO_TIN}" in text or CARDIO_TIN in text
    assert not AccessRecord.objects.filter(purpose="specialist_scorecard_cases").exists()
    card = client.get(f"/specialists/{world.entity.pk}/episodes/{CARDIO_TIN}/?cases=all")
    body = card.content.decode()
    assert card.status_code == 200
    # Said in words, not as a signed figure with "(negative: above)" to decode.
    assert "spent $9,240.00, $2,400.00 (20.62%) below the target of $11,640.00" in body
    assert "negative" not in body
    assert problems(body) == []
    assert world.benes[1].current_mbi not in body
    record = AccessRecord.objects.get(purpose="specialist_scorecard_cases")
    assert record.beneficiary_ids == [world.benes[1].pk]
    assert (
        client.get(f"/specialists/{world.entity.pk}/episodes/{CARDIO_TIN}/?cases=x").status_code
        == 404
    )
    assert client.get(f"/specialists/{world.entity.pk}/episodes/999999999/").status_code == 404
    # The enrolled clinicians: each one's patients and episodes.
    page = client.get(f"/specialists/{world.entity.pk}/providers/")
    text = page.content.decode()
    assert page.status_code == 200
    assert CARDIO_NPI in text
    assert NEPHRO_NPI in text
    assert f"/specialists/{world.entity.pk}/episodes/{CARDIO_TIN}/" in text  # 1 episode managed
    # Summary first, then a page a person can scan: each practice's line once, above its
    # clinicians' one-line rows (the practice, role and share were on every row).
    assert text.index("Managing scored episodes") < text.index('<table class="compact">')
    assert "1 episode, by" in text
    assert problems(text) == []  # the every-page checks (a "None of these" read as None)
    assert text[text.index('<table class="compact">') :].count(f"TIN {CARDIO_TIN}") == 1
    # Filters: the practice, the activity, a part of the name or NPI.
    url = f"/specialists/{world.entity.pk}/providers/"
    for query in ({"tin": CARDIO_TIN}, {"activity": "episodes"}, {"q": CARDIO_NPI[-6:]}):
        text = client.get(url, query).content.decode()
        assert CARDIO_NPI in text, query
        assert NEPHRO_NPI not in text, query
        assert "1 of 2 clinicians match" in text, query
    text = client.get(url, {"role": "participant", "activity": "none"}).content.decode()
    assert "No clinician matches these filters." in text
    # A TIN that is not on the list is named as the error, over no list (not the whole one).
    page = client.get(url, {"tin": "123456789"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Practice: TIN 123456789: no practice of that TIN is on the entity" in text
    assert CARDIO_NPI not in text
    assert NEPHRO_NPI not in text


def test_a_gain_share_statement_reconciles_to_the_settlement_for_those_who_may_see_it(world, episode_run, aco_admin, aco_coordinator, other_entity_user):  # fmt: skip
    GainSharePolicy.objects.create(
        entity=world.entity, pool_share=Decimal("0.10"), note="Board resolution of 2025-01-10."
    )
    GainShareArrangement.objects.create(
        entity=world.entity, tin=CARDIO_TIN, rate=Decimal("0.5"), floor=Decimal("-1000"),
        cap=Decimal("5000"), max_readmission_rate=Decimal("0.2"),
    )  # fmt: skip
    client = verified_client(aco_admin)
    page = client.get(f"/specialists/{world.entity.pk}/gain-share/").content.decode()
    assert "no settlement" in page
    SettlementRun.objects.create(
        entity=world.entity, program="mssp", performance_year=2025, kind="final", version=1,
        inputs={}, figures={}, explanation=[], parameter_version="test",
        gross_savings=Decimal("150000.00"), earned_savings_losses=Decimal("100000.00"),
    )  # fmt: skip
    page = client.get(f"/specialists/{world.entity.pk}/gain-share/").content.decode()
    # 50% of ($11,640.00 - $9,240.00), inside the $10,000.00 pool (10% of $100,000.00), said
    # as paid or owed rather than as a sign ("negative: owed to the entity").
    assert "$1,200.00 paid to the practice" in page
    assert problems(page) == []
    assert "negative" not in page
    assert "$10,000.00" in page
    # The policy's note is its own sentence (it read "10% (Demo terms (synthetic).).").
    assert "available to specialists: 10%. Board resolution of 2025-01-10.</p>" in page
    csv = client.get(f"/specialists/{world.entity.pk}/gain-share/{CARDIO_TIN}.csv")
    text = csv.content.decode()
    assert csv.status_code == 200
    assert 'Amount for this TIN,"$1,200.00 paid to the practice"' in text
    assert "Entity keeps of its earned savings: $98,800.00" in text
    # A pool smaller than the gains scales each one: the share in the page's two decimals
    # ($100.00 of $1,200.00 is 8.33%, where the engine's step reads 8.3333%), on the page and in
    # the statement alike.
    SettlementRun.objects.create(
        entity=world.entity, program="mssp", performance_year=2025, kind="final", version=2,
        inputs={}, figures={}, explanation=[], parameter_version="test",
        gross_savings=Decimal("1500.00"), earned_savings_losses=Decimal("1000.00"),
    )  # fmt: skip
    page = client.get(f"/specialists/{world.entity.pk}/gain-share/").content.decode()
    statement = client.get(f"/specialists/{world.entity.pk}/gain-share/{CARDIO_TIN}.csv")
    for shown in (page, statement.content.decode()):
        assert "8.33% of each gain" in shown
        assert "8.3333" not in shown
    pdf = client.get(f"/specialists/{world.entity.pk}/gain-share/{CARDIO_TIN}.pdf")
    assert pdf.content.startswith(b"%PDF")
    # Settlement money is refused to a role the entity keeps from it; another entity sees nothing.
    coordinator = verified_client(aco_coordinator)
    assert coordinator.get(f"/specialists/{world.entity.pk}/gain-share/").status_code == 403
    assert coordinator.get(f"/specialists/{world.entity.pk}/episodes/").status_code == 200
    # So the pages link gain-sharing only for those it opens for (a coordinator followed the
    # lead-specialist and episode pages' link to that 403).
    link = f'href="/specialists/{world.entity.pk}/gain-share/'
    for url in (f"/specialists/{world.entity.pk}/", f"/specialists/{world.entity.pk}/episodes/"):
        assert link not in coordinator.get(url).content.decode(), url
        assert link in client.get(url).content.decode(), url
    other = verified_client(other_entity_user)
    for url in (
        f"/specialists/{world.entity.pk}/episodes/",
        f"/specialists/{world.entity.pk}/episodes/{CARDIO_TIN}/",
        f"/specialists/{world.entity.pk}/gain-share/",
        f"/specialists/{world.entity.pk}/gain-share/{CARDIO_TIN}.csv",
    ):
        assert other.get(url).status_code == 404, url
    # A practice outside the entity's list takes no part (42 CFR 425.116: the entity shares its
    # savings with its own participants and providers).
    Episode.objects.filter(run=episode_run).update(network_role="")
    page = client.get(f"/specialists/{world.entity.pk}/gain-share/").content.decode()
    assert "No practice on the entity's list manages a scored episode." in page


def test_an_arrangement_outside_the_engines_terms_is_refused(world):
    from django.core.exceptions import ValidationError

    bad = GainShareArrangement(
        entity=world.entity, tin=CARDIO_TIN, rate=Decimal("0.5"), floor=Decimal("10"),
        cap=Decimal("5000"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="floor"):
        bad.full_clean()
