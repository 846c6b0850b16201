from django.urls import path

from specialists import episode_views, preferred, provider_views, views

app_name = "specialists"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:entity_id>/", views.entity_leads, name="entity"),
    path("<int:entity_id>/runs/start/", views.run_start, name="run_start"),
    path("<int:entity_id>/practices/<str:tin>/", views.practice_roster, name="roster"),
    path("<int:entity_id>/leakage/", views.leakage, name="leakage"),
    path("<int:entity_id>/episodes/", episode_views.episodes, name="episodes"),
    path("<int:entity_id>/episodes/<str:tin>/", episode_views.scorecard, name="scorecard"),
    path("<int:entity_id>/providers/", episode_views.providers, name="providers"),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/",
        episode_views.beneficiary_panel,
        name="beneficiary",
    ),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/transitions/",
        episode_views.transition_create,
        name="transition_create",
    ),
    path("<int:entity_id>/gain-share/", episode_views.gain_share, name="gain_share"),
    path(
        "<int:entity_id>/gain-share/<str:tin>.<str:fmt>",
        episode_views.gain_share_statement,
        name="gain_share_statement",
    ),
    path(
        "<int:entity_id>/providers/<str:npi>/patients/",
        provider_views.provider_patients,
        name="provider_patients",
    ),
    # Preferred providers' own pages (their TIN comes from their enrollment, never the URL).
    path("<int:entity_id>/preferred/", preferred.home, name="preferred"),
    path(
        "<int:entity_id>/preferred/shared-patients.csv", preferred.export, name="preferred_export"
    ),
]
