"""`load_demo` gives both demo entities a realistic participant list, and a second run changes
nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.utils import timezone

from entities.models import Participation, Provider
from synthetic import demo as core_demo
from synthetic.demo import entities as demo

pytestmark = pytest.mark.django_db


def _load() -> dict:
    entities: dict = {}
    core_demo.load(entities=entities, stdout=io.StringIO())
    demo.load(entities=entities, stdout=io.StringIO())
    return entities


def test_the_demo_entities_get_effective_dated_lists_with_pcps_specialists_and_preferred_providers() -> (
    None
):
    entities = _load()
    for key in ("mssp", "reach"):
        rows = Participation.objects.filter(entity=entities[key])
        tins = rows.values("organization").distinct().count()
        npis = rows.values("provider").distinct().count()
        assert 24 <= tins <= 60, (key, tins)
        assert 200 <= npis <= 500, (key, npis)
        classes = Counter(
            Provider.objects.filter(participations__entity=entities[key]).values_list(
                "specialty__provider_class", flat=True
            )
        )
        assert classes["pcp"] > 80
        assert classes["npp"] > 20
        assert classes["specialist"] > 15
        assert rows.filter(end_date__isnull=False).exists()
        assert rows.filter(start_date__gt="2025-01-01").exists()
    assert Participation.objects.filter(entity=entities["reach"], role="preferred").count() > 20
    assert not Participation.objects.filter(entity=entities["mssp"], role="preferred").exists()
    assert entities["mssp"].years.get(performance_year=2025).track.code == "basic_d"


def test_loading_the_demo_twice_changes_nothing() -> None:
    _load()
    counts = (
        Participation.objects.count(),
        Provider.objects.count(),
        Participation.history.count(),
    )
    before = timezone.now()
    _load()
    assert (
        Participation.objects.count(),
        Provider.objects.count(),
        Participation.history.count(),
    ) == counts
    assert not Participation.objects.filter(updated_at__gte=before).exists()
