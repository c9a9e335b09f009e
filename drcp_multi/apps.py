"""Django app configuration: add ``"drcp_multi"`` to INSTALLED_APPS for the checks and commands."""

from __future__ import annotations

from django.apps import AppConfig

from drcp_multi.wiring import connect_layers


class DrcpMultiConfig(AppConfig):
    name = "drcp_multi"
    label = "drcp_multi"
    verbose_name = "DRCP multi-tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing the modules registers their system checks (Django's convention: in ready()).
        from drcp_multi import checks  # noqa: F401
        from drcp_multi.tenancy import checks as tenancy_checks  # noqa: F401

        connect_layers()
