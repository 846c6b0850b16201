"""Small charts drawn on the server as inline SVG: bars, a monthly trend and a waterfall.

Each function returns markup that is safe to put in a template: an `<svg role="img">` with a
`<title>` and a `<desc>` (what a screen reader announces), followed by a `<details>` holding the
same figures as a table, for those who read rather than look. Labels and values arrive formatted
by the caller (core.display), so a chart shows exactly what the page's tables show. No script, no
external file: the page works with JavaScript off and prints as drawn.

Why not a library: the Python charting packages either render images (matplotlib: a PNG or an SVG
of paths, with text as outlines, no table and a heavy dependency) or emit JavaScript for the
browser (plotly, bokeh, altair). Three chart shapes in plain SVG text are about 150 lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from itertools import count

from django.utils.safestring import SafeString, mark_safe

_ids = count(1)

WIDTH = 640
BAR_HEIGHT = 26
LABEL_WIDTH = 230  # at least; wider when a label needs it (`_label_width`)
CHAR_WIDTH = 6.8  # an average character of the 12px sans-serif the charts are drawn in
VALUE_WIDTH = 96
PLOT_HEIGHT = 180
MARGIN = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    shown: str  # the value as the page formats it


@dataclass(frozen=True)
class Step:
    """One bar of a waterfall: a total (drawn from zero) or a change (drawn from the running total)."""

    label: str
    value: Decimal
    shown: str
    total: bool = False


def _frame(*, title: str, desc: str, height: int, body: list[str], table: str) -> SafeString:
    uid = f"chart-{next(_ids)}"
    svg = (
        f'<figure class="chart"><svg role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
        + f"<figcaption>{escape(title)}</figcaption>"
        + f"<details><summary>The figures as a table</summary>{table}</details></figure>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped


def _table(headers: tuple[str, str], rows: Sequence[tuple[str, str]]) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if i else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td class="num">{escape(shown)}</td></tr>'
        for label, shown in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", cls: str = "", fit: float = 0
) -> str:
    """An SVG text; with `fit` (the room in px), a text too long for it is shortened with an
    ellipsis and keeps its whole wording in a tooltip (and in the figures' table)."""
    klass = f' class="{cls}"' if cls else ""
    room = int(fit // CHAR_WIDTH) if fit else 0
    if room and len(text) > room:
        shown = text[: max(room - 1, 1)].rstrip() + "\u2026"
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>'
            f"<title>{escape(text)}</title>{escape(shown)}</text>"
        )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _label_width(labels: Sequence[str]) -> float:
    """Room for the longest label left of the bars, so none is cut at the chart's edge ("ned:
    Claims: primary care specialties"), up to a little over half the chart."""
    longest = max((len(label) for label in labels), default=0)
    return min(max(float(LABEL_WIDTH), MARGIN + 6 + longest * CHAR_WIDTH), WIDTH / 2 + 48)


def bars(*, title: str, desc: str, bars: Sequence[Bar], headers: tuple[str, str]) -> SafeString:
    """Horizontal bars, one per label, scaled to the largest value (negative values drawn as 0)."""
    top = max((b.value for b in bars), default=Decimal(0))
    left = _label_width([b.label for b in bars])
    scale = (WIDTH - left - VALUE_WIDTH - 2 * MARGIN) / float(top) if top > 0 else 0.0
    body = []
    for i, b in enumerate(bars):
        y = MARGIN + i * BAR_HEIGHT
        w = max(float(b.value) * scale, 0.0)
        body.append(_text(left - 6, y + 17, b.label, anchor="end", fit=left - 6 - MARGIN))
        body.append(
            f'<rect class="bar" x="{left:.1f}" y="{y + 4}" width="{w:.1f}" height="{BAR_HEIGHT - 8}"/>'
        )
        body.append(_text(left + w + 6, y + 17, b.shown, cls="value"))
    height = 2 * MARGIN + len(bars) * BAR_HEIGHT
    table = _table(headers, [(b.label, b.shown) for b in bars])
    return _frame(title=title, desc=desc, height=height, body=body, table=table)


def columns(*, title: str, desc: str, bars: Sequence[Bar], headers: tuple[str, str]) -> SafeString:
    """Vertical columns in order (a trend by month), the value above each column."""
    n = max(len(bars), 1)
    top = max((b.value for b in bars), default=Decimal(0))
    slot = (WIDTH - 2 * MARGIN) / n
    base = MARGIN + 18 + PLOT_HEIGHT
    body = [f'<line class="axis" x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{base}" y2="{base}"/>']
    for i, b in enumerate(bars):
        h = float(b.value) / float(top) * PLOT_HEIGHT if top > 0 and b.value > 0 else 0.0
        x = MARGIN + i * slot
        body.append(
            f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}"/>'
        )
        body.append(_text(x + slot / 2, base - h - 4, b.shown, anchor="middle", cls="value small"))
        body.append(_text(x + slot / 2, base + 16, b.label, anchor="middle"))
    table = _table(headers, [(b.label, b.shown) for b in bars])
    return _frame(title=title, desc=desc, height=base + 24, body=body, table=table)


def waterfall(
    *, title: str, desc: str, steps: Sequence[Step], headers: tuple[str, str]
) -> SafeString:
    """From a first total through changes to a final total: each change floats from the running
    total (increases and decreases styled apart), totals stand on the baseline."""
    running = Decimal(0)
    spans: list[tuple[Decimal, Decimal]] = []
    for s in steps:
        if s.total:
            spans.append((Decimal(0), s.value))
            running = s.value
        else:
            spans.append((running, running + s.value))
            running += s.value
    lo = min([Decimal(0), *(min(a, b) for a, b in spans)])
    hi = max([Decimal(0), *(max(a, b) for a, b in spans)])
    label_width = _label_width([s.label for s in steps])
    scale = (WIDTH - label_width - VALUE_WIDTH - 2 * MARGIN) / float(hi - lo) if hi > lo else 0.0

    def x(v: Decimal) -> float:
        return label_width + float(v - lo) * scale

    body = []
    for i, (s, (a, b)) in enumerate(zip(steps, spans, strict=True)):
        y = MARGIN + i * BAR_HEIGHT
        left, right = min(x(a), x(b)), max(x(a), x(b))
        kind = "total" if s.total else ("up" if s.value >= 0 else "down")
        body.append(
            _text(label_width - 6, y + 17, s.label, anchor="end", fit=label_width - 6 - MARGIN)
        )
        body.append(
            f'<rect class="bar {kind}" x="{left:.1f}" y="{y + 4}" '
            f'width="{max(right - left, 1.0):.1f}" height="{BAR_HEIGHT - 8}"/>'
        )
        body.append(_text(right + 6, y + 17, s.shown, cls="value"))
    height = 2 * MARGIN + len(steps) * BAR_HEIGHT
    table = _table(headers, [(s.label, s.shown) for s in steps])
    return _frame(title=title, desc=desc, height=height, body=body, table=table)


def bars_from(rows: Sequence[tuple[str, Decimal]], shown: Callable[[Decimal], str]) -> list[Bar]:
    return [Bar(label, value, shown(value)) for label, value in rows]
