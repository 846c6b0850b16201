"""A NUL character in an uploaded benchmark CSV is refused with its line before any query."""

from __future__ import annotations

import pytest

from benchmarks.models import InstitutionalStatus
from benchmarks.services.institutional import institutional_status_upload
from benchmarks.services.reference import parse_reference_csv
from core.api import ApplicationError


@pytest.mark.django_db
def test_an_lti_file_with_a_nul_is_refused_naming_its_line(entity_a) -> None:
    with pytest.raises(ApplicationError, match="Line 3 holds a NUL character"):
        institutional_status_upload(
            entity=entity_a,
            year=2025,
            content=b"mbi,lti_status\n1EG4TE5MK73,Y\n6U50TE\x007GG18,N\n",
            source="CMS report",
        )
    assert not InstitutionalStatus.objects.exists()


def test_a_reference_file_with_a_nul_is_refused_naming_its_line() -> None:
    with pytest.raises(ApplicationError, match="Line 2 holds a NUL character"):
        parse_reference_csv(b"name,value\nrate\x00,1\n", program_code="mssp", national=True)
