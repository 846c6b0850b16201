"""Fixtures of the entities tests: a second ACO and DCE, and valid synthetic identifiers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from entities.models import Entity, Program
from synthetic.identifiers import npi as synthetic_npi
from tests.factories import EntityFactory


@pytest.fixture
def npis() -> Iterator[str]:
    return (synthetic_npi(n) for n in itertools.count(10_000))


@pytest.fixture
def other_aco(db: None) -> Entity:
    return EntityFactory(
        program=Program.objects.get(code="mssp"), cms_id="A9003", legal_name="Other Synthetic ACO"
    )


@pytest.fixture
def other_dce(db: None) -> Entity:
    return EntityFactory(
        program=Program.objects.get(code="reach"), cms_id="D9004", legal_name="Other Synthetic DCE"
    )


@pytest.fixture
def csv_text() -> Callable[..., str]:
    header = "tin,npi,ccn,specialty_code,role,effective_start,effective_end"

    def build(*rows: str) -> str:
        return "\n".join([header, *rows]) + "\n"

    return build


SPECIALTIES = ("08", "11", "01", "38", "50", "97", "06", "13", "26", "02")


def roster_rows(count: int, *, start_serial: int = 50_000, tins: int = 40) -> list[dict[str, str]]:
    """`count` valid participant rows spread over `tins` TINs, mixing primary care and specialists."""
    rows = []
    for i in range(count):
        rows.append(
            {
                "tin": f"{800000000 + (i % tins):09d}",
                "npi": synthetic_npi(start_serial + i),
                "ccn": "",
                "specialty_code": SPECIALTIES[i % len(SPECIALTIES)],
                "role": "participant",
                "effective_start": "2025-01-01",
                "effective_end": "" if i % 7 else "2025-06-30",
            }
        )
    return rows


def to_csv(rows: list[dict[str, str]]) -> str:
    columns = ["tin", "npi", "ccn", "specialty_code", "role", "effective_start", "effective_end"]
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def console_admin(aco_admin):
    """Entity A's administrator, with access to the admin console (is_staff)."""
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    return aco_admin


@pytest.fixture
def console_admin_b(entity_b, make_member):
    """Entity B's administrator in the admin console: the user who must never see A's rows."""
    from accounts.models import Role

    user = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
