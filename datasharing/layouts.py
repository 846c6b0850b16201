"""The layouts of CMS's beneficiary data-sharing files, as data.

Each layout names its columns (by the header row of the CSV), which are required, and how each
value is read. A file is read by `datasharing.services.data_sharing_file_load`: every row is
checked against its layout before anything is stored.

Sources. The CCLF Information Packet (section 2.4.1) describes what the files mean: the monthly
CCLFs leave out beneficiaries who declined data sharing, and CMS suppresses the claims of some
beneficiaries after a quarterly check whatever their preference ("Suppressed"/"Resumed" in the
Monthly Beneficiary Data Sharing Status file). The column layouts of the Shared Savings Program's
Beneficiary Data Sharing Exclusion file and Monthly Beneficiary Data Sharing Status file, and of
ACO REACH's data-sharing preference records, are published to ACOs on CMS's portal and not in a
public source we could read: these layouts take the CSV that the portal exports, with the header
names below. A file whose header differs is refused with the column named, and the layout is
changed here, as data, when CMS's header is known.
"""

from __future__ import annotations

from dataclasses import dataclass

# The outcomes a row can record. A preference row says whether the beneficiary allows CMS to
# share their claims with the entity; a suppression row says whether CMS suppressed or resumed
# the claims after its quarterly check (CCLF IP 2.4.1).
DECLINED = "declined"
SHARED = "shared"
SUPPRESSED = "suppressed"
RESUMED = "resumed"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # "mbi", "date", "code", "text"
    required: bool = True
    # For a code: the values allowed, and what each means (DECLINED, SHARED, SUPPRESSED, ...).
    codes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Layout:
    kind: str
    title: str
    program: str  # "mssp" or "reach"
    source: str  # the CMS document the page cites
    columns: tuple[Column, ...]
    # What a row records when it has no preference column (the exclusion file: every row is a
    # beneficiary who declined).
    implied_preference: str = ""

    def column(self, header: str) -> Column | None:
        return next((c for c in self.columns if c.header == header), None)


MBI = "MBI_ID"
EFFECTIVE = "EFCTV_DT"
PREFERENCE = "DATA_SHARING_PREF"
SUPPRESSION = "SUPPRESSION_STATUS"

_PREFERENCE_CODES = (("Y", SHARED), ("N", DECLINED))

LAYOUTS: dict[str, Layout] = {
    layout.kind: layout
    for layout in (
        Layout(
            kind="mssp_exclusion",
            title="Beneficiary Data Sharing Exclusion file",
            program="mssp",
            source="Medicare Shared Savings Program, 42 CFR 425.708; CCLF Information Packet 2.4.1",
            columns=(
                Column(MBI, "mbi"),
                Column("BENE_1ST_NAME", "text", required=False),
                Column("BENE_LAST_NAME", "text", required=False),
                Column("BENE_BRTH_DT", "date", required=False),
                Column(EFFECTIVE, "date"),
            ),
            implied_preference=DECLINED,
        ),
        Layout(
            kind="mssp_status",
            title="Monthly Beneficiary Data Sharing Status file",
            program="mssp",
            source="Medicare Shared Savings Program, 42 CFR 425.708; CCLF Information Packet 2.4.1",
            columns=(
                Column(MBI, "mbi"),
                Column(PREFERENCE, "code", codes=_PREFERENCE_CODES),
                Column(
                    SUPPRESSION,
                    "code",
                    required=False,
                    codes=(("", ""), ("S", SUPPRESSED), ("R", RESUMED)),
                ),
                Column(EFFECTIVE, "date"),
            ),
        ),
        Layout(
            kind="reach_preference",
            title="ACO REACH beneficiary data-sharing preference records",
            program="reach",
            source="ACO REACH Model Participation Agreement (data sharing); CCLF Information Packet 2.4.1",
            columns=(
                Column(MBI, "mbi"),
                Column(PREFERENCE, "code", codes=_PREFERENCE_CODES),
                Column(EFFECTIVE, "date"),
            ),
        ),
    )
}
