from __future__ import annotations

import sys
from typing import Any

from django.apps import AppConfig

from drcp_multi import signals


def announce(signal_name: str) -> Any:
    """A receiver printing ``signal: <name> <tenant> <details>`` on stderr, read by the fleet tests."""

    def receiver(sender: Any, tenant: Any, **kwargs: Any) -> None:
        details = " ".join(
            f"{k}={getattr(v, 'status', v)}" for k, v in sorted(kwargs.items()) if k != "signal"
        )
        print(f"signal: {signal_name} {tenant.name} {details}".rstrip(), file=sys.stderr)

    return receiver


class NotesConfig(AppConfig):
    name = "tests.tenancy.fleet.notes"
    label = "notes"

    def ready(self) -> None:
        for name in ("tenant_created", "tenant_migrated", "tenant_disabled", "tenant_deleted"):
            getattr(signals, name).connect(announce(name), weak=False, dispatch_uid=f"fleet.{name}")
