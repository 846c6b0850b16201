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
