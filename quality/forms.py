from __future__ import annotations

from django import forms

MAX_QRDA_BYTES = 20 * 1024 * 1024
DATE = forms.DateInput(attrs={"type": "date"})  # the browser's date picker, sent as YYYY-MM-DD


class QrdaUploadForm(forms.Form):
    performance_year = forms.IntegerField(min_value=2015, max_value=2100)
    source = forms.CharField(max_length=200, help_text="The EHR or vendor that sent the file.")
    submitted_on = forms.DateField(widget=DATE, help_text="The date the source submitted it.")
    file = forms.FileField(help_text="A QRDA Category III XML file.")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_QRDA_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload


class CahpsUploadForm(forms.Form):
    performance_year = forms.IntegerField(min_value=2015, max_value=2100)
    source = forms.CharField(max_length=200, help_text="The CAHPS survey vendor.")
    submitted_on = forms.DateField(widget=DATE, help_text="The date the vendor submitted it.")
    period_start = forms.DateField(widget=DATE, help_text="First day of the reporting period.")
    period_end = forms.DateField(widget=DATE, help_text="Last day of the reporting period.")
    file = forms.FileField(help_text="CSV: ssm_id, score, and optionally ssm_name, respondents.")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_QRDA_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload


class BenchmarkUploadForm(forms.Form):
    performance_year = forms.IntegerField(min_value=2017, max_value=2100)
    source = forms.CharField(
        max_length=300, help_text="The CMS publication, e.g. 'CMS QPP 2025 Quality Benchmarks'."
    )
    qps_threshold = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2,
        label="Quality performance standard threshold (optional)",
        help_text="The year's 40th percentile of MIPS quality scores, once CMS publishes it.",
    )  # fmt: skip
    qps_source = forms.CharField(max_length=300, required=False, label="Threshold's source")
    file = forms.FileField(help_text="CMS's benchmark CSV (measureId, submissionMethod, ...).")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_QRDA_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
