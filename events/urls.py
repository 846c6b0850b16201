from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("<int:entity_id>/unmatched/", views.unmatched, name="unmatched"),
    path("<int:entity_id>/unmatched/<int:message_id>/", views.resolve, name="resolve"),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/",
        views.beneficiary_panel,
        name="beneficiary",
    ),
]
