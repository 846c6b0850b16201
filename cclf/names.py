"""CCLF file names (IP section 4.2 and Appendix B).

Combined zip, e.g. MSSP ``P.A1234.ACO.ZCY24.D240112.T1203450`` (run-out ``ZCR24``); the files
inside carry the file number after ``ZC``: ``P.A1234.ACO.ZC1Y24.D240112.T1203450`` for CCLF1,
``ZC0``..``ZC9``, ``ZCA``, ``ZCB``. The first letter after ``P.`` names the program, the rest of
that part is the entity's ID, and ``Thhmmsst`` is the time to a tenth of a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# IP 4.2: the program prefix of the file names.
PROGRAM_PREFIXES = {
    "A": "mssp",
    "D": "reach",
    "F": "vtapm",
    "K": "kcf",
    "C": "ckcc",
    "P": "pcf",
}

_NAME = re.compile(
    r"^P\.(?P<entity>(?P<prefix>[A-Z])[A-Z0-9]{3,8})\.ACO\."
    r"ZC(?P<file>[0-9AB])?(?P<kind>[YR])?(?P<year>\d{2})\."
    r"D(?P<date>\d{6})\.T(?P<time>\d{7})(?P<ext>\.[A-Za-z0-9]+)?$"
)


class FileNameError(ValueError):
    """A name that is not a CCLF file or delivery name."""


@dataclass(frozen=True)
class CclfName:
    """What a CCLF file or delivery name says."""

    name: str
    entity_id: str
    program_prefix: str
    file_code: str | None  # "CCLF1" .. "CCLFB", "CCLF0"; None for the combined delivery
    runout: bool
    performance_year: int
    delivered_at: datetime

    @property
    def program(self) -> str | None:
        return PROGRAM_PREFIXES.get(self.program_prefix)

    @property
    def kind(self) -> str:
        return "runout" if self.runout else "regular"

    def same_delivery(self, other: CclfName) -> bool:
        return (self.entity_id, self.runout, self.performance_year, self.delivered_at) == (
            other.entity_id,
            other.runout,
            other.performance_year,
            other.delivered_at,
        )


def parse_name(name: str) -> CclfName:
    """Parse a CCLF zip or file name; raises FileNameError naming what is wrong."""
    base = name.rsplit("/", 1)[-1]
    if base.lower().endswith(".zip"):
        base = base[:-4]
    m = _NAME.match(base)
    if not m:
        raise FileNameError(
            f"{name!r} is not a CCLF name (expected P.A1234.ACO.ZC1Y24.D240112.T1200000)"
        )
    try:
        # CMS names carry no time zone; the registry makes the time aware in the site's zone.
        delivered = datetime.strptime(m["date"] + m["time"][:6], "%y%m%d%H%M%S")  # noqa: DTZ007
    except ValueError as exc:
        raise FileNameError(f"{name!r}: bad delivery date or time ({exc})") from None
    delivered = delivered.replace(microsecond=int(m["time"][6]) * 100_000)
    return CclfName(
        name=base,
        entity_id=m["entity"],
        program_prefix=m["prefix"],
        file_code=f"CCLF{m['file']}" if m["file"] else None,
        runout=m["kind"] == "R",
        performance_year=2000 + int(m["year"]),
        delivered_at=delivered,
    )


def file_name(*, entity_id: str, code: str, runout: bool, year: int, delivered_at: datetime) -> str:
    """The CMS name of one file of a delivery (code "CCLF1" .. "CCLFB", or "" for the zip)."""
    number = code.removeprefix("CCLF")
    stamp = delivered_at.strftime("D%y%m%d.T%H%M%S") + str(delivered_at.microsecond // 100_000)
    return f"P.{entity_id}.ACO.ZC{number}{'R' if runout else 'Y'}{year % 100:02d}.{stamp}"
