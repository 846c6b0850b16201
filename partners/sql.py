"""Raw SQL for the partner API's hot paths, read into ordinary model instances.

The beneficiary detail and the roster page are the API's busiest calls; building their
queries with the ORM cost more CPU than running them. These helpers let a hand-written query
select whole rows of several models and hand back the instances the ORM would have built
(JSON columns decoded; columns not selected are deferred, loaded on access like `.only()`),
and run them as prepared statements (`prepared_cursor`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

from core.prepared import prepared_cursor  # noqa: F401 - the hot paths import it from here

M = TypeVar("M", bound=Model)


def fields_of(model: type[Model], exclude: tuple[str, ...] = ()) -> list[Field]:
    return [f for f in model._meta.concrete_fields if f.attname not in exclude]


def columns(alias: str, fields: list[Field]) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in fields)


def table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


_decoding: dict[int, tuple[list[Field], list[str], list[tuple[int, Field]]]] = {}


def _decoding_of(fields: list[Field]) -> tuple[list[str], list[tuple[int, Field]]]:
    """The attribute names of `fields` and those of them whose values need decoding (JSON),
    worked out once per list (the callers keep their lists)."""
    found = _decoding.get(id(fields))
    if found is None or found[0] is not fields:
        found = _decoding[id(fields)] = (
            fields,
            [f.attname for f in fields],
            [(i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value")],
        )
    return found[1], found[2]


def instance(model: type[M], fields: list[Field], values: Any) -> M:
    names, decoded = _decoding_of(fields)
    if len(values) != len(names):
        raise ValueError(f"{len(values)} values for {len(names)} fields of {model.__name__}")
    if decoded:
        values = list(values)
        for i, f in decoded:
            values[i] = f.from_db_value(values[i], None, connection)
    return model.from_db(connection.alias, names, values)


def instances(
    row: tuple[Any, ...], parts: list[tuple[type[Model], list[Field]]]
) -> tuple[list[Model], int]:
    """Instances from consecutive columns of `row`, one per (model, fields); and the index of
    the first column left over."""
    found, start = [], 0
    for model, fields in parts:
        found.append(instance(model, fields, row[start : start + len(fields)]))
        start += len(fields)
    return found, start
