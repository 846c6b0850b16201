"""Code descriptions: ICD-10-CM codes in words, with or without the dot, and their block."""

from __future__ import annotations

from django.template import Context, Template

from core.codes import icd10_block, icd10_description, icd10_display


def test_a_claims_code_reads_as_the_classification_writes_it():
    assert icd10_display("E119") == "E11.9 Type 2 diabetes mellitus without complications"
    assert icd10_description("i50.20") == "Unspecified systolic (congestive) heart failure"
    assert icd10_block("I5020") == ("I30-I5A", "Other forms of heart disease (I30-I5A)")
    assert icd10_block("E119")[1] == "Diabetes mellitus (E08-E13)"


def test_an_unknown_code_reads_as_itself_and_the_filter_formats():
    assert icd10_display("Z0000X") == "Z0000X"
    assert icd10_description("") == ""
    assert icd10_block("nonsense") == ("", "")
    out = Template("{% load codes %}{{ c|dx }}").render(Context({"c": "E119"}))
    assert out == "E11.9 Type 2 diabetes mellitus without complications"


def test_hcpcs_level_ii_codes_carry_cms_short_descriptions_and_cpt_codes_none():
    from core.codes import hcpcs_display, is_cpt

    assert hcpcs_display("g0439") == "G0439 Ppps, subseq visit"
    assert hcpcs_display("E0601") == "E0601 Cont airway pressure device"
    # CPT® descriptors are the AMA's (licensed): the code is named as CPT, without words.
    assert hcpcs_display("99213") == "CPT® 99213"
    assert hcpcs_display("3044F") == "CPT® 3044F"
    assert is_cpt("0001T")
    assert not is_cpt("G0439")
    assert hcpcs_display("Z9999") == "Z9999"
    out = Template("{% load codes %}{{ c|hcpcs }}").render(Context({"c": "J1100"}))
    assert out == "J1100 Dexamethasone sodium phos"


def test_diagnoses_map_to_cms_hcc_v28_payment_categories_of_the_payment_year():
    from core.codes import hcc_category, hcc_payment_year

    assert hcc_category("E11.9", diagnosis_year=2025) == (
        "HCC38",
        "Diabetes with Glycemic, Unspecified, or No Complications",
    )
    assert hcc_category("I5022", diagnosis_year=2025)[0] == "HCC226"
    assert hcc_category("I10", diagnosis_year=2025) == ("", "")
    assert hcc_payment_year(2025) == 2026
    assert hcc_payment_year(2040) == hcc_payment_year(2030)  # the latest year shipped


def test_a_part_d_drug_reads_by_name_with_its_ndc():
    from core.codes import ndc_display

    assert ndc_display("00003089421") == "Apixaban 5 mg tablet (Eliquis) (NDC 00003-0894-21)"
    assert ndc_display("12345678901") == "NDC 12345-6789-01"


def test_diagnoses_count_toward_the_ccw_chronic_conditions_of_cms_algorithms():
    from core.codes import ccw_conditions

    assert [c.name for c in ccw_conditions("E11.22")] == ["Chronic Kidney Disease", "Diabetes"]
    (hf,) = ccw_conditions("I5022")
    assert hf.name == "Heart Failure and Non-Ischemic Heart Disease"
    assert hf.group == "30 CCW Chronic Conditions"
    assert hf.category == "Cardiovascular Disease"
    assert "2 HOP/carrier claims" in hf.qualification
    assert ccw_conditions("F329")[0].group == "30 CCW Chronic Conditions"
    assert {c.name for c in ccw_conditions("F1020")} == {"Alcohol Use Disorders"}
    assert ccw_conditions("F1020")[0].group == "Other Chronic or Potentially Disabling Conditions"
    assert ccw_conditions("R0789") == ()


