"""CSV uploads from the pages: a size limit and UTF-8 text without NUL, with the reason on the
form."""

from __future__ import annotations

from django import forms

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def upload_text(
    form: forms.Form, field: str = "file", *, too_large: str = "The file is larger than 5 MB."
) -> str | None:
    """The valid form's uploaded file as text, or None with the reason added to the field."""
    upload = form.cleaned_data[field]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error(field, too_large)
        return None
    try:
        text: str = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.add_error(field, "The file is not UTF-8 text (save it as CSV UTF-8).")
        return None
    problem = nul_problem(text)
    if problem is not None:
        form.add_error(field, problem)
        return None
    return text


def nul_problem(text: str) -> str | None:
    """The line of the first NUL character in an uploaded text, as a message; None without one.
    PostgreSQL text cannot hold NUL, and no value an upload carries contains one."""
    if "\x00" not in text:
        return None
    line = text[: text.index("\x00")].count("\n") + 1
    return f"Line {line} holds a NUL character, which is not text."
