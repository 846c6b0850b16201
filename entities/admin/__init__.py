"""The admin console: the program registry for platform staff, and for entity administrators
their entities, participant lists, providers, TINs and change requests."""

from django.contrib import admin

from entities.admin import access, jobs, participants, registry  # noqa: F401 - registers the ModelAdmins

admin.site.site_header = "OpenVBC admin console"
admin.site.site_title = "OpenVBC admin"
admin.site.index_title = "Programs, entities and providers"
# Participant lists are wide tables: give them the whole width.
admin.site.enable_nav_sidebar = False