def test_the_ccw_file_rebuilds_from_the_source_seed_and_refuses_an_unknown_group():
    import pytest

    from core.data.build_ccw import rows_from_seed

    header = (
        "condition_id,condition,condition_column_name,chronic_condition_type,"
        "condition_category,additional_logic,claims_qualification,inclusion_type,code_system,code\n"
    )
    seed = header + (
        '25,Diabetes,diabetes,Common,Metabolic Disease,None,"At least 1 inpatient claim",'
        "Include,ICD-10-CM,E119\n"
        "55,OUD,oud,Other chronic or potentially disabling conditions,Substance Abuse,None,x,"
        "Include,NDC,00054017613\n"
        "72,Stroke,stroke,Common,Cerebrovascular Disease,None,y,Exclude,ICD-10-CM,S0600XA\n"
    )
    assert rows_from_seed(seed) == [
        ["E119", "25", "Diabetes", "30 CCW Chronic Conditions", "Metabolic Disease",
         "At least 1 inpatient claim", "Include"],
        ["S0600XA", "72", "Stroke", "30 CCW Chronic Conditions", "Cerebrovascular Disease", "y",
         "Exclude"],
    ]  # fmt: skip
    with pytest.raises(SystemExit, match="line 2"):
        rows_from_seed(header + "1,X,x,Rare,Other,None,z,Include,ICD-10-CM,A000\n")


def _ndc_directory(packages: list[tuple[str, str, str, str]]) -> bytes:
    """A tiny ndctext.zip in the FDA's layout: (product id, package NDC, description,
    substance) per package."""
    import io
    import zipfile

    product = ["PRODUCTID\tPRODUCTNDC\tPROPRIETARYNAME\tSUBSTANCENAME\tLABELERNAME"]
    package = ["PRODUCTID\tPRODUCTNDC\tNDCPACKAGECODE\tPACKAGEDESCRIPTION"]
    for pid, code, description, substance in packages:
        product_ndc = code.rsplit("-", 1)[0]
        product.append(f"{pid}\t{product_ndc}\tX\t{substance}\tSynthetic Labs")
        package.append(f"{pid}\t{product_ndc}\t{code}\t{description}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("product.txt", "\n".join(product) + "\n")
        z.writestr("package.txt", "\n".join(package) + "\n")
    return buf.getvalue()


def test_the_drug_list_rebuilds_from_the_fda_ndc_directory():
    import io
    import zipfile

    import pytest

    from core.codes import part_d_drugs
    from core.data.build_part_d_drugs import PRODUCTS, ndc11, rows_from_directory

    # The script's choices are the file's rows, name for name.
    shipped = part_d_drugs()
    assert {(n, name, cls, ing.lower()) for n, name, cls, ing in PRODUCTS} == {
        (r["ndc"], r["name"], r["drug_class"], r["ingredient"]) for r in shipped.values()
    }
    assert ndc11("0006-0277-31") == "00006027731"
    assert ndc11("68533-056-12") == "68533005612"
    assert ndc11("42291-592-1") == "42291059201"
    listed = _ndc_directory(
        [("p1", "0006-0277-31", "30 TABLET, FILM COATED in 1 BOTTLE", "SITAGLIPTIN")]
    )
    rows, kept = rows_from_directory(
        zipfile.ZipFile(io.BytesIO(listed)), as_of="2026-12-01", current=shipped
    )
    sitagliptin = next(r for r in rows if r["ndc"] == "00006027731")
    assert sitagliptin["package"] == "30 TABLET, FILM COATED in 1 BOTTLE (Synthetic Labs)"
    assert sitagliptin["source"] == "FDA NDC Directory (2026-12-01), package 0006-0277-31"
    assert len(rows) == len(PRODUCTS)
    assert "00006027731" not in kept
    assert "42291059218" in kept  # not in this directory: the row stands as shipped
    wrong = _ndc_directory([("p1", "0006-0277-31", "30 TABLET in 1 BOTTLE", "METFORMIN")])
    with pytest.raises(SystemExit, match="NDC 00006027731"):
        rows_from_directory(zipfile.ZipFile(io.BytesIO(wrong)), as_of="x", current=shipped)
