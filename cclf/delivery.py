"""A CCLF delivery on disk: the monthly zip, or a folder of its files.

`open_delivery` lists the files, names each by its CCLF code, reads the CCLF0 summary (record count
and record length per file, IP section 2.7, Appendix B tables 25-26) and opens each file as a byte
stream, so that the reader never holds a whole file in memory.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    from isal import isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib does the same, slower
    isal_zlib = None

from cclf.layouts import DATA_FILE_CODES, SUMMARY_FILE_CODE
from cclf.names import CclfName, FileNameError, file_name, parse_name
from cclf.parser import RecordError


@dataclass(frozen=True)
class SummaryRow:
    """One CCLF0 detail record."""

    file_code: str
    description: str
    records: int
    record_length: int


@dataclass
class DeliveryFiles:
    """The files of a delivery, by CCLF code, and the problems found in its names and summary."""

    path: Path
    name: CclfName
    members: dict[str, str] = field(default_factory=dict)  # code -> member name (zip) or file path
    sizes: dict[str, int] = field(default_factory=dict)
    summary: dict[str, SummaryRow] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    sha256: str = ""

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def open(self, code: str) -> Iterator[IO[bytes]]:
        member = self.members[code]
        if self.is_zip:
            with zipfile.ZipFile(self.path) as zf, zf.open(member) as fh:
                yield _faster_inflate(fh)
        else:
            with open(member, "rb") as fh:
                yield fh

    def member_name(self, code: str) -> str:
        return Path(self.members[code]).name


def _faster_inflate(fh: IO[bytes]) -> IO[bytes]:
    """A deflated zip member, inflated by ISA-L (`isal`) rather than zlib: the same stream,
    two to three times faster, which is a fifth of a load's parse (bench/ingest). zipfile has
    no hook for it: the member's decompressor is swapped before anything is read (zipfile
    still checks the CRC of what comes out)."""
    if (
        isal_zlib is not None
        and isinstance(fh, zipfile.ZipExtFile)
        and fh._compress_type == zipfile.ZIP_DEFLATED
        and fh._compress_left == getattr(fh, "_orig_compress_size", None)
    ):
        fh._decompressor = isal_zlib.decompressobj(-15)
    return fh


def _delivery_name(first: CclfName) -> CclfName:
    """The delivery a file belongs to, named as CMS names the combined zip
    (P.A1234.ACO.ZC1Y24... -> P.A1234.ACO.ZCY24...): what the files say, never the folder's name."""
    return CclfName(
        name=file_name(
            entity_id=first.entity_id,
            code="",
            runout=first.runout,
            year=first.performance_year,
            delivered_at=first.delivered_at,
        ),
        entity_id=first.entity_id,
        program_prefix=first.program_prefix,
        file_code=None,
        runout=first.runout,
        performance_year=first.performance_year,
        delivered_at=first.delivered_at,
    )


def _crc32(path: Path) -> int:
    crc32 = isal_zlib.crc32 if isal_zlib is not None else zlib.crc32
    value = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            value = crc32(block, value)
    return value


def open_delivery(path: str | Path) -> DeliveryFiles:
    """List and check the files of a delivery; raises FileNameError when nothing in it is CCLF.

    A delivery is identified by its files, never by the zip's or folder's name: its name comes
    from the files' CMS names, and its fingerprint (`sha256`) from each file's name, size and
    CRC-32 (for a zip, the checksums its directory holds, which zipfile verifies as the
    files are read). The same files zipped, re-zipped or unzipped have the same fingerprint.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    entries: list[tuple[str, int, int]] = []  # member, size, CRC-32
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise FileNameError(f"{path.name}: not a zip file")
        with zipfile.ZipFile(path) as zf:
            entries = [(i.filename, i.file_size, i.CRC) for i in zf.infolist() if not i.is_dir()]
    else:
        entries = [
            (str(p), p.stat().st_size, _crc32(p))
            for p in sorted(path.iterdir())
            if p.is_file() and not p.name.startswith(".")
        ]
    parsed: list[tuple[str, int, CclfName]] = []
    errors: list[RecordError] = []
    for member, size, _crc in entries:
        base = Path(member).name
        try:
            name = parse_name(base)
        except FileNameError as exc:
            errors.append(RecordError(base, None, None, str(exc)))
            continue
        if name.file_code is None:
            errors.append(
                RecordError(
                    base, None, None, "a delivery name inside the delivery, not a CCLF file"
                )
            )
            continue
        parsed.append((member, size, name))
    # With no CCLF file in it, the zip or folder is named by its own name if that is a CMS name
    # (and rejected with the reasons); otherwise nothing here is CCLF (FileNameError).
    name = _delivery_name(parsed[0][2] if parsed else parse_name(path.name))
    if path.is_file():
        # A zip carries CMS's name for the delivery: its files must be that delivery's.
        try:
            zipped: CclfName | None = parse_name(path.name)
        except FileNameError:
            zipped = None
        if zipped is not None and not zipped.same_delivery(name):
            name = _delivery_name(zipped)
    digest = hashlib.sha256()
    for member, size, crc in sorted(entries, key=lambda e: Path(e[0]).name):
        digest.update(f"{Path(member).name}\0{size}\0{crc:08x}\0".encode())
    delivery = DeliveryFiles(path=path, name=name, errors=errors, sha256=digest.hexdigest())
    for member, size, name in parsed:
        base = Path(member).name
        if not name.same_delivery(delivery.name):
            delivery.errors.append(
                RecordError(
                    base, None, None, f"belongs to another delivery than {delivery.name.name}"
                )
            )
            continue
        if name.file_code in delivery.members:
            delivery.errors.append(RecordError(base, None, None, f"a second {name.file_code} file"))
            continue
        delivery.members[name.file_code] = member
        delivery.sizes[name.file_code] = size
    _read_summary(delivery)
    return delivery


def _read_summary(delivery: DeliveryFiles) -> None:
    """Parse CCLF0 (pipe-delimited: a header record, then one detail record per file)."""
    if SUMMARY_FILE_CODE not in delivery.members:
        delivery.errors.append(RecordError(delivery.name.name, None, None, "no CCLF0 summary file"))
        return
    cclf0 = delivery.member_name(SUMMARY_FILE_CODE)
    with delivery.open(SUMMARY_FILE_CODE) as fh:
        text = fh.read().decode("latin-1")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 4:
            delivery.errors.append(
                RecordError(cclf0, number, None, "expected 4 fields separated by |")
            )
            continue
        code = parts[0].upper()
        if code in ("FILE NUMBER", SUMMARY_FILE_CODE):
            continue  # the header record, or the summary's own row
        if code not in DATA_FILE_CODES:
            delivery.errors.append(
                RecordError(cclf0, number, "FILE_TYPE", f"unknown file type {parts[0]!r}")
            )
            continue
        try:
            records, length = int(parts[2]), int(parts[3])
        except ValueError:
            delivery.errors.append(
                RecordError(
                    cclf0, number, "RECORD_COUNT", "record count and length must be numbers"
                )
            )
            continue
        delivery.summary[code] = SummaryRow(code, parts[1], records, length)
