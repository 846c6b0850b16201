"""The synthetic generator's opt-outs: withheld from deliveries on or after the date, as CMS
does, and listed in the data-sharing file written beside the delivery."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from beneficiaries.models import Beneficiary
from care.models import CareGap, ClaimEvent
from care.services import care_refresh
from claims.selectors import final_action_claims, withheld_beneficiaries
from claims.services import cclf_delivery_load
from datasharing.services import data_sharing_file_load
from synthetic.cclf import (
    GeneratorConfig,
    generate_delivery,
    opt_outs,
    write_data_sharing_exclusion_file,
    write_data_sharing_file,
)

pytestmark = pytest.mark.django_db


def test_opted_out_people_are_withheld_after_their_date_and_listed(entity_a, tmp_path):
    config = {"entity_id": entity_a.cms_id, "beneficiaries": 60, "seed": 5, "opt_out_rate": 0.15}
    earlier = GeneratorConfig(year=2024, **config)
    later = GeneratorConfig(year=2025, **config)
    idx, on = opt_outs(later)
    # About 15% of 60, every date in 2025 before the 15 December delivery.
    assert 3 <= len(idx) <= 18
    assert (on >= np.datetime64("2025-01-01")).all()
    assert (on < np.datetime64("2025-12-01")).all()
    assert write_data_sharing_file(earlier, tmp_path) is None  # nobody had declined by Dec 2024
    first = cclf_delivery_load(path=generate_delivery(earlier, tmp_path / "a"))
    assert first.counts["CCLF8"]["records"] == 60
    second = cclf_delivery_load(path=generate_delivery(later, tmp_path / "b"))
    # CCLF8 of the 2025 delivery leaves out exactly the people who opted out.
    assert second.counts["CCLF8"]["records"] == 60 - len(idx)
    listed = write_data_sharing_file(later, tmp_path)
    assert listed is not None
    assert listed.name == f"P.{entity_a.cms_id}.ACO.BDSS.D251215.csv"
    lines = listed.read_text().splitlines()
    assert lines[0] == "MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT"
    assert len(lines) == 1 + len(idx)
    loaded = data_sharing_file_load(
        entity=entity_a, kind="mssp_status", content=listed.read_bytes(), name=listed.name,
        file_date=date(2025, 12, 15),
    )  # fmt: skip
    assert loaded.file.records == len(idx)
    # The ACO's Beneficiary Data Sharing Exclusion file names the same people.
    excluded = write_data_sharing_exclusion_file(later, tmp_path)
    assert excluded is not None
    assert excluded.read_text().splitlines()[0].startswith("MBI_ID,BENE_1ST_NAME,")
    exclusion = data_sharing_file_load(
        entity=entity_a, kind="mssp_exclusion", content=excluded.read_bytes(),
        name=excluded.name, file_date=date(2025, 12, 15),
    )  # fmt: skip
    assert exclusion.file.records == len(idx)
    held = withheld_beneficiaries(entity=entity_a)
    assert len(held) == len(idx)
    # They stay beneficiaries of the entity (from the 2024 delivery), their 2025 claims absent.
    assert Beneficiary.objects.filter(entity=entity_a, pk__in=held).count() == len(idx)
    claims = final_action_claims(entity=entity_a, thru_from=date(2025, 1, 1))
    assert not set(claims["beneficiary_id"]) & set(held)
    assert set(claims["beneficiary_id"]) - set(held)  # the others' claims are there
    care_refresh(entity=entity_a, as_of=date(2025, 12, 15))
    assert not CareGap.objects.filter(beneficiary_id__in=held).exists()
    assert not ClaimEvent.objects.filter(beneficiary_id__in=held).exists()
