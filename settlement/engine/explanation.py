"""The explanation every settlement result carries: its inputs, the rules applied (with the
parameter table and version they came from) and the intermediate figures, in the order used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from settlement.engine.rounding import money_for_display, rate_pct_for_display


class StepKind(StrEnum):
    INPUT = "input"
    RULE = "rule"
    FIGURE = "figure"
    RESULT = "result"
    NOTE = "note"


@dataclass(frozen=True)
class Step:
    """One line of an explanation.

    `value` is already formatted for people; `citation` names the rule (regulation, domain.md
    section) and `parameters` the parameter table version the values came from. `to_confirm` marks
    a value the sources tag [R] or [3P] (recalled or third-party, to confirm before go-live).
    """

    kind: StepKind
    label: str
    value: str = ""
    citation: str = ""
    parameters: str = ""
    to_confirm: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "label": self.label,
            "value": self.value,
            "citation": self.citation,
            "parameters": self.parameters,
            "to_confirm": self.to_confirm,
        }

    def as_text(
        self,
        *,
        tidy: Callable[[str], str] = str,
        cite: Callable[[str], str] = str,
        parameters: Callable[[str], str] = str,
    ) -> str:
        """The step on one line; a caller outside the engine passes its formatters (a file for
        a reader: the citation as the CMS document, the parameter table in words)."""
        text = tidy(f"{self.label}: {self.value}" if self.value else self.label)
        if self.citation:
            text += f" [{cite(self.citation)}]"
        if self.parameters:
            text += f" ({parameters(self.parameters)})"
        if self.to_confirm:
            text += " (to confirm)"
        return text


# A negative figure reads with the minus sign (U+2212), as core.display writes it on every page.
MINUS = "\u2212"


def fmt_money(amount: Decimal | Fraction) -> str:
    value = money_for_display(amount)
    sign = MINUS if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def fmt_pct(rate: Decimal | Fraction, places: int = 4) -> str:
    shown = rate_pct_for_display(rate, places).normalize()
    # normalize() gives "4E+0" for 4: print plain, with at least one decimal for readability.
    text = f"{shown:f}"
    return f"{MINUS}{text[1:]}%" if text.startswith("-") else f"{text}%"


@dataclass
class ExplanationBuilder:
    """Collects steps in order while an engine works; `build()` freezes them."""

    parameters: str = ""
    steps: list[Step] = field(default_factory=list)

    def input(self, label: str, value: str) -> None:
        self.steps.append(Step(StepKind.INPUT, label, value))

    def rule(
        self,
        label: str,
        value: str = "",
        *,
        citation: str = "",
        to_confirm: bool = False,
        parameters: str | None = None,
    ) -> None:
        table = self.parameters if parameters is None else parameters
        self.steps.append(Step(StepKind.RULE, label, value, citation, table, to_confirm=to_confirm))

    def figure(
        self, label: str, value: str, *, citation: str = "", to_confirm: bool = False
    ) -> None:
        self.steps.append(Step(StepKind.FIGURE, label, value, citation, to_confirm=to_confirm))

    def result(self, label: str, value: str, *, citation: str = "") -> None:
        self.steps.append(Step(StepKind.RESULT, label, value, citation))

    def note(self, label: str, *, citation: str = "", to_confirm: bool = False) -> None:
        self.steps.append(Step(StepKind.NOTE, label, "", citation, to_confirm=to_confirm))

    def build(self) -> tuple[Step, ...]:
        return tuple(self.steps)


def explanation_text(steps: tuple[Step, ...]) -> str:
    """The steps on one line, numbered, for a CSV cell."""
    return " | ".join(f"{i}. {step.as_text()}" for i, step in enumerate(steps, start=1))
