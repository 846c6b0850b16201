"""Schemathesis drives every operation of the OpenAPI schema with generated requests, as a
partner client holding every scope, against a small aligned dataset: no server error, no
response that breaks the schema and no status, header or content type the schema does not
document (issues 9 and 18). The token goes with every call, the schema fetch included, as
tools send it.

One test walks all operations so that the dataset is built once; each operation gets its own
Hypothesis run. Requests go through the WSGI application in this process, on the test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from entities.models import Entity
from partners.scopes import ALL_SCOPES
from synthetic.population import SynthConfig
from tests.partners.conftest import align, token_request

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

TINY = SynthConfig(
    beneficiaries=60, claim_lines=3_000, seed=31, aco_tins=3, aco_npis=12,
    external_tins=10, external_npis=40,
)  # fmt: skip
EXAMPLES_PER_OPERATION = 30


@contextmanager
def connection_kept() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's database connection
    (the test client connects the signal again after each of its own requests)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_api_answers_every_generated_request_within_its_schema(
    entity_a: Entity,
    register: Any,
    rsa_signer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    align(entity_a, django_capture_on_commit_callbacks, TINY)
    client = register(
        entity_a, rsa_signer.public_pem(), scopes=list(ALL_SCOPES), requests_per_minute=10**6
    )
    token = token_request(rsa_signer.assertion(client.client_id)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json", WSGIHandler(), headers=headers
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 15
        exercised = []
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(
                    headers=headers,
                    checks=[
                        not_a_server_error,
                        response_schema_conformance,
                        status_code_conformance,
                        content_type_conformance,
                    ],
                )

            run()
            exercised.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/v1/beneficiaries/search" in exercised
    assert "GET /api/v1/beneficiaries/{id}/" in exercised
    assert "POST /api/v1/worklist-items/" in exercised
    assert "POST /api/v1/worklist-items/{id}/close/" in exercised
    assert "GET /api/v1/care-gaps/" in exercised
