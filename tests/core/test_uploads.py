from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import MAX_UPLOAD_BYTES, upload_text


class UploadForm(forms.Form):
    file = forms.FileField()


def _form(content: bytes) -> UploadForm:
    form = UploadForm(files={"file": SimpleUploadedFile("in.csv", content, "text/csv")})
    assert form.is_valid()
    return form


def test_utf8_text_comes_back_without_its_byte_order_mark() -> None:
    assert upload_text(_form("\ufeffmbi,npi\n".encode())) == "mbi,npi\n"


def test_a_file_that_is_not_utf8_is_refused_on_its_field() -> None:
    form = _form("name\nJosé\n".encode("latin-1"))
    assert upload_text(form) is None
    assert form.errors["file"] == ["The file is not UTF-8 text (save it as CSV UTF-8)."]


def test_a_file_over_the_limit_is_refused_with_the_given_message() -> None:
    form = _form(b"x" * (MAX_UPLOAD_BYTES + 1))
    assert upload_text(form, too_large="Too large; use the command.") is None
    assert form.errors["file"] == ["Too large; use the command."]


def test_a_nul_character_is_refused_with_its_line() -> None:
    form = _form(b"mbi,npi\n1EG4TE5MK73,12\x0034\n")
    assert upload_text(form) is None
    assert form.errors["file"] == ["Line 2 holds a NUL character, which is not text."]
