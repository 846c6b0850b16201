"""Job kinds and their handlers.

A handler is a plain function `handler(job, progress)` registered under a kind:

    @job_handler("cclf.load")
    def load_delivery(job: Job, progress: Progress) -> dict | None:
        ...
        progress(40, "Merging claims")

It must be idempotent: a job whose worker died is run again from the start, so every effect is
all-or-nothing (one transaction) or skips what already exists. What it returns (a JSON-able dict)
is stored as the job's result. Handlers live in each app's `jobs.py`, imported at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from jobs.models import Job


class Progress(Protocol):
    def __call__(self, percent: int, message: str = "") -> None: ...


Handler = Callable[["Job", Progress], "dict[str, Any] | None"]

_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not func:
            raise ValueError(f"Job kind {kind!r} is registered twice.")
        _HANDLERS[kind] = func
        return func

    return register


def get_handler(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"No handler for job kind {kind!r}.") from None


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)
