from django.urls import path

from settlement import views

app_name = "settlement"
urlpatterns = [
    path("", views.index, name="index"),
    path("calculator/", views.calculator, name="calculator"),
    path("batch/", views.batch, name="batch"),
    path("entities/<int:entity_id>/<int:year>/", views.entity_year, name="entity_year"),
    path("runs/<int:run_id>/tins/<str:tin>.<str:fmt>", views.tin_statement, name="tin_statement"),
]
