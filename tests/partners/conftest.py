"""Partner systems for the tests: key pairs, registered clients, signed assertions and tokens.

Entity A's client signs with an RSA key (PEM registered), entity B's with an EC P-384 key
(JWK registered), so both registration formats and both SMART algorithms are exercised.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import Client

from core import rls
from entities.models import Entity
from entities.services.participations import participation_add
from partners.models import PartnerClient
from partners.scopes import ALL_SCOPES
from partners.services import partner_client_register
from synthetic.identifiers import npi as synthetic_npi

TOKEN_URL = "http://testserver/api/v1/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIN_A1, TIN_A2, TIN_B1 = "811111111", "822222222", "833333333"


@dataclass
class Signer:
    """A client's private key and how it signs."""

    private_key: Any
    algorithm: str
    kid: str = ""

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def public_jwk(self) -> str:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        data = json.loads(algorithm.to_jwk(self.private_key.public_key()))
        data.update(kid=self.kid, alg=self.algorithm)
        return json.dumps(data)

    def assertion(self, client_id: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": TOKEN_URL,
            "iat": now,
            "exp": now + 240,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        headers = {"kid": self.kid} if self.kid else None
        return jwt.encode(claims, self.private_key, algorithm=self.algorithm, headers=headers)


@pytest.fixture(scope="session")
def rsa_signer() -> Signer:
    return Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS384")


@pytest.fixture(scope="session")
def ec_signer() -> Signer:
    return Signer(ec.generate_private_key(ec.SECP384R1()), "ES384", kid="coast-ehr-1")


def enroll(entity: Entity, tin: str, serial: int, start: str = "2025-01-01") -> None:
    participation_add(
        entity=entity,
        tin=tin,
        npi=synthetic_npi(serial),
        specialty_code="08",
        start_date=start,
        tin_legal_name=f"Practice {tin}",
        provider_name=f"Clinician, Synthetic {serial}",
    )


@pytest.fixture
def participants(entity_a: Entity, entity_b: Entity) -> None:
    """Two TINs with two clinicians each in A, one TIN in B."""
    enroll(entity_a, TIN_A1, 70_001)
    enroll(entity_a, TIN_A1, 70_002)
    enroll(entity_a, TIN_A2, 70_003)
    enroll(entity_a, TIN_A2, 70_004)
    enroll(entity_b, TIN_B1, 70_005)


@pytest.fixture
def register(
    aco_admin: Any, make_member: Callable[..., Any], entity_b: Entity
) -> Callable[..., PartnerClient]:
    from accounts.models import Role

    admin_b = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")

    def build(entity: Entity, public_key: str, scopes: Any = None, **kwargs: Any) -> PartnerClient:
        return partner_client_register(
            entity=entity,
            name=kwargs.pop("name", "EHR"),
            public_key=public_key,
            scopes=scopes if scopes is not None else list(ALL_SCOPES),
            acting_user=admin_b if entity == entity_b else aco_admin,
            **kwargs,
        )

    return build


@pytest.fixture
def partner_a(
    register: Callable[..., PartnerClient], entity_a: Entity, rsa_signer: Signer
) -> PartnerClient:
    return register(entity_a, rsa_signer.public_pem(), name="Valley EHR")


@pytest.fixture
def partner_b(
    register: Callable[..., PartnerClient], entity_b: Entity, ec_signer: Signer
) -> PartnerClient:
    return register(entity_b, ec_signer.public_jwk(), name="Coast EHR")


def token_request(assertion: str, scope: str | None = None, **extra: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **extra,
    }
    if scope is not None:
        data["scope"] = scope
    return Client().post("/api/v1/auth/token", data)


@pytest.fixture
def token_for(rsa_signer: Signer, ec_signer: Signer) -> Callable[..., str]:
    """An access token for a client (with all its scopes unless `scope` is given)."""

    def get(client: PartnerClient, scope: str | None = None) -> str:
        signer = rsa_signer if client.public_key.startswith("-----") else ec_signer
        response = token_request(signer.assertion(client.client_id), scope)
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return get


@pytest.fixture
def api_for(token_for: Callable[..., str]) -> Callable[..., Client]:
    """A test client that sends a bearer token of `client` on every request."""

    def build(client: PartnerClient, scope: str | None = None) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(client, scope)}")

    return build


# ------------------------------------------------------------------ beneficiaries


