from __future__ import annotations

from django import forms

MAX_QRDA_BYTES = 20 * 1024 * 1024


class QrdaUploadForm(forms.Form):
    performance_year = forms.IntegerField(min_value=2015, max_value=2100)
    source = forms.CharField(max_length=200, help_text="The EHR or vendor that sent the file.")
    submitted_on = forms.DateField(help_text="The date the source submitted it (YYYY-MM-DD).")
    file = forms.FileField(help_text="A QRDA Category III XML file.")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_QRDA_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
