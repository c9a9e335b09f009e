"""An exception reporter filter that keeps database credentials out of error pages, DEBUG or not.

Django's technical 500 page (``DEBUG = True``) and the error e-mails show every frame's local variables.
``sensitive_variables`` hides them only when ``DEBUG`` is False, and the frames of a failed checkout
include the driver's own (``oracledb.create_pool(**kwargs)`` holds the password). This filter replaces,
in every frame and whatever ``DEBUG`` says, any variable whose representation contains a credential in
use: each ``DATABASES`` entry's ``PASSWORD`` (strings, and the values its file or callable returned, see
:mod:`drcp_multi.credentials`), and the value of any mapping key that looks secret (Django's
``HIDDEN_SETTINGS`` pattern: API, TOKEN, KEY, SECRET, PASS, SIGNATURE).

``TenantMiddleware`` sets it on each request (``request.exception_reporter_filter``); for errors before
that middleware runs, also set ``DEFAULT_EXCEPTION_REPORTER_FILTER = "drcp_multi.debug.CredentialFilter"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from drcp_multi.credentials import resolved_secrets

MIN_SECRET_LENGTH = 4  # shorter "passwords" would blank unrelated values: they are hidden by key only


def credentials_in_use() -> set[str]:
    """The database passwords this process knows: settings strings and resolved file/callable values."""
    found = set(resolved_secrets())
    for entry in getattr(settings, "DATABASES", {}).values():
        for key in ("PASSWORD",):
            value = entry.get(key)
            if isinstance(value, str) and value:
                found.add(value)
        test = entry.get("TEST") or {}
        if isinstance(test.get("PASSWORD"), str) and test["PASSWORD"]:
            found.add(test["PASSWORD"])
    return {s for s in found if len(s) >= MIN_SECRET_LENGTH}


class CredentialFilter(SafeExceptionReporterFilter):
    """``SafeExceptionReporterFilter`` plus: frame variables that hold a credential are always hidden."""

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        secrets = credentials_in_use()
        cleaned = []
        for name, value in variables:
            cleaned.append((name, self.scrub(value, secrets)))
        return cleaned

    def scrub(self, value: Any, secrets: set[str]) -> Any:
        if isinstance(value, Mapping):
            try:
                return {
                    k: self.cleansed_substitute
                    if isinstance(k, str) and self.hidden_settings.search(k)
                    else self.scrub(v, secrets)
                    for k, v in value.items()
                }
            except Exception:  # an odd mapping: fall back to the representation check
                pass
        try:
            text = repr(value)
        except Exception:
            return value
        if any(secret in text for secret in secrets):
            return self.cleansed_substitute
        return value
