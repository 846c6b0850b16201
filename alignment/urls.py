from django.urls import path

from alignment import reconciliation_views, views

app_name = "alignment"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/beneficiaries/", views.run_results, name="run_results"),
    path("beneficiaries/<int:pk>/", views.beneficiary_history, name="beneficiary_history"),
    path("voluntary/", views.voluntary, name="voluntary"),
    path("reconciliation/", reconciliation_views.reconciliation_index, name="reconciliation_index"),
    path(
        "reconciliation/<int:entity_id>/<int:year>/<int:period>/",
        reconciliation_views.reconciliation_detail,
        name="reconciliation",
    ),
    path(
        "reconciliation/<int:entity_id>/<int:year>/<int:period>/export.csv",
        reconciliation_views.reconciliation_export,
        name="reconciliation_export",
    ),
]
