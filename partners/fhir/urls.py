"""FHIR R4 under /fhir/ (included from config/urls.py)."""

from django.urls import path

from partners.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.CapabilityStatementView.as_view(), name="metadata"),
    path(
        ".well-known/smart-configuration",
        views.SmartConfigurationView.as_view(),
        name="smart-configuration",
    ),
    path("Patient/<int:pk>", views.PatientView.as_view(), name="patient"),
    path("Coverage/<int:pk>", views.CoverageView.as_view(), name="coverage"),
    path("Practitioner/<int:pk>", views.PractitionerView.as_view(), name="practitioner"),
    path("Organization/<str:key>", views.OrganizationView.as_view(), name="organization"),
]

from partners.fhir import bulk  # noqa: E402

urlpatterns += [
    path("Group", views.GroupSearchView.as_view(), name="group-search"),
    path("Group/<str:group_id>", views.GroupView.as_view(), name="group"),
    path("Group/<str:group_id>/$export", bulk.GroupExportView.as_view(), name="group-export"),
    path(
        "Group/<str:group_id>/$davinci-data-export",
        bulk.DavinciDataExportView.as_view(),
        name="group-davinci-data-export",
    ),
    path("Patient/$export", bulk.PatientExportView.as_view(), name="patient-export"),
    path("$export", bulk.SystemExportView.as_view(), name="system-export"),
    path("bulkstatus/<uuid:export_id>", bulk.BulkStatusView.as_view(), name="bulk-status"),
    path(
        "bulkfiles/<uuid:export_id>/<str:resource_type>.ndjson",
        bulk.BulkFileView.as_view(),
        name="bulk-file",
    ),
]
