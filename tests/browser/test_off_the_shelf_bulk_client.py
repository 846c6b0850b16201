"""An off-the-shelf SMART Backend Services bulk-data client, smart-fetch (SMART Health IT's
maintained command-line client, from PyPI), run as the partner walkthrough in
docs/partner-api.md shows it with nothing but a client id, its private key and the FHIR base
URL: it discovers the token endpoint, gets a token with a signed assertion, and exports the
entity's and one TIN's attribution lists (their members, as Patient NDJSON): the entity's
through a client registered for the entity, the TIN's through the practice's client,
registered with that TIN, each a system-level export (issue 18)."""

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


def _patients(folder: Path) -> set[str]:
    ids = set()
    for path in folder.rglob("Patient.*.ndjson*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as handle:
            ids |= {json.loads(line)["id"] for line in handle}
    return ids


def _key_pem(folder: Path, name: str) -> str:
    """Write a new private key to folder/name; return its public key (PEM) for registration."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / name).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def test_smart_fetch_exports_the_entity_and_one_tin_with_only_id_key_and_url(
    live_server: Any, entity_a: Any, aco_admin: Any, tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    assert shutil.which("smart-fetch", path=str(ROOT / ".venv" / "bin")), (
        "smart-fetch is a dev dependency (pyproject.toml)"
    )
    aligned = align(entity_a, django_capture_on_commit_callbacks, TINY)
    work = tmp_path / "partner"
    work.mkdir()
    tin = aligned.tins[0]
    # The ACO's own system, registered for the entity; a practice's EHR, registered with its TIN.
    entity_client = partner_client_register(
        entity=entity_a,
        name="Valley ACO data warehouse",
        public_key=_key_pem(work, "entity-key.pem"),
        scopes=["system/Group.read", "system/Patient.read"],
        acting_user=aco_admin,
    )
    tin_client = partner_client_register(
        entity=entity_a,
        name="Valley Clinic EHR",
        public_key=_key_pem(work, "tin-key.pem"),
        scopes=["system/Patient.read"],
        tins=[tin],
        acting_user=aco_admin,
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", smart_fetch_block()],
        cwd=work,
        env={
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
            "FHIR_URL": f"{live_server.url}/fhir",
            "ENTITY_CLIENT_ID": entity_client.client_id,
            "TIN_CLIENT_ID": tin_client.client_id,
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
    assert of_tin < everyone
    assert _patients(work / "entity") == everyone
    assert _patients(work / "tin") == of_tin
    for client in (entity_client, tin_client):
        routes = set(
            AccessRecord.objects.filter(client_id=client.client_id).values_list("route", flat=True)
        )
        assert "/fhir/$export" in routes, routes
