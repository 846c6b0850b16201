from django.urls import path

from specialists.preferred import SharedPatientsApi


def register(router):
    return [
        path(
            "preferred-providers/<int:entity_id>/shared-patients/",
            SharedPatientsApi.as_view(),
            name="preferred-shared-patients",
        )
    ]
