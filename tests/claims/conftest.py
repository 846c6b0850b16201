from __future__ import annotations

from pathlib import Path

import pytest

from entities.models import Entity
from tests.factories import EntityFactory, ProgramFactory


@pytest.fixture
def tuva_entity(db: None) -> Entity:
    """The entity the synthetic Tuva records were delivered to (P.A0000...)."""
    return EntityFactory(
        program=ProgramFactory(code="mssp"), cms_id="A0000", legal_name="Tuva fixture ACO"
    )


@pytest.fixture
def cclf_dir(tmp_path: Path) -> Path:
    path = tmp_path / "cclf"
    path.mkdir()
    return path
