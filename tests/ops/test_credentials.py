"""drcp_multi.credentials: PASSWORD/USER as a string, a file or a callable, read at pool creation."""

from __future__ import annotations

from pathlib import Path

import pytest

from drcp_multi.credentials import describe_source, is_dynamic, resolve_credential, resolved_secrets
from drcp_multi.exceptions import ConfigurationError


def test_string_file_and_callable(tmp_path: Path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("from-the-file\nsecond line ignored\n")
    assert resolve_credential("plain", "default") == "plain"
    assert resolve_credential(secret, "default") == "from-the-file"
    secret.write_text("rotated")
    assert resolve_credential(secret, "default") == "rotated"  # read again on each pool creation
    assert resolve_credential(lambda: "from-a-vault", "default") == "from-a-vault"
    assert {"from-the-file", "rotated", "from-a-vault"} <= resolved_secrets()
    assert is_dynamic(secret) and is_dynamic(lambda: "x") and not is_dynamic("x")
    assert describe_source(secret) == f"file {secret}"


def vault_down() -> str:
    raise RuntimeError("vault said: password=hunter2 expired")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Path("/nonexistent/secret"), "cannot read the credential file /nonexistent/secret"),
        (vault_down, "raised RuntimeError"),
        (lambda: "", "returned an empty value"),
        (lambda: 42, "returned int"),
        (3.5, "use a string, a pathlib.Path"),
    ],
)
def test_errors_name_the_setting_never_the_secret(value: object, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_credential(value, "default")
    text = str(info.value)
    assert "DATABASES['default']['PASSWORD']" in text and message in text
    assert "hunter2" not in text and info.value.__cause__ is None  # no chained message to leak it


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("\n")
    with pytest.raises(ConfigurationError, match="is empty"):
        resolve_credential(tmp_path / "p", "default")
