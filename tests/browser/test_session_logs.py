"""A whole browser session, served by gunicorn with the project's configuration, leaves no MBI,
no name and no birth date in the server's logs: the application log and the access log, as
they are written (the same process output a deployment keeps)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from accounts.models import Role
from care.services import care_refresh
from tests.browser import signin
from tests.care.conftest import make_bene  # noqa: F401 (fixture)
from tests.factories import EntityFactory, MembershipFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

# Names and dates unlike anything else a log line carries.
PEOPLE = [
    ("Quintanilla", "Xiomara", date(1938, 11, 23)),
    ("Vanderhoek", "Ysolde", date(1941, 2, 17)),
]


def _gunicorn(log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # The test's database, which the browser's data was committed to.
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    }
    out = log.open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
         "config.wsgi:application", "--threads", "4"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def test_a_browser_sessions_logs_carry_no_mbi_name_or_birth_date(
    request: pytest.FixtureRequest, page: Any, tmp_path: Path
) -> None:
    new_bene = request.getfixturevalue("make_bene")
    entity: Any = EntityFactory(program=ProgramFactory(code="mssp"), cms_id="A9001")
    coordinator = UserFactory(email="coordinator@a.example.test")
    MembershipFactory(user=coordinator, entity=entity, role=Role.CARE_COORDINATOR)
    benes = [
        new_bene(entity, last_name=last, first_name=first, birth_date=born)
        for last, first, born in PEOPLE
    ]
    care_refresh(entity=entity, as_of=date(2025, 6, 30))
    connection.close()  # nothing of this process holds the database while gunicorn serves

    log = tmp_path / "server.log"
    server, base = _gunicorn(log)
    try:
        signin.sign_in_with_mfa(page, base, coordinator.email)
        page.goto(f"{base}/care/{entity.pk}/roster/")
        page.get_by_label("Last name starts with").fill("Quint")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Quintanilla, Xiomara").click()
        assert page.get_by_role("heading", name="Xiomara Quintanilla").is_visible()
        page.goto(f"{base}/care/{entity.pk}/roster/")
        page.get_by_role("button", name="Export CSV").click()
        page.wait_for_selector("#download-export")
        with page.expect_download() as download:
            page.locator("#download-export").click()
        exported = download.value.path().read_text()
        assert "Quintanilla" in exported  # the session did reach the PHI
        assert "Vanderhoek" in exported
        page.goto(f"{base}/accounts/logout/")
    finally:
        server.terminate()
        server.wait(timeout=30)

    text = log.read_text()
    # Both logs are in the capture: the access log's request lines, the application's records.
    assert '"GET /care/' in text, text
    assert '"POST /care/' in text, text
    assert "queued: care.roster_export" in text, text
    for bene, (last, first, born) in zip(benes, PEOPLE, strict=True):
        assert bene.current_mbi not in text
        for name in (last, first):
            assert name not in text, name
        for shown in (born.isoformat(), born.strftime("%m/%d/%Y"), born.strftime("%Y%m%d")):
            assert shown not in text, shown
