"""The benchmark engine never loads Django, DRF or Celery (STYLE.md 2)."""

from __future__ import annotations

import subprocess
import sys


def test_the_benchmark_engine_imports_no_django_drf_or_celery() -> None:
    code = (
        "import sys\n"
        "import benchmarks.engine.risk, benchmarks.engine.expenditures\n"
        "import benchmarks.engine.mssp_benchmark, benchmarks.engine.reach_benchmark\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework', 'celery'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
