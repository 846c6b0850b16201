"""An off-the-shelf SMART Backend Services bulk-data client, smart-fetch (SMART Health IT's
maintained command-line client, from PyPI), run as the partner walkthrough in
docs/partner-api.md shows it with nothing but a client id, its private key and the FHIR base
URL: it discovers the token endpoint, gets a token with a signed assertion, and exports the
entity's and one TIN's attribution lists (their members, as Patient NDJSON) (issue 18)."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from alignment.models import AlignmentResult
from audit.models import AccessRecord
from entities.models import ParticipantOrganization
from partners.services import partner_client_register
from synthetic.population import SynthConfig
from tests.partners.conftest import align

# A live server and a client process: the slow lanes, with the other live walkthroughs.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TINY = SynthConfig(
    beneficiaries=40, claim_lines=2_000, seed=43, aco_tins=3, aco_npis=12,
    external_tins=10, external_npis=40,
)  # fmt: skip


def smart_fetch_block() -> str:
    """The shell block after `<!-- partner-api: smart-fetch -->` in docs/partner-api.md."""
    text = (ROOT / "docs" / "partner-api.md").read_text()
    match = re.search(r"<!-- partner-api: smart-fetch -->\n```sh\n(.*?)```", text, re.S)
    assert match, "docs/partner-api.md has no partner-api: smart-fetch block"
    return match.group(1)


def verified_api_client(entity: Any, key: Any) -> Any:
    """A test client with a Group.read token of another client of the entity (the search that
    names the TIN's Group id; smart-fetch never asks for Group scopes)."""
    from django.test import Client

    from tests.partners.conftest import Signer, token_request

    signer = Signer(key, "RS384")
    searcher = partner_client_register(
        entity=entity,
        name="Group search",
        public_key=signer.public_pem(),
        scopes=["system/Group.read"],
        acting_user=entity.memberships.first().user,
    )
    token = token_request(signer.assertion(searcher.client_id)).json()["access_token"]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _patients(folder: Path) -> set[str]:
    ids = set()
    for path in folder.rglob("Patient.*.ndjson*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as handle:
            ids |= {json.loads(line)["id"] for line in handle}
    return ids


def test_smart_fetch_exports_the_entity_and_one_tin_with_only_id_key_and_url(
    live_server: Any, entity_a: Any, aco_admin: Any, tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    assert shutil.which("smart-fetch", path=str(ROOT / ".venv" / "bin")), (
        "smart-fetch is a dev dependency (pyproject.toml)"
    )
    aligned = align(entity_a, django_capture_on_commit_callbacks, TINY)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    work = tmp_path / "partner"
    work.mkdir()
    (work / "private-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    client = partner_client_register(
        entity=entity_a,
        name="Valley Clinic EHR",
        public_key=public_pem.decode(),
        scopes=["system/Group.read", "system/Patient.read"],
        acting_user=aco_admin,
    )
    tin = aligned.tins[0]
    organization = ParticipantOrganization.objects.get(tin=tin)
    # The TIN's Group id, as the ATR search by TIN answers it (a client holding Group.read).
    searcher = verified_api_client(entity_a, key)
    search = searcher.get(f"/fhir/Group?identifier=urn:oid:2.16.840.1.113883.4.4|{tin}").json()
    (tin_group,) = [e["resource"]["id"] for e in search["entry"]]
    assert tin_group == f"{entity_a.cms_id}-org-{organization.pk}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", smart_fetch_block()],
        cwd=work,
        env={
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
            "FHIR_URL": f"{live_server.url}/fhir",
            "CLIENT_ID": client.client_id,
            "ENTITY_GROUP": entity_a.cms_id,
            "TIN_GROUP": tin_group,
        },
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    aligned_ids = AlignmentResult.objects.filter(run=aligned.run, aligned=True)
    everyone = {str(pk) for pk in aligned_ids.values_list("beneficiary_id", flat=True)}
    of_tin = {
        str(pk)
        for pk in aligned_ids.filter(attributed_tin=tin).values_list("beneficiary_id", flat=True)
    }
    assert of_tin
    assert _patients(work / "entity") == everyone
    assert _patients(work / "tin") == of_tin
    routes = set(
        AccessRecord.objects.filter(client_id=client.client_id).values_list("route", flat=True)
    )
    assert f"/fhir/Group/{entity_a.cms_id}/$export" in routes
