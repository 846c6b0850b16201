"""Errors the engines raise on inputs they cannot settle."""

from __future__ import annotations


class SettlementInputError(ValueError):
    """An input the methodology cannot accept; `field` names the input (a batch column)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ParameterError(LookupError):
    """No parameter table for the program x performance year x track asked for; `field` names
    the input that picked the missing table (performance_year, track or arrangement)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
