from django.urls import path

from care import search_views, team_views, views

app_name = "care"

urlpatterns = [
    path("", views.my_work, name="today"),
    path("today/events/", views.my_work_events, name="today_events"),
    path("<int:entity_id>/", views.overview, name="overview"),
    path("<int:entity_id>/jobs/", views.overview_jobs, name="overview_jobs"),
    path("<int:entity_id>/roster/", views.roster, name="roster"),
    path("<int:entity_id>/refresh/", views.refresh, name="refresh"),
    path("<int:entity_id>/roster/views/", views.roster_views, name="roster_views"),
    path("<int:entity_id>/roster/export/", views.roster_export, name="roster_export"),
    path("exports/<int:job_id>/", views.export, name="export"),
    path("<int:entity_id>/worklist/", views.worklist, name="worklist"),
    path("<int:entity_id>/queue/", views.queue, name="queue"),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/", views.beneficiary, name="beneficiary"
    ),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/items/",
        views.item_create,
        name="item_create",
    ),
    path(
        "<int:entity_id>/beneficiaries/<int:beneficiary_id>/contact/",
        views.contact_update,
        name="contact_update",
    ),
    path("items/<int:item_id>/", views.item_update, name="item_update"),
    path("items/<int:item_id>/outreach/", views.outreach_create, name="outreach_create"),
    path("<int:entity_id>/worklist/assign/", views.worklist_assign, name="worklist_assign"),
    path("search/", search_views.search, name="search"),
    path("<int:entity_id>/team/", team_views.team, name="team"),
    path("<int:entity_id>/team/reassign/", team_views.team_reassign, name="team_reassign"),
]
