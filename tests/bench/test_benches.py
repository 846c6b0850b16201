"""Every benchmark under bench/ runs at its small size (BENCH_SIZE=small) against the test's
PostgreSQL and Redis, exits 0 and prints its figures, the peer measured in the same run
included: a bench that no longer runs fails the suite. The full-size figures are not tested
here; `make bench` produces them (bench/README.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*): (?P<value>\S+)(?: (?P<unit>.+))?$")
NUMBER = re.compile(r"^-?[0-9][0-9,]*(?:\.[0-9]+)?$")

# For each bench, the figures its small run must print (regular expressions on the name): its
# own, and the peer it is measured against in the same run.
FIGURES = {
    "adt": {
        "figures": [
            r"adt_listener_throughput",
            r"adt_listener_cpu_per_message",
            r"adt_postgres_cpu_per_message",
            r"adt_ack_latency_p95",
            r"adt_restart_lost",
            r"adt_restart_duplicated",
        ],
        "peers": [r"mllp_echo_throughput"],
    },
    "align": {
        "figures": [r"align_first_run_job_wall", r"align_job_wall", r"align_compute"],
        "peers": [r"align_duckdb_plurality"],
    },
    "api": {
        "figures": [r"api_detail_p95", r"api_detail_throughput", r"api_roster_page_50_p95"],
        # The same calls without row security, from a second server in the same run.
        "peers": [
            r"peer_healthz_p95",
            r"peer_healthz_throughput",
            r"api_detail_no_rls_p95",
            r"api_roster_page_50_no_rls_p95",
            r"api_rls_p95_overhead_pct",
        ],
    },
    "benchmarks": {
        "figures": [r"expenditures_engine", r"risk_engine"],
        "peers": [r"expenditures_duckdb", r"risk_hccinfhir_direct"],
    },
    "dashboard": {
        "figures": [
            r"overview_testclient_p95",
            r"roster_filtered_keyset_depth_\d+_testclient_p95",
            r"beneficiary_page_testclient_p95",
            r"overview_loopback_p95",
        ],
        "peers": [
            r"peer_roster_offset_depth_\d+_query_only_p95",
            r"overview_testclient_no_rls_p95",
            r"beneficiary_page_testclient_no_rls_p95",
            r"rls_p95_overhead_pct",
        ],
    },
    "ingest": {
        "figures": [r"parse", r"end_to_end", r"ratio"],
        "peers": [r"raw_copy", r"claims_copy"],
    },
    "participant_import": {
        "figures": [r"participant_import_throughput"],
        "peers": [r"participation_add_one_by_one_throughput"],
    },
    "settlement": {
        "figures": [r"settle_batch_mssp", r"settle_batch_reach", r"projection_bootstrap_\d+x\d+"],
        "peers": [r"csv_read_only_peer", r"resampling_only_peer"],
    },
}


def test_every_bench_is_covered() -> None:
    """A bench added under bench/ is added here too."""
    benches = {p.parent.name for p in (ROOT / "bench").glob("*/run")}
    assert benches == set(FIGURES)


def _database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def _figures(stdout: str) -> dict[str, str]:
    """`name: value unit` lines by name; every line but `#` comments must be one."""
    figures = {}
    for line in stdout.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f"not a `name: value unit` line: {line!r}"
        figures[match["name"]] = match["value"]
    return figures


@pytest.mark.parametrize("bench", sorted(FIGURES))
def test_bench_runs_at_small_size(bench: str, tmp_path: Path) -> None:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.fail("the benches need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    # Nothing of this process stays connected: bench/ingest copies the test database as the
    # template of its own, which PostgreSQL allows only while no one else is connected to it.
    connections.close_all()
    env = {
        **os.environ,
        "BENCH_SIZE": "small",
        "DATABASE_URL": _database_url(),
        "TMPDIR": str(tmp_path),  # a bench's temporary files (worker logs, deliveries)
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / bench / "run")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"bench/{bench}/run exited {result.returncode}\n{output}"
    figures = _figures(result.stdout)
    for kind in ("figures", "peers"):
        for pattern in FIGURES[bench][kind]:
            found = [name for name in figures if re.fullmatch(pattern, name)]
            assert found, f"bench/{bench}/run printed no {pattern} ({kind})\n{output}"
            for name in found:
                assert NUMBER.match(figures[name]), f"{name}: {figures[name]!r} is not a number"
