"""Credentials read when a pool is created, so they can be rotated without a restart.

``DATABASES[alias]['PASSWORD']`` (and ``'USER'``) may be:

* a string: used as is (the classic setting);
* a :class:`pathlib.Path` (any ``os.PathLike``): the file's first line (without its line break; spaces
  are kept, a password may hold them) is read at each pool creation: a Kubernetes/Docker secret mount or
  a file an agent rewrites;
* a callable taking no argument and returning a string: a secrets-manager lookup.

``resolve_credential`` is what the settings layer calls while it builds a pool's configuration. A new
value takes effect when pools are rebuilt: ``manage.py drcp_pools rotate`` (every worker, through the
control trigger of :mod:`drcp_multi.control`) or ``PoolRegistry.retire()``; connections already logged in
keep working until they are released, which is how Oracle treats a changed password too.

No error raised here ever contains the secret: only the alias, the setting and where it came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Union

from drcp_multi.exceptions import ConfigurationError

# What a USER or PASSWORD setting may hold.
CredentialSource = Union[str, "os.PathLike[str]", Callable[[], str]]

# Values read from files and callables, so error pages can hide them (drcp_multi.debug); the set only grows
# by rotation, a handful of strings per process lifetime.
_resolved: set[str] = set()

# Secret files are small; a larger one is a wrong path (a directory listing, a log file).
MAX_SECRET_FILE_BYTES = 64 * 1024


def is_dynamic(value: object) -> bool:
    """Whether the setting is read at each pool creation (a path or a callable) rather than fixed."""
    return isinstance(value, os.PathLike) or (callable(value) and not isinstance(value, str))


def describe_source(value: object) -> str:
    """Where a credential comes from, for stats and logs: never the value itself."""
    if isinstance(value, os.PathLike):
        return f"file {os.fspath(value)}"
    if callable(value) and not isinstance(value, str):
        name = getattr(value, "__qualname__", None) or type(value).__name__
        return f"callable {getattr(value, '__module__', '?')}.{name}"
    return "setting"


def resolve_credential(value: object, alias: str, key: str = "PASSWORD") -> str:
    """The credential ``DATABASES[alias][key]`` stands for now (see the module docstring).

    Raises :class:`~drcp_multi.exceptions.ConfigurationError` naming the alias, the key and the source
    (never the secret) when a file cannot be read, is empty or too large, or a callable fails or returns
    something that is not a non-empty string.
    """
    where = f"DATABASES[{alias!r}][{key!r}]"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        try:
            size = path.stat().st_size
            if size > MAX_SECRET_FILE_BYTES:
                raise ConfigurationError(
                    f"{where} names the file {path} of {size} bytes: a secret file holds one line. "
                    "Point the setting at the file that holds only the credential."
                )
            with open(path, encoding="utf-8") as secret_file:
                text = secret_file.readline().rstrip("\r\n")
        except OSError as exc:
            raise ConfigurationError(
                f"{where}: cannot read the credential file {path} ({exc.strerror or type(exc).__name__}). "
                "Check the path and that this process may read it."
            ) from None
        except UnicodeDecodeError:
            raise ConfigurationError(f"{where}: the credential file {path} is not UTF-8 text.") from None
        if not text:
            raise ConfigurationError(f"{where}: the credential file {path} is empty.")
        _resolved.add(text)
        return text
    if callable(value):
        source = describe_source(value)
        try:
            result = value()
        except Exception as exc:
            # The callable's own message may quote what it fetched: name only the type.
            raise ConfigurationError(
                f"{where}: the {source} raised {type(exc).__name__}; fix the secret source it reads."
            ) from None
        if not isinstance(result, str) or not result:
            raise ConfigurationError(
                f"{where}: the {source} returned {type(result).__name__ if result else 'an empty value'}, "
                "not a non-empty string."
            )
        _resolved.add(result)
        return result
    raise ConfigurationError(
        f"{where} is a {type(value).__name__}: use a string, a pathlib.Path to a secret file, or a callable "
        "returning the string."
    )


def resolved_secrets() -> frozenset[str]:
    """Every credential this process has read from a file or a callable (for error-page scrubbing)."""
    return frozenset(_resolved)
