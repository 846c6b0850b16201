"""Demo: a registered ADT sender for each demo entity, and a discharge that arrived minutes ago
(an admission three days before and its discharge home, sent through the same code the
listener uses), so that "My work today" shows a transitional care contact task with its age."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from synthetic.adt import Patient, message


def demo_sender(entity: Any) -> Any:
    from events.models import Sender

    sender, _ = Sender.objects.get_or_create(
        sending_application="SYNTH_EHR",
        sending_facility=f"GENERAL_{entity.cms_id}",
        defaults={"entity": entity, "name": f"Synthetic General Hospital ({entity.cms_id})"},
    )
    return sender


def demo_patients(entity: Any, *, limit: int) -> list[Patient]:
    from beneficiaries.models import Beneficiary

    living = Beneficiary.objects.filter(
        entity=entity, merged_into__isnull=True, death_date__isnull=True
    ).exclude(current_mbi="")
    # Once a care refresh has run: the people it keeps care work for (aligned, not in hospice),
    # whose events open tasks.
    cared_for = living.filter(care__aligned=True, care__no_care_work_reason="")
    rows = (
        (cared_for if cared_for.exists() else living)
        .order_by("id")
        .values_list("current_mbi", "last_name", "first_name", "birth_date", "sex_code")[:limit]
    )
    return [
        Patient(
            mbi, last or "UNKNOWN", first or "UNKNOWN", birth, {"1": "M", "2": "F"}.get(sex, "U")
        )
        for mbi, last, first, birth, sex in rows
    ]


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    from events.services import adt_v2_receive

    for key, entity in entities.items():
        sender = demo_sender(entity)
        patients = demo_patients(entity, limit=50)
        if not patients:
            if stdout:
                stdout.write(f"events: no beneficiaries for {key} yet.")
            continue
        # One discharge per hour of loading: a later `make run` shows a fresh one.
        now = timezone.now()
        stamp = f"{now:%Y%m%d%H}"
        patient = patients[int(stamp) % len(patients)]
        discharged = now - timedelta(minutes=6)
        admitted = discharged - timedelta(days=3, hours=4)
        visit = f"DEMO{stamp}"
        common = {
            "patient": patient,
            "visit": visit,
            "application": sender.sending_application,
            "facility": sender.sending_facility,
        }
        answers = [
            adt_v2_receive(
                text=message(
                    trigger="A01",
                    control_id=f"DEMO-{stamp}-A01",
                    event_at=admitted,
                    admit_at=admitted,
                    **common,
                ),
                channel="mllp",
                received_at=admitted + timedelta(seconds=40),
            ),
            adt_v2_receive(
                text=message(
                    trigger="A03",
                    control_id=f"DEMO-{stamp}-A03",
                    event_at=discharged,
                    admit_at=admitted,
                    discharge_at=discharged,
                    disposition="01",
                    **common,
                ),
                channel="mllp",
                received_at=discharged + timedelta(seconds=30),
            ),
        ]
        if stdout:
            stdout.write(
                f"events: {key}: sender {sender.sending_application}^{sender.sending_facility}; "
                f"a discharge 6 minutes ago ({', '.join(a.code for a in answers)})"
            )
