"""The demo gives the ACO two alignment runs, the Q3 quarterly list and the final list, and the
final list has dropped beneficiaries with reasons to open (the issue's "done when")."""

from __future__ import annotations

import io
from importlib import import_module

import pytest
from django.conf import settings

from alignment.models import AlignmentChange, AlignmentRun, RunStatus

# Transactional: the demo's runs start their jobs on commit, one after the other.
pytestmark = [pytest.mark.demo, pytest.mark.django_db(transaction=True)]


def test_the_demo_aco_has_two_runs_and_dropped_beneficiaries_with_reasons() -> None:
    entities: dict = {}
    for app in settings.PROJECT_APPS[: settings.PROJECT_APPS.index("alignment") + 1]:
        if (settings.BASE_DIR / app / "demo.py").exists():
            import_module(f"{app}.demo").load(entities=entities, stdout=io.StringIO())
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
    assert AlignmentRun.objects.filter(
        entity=entities["reach"], list_kind="final", status=RunStatus.SUCCEEDED
    ).exists()
