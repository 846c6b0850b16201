from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("<int:entity_id>/", views.overview, name="overview"),
    path("<int:entity_id>/compute/", views.compute, name="compute"),
    path("<int:entity_id>/measures/<int:result_id>/", views.measure, name="measure"),
    path("<int:entity_id>/reported/upload/", views.reported_upload, name="reported_upload"),
    path("<int:entity_id>/cahps/upload/", views.cahps_upload, name="cahps_upload"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("<int:entity_id>/ecqm/<str:quality_id>/", views.ecqm, name="ecqm"),
]
