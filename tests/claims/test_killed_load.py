"""A load killed in the middle of its merge leaves nothing visible, and a rerun succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from claims.models import (
    CLAIMS_MODELS,
    Delivery,
    DeliveryFile,
    DeliveryStatus,
    PartBPhysicianLine,
)
from synthetic.cclf import GeneratorConfig, generate_delivery
from tests.factories import EntityFactory, ProgramFactory

pytestmark = [
    pytest.mark.kill,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="kills a loader on PostgreSQL",
    ),
]


def _merge_running() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active'"
        )
        # The claims rows are written by COPY straight into the tables (or INSERT ... SELECT
        # from staging when a file meets rows stored before).
        writes = ("INSERT INTO claims_part", "COPY claims_part")
        return any(q.lstrip().startswith(writes) for (q,) in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_load_killed_midway_leaves_nothing_visible_and_a_rerun_succeeds(tmp_path: Path) -> None:
    EntityFactory(program=ProgramFactory(code="mssp"), cms_id="A9001")
    path = generate_delivery(
        GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=3000, seed=2), tmp_path
    )
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    loader = subprocess.Popen(
        [sys.executable, "manage.py", "load_cclf", str(path), "--no-cycle"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and loader.poll() is None and not _merge_running():
            time.sleep(0.01)
        assert loader.poll() is None, "the load ended before it could be killed"
        assert _merge_running(), "the merge was never seen running"
    finally:
        loader.kill()
        loader.wait()

    # The killed transaction never committed: no claim, no beneficiary, no MBI; not loaded.
    for model in CLAIMS_MODELS.values():
        assert not model.objects.exists(), model.__name__
    assert not Beneficiary.objects.exists()
    assert not BeneficiaryMbi.objects.exists()
    # The delivery says a load began and did not finish; the rerun repairs it.
    assert Delivery.objects.get().status == DeliveryStatus.LOADING

    call_command("load_cclf", str(path), "--no-cycle")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.LOADED
    assert PartBPhysicianLine.objects.count() == delivery.row_counts["CCLF5"]["inserted"] > 0
    # Each file's counts were written with its rows.
    for file in DeliveryFile.objects.filter(delivery=delivery).exclude(file_code="CCLF0"):
        assert file.records == file.declared_records, file.file_code
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE %s",
            [f"claims_stage_{delivery.pk}_%"],
        )
        assert cursor.fetchone()[0] == 0  # the staging tables of both runs are gone
