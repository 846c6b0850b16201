"""The engines stay pure: importing them loads no Django, DRF or Celery module (STYLE.md 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("django", "rest_framework", "celery")


@pytest.mark.parametrize("package", ["alignment.engine", "settlement.engine"])
def test_the_engine_imports_no_framework(package: str) -> None:
    if not (ROOT / package.replace(".", "/")).is_dir():
        pytest.skip(f"{package} does not exist on this branch yet")
    probe = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    assert out.stdout.strip() == "", f"{package} loaded {out.stdout.strip()}"
