from django.apps import AppConfig


class CmsListsConfig(AppConfig):
    name = "cmslists"
    verbose_name = "CMS assignment and alignment lists"
