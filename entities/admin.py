from django.contrib import admin

from entities.models import Entity, Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["cms_id", "legal_name", "program"]
    search_fields = ["cms_id", "legal_name"]
    list_filter = ["program"]
