"""A participant TIN's settlement statement, as CSV and as PDF (reportlab)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from accounts.selectors import entity_role_settings
from core import csvfiles, display
from settlement import labels
from settlement.engine.explanation import Step
from settlement.engine.mcp import MCPStatement
from settlement.models import ParticipantShare, SettlementRun


def _given(value: str, basis: str, method: str) -> str:
    """A TIN figure, or why there is none: an empty cell reads as missing data to a practice."""
    if value:
        return value
    if basis not in method:
        return f"{display.DASH} (not given; the distribution method does not use it)"
    return f"{display.DASH} (not given)"


def _facts(run: SettlementRun, share: ParticipantShare) -> list[tuple[str, str]]:
    entity = run.entity
    method = run.distribution_method or ""
    benchmark = "" if share.benchmark is None else display.money(share.benchmark)
    expenditure = "" if share.expenditure is None else display.money(share.expenditure)
    quality = "" if share.quality_score is None else display.number(share.quality_score, 2)
    return [
        ("Entity", f"{entity.legal_name} ({entity.cms_id})"),
        ("Program / performance year", f"{run.program.upper()} PY{run.performance_year}"),
        (
            "Settlement version",
            f"v{run.version} of {display.day(run.created_at)} ({run.get_kind_display()})",
        ),
        ("Parameter table", labels.parameter_label(run.parameter_version)),
        ("Entity earned savings (losses)", display.money(run.earned_savings_losses)),
        ("Distribution method", run.distribution_method),
        ("TIN", share.tin),
        ("Participant", share.name),
        ("Attributed beneficiaries", f"{share.attributed_beneficiaries:,}"),
        ("TIN benchmark", _given(benchmark, "savings contribution", method)),
        ("TIN expenditure", _given(expenditure, "savings contribution", method)),
        ("TIN quality score", _given(quality, "quality", method)),
        ("Share of the whole", display.percent(share.weight * 100)),
        ("Amount for this TIN", display.money(share.amount)),
    ]


def statement_steps(run: SettlementRun, share: ParticipantShare) -> list[dict]:
    """The entity's explanation as this TIN may read it: every step of the entity's settlement
    and totals, and of the distribution only this TIN's own line (another TIN's payout is that
    TIN's business), unless the entity's settings publish every TIN's payout."""
    if entity_role_settings(entity_id=run.entity_id).statements_show_every_tin:
        return list(run.explanation)
    own = f"TIN {share.tin} "
    return [
        step
        for step in run.explanation
        if not step.get("label", "").startswith("TIN ") or step["label"].startswith(own)
    ]


def statement_csv(facts: Sequence[tuple[str, str]], steps: Sequence[str]) -> str:
    """A statement as CSV: its facts (item, value), then its numbered steps."""
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(["Item", "Value"])
    writer.writerows(facts)
    writer.writerow([])
    writer.writerow(["Step", "Explanation"])
    writer.writerows(enumerate(steps, start=1))
    return out.getvalue()


def statement_pdf(
    *,
    title: str,
    heading: str,
    subheading: str,
    facts: Sequence[tuple[str, str]],
    steps_heading: str,
    steps: Sequence[str],
) -> bytes:
    """A statement as a letter-size PDF: a heading, its facts as a table, then its numbered
    steps (the TIN settlement statements and the specialists' gain-share statements)."""
    # reportlab is imported where a PDF is made, not with the settlement pages (every process
    # that loads the URLs, a system check included, would pay for it).
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    document = SimpleDocTemplate(
        buffer, pagesize=letter, title=title, leftMargin=0.7 * inch, rightMargin=0.7 * inch
    )
    table = Table(
        [[Paragraph(escape(k), small), Paragraph(escape(v), small)] for k, v in facts],
        colWidths=[2.2 * inch, 4.6 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(escape(heading), styles["Title"]),
        Paragraph(escape(subheading), styles["Heading2"]),
        table,
        Spacer(1, 0.25 * inch),
        Paragraph(escape(steps_heading), styles["Heading3"]),
    ]
    story += [Paragraph(escape(f"{n}. {text}"), small) for n, text in enumerate(steps, start=1)]
    document.build(story)
    return buffer.getvalue()


def tin_statement_csv(run: SettlementRun, share: ParticipantShare) -> str:
    return statement_csv(
        _facts(run, share), [_step_text(step) for step in statement_steps(run, share)]
    )


def _step_text(step: dict) -> str:
    label, value = display.tidy(step["label"]), display.tidy(step.get("value", ""))
    text = f"{label}: {value}" if value else label
    if step.get("citation"):
        text += f" [{display.cite(step['citation'])}]"
    if step.get("to_confirm"):
        text += " (to confirm)"
    return text


def tin_statement_pdf(run: SettlementRun, share: ParticipantShare) -> bytes:
    return statement_pdf(
        title=f"Settlement statement {share.tin} PY{run.performance_year}",
        heading=f"Settlement statement: TIN {share.tin}",
        subheading=f"{run.entity.legal_name}, PY{run.performance_year}",
        facts=_facts(run, share),
        steps_heading="How the entity's settlement was computed",
        steps=[_step_text(step) for step in statement_steps(run, share)],
    )


def mcp_statement_pdf(statement: MCPStatement) -> bytes:
    """A Making Care Primary close-out statement (Jul 2024 - Dec 2025) as PDF: the lines by
    payment and period, the closing balance, and every step of the explanation."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from settlement.engine.mcp_closeout import STATEMENT_COLUMNS, statement_rows

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    inputs = statement.inputs
    document = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        title=f"MCP close-out statement {inputs.practice_id}",
        leftMargin=0.7 * inch,
        rightMargin=0.7 * inch,
    )
    rows = statement_rows(statement)
    table = Table(
        [[Paragraph(escape(c.title()), small) for c in STATEMENT_COLUMNS]]
        + [
            [
                Paragraph(escape(row["payment"]), small),
                Paragraph(escape(row["period"]), small),
                *(Paragraph(display.money(row[c]), small) for c in STATEMENT_COLUMNS[2:]),
            ]
            for row in rows
        ],
        colWidths=[2.4 * inch, 1.3 * inch, 1.05 * inch, 1.05 * inch, 1.05 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph("Making Care Primary close-out statement", styles["Title"]),
        Paragraph(
            escape(
                f"Practice {inputs.practice_id}, Track {inputs.track}: July 2024 to December 2025"
            ),
            styles["Heading2"],
        ),
        Paragraph(
            escape(
                "Positive balance: CMS owes the practice; negative: the practice repays CMS. "
                f"Parameter table {labels.parameter_label(statement.parameters.label)}."
            ),
            small,
        ),
        Spacer(1, 0.15 * inch),
        table,
        Spacer(1, 0.25 * inch),
        Paragraph("How the statement was computed", styles["Heading3"]),
    ]
    story += [
        Paragraph(escape(f"{n}. {mcp_step_text(step)}"), small)
        for n, step in enumerate(statement.explanation, start=1)
    ]
    document.build(story)
    return buffer.getvalue()


def mcp_step_text(step: Step) -> str:
    """A close-out step as a reader gets it in a file: its citations as the CMS document (not our
    rules digest's section), its parameter table in words."""
    return step.as_text(tidy=display.tidy, cite=display.cite, parameters=labels.parameter_label)
