"""The care tests' builders of beneficiaries, claims and alignment runs, for the quality tests."""

from tests.care.conftest import (  # noqa: F401 - fixtures
    add_inpatient,
    add_visit,
    make_alignment_run,
    make_bene,
)
