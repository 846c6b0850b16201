"""The shipped registry's sources cite the CMS document or regulation behind each value.

They used to name our own files ("domain.md 3.3", a CSV path, an issue number), which staff see
in the console's edit forms and wherever a source is printed. A row keeps a source staff have
since edited: only the exact shipped text is replaced.
"""

from django.db import migrations

SLAAM_TABLE_11 = "MSSP Shared Savings and Losses, Assignment and Quality Performance Standard Methodology (SLAAM), Table 11"
CROSSWALK = "CMS Medicare Provider/Supplier to Healthcare Provider Taxonomy Crosswalk (code and description)"
MSSP_RATES = "42 CFR 425.605(d) BASIC, 425.610(d) ENHANCED, as amended through the CY2025 Physician Fee Schedule final rule"
REACH_PY2025 = "CMS 'ACO REACH PY2025 Model Update - Quick Reference'"
REACH_RISK = "ACO REACH Request for Applications (2022) and PY2024 Financial Operating Guide, risk adjustment"
REACH_PAGE = "CMS ACO REACH model page (Professional: 50% of savings and losses; Global: 100%), tiered risk corridors"
REACH_YEARS = "ACO REACH performance years PY2023-PY2026 (CMS ACO REACH model page; ACO REACH Participation Agreement)"

