"""Demo data: a partner client for the demo MSSP ACO, with its private key in var/demo/ so that
a developer can try the token flow at once (see the README's "Partner API" section)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from accounts.models import Membership, Role
from entities.models import Entity
from partners.models import PartnerClient
from partners.scopes import ALL_SCOPES
from partners.services import partner_client_register, partner_client_update

CLIENT_NAME = "Demo EHR"


def key_path(entity: Entity) -> Path:
    return Path(settings.VAR_DIR) / "demo" / f"partner-{entity.cms_id}.pem"


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    entity = entities["mssp"]
    admin = Membership.objects.filter(entity=entity, role=Role.ENTITY_ADMIN).first()
    if admin is None:
        return
    path = key_path(entity)
    client = PartnerClient.objects.filter(entity=entity, name=CLIENT_NAME).first()
    if client is not None and path.exists():
        stdout.write(f"  partner client {client.client_id} (key {path})")
        return
    # A new key pair: the public half is registered, the private half stays on this machine.
    key = ec.generate_private_key(ec.SECP384R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    arguments: dict[str, Any] = {
        "name": CLIENT_NAME,
        "public_key": public,
        "scopes": list(ALL_SCOPES),
        "acting_user": admin.user,
    }
    if client is None:
        client = partner_client_register(entity=entity, **arguments)
    else:
        client = partner_client_update(client=client, **arguments)
    stdout.write(f"  partner client {client.client_id} (key {path})")
