from django.urls import path

from benchmarks import entity_type_views, views

app_name = "benchmarks"
urlpatterns = [
    path("", views.index, name="index"),
    path("entities/<int:entity_id>/recompute/", views.recompute, name="recompute"),
    path("calculations/<int:pk>/", views.calculation_detail, name="calculation_detail"),
    path("calculations/<int:pk>/export.csv", views.calculation_export, name="calculation_export"),
    path("reference/", views.reference_list, name="reference_list"),
    path("reference/<int:pk>/", views.reference_detail, name="reference_detail"),
    path("entities/<int:entity_id>/risk/<int:year>/", views.risk_list, name="risk_list"),
    path("entities/<int:entity_id>/risk/recompute/", views.risk_recompute, name="risk_recompute"),
    path(
        "entities/<int:entity_id>/risk/institutional/",
        views.institutional_upload,
        name="institutional_upload",
    ),
    path(
        "beneficiaries/<int:beneficiary_id>/risk/", views.beneficiary_risk, name="beneficiary_risk"
    ),
    path("entities/<int:entity_id>/pmpm/<int:year>/", views.pmpm, name="pmpm"),
    path(
        "entities/<int:entity_id>/reach-type/<int:year>/",
        entity_type_views.entity_type,
        name="entity_type",
    ),
    path(
        "entities/<int:entity_id>/reach-type/<int:year>/recompute/",
        entity_type_views.high_needs_recompute,
        name="high_needs_recompute",
    ),
]
