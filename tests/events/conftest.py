"""Senders, beneficiaries and message texts for the events tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from entities.models import Entity
from events.models import Sender
from synthetic.adt import Patient, message
from synthetic.identifiers import mbi as synthetic_mbi

NY = ZoneInfo("America/New_York")
_seq = itertools.count(1)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=NY)


@pytest.fixture
def make_bene(db: None) -> Callable[..., Beneficiary]:
    def make(entity: Entity, **fields: Any) -> Beneficiary:
        n = next(_seq)
        mbi = synthetic_mbi(50_000 + n + 1000 * entity.pk)
        defaults = {
            "first_name": f"Pat{n}",
            "last_name": f"Event{n:03d}",
            "birth_date": date(1948, 3, 1 + n % 28),
            "sex_code": "2",
        }
        defaults.update(fields)
        bene = Beneficiary.objects.create(entity=entity, current_mbi=mbi, **defaults)
        BeneficiaryMbi.objects.create(
            entity=entity, mbi=mbi, beneficiary=bene, first_seen_on=date(2025, 1, 1)
        )
        return bene

    return make


@pytest.fixture
def sender_a(entity_a: Entity) -> Sender:
    return Sender.objects.create(
        entity=entity_a, name="Mercy General", sending_application="EPIC", sending_facility="MERCY"
    )


@pytest.fixture
def sender_b(entity_b: Entity) -> Sender:
    return Sender.objects.create(
        entity=entity_b,
        name="Coastal Regional",
        sending_application="CERNER",
        sending_facility="COAST",
    )


def patient_of(bene: Beneficiary) -> Patient:
    return Patient(
        bene.current_mbi,
        bene.last_name,
        bene.first_name,
        bene.birth_date,
        {"1": "M", "2": "F"}.get(bene.sex_code, "U"),
    )


def adt(sender: Sender, bene: Beneficiary, trigger: str, control_id: str, **kw: Any) -> str:
    kw.setdefault("visit", "V0001")
    kw.setdefault("event_at", at(2026, 12, 4, 10))
    return message(
        trigger=trigger,
        control_id=control_id,
        patient=patient_of(bene),
        application=sender.sending_application,
        facility=sender.sending_facility,
        **kw,
    )
