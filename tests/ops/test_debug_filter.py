"""CredentialFilter hides database passwords in every frame of Django's technical 500 page, DEBUG or not:
also in frames outside drcp_multi (a driver's ``**kwargs``), where ``sensitive_variables`` cannot reach
and, with DEBUG on, would not act anyway."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

from drcp_multi.credentials import resolve_credential
from drcp_multi.debug import CredentialFilter

# Built, not written whole: the page also shows the source lines around each frame.
PASSWORD = "-".join(("Frame", "Local", "Pa55word"))
FROM_A_VAULT = "-".join(("Vault", "Issued", "Pa55word"))


def driver_like(**kwargs: Any) -> None:
    password = kwargs["password"]  # noqa: F841 - a local as a driver has one
    raise RuntimeError(f"login failed for {kwargs['user']}")  # a driver frame holding the password


@pytest.fixture
def password_in_settings() -> Iterator[None]:
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["PASSWORD"]
    settings_dict["PASSWORD"] = PASSWORD
    try:
        yield
    finally:
        settings_dict["PASSWORD"] = saved


@pytest.mark.parametrize("use_filter", [True, False])
def test_technical_500_page_hides_passwords_in_every_frame(
    password_in_settings: None, use_filter: bool
) -> None:
    resolve_credential(lambda: FROM_A_VAULT, "default")  # a rotated secret this process has read
    request = RequestFactory().get("/")
    if use_filter:
        request.exception_reporter_filter = CredentialFilter()
    try:
        vault = {"user": "app", "password": FROM_A_VAULT}
        driver_like(user="app", password=PASSWORD, options=vault)
    except RuntimeError:
        with override_settings(DEBUG=True):
            page = technical_500_response(request, *sys.exc_info()).content.decode()
    assert "driver_like" in page and "Local vars" in page
    hits = page.count(PASSWORD) + page.count(FROM_A_VAULT)
    if use_filter:
        assert hits == 0
    else:
        assert hits > 0  # the control: Django's own filter shows them with DEBUG on
