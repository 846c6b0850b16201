"""Logging safeguards: nothing shaped like a Medicare Beneficiary Identifier reaches a log."""

from __future__ import annotations

import logging
import re

# MBI format (CMS): 11 characters, C A AN N A AN N A A N N, letters excluding S L O I B Z.
_ALPHA = "AC-HJKMNP-RT-Y"
MBI_PATTERN = re.compile(
    rf"\b[1-9][{_ALPHA}][{_ALPHA}0-9][0-9][{_ALPHA}][{_ALPHA}0-9][0-9][{_ALPHA}]{{2}}[0-9]{{2}}\b",
    re.IGNORECASE,
)
MASK = "***MBI***"


def mask_mbis(text: str) -> str:
    return MBI_PATTERN.sub(MASK, text)


class MaskMBIFilter(logging.Filter):
    """Replaces MBI-shaped strings in the message and its arguments before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, unmasked args dropped
            message = str(record.msg)
        masked = mask_mbis(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_text:
            record.exc_text = mask_mbis(record.exc_text)
        return True


# A request line as servers log it ("GET /path?query HTTP/1.1"): the query may carry search
# terms (names, birth dates) or identifiers, so logs keep only the path.
_REQUEST_LINE_QUERY = re.compile(
    r"\b((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) [^\s?\"]*)\?[^\s\"]*"
)


def log_target(target: str) -> str:
    """A URL or request target as a log may carry it: without its query string, with
    MBI-shaped values masked (percent-encoded ones too)."""
    from urllib.parse import unquote

    return mask_mbis(unquote(target.split("?", 1)[0]))


def strip_request_queries(text: str) -> str:
    return _REQUEST_LINE_QUERY.sub(r"\1?…", text)


class RequestLineFilter(logging.Filter):
    """Drops the query string from request lines (runserver's `django.server` log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - left to the other filters
            return True
        stripped = strip_request_queries(message)
        if stripped != message:
            record.msg = stripped
            record.args = None
        return True
