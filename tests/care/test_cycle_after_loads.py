"""The monthly cycle is queued after every kind of load, from every entry point: the CCLF and CMS
list commands and the load jobs (an admin's upload). The cycle itself, on a real worker, is in
test_monthly_cycle.py; here the test transaction never commits, so the queued job is not run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jobs.models import Job, JobState
from jobs.signals import job_succeeded
from synthetic.cclf import GeneratorConfig, generate_delivery
from tests.cmslists.test_load import _files

pytestmark = pytest.mark.django_db

LIST_ARGS = ["--entity", "A9001", "--kind", "mssp_quarterly", "--year", "2025", "--quarter", "2",
             "--list-date", "2025-05-15"]  # fmt: skip


def _cycles(entity: Any) -> list[Job]:
    return list(Job.objects.filter(entity=entity, kind="care.monthly_cycle").order_by("pk"))


def _list_paths(tmp_path: Path) -> list[str]:
    paths = []
    for name, content in _files():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    return paths


def test_every_load_entry_point_queues_the_cycle_once_the_entity_has_claims(
    entity_a: Any, tmp_path: Path, capsys: Any
) -> None:
    # Before any claims the cycle has nothing to run on: a CMS list load job queues none.
    early = Job.objects.create(entity=entity_a, kind="cmslists.load", state=JobState.SUCCEEDED)
    job_succeeded.send_robust(sender="cmslists.load", job=early, result={"created": True})
    assert _cycles(entity_a) == []

    # load_cclf: the delivery's claims load, the cycle is queued and the command says where.
    delivery = generate_delivery(
        GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=12, seed=3), tmp_path / "d"
    )
    call_command("load_cclf", str(delivery))
    (cycle,) = _cycles(entity_a)
    assert (cycle.state, set(cycle.parameters)) == (JobState.QUEUED, {"after_delivery"})
    out = capsys.readouterr().out
    assert f"Monthly cycle queued as job {cycle.pk}; its progress: /jobs/{cycle.pk}/" in out
    # The same delivery again changes nothing: no second cycle.
    call_command("load_cclf", str(delivery))
    assert len(_cycles(entity_a)) == 1

    # load_cms_list: a new list queues the cycle (its exclusions change alignment, care and
    # settlement); the same list again does not.
    paths = _list_paths(tmp_path)
    call_command("load_cms_list", *paths, *LIST_ARGS)
    cycles = _cycles(entity_a)
    assert [set(c.parameters) for c in cycles] == [{"after_delivery"}, {"after_cms_list"}]
    assert f"Monthly cycle queued as job {cycles[1].pk}" in capsys.readouterr().out
    call_command("load_cms_list", *paths, *LIST_ARGS)
    assert len(_cycles(entity_a)) == 2

    # The admin's upload runs the `cmslists.load` job: its success queues the cycle, unless the
    # list was loaded before.
    upload = Job.objects.create(entity=entity_a, kind="cmslists.load", state=JobState.SUCCEEDED)
    job_succeeded.send_robust(sender="cmslists.load", job=upload, result={"created": False})
    assert len(_cycles(entity_a)) == 2
    job_succeeded.send_robust(sender="cmslists.load", job=upload, result={"created": True})
    assert _cycles(entity_a)[-1].parameters == {"after_job": upload.pk}
