"""The admin console in headless Chromium, as an entity administrator uses it: the entity page,
the participant list, a CSV with three bad rows, the fix, the import, and the PY2025 export."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from entities.models import Participation
from tests.entities.conftest import roster_rows, to_csv
from tests.login import verified_client

# live_server needs a transactional database; the program registry (rows of a data migration)
# that its flush empties is put back after it (tests/reference_rows.py).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def console_admin(aco_admin: Any) -> Any:
    """Entity A's administrator, with access to the admin console (is_staff)."""
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    return aco_admin


def session_cookie(user: Any, live_server_url: str) -> dict:
    """Log the user in before the browser starts and hand the session to the browser."""
    client = verified_client(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server_url}


def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    # Set SCREENSHOT_DIR to keep the pictures (a reviewer looks at them).
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["SCREENSHOT_DIR"]) / path.name)


@pytest.fixture(autouse=True)
def _registry(entity_a: Any) -> None:
    """An earlier transactional test may have flushed the registry (performance years included);
    load it again, attached to this test's programs, before the console is opened."""
    from entities.registry_data import ensure_registry

    ensure_registry()


def test_an_entity_admin_enrolls_1000_providers_from_a_csv_in_chromium(
    live_server: Any, entity_a: Any, console_admin: Any, browser: Any, tmp_path: Path
) -> None:
    rows = roster_rows(1000)
    rows[99]["npi"] = "1234567890"
    rows[499]["specialty_code"] = "ZZ"
    rows[899]["effective_start"] = "2025-13-01"
    bad_file = tmp_path / "participants_with_errors.csv"
    bad_file.write_text(to_csv(rows))
    rows[99]["npi"], rows[499]["specialty_code"], rows[899]["effective_start"] = (
        "1234567893",
        "08",
        "2025-01-01",
    )
    good_file = tmp_path / "participants.csv"
    good_file.write_text(to_csv(rows))
    cookie = session_cookie(console_admin, live_server.url)
    entity_url = f"{live_server.url}/admin/entities/entity/{entity_a.pk}/change/"

    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.add_cookies([cookie])
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#site-name").inner_text() == "OpenVBC admin console"
    assert page.get_by_role("link", name="Participations").first.is_visible()
    _shot(page, tmp_path, "admin_index")

    page.goto(entity_url)
    assert "Synthetic Valley ACO (A9001)" in page.content()
    page.get_by_role("link", name="Import participants (CSV)").click()
    page.locator("#id_performance_year").select_option("2025")
    page.locator("#id_file").set_input_files(str(bad_file))
    page.get_by_role("button", name="Preview").click()
    assert page.locator("h3.import-bad").inner_text().startswith("3 rows with errors")
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 3
    assert "NPI 1234567890 is not valid" in errors.nth(0).inner_text()
    assert errors.nth(0).locator("td").first.inner_text() == "101"
    assert page.get_by_role("button", name="Import 1,000 rows").count() == 0
    _shot(page, tmp_path, "import_preview_errors")

    page.get_by_role("link", name="Upload a corrected file").click()
    page.locator("#id_performance_year").select_option("2025")
    page.locator("#id_file").set_input_files(str(good_file))
    page.get_by_role("button", name="Preview").click()
    assert "1,000 new" in page.locator(".import-summary").inner_text()
    page.get_by_role("button", name="Import 1,000 rows").click()
    assert "1,000 new, 0 updated, 0 unchanged" in page.locator("ul.messagelist").inner_text()
    assert "1,000 participations" in page.locator("#changelist-form").inner_text()
    _shot(page, tmp_path, "participation_list")

    page.goto(entity_url)
    assert page.get_by_role("link", name="All 1,000 participations").is_visible()
    assert page.locator("#participations-group tbody tr.has_original").count() == 50
    _shot(page, tmp_path, "entity_change")

    # End one participation and read its history: who, when, before and after.
    page.goto(f"{live_server.url}/admin/entities/participation/?q={rows[0]['npi']}")
    page.get_by_role("link", name=rows[0]["tin"]).first.click()
    page.locator("#id_end_date").fill("2025-09-30")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was changed successfully" in page.locator("ul.messagelist").inner_text()
    page.goto(f"{live_server.url}/admin/entities/participation/?q={rows[0]['npi']}")
    page.get_by_role("link", name=rows[0]["tin"]).first.click()
    page.get_by_role("link", name="History").click()
    history = page.locator("#change-history").inner_text()
    assert "2025-06-30" in history or "June 30, 2025" in history
    assert "admin@a.example.test" in history.lower() or console_admin.full_name in history
    _shot(page, tmp_path, "participation_history")

    page.goto(entity_url)
    page.get_by_role("link", name="Export participant list").click()
    page.locator("#id_year").select_option("2025")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "A9001_participants_PY2025.csv"
    exported = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    context.close()

    assert len(exported) == 1000
    assert {r["npi"] for r in exported} == {r["npi"] for r in rows}
    assert Participation.objects.filter(entity=entity_a).count() == 1000
