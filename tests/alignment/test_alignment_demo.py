"""The demo gives the ACO two alignment runs, the Q3 quarterly list and the final list, and the
final list has dropped beneficiaries with reasons to open (the issue's "done when")."""

from __future__ import annotations

import io

import pytest

from alignment.models import AlignmentChange, AlignmentRun, Reconciliation, RunStatus
from synthetic import demo

# Transactional: the demo's runs start their jobs on commit, one after the other.
pytestmark = [pytest.mark.demo, pytest.mark.django_db(transaction=True)]


def test_the_demo_aco_has_two_runs_and_dropped_beneficiaries_with_reasons(settings) -> None:
    # Half the demo's size: the same generator, planted causes and runs, in half the time.
    settings.DEMO_BENEFICIARIES = 1000
    entities: dict = {}
    for _, part in demo.parts(until="alignment"):
        part.load(entities=entities, stdout=io.StringIO())
    runs = list(AlignmentRun.objects.filter(entity=entities["mssp"]).order_by("as_of", "version"))
    assert [(r.list_kind, r.status) for r in runs] == [
        ("quarterly", RunStatus.SUCCEEDED),
        ("final", RunStatus.SUCCEEDED),
    ]
    assert runs[1].previous_run_id == runs[0].pk
    dropped = AlignmentChange.objects.filter(run=runs[1], kind="dropped")
    assert dropped.count() >= 3
    texts = {change.explanation for change in dropped}
    assert all(text.startswith("dropped: ") for text in texts)
    assert any(text.startswith("dropped: plurality moved to TIN ") for text in texts)
    reach = AlignmentRun.objects.get(
        entity=entities["reach"], list_kind="final", status=RunStatus.SUCCEEDED
    )
    # The REACH run reads the Participant Provider List of January 1 and competes by TIN/NPI.
    assert reach.participants_as_of.isoformat() == "2025-01-01"
    assert reach.participant_count > 0
    assert reach.parameters["competitor_unit"] == "tin_npi"
    assert reach.aligned_count > 0
    # The MSSP ACO's CMS list is compared with its quarterly run (made before the list, so
    # CMS's exclusions are differences the run could not see): every difference has a cause.
    reconciliation = Reconciliation.objects.get(entity=entities["mssp"])
    assert reconciliation.agreement_percent is not None
    assert reconciliation.run.list_kind == "quarterly"
    assert reconciliation.groups["both"] > 0
    causes = {(row["group"], row["cause"]): row["count"] for row in reconciliation.causes}
    assert causes[("ours_only", "ma_or_other_initiative")] > 0
    differences = reconciliation.groups["cms_only"] + reconciliation.groups["ours_only"]
    assert sum(causes.values()) == differences
    # The synthetic list is the engine's own rules over every claim CMS holds, with planted
    # causes: every difference is explained. Among them, someone who declined data sharing
    # after the run's claims began: the run aligned them on the claims delivered before, CMS's
    # list counts all their claims (a data-sharing difference on the "ours only" side).
    assert {cause for _, cause in causes} >= {"ma_or_other_initiative", "data_sharing", "voluntary"}
    assert causes.get(("ours_only", "unexplained"), 0) == 0, causes
    assert causes.get(("cms_only", "unexplained"), 0) == 0, causes
