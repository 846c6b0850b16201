from django.urls import path

from settlement import views

app_name = "settlement"
urlpatterns = [
    path("", views.index, name="index"),
    path("calculator/", views.calculator, name="calculator"),
    path("batch/", views.batch, name="batch"),
    path("mcp/", views.mcp_closeout, name="mcp_closeout"),
    path("entities/<int:entity_id>/<int:year>/", views.entity_year, name="entity_year"),
    path(
        "entities/<int:entity_id>/<int:year>/collect/",
        views.entity_year_collect,
        name="entity_year_collect",
    ),
    path("runs/<int:run_id>/tins/<str:tin>.<str:fmt>", views.tin_statement, name="tin_statement"),
]