SOURCES = {
    # bands.csv
    "42 CFR 425.604(b)/425.605(b); CMS-1345-P (2011) p.268; shared/data/mssp_msr_table.csv (domain.md 3.2)": "42 CFR 425.604(b), 425.605(b); CMS-1345-P proposed rule (2011), p. 268, MSR table",
    "domain.md 4.2 (Pearl Health 'Performance Year Discount' exhibit; CMS REACH page)": REACH_PAGE,
    # parameters.csv
    "Not retrieved (domain.md 3.4 gives PY2025 only)": "42 CFR 425.512: CMS publishes this score for each performance year; this year's has not been loaded",
    "domain.md 1.4 (GPDC FOG Appendix B)": "GPDC Financial Operating Guide: Overview, Appendix B (alignment)",
    "domain.md 1.4 (REACH Participation Agreement 5.03 'Alignment Minimum'; TechTarget 2023)": "ACO REACH Participation Agreement, section 5.03 'Alignment Minimum'",
    "domain.md 1.4 (TechTarget 2023)": "ACO REACH PY2024 model changes (CMS, 2023): 10% alignment buffer",
    "domain.md 3.2 (42 CFR 425.605(b))": "42 CFR 425.605(b)",
    "domain.md 3.2 (Milliman MSR/MLR paper)": "42 CFR 425.605(b), 425.610(b): MSR/MLR chosen at agreement start",
    "domain.md 3.3 (42 CFR 425.605(d) BASIC, 425.610(d) ENHANCED, as amended through the CY2025 PFS)": MSSP_RATES,
    "domain.md 3.3-3.4 (42 CFR 425.610(d))": "42 CFR 425.610(d)",
    "domain.md 3.4 (42 CFR 425.512 via getpocketlaw.com): PY2024 and later, 40th percentile of MIPS Quality scores": "42 CFR 425.512: PY2024 and later, 40th percentile of MIPS Quality scores",
    "domain.md 3.4 (42 CFR 425.512): PY2021-PY2023, 30th percentile": "42 CFR 425.512: PY2021-PY2023, 30th percentile",
    "domain.md 3.4 (42 CFR 425.610; reproduces CMS's published final loss rates PY2021-PY2024)": "42 CFR 425.610(d); reproduces CMS's published MSSP final loss rates, PY2021-PY2024",
    "domain.md 3.4 (CY2023 PFS)": "CY2023 Physician Fee Schedule final rule (health equity adjustment; 42 CFR 425.512)",
    "domain.md 3.4 (CY2024 PFS; published PY2024 results)": "CY2024 Physician Fee Schedule final rule; CMS's published MSSP PY2024 results",
    "domain.md 3.4 (all four years of published MSSP results); 3.1 tags the same 2% as [R]": "CMS's published MSSP results, PY2021-PY2024 (2% sequestration of shared savings)",
    "domain.md 3.4 (mdinteractive PY2025 table)": "42 CFR 425.512; CMS's PY2025 MSSP quality performance standard",
    "domain.md 3.4 (mdinteractive PY2025)": "42 CFR 425.512; CMS's PY2025 MSSP quality performance standard",
    "domain.md 3.4 (mdinteractive)": "42 CFR 425.512 (alternative quality performance standard: outcome measures)",
    "domain.md 4.1 item 3": REACH_RISK,
    "domain.md 4.1 item 3 (Milliman 'ACO REACH PY2026: what is changing', 2025)": "CMS ACO REACH PY2026 model changes (risk score growth caps, coding intensity factor)",
    "domain.md 4.1 item 3 (TechTarget 2023; Milliman PY2024)": REACH_RISK,
    "domain.md 4.1 item 4 (CMS 'ACO REACH PY2025 Model Update - Quick Reference'; policymed 2024)": REACH_PY2025,
    "domain.md 4.1 item 4 (CMS PY2025 Model Update Quick Reference)": REACH_PY2025,
    "domain.md 4.1 item 4 (same)": REACH_PY2025,
    "domain.md 4.1 item 5 (REACH RFA 2022)": "ACO REACH Request for Applications (2022), Health Equity Benchmark Adjustment",
    "domain.md 4.1 item 6 (Milliman RTA papers)": "ACO REACH Financial Operating Guide, Retrospective Trend Adjustment (applies beyond a 1% difference)",
    "domain.md 4.1 item 7 (Pearl Health)": "ACO REACH Request for Applications, Table 6.16 (Global discount)",
    "domain.md 4.1 item 7 (Pearl Health); CMS PY2025 update raised the Global discount": REACH_PY2025
    + " (raised the Global discount)",
    "domain.md 4.1 item 7 (REACH RFA Table 6.16 via thinkbymore.com)": "ACO REACH Request for Applications, Table 6.16",
    "domain.md 4.1 item 7: Professional has no discount": "ACO REACH Request for Applications, Table 6.16: Professional has no discount",
    "domain.md 4.1 item 8 (RFA Table 6.16)": "ACO REACH Request for Applications, Table 6.16 (quality withhold)",
    "domain.md 4.2": "ACO REACH Financial Operating Guide (2% sequestration)",
    "domain.md 4.3 (REACH RFA; LEAD notes: Base 3.164% + Enhanced 3.836%)": "ACO REACH Request for Applications, Primary Care Capitation (Base plus Enhanced PCC up to 7% of the benchmark)",
    "domain.md section 5 (LifePoint 'Making Care Primary: top insights')": "Making Care Primary Request for Applications (Aug 2023), eligibility",
    "domain.md section 5 (MCP RFA, Aug 2023)": "Making Care Primary Request for Applications (Aug 2023)",
    # performance_years.csv
    "ACO REACH PY2023-PY2026 [V] (domain.md sections 0 and 1.4)": REACH_YEARS,
    "GPDC FOG Overview Rev 1.1 Table B.2.1 [V] (domain.md section 0)": "GPDC Financial Operating Guide: Overview, Rev 1.1, Table B.2.1",
    "LEAD runs Jan 1 2027 - Dec 31 2036 [V] (domain.md section 0); calendar years assumed": "CMS LEAD (Long-term Enhanced ACO Design) model announcement: runs Jan 1 2027 - Dec 31 2036; calendar years assumed",
    "domain.md section 5 [V] (CMS MCP page)": "CMS Making Care Primary model page",
    "domain.md section 5 [V] (CMS fact sheet, Mar 12 2025)": "CMS fact sheet 'CMS Innovation Center announces model portfolio changes' (Mar 12 2025)",
    # programs.csv
    "domain.md section 0 (GPDC FOG Overview Rev 1.1 Table B.2.1; Modern Healthcare, Mar 2025) and section 1.4 (Participant vs Preferred Providers)": "GPDC Financial Operating Guide: Overview, Rev 1.1, Table B.2.1; CMS ACO REACH model page (Participant and Preferred Providers)",
    "domain.md section 0 (coralhealthadvisors.com, mondaq.com 2026, cedargate.com). ID format not published in our sources: permissive default.": "CMS LEAD (Long-term Enhanced ACO Design) model announcement and Request for Applications (Mar 2026). The ID format is not published: permissive default.",
    "domain.md section 0 (program timeline: Milliman, Pathways to Success final rule, 2019); ID pattern A#### per issue 3; TIN exclusivity for TINs billing primary care: 42 CFR 425.306(b) [R]": "SSA section 1899; 42 CFR Part 425 (Pathways to Success final rule, 2019); ACO IDs are A followed by four digits; TIN exclusivity for TINs billing primary care: 42 CFR 425.306(b)",
    "domain.md section 5 (CMS fact sheet 'CMS Innovation Center announces model portfolio changes', Mar 12 2025). The MCP participant ID format was not retrieved: the pattern is a permissive default.": "CMS fact sheet 'CMS Innovation Center announces model portfolio changes' (Mar 12 2025). The MCP participant ID format is not published: the pattern is a permissive default.",
    # specialty_codes.csv
    f"{CROSSWALK}; class: 42 CFR 425.402(c) specialist list [R] (domain.md 1.3); load the exact list from SLAAM Table 11 for the PY": f"{CROSSWALK}; class: 42 CFR 425.402(c) specialist list [R]; confirm against {SLAAM_TABLE_11} for the PY",
    f"{CROSSWALK}; class: GPDC FOG Table B.6.4 [V] (domain.md 1.3)": f"{CROSSWALK}; class: GPDC Financial Operating Guide, Table B.6.4 [V]",
    f"{CROSSWALK}; class: GPDC FOG Table B.6.4 [V], MSSP SLAAM Table 11 same set [R] (domain.md 1.3)": f"{CROSSWALK}; class: GPDC Financial Operating Guide, Table B.6.4 [V]; {SLAAM_TABLE_11}, same set [R]",
    f"{CROSSWALK}; class: not in domain.md's partial 425.402(c) list, which 'includes' others: confirm against SLAAM Table 11": f"{CROSSWALK}; class: not among the 42 CFR 425.402(c) specialists we hold, a partial list: confirm against {SLAAM_TABLE_11}",
    f"{CROSSWALK}; class: not in domain.md's partial 425.402(c) list, which 'includes' others: confirm against SLAAM Table 11; code added to the crosswalk in later revisions, recalled, not re-read [R]": f"{CROSSWALK}; class: not among the 42 CFR 425.402(c) specialists we hold, a partial list: confirm against {SLAAM_TABLE_11}; code added to the crosswalk in later revisions, not re-read [R]",
    # tracks.csv
    "domain.md 1.4 (REACH Participation Agreement 5.03 'Alignment Minimum')": "ACO REACH Participation Agreement, section 5.03 'Alignment Minimum'",
    "domain.md 3.3 (42 CFR 425.605, 425.610; glide path 425.600(a)(4))": "42 CFR 425.605, 425.610; BASIC glide path: 42 CFR 425.600(a)(4)",
    "domain.md 4.2 (CMS REACH page: Professional 50% / Global 100% savings and losses)": REACH_PAGE,
    "domain.md section 5 (legalclarity; CLA)": "Making Care Primary Request for Applications (Aug 2023), tracks 1-3",
}

NOTES = {
    "BASIC shared loss rate stays 30% whatever the quality (domain.md 3.4).": "BASIC shared loss rate stays 30% whatever the quality (42 CFR 425.605(d)).",
}

MODELS = (
    "Program",
    "PerformanceYear",
    "Track",
    "ProgramParameter",
    "ParameterBand",
    "SpecialtyCode",
)


def _rewrite(apps, mapping_for_field):
    for name in MODELS:
        model = apps.get_model("entities", name)
        for field, mapping in mapping_for_field:
            if not any(f.name == field for f in model._meta.get_fields()):
                continue
            for old, new in mapping.items():
                model.objects.filter(**{field: old}).update(**{field: new})


def forwards(apps, schema_editor):
    _rewrite(apps, (("source", SOURCES), ("notes", NOTES)))


def backwards(apps, schema_editor):
    _rewrite(
        apps,
        (
            ("source", {new: old for old, new in SOURCES.items()}),
            ("notes", {new: old for old, new in NOTES.items()}),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("entities", "0006_entity_year_agreement")]
    operations = [migrations.RunPython(forwards, backwards)]
