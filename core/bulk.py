"""Many rows of one model written in one executemany INSERT, for read models rebuilt wholesale
(a refresh's hundred thousand rows) and the synthetic data.

Each value is adapted as the ORM adapts it on save (`get_db_prep_save`), by a converter chosen
once per column: `bulk_create` spends most of its time building a model instance per row and
preparing each value one by one. As with `bulk_create`, no signals are sent and `save()` is not
called; unlike it, no primary keys come back (the database numbers them, in the rows' order)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, models


def _converter(field: Any) -> Callable[[Any], Any]:
    """The value as `field.get_db_prep_save` gives it: by a short cut for the plain Python type
    the field holds (None included), by the field itself for anything else (a pandas Timestamp
    in a date column, a float in a decimal one)."""
    ops = connection.ops

    def orm(v: Any) -> Any:
        return field.get_db_prep_save(v, connection)

    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return lambda v: ops.adapt_datefield_value(v) if v is None or type(v) is date else orm(v)
    if isinstance(field, models.DecimalField):
        return lambda v: (
            ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
            if v is None or type(v) is Decimal
            else orm(v)
        )
    if isinstance(field, models.CharField) and not field.choices:
        return lambda v: v if v is None or type(v) is str else orm(v)
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return lambda v: v if v is None or type(v) is int else orm(v)
    return orm


def rows_insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows`, tuples of values in the order of `columns`: the attnames of every concrete
    field of the model but an auto primary key (a field left out would silently skip its
    default, so none may be). A foreign key's value is the related row's primary key."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    wanted = {a for a, f in fields.items() if not isinstance(f, models.AutoField)}
    if set(columns) != wanted or len(columns) != len(wanted):
        raise ValueError(
            f"rows_insert({model.__name__}) needs exactly the columns {sorted(wanted)}, "
            f"not {sorted(columns)}"
        )
    adapt = [_converter(fields[name]) for name in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[name].column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    prepared = [tuple(fn(v) for fn, v in zip(adapt, row, strict=True)) for row in rows]
    if not prepared:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})",  # noqa: S608 - the model's own names
            prepared,
        )
