"""The "Partner API" walkthrough of docs/partner-api.md, done as a new partner developer would
(issue 9): read the API docs page in Chromium, make a key pair with the page's commands, have the
entity's administrator register the client in the console (Chromium), then run the page's
shell block unchanged: a token from a signed assertion, the aligned patients of one TIN, the
bulk export of that TIN's attribution Group, and every NDJSON line validated as FHIR."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from alignment.models import AlignmentResult
from audit.models import AccessRecord
from entities.models import ParticipantOrganization
from partners.models import PartnerClient
from synthetic.population import SynthConfig
from tests.login import verified_client
from tests.partners.conftest import align

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]
SMALL = SynthConfig(
    beneficiaries=80, claim_lines=4_000, seed=41, aco_tins=3, aco_npis=12,
    external_tins=10, external_npis=40,
)  # fmt: skip


def readme_block(name: str) -> str:
    """The shell block that follows `<!-- partner-api: NAME -->` in docs/partner-api.md."""
    text = (ROOT / "docs" / "partner-api.md").read_text()
    match = re.search(rf"<!-- partner-api: {name} -->\n```sh\n(.*?)```", text, re.S)
    assert match, f"docs/partner-api.md has no partner-api: {name} block"
    return match.group(1)


def run_block(name: str, cwd: Path, **env: str) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block(name)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{name}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(autouse=True)
def _registry(entity_a: Any) -> None:
    from entities.registry_data import ensure_registry

    ensure_registry()


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("openssl", "curl", "jq")),
    reason="the walkthrough uses openssl, curl and jq",
)
def test_a_new_partner_developer_follows_the_readme_from_docs_to_validated_fhir(
    live_server: Any,
    entity_a: Any,
    aco_admin: Any,
    page: Any,
    screenshot: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    aligned = align(entity_a, django_capture_on_commit_callbacks, SMALL)
    tin = aligned.tins[0]
    members = list(
        AlignmentResult.objects.filter(run=aligned.run, aligned=True, attributed_tin=tin)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", flat=True)
    )
    assert members

    # 1. The docs page, rendered by Redoc from our own static files.
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("/api/v1/beneficiaries/search").first.wait_for()
    # The top of the page (the whole of it is some 30,000 pixels long).
    shots = Path(screenshot(page, "partner-api-docs")).parent
    page.screenshot(path=str(shots / "partner-api-docs.png"))
    assert page.get_by_role("heading", name=re.compile("OpenVBC API")).count() >= 1
    # How to get a token is on the page (the OAuth 2.0 security scheme's description).
    assert page.get_by_text(re.compile("client_assertion")).count() >= 1

    # 2. A key pair, made with the page's commands, in the developer's own folder.
    work = tmp_path / "partner"
    work.mkdir()
    (work / ".venv").symlink_to(ROOT / ".venv")
    (work / "manage.py").symlink_to(ROOT / "manage.py")
    run_block("keys", work)
    public_pem = (work / "partner-public.pem").read_text()
    assert "PRIVATE" not in public_pem

    # 3. The entity's administrator registers the client in the console.
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    login = verified_client(aco_admin)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/admin/partners/partnerclient/add/")
    page.select_option("#id_entity", str(entity_a.pk))
    page.fill("#id_name", "Valley Clinic EHR")
    page.fill("#id_public_key", public_pem)
    for scope in ("beneficiaries:read", "system/Group.read", "system/Patient.read",
                  "system/Coverage.read", "system/Practitioner.read",
                  "system/Organization.read"):  # fmt: skip
        page.check(f"input[name=scopes][value='{scope}']")
    organization = ParticipantOrganization.objects.get(tin=tin)
    page.select_option("#id_tin_list", [str(organization.pk)])
    screenshot(page, "partner-api-register-client")
    page.click("input[name=_save]")
    message = page.locator("ul.messagelist").inner_text()
    screenshot(page, "partner-api-client-registered")
    client_id = re.search(r"Client id: (\S+)\.", message).group(1)
    client = PartnerClient.objects.get(application__client_id=client_id)
    assert client.entity == entity_a
    assert [t.tin for t in client.tins.all()] == [tin]

    # 4. The page's calls, unchanged: token, roster of the TIN, export, validation.
    output = run_block("calls", work, BASE=live_server.url, CLIENT_ID=client_id)
    roster_lines = [line for line in output.splitlines() if re.match(r"^\d+\t", line)]
    assert [int(line.split("\t")[0]) for line in roster_lines] == members[:50]
    manifest = json.loads((work / "manifest.json").read_text())
    assert {o["type"] for o in manifest["output"]} >= {"Group", "Patient"}
    patients = (work / "export" / "Patient.ndjson").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in patients) == sorted(str(m) for m in members)
    assert f"Patient.ndjson: {len(members)} Patient valid" in output
    assert re.search(r"\d+ resources valid against fhir.resources", output)
    # Every call the client made is on the access log under its id; no MBI in any URL.
    routes = list(AccessRecord.objects.filter(client_id=client_id).values_list("route", flat=True))
    assert any(r.startswith("/api/v1/beneficiaries/") for r in routes)
    assert any(r.endswith("/$export") for r in routes)
