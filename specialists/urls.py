from django.urls import path

from specialists import views

app_name = "specialists"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:entity_id>/", views.entity_leads, name="entity"),
    path("<int:entity_id>/runs/start/", views.run_start, name="run_start"),
    path("<int:entity_id>/practices/<str:tin>/", views.practice_roster, name="roster"),
    path("<int:entity_id>/leakage/", views.leakage, name="leakage"),
]