@pytest.fixture
def make_beneficiary(db: None) -> Callable[..., Any]:
    from beneficiaries.models import Beneficiary
    from tests import builders

    serials = iter(range(100_000, 10_000_000, 7))

    def build(entity: Entity, **fields: Any) -> Beneficiary:
        serial = next(serials)
        values = {
            "first_name": "Synthetic",
            "last_name": f"Person{serial}",
            "birth_date": dt.date(1950, 1, 1) + dt.timedelta(days=serial % 5000),
            "sex_code": "12"[serial % 2],
            "part_a_start": dt.date(2015, 1, 1),
            "part_b_start": dt.date(2015, 1, 1),
            "zip_code": "30301",
        }
        values.update(fields)
        if "current_mbi" in values:  # a test that names the MBI itself
            return Beneficiary.objects.create(entity=entity, **values)
        return builders.beneficiary(entity, serial=serial, **values)

    return build


# ------------------------------------------------------------------ an aligned population


@dataclass
class Aligned:
    run: Any
    tins: list[str]


def align(entity: Entity, capture: Any, config: Any) -> Aligned:
    from alignment.models import AlignmentResult
    from alignment.services.runs import alignment_run_create
    from synthetic.population import generate, write

    write(generate(config), entity=entity)
    with capture(execute=True):
        run = alignment_run_create(
            entity=entity, performance_year=2025, list_kind="final", as_of=dt.date(2026, 3, 31)
        )
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    tins = list(
        AlignmentResult.objects.filter(run=run, aligned=True)
        .exclude(attributed_tin="")
        .values_list("attributed_tin", flat=True)
        .distinct()
        .order_by("attributed_tin")
    )
    return Aligned(run, tins)


# ------------------------------------------------------------------ built once per module
#
# Aligning a synthetic population (claims, a run through its job) takes seconds, and most of
# these modules' tests read the same one: each module builds the entities, and the aligned
# populations any of its tests asks for, once (tests/module_data.py). Every test of the module
# then sees the same rows whatever the order, and gets fresh copies of the objects.


@dataclass
class _World:
    entity_a: int
    entity_b: int
    aligned: dict[str, tuple[int, list[str]]]


@pytest.fixture(scope="module")
def _partners_world(request: Any, module_db: None, django_db_blocker: Any) -> _World:
    from django.test import TestCase

    from synthetic.population import SynthConfig
    from tests.alignment.conftest import SMALL
    from tests.conftest import make_entity_a, make_entity_b

    asked = {
        name
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        for name in getattr(item, "fixturenames", ())
    }
    with django_db_blocker.unblock():
        # The module's data is the owner's to write, outside any row-security scope an earlier
        # test's connection may still hold.
        rls.scope_reset()
        a, b = make_entity_a(), make_entity_b()
        aligned = {}
        if "aligned_a" in asked:
            aligned["a"] = align(a, TestCase.captureOnCommitCallbacks, SMALL)
        if "aligned_b" in asked:
            # Entity B (REACH), with identifiers of its own (another seed).
            config = SynthConfig(
                beneficiaries=120, claim_lines=6_000, seed=23, aco_tins=3, aco_npis=24,
                external_tins=20, external_npis=80, program="reach",
            )  # fmt: skip
            aligned["b"] = align(b, TestCase.captureOnCommitCallbacks, config)
    return _World(a.pk, b.pk, {k: (v.run.pk, v.tins) for k, v in aligned.items()})


@pytest.fixture
def entity_a(_partners_world: _World, db: None) -> Entity:
    return Entity.objects.get(pk=_partners_world.entity_a)


@pytest.fixture
def entity_b(_partners_world: _World, db: None) -> Entity:
    return Entity.objects.get(pk=_partners_world.entity_b)


def _aligned(world: _World, key: str) -> Aligned:
    from alignment.models import AlignmentRun

    run_pk, tins = world.aligned[key]
    return Aligned(AlignmentRun.objects.get(pk=run_pk), list(tins))


@pytest.fixture
def aligned_a(_partners_world: _World, db: None) -> Aligned:
    """Entity A (MSSP) with a small synthetic population and one finished run (2025 final)."""
    return _aligned(_partners_world, "a")


@pytest.fixture
def aligned_b(_partners_world: _World, db: None) -> Aligned:
    """Entity B (REACH) likewise, with identifiers of its own (another seed)."""
    return _aligned(_partners_world, "b")
