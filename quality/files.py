"""Replacing an uploaded file with history: the MIPS benchmarks, QRDA III files, CAHPS results and
partner EHRs' patient-level reports are each stored as a file whose rows hang off it; a new upload
for the same key becomes the current file and the one it replaces stays, marked as superseded."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

File = TypeVar("File", bound=models.Model)


def file_replace(model: type[File], *, key: dict[str, Any], **fields: Any) -> File:
    """Inside the caller's transaction: lock the current file(s) of `key`, create the new one
    (`key` and `fields`) and mark the old ones superseded by it. The caller adds its rows."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("file_replace runs inside the upload's transaction")
    manager: Any = model._default_manager
    current = list(manager.select_for_update().filter(superseded_by__isnull=True, **key))
    new = manager.create(**key, **fields)
    for old in current:
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
    return new
