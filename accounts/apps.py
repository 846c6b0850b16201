from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # Not "Accounts": allauth's e-mail addresses app is named so too, and the console listed two.
    verbose_name = "People and access"
