"""Django app configuration: add ``"drcp_multi"`` to INSTALLED_APPS for the checks and commands."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import request_started, setting_changed

from drcp_multi.wiring import connect_layers


class DrcpMultiConfig(AppConfig):
    name = "drcp_multi"
    label = "drcp_multi"
    verbose_name = "DRCP multi-tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing the modules registers their system checks (Django's convention: in ready()).
        from drcp_multi import checks, ops_checks  # noqa: F401
        from drcp_multi.conf import drcp_setting
        from drcp_multi.control import on_request_started
        from drcp_multi.tenancy import checks as tenancy_checks  # noqa: F401

        connect_layers()
        # Run-time resize/rotate commands from other processes (drcp_multi.control): a clock read per
        # request, a stat() of the trigger file at most once per CONTROL_POLL_INTERVAL.
        request_started.connect(on_request_started, dispatch_uid="drcp_multi.control")
        setting_changed.connect(_on_setting_changed, dispatch_uid="drcp_multi.limits")
        if drcp_setting("METRICS"):
            from drcp_multi import metrics  # needs the prometheus extra only when asked for

            if metrics.installed() is None:
                metrics.register()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "DRCP_MULTI":
        from drcp_multi.limits import get_alias_cap

        get_alias_cap().settings_changed()
