"""`core.bulk.rows_insert` writes the values the ORM would write for the same row (its short
cuts and the field's own conversion alike), and refuses a column list that leaves a field out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from beneficiaries.models import Beneficiary
from care.models import ClaimEvent
from core.bulk import rows_insert
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "entity_id", "beneficiary_id", "claim_id", "kind", "from_date", "thru_date", "codes", "dx",
    "paid", "as_of",
)  # fmt: skip


def test_the_rows_hold_what_the_orm_writes() -> None:
    entity = EntityFactory()
    person = Beneficiary.objects.create(entity=entity, current_mbi="1EG4TE5MK73")
    values = {
        "entity_id": entity.pk, "beneficiary_id": person.pk, "claim_id": "1001",
        "kind": "Professional", "from_date": date(2025, 3, 1), "thru_date": date(2025, 3, 2),
        "codes": "99213", "dx": "E1122", "paid": Decimal("12.30"), "as_of": date(2025, 6, 30),
    }  # fmt: skip
    # The same row with the types a frame hands over: the field converts them, as on save.
    odd = {
        **values, "claim_id": 1002, "from_date": pd.Timestamp("2025-03-01"), "paid": 12.3,
        "thru_date": pd.Timestamp("2025-03-02").date(),
    }  # fmt: skip
    rows_insert(ClaimEvent, COLUMNS, [tuple(values[c] for c in COLUMNS)])
    rows_insert(ClaimEvent, COLUMNS, [tuple(odd[c] for c in COLUMNS)])
    ClaimEvent.objects.create(**{**values, "claim_id": "1003"})
    got = {
        e.claim_id: (e.from_date, e.thru_date, e.paid, e.codes, e.as_of)
        for e in ClaimEvent.objects.filter(entity=entity)
    }
    assert got["1001"] == got["1002"] == got["1003"]
    assert got["1001"] == (
        date(2025, 3, 1),
        date(2025, 3, 2),
        Decimal("12.30"),
        "99213",
        date(2025, 6, 30),
    )


def test_a_column_left_out_is_refused() -> None:
    with pytest.raises(ValueError, match="ClaimEvent.*as_of"):
        rows_insert(ClaimEvent, COLUMNS[:-1], [])
