"""The typed pool configuration of one ``DATABASES`` alias, built once per settings change.

:func:`get_pool_config` accepts the 2014 django-oracle-drcp settings verbatim (``OPTIONS: {"purity",
"cclass"}`` and a top-level ``POOL: {"min", "max", "increment", "timeout"}``, purity as a cx_Oracle-era or
oracledb constant or a word) plus the keys documented in docs/configuration.md, and raises the first
problem found by :mod:`drcp_multi.problems` as :class:`~drcp_multi.exceptions.ConfigurationError`.

Credentials never appear in a repr, a log or a traceback's frame locals: ``PASSWORD`` lives in a field
left out of the repr, the functions that hold it are marked with Django's ``sensitive_variables``, and the
driver receives it inside ``oracledb.PoolParams``, whose repr leaves it out too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import oracledb
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from drcp_multi.conf import (
    OPTIONS_CONSUMED,
    POOL_DEFAULTS,
    build_dsn,
    default_cclass,
    parse_getmode,
    parse_purity,
    settings_generation,
)
from drcp_multi.credentials import resolve_credential
from drcp_multi.exceptions import ConfigurationError
from drcp_multi.problems import find_problems
from drcp_multi.validation import validate_cclass

#: ``PASSWORD`` (and ``USER``) may be a string, a callable returning one (called whenever a pool is
#: created: credential rotation), or an ``os.PathLike`` naming a file whose first line is the secret.
Secret = str | Callable[[], str] | os.PathLike[str]


def read_secret(value: object, alias: str = "?", key: str = "PASSWORD") -> str:
    """The current value of a USER/PASSWORD setting (see :data:`Secret`): the file's first line or the
    callable's answer, read now; errors name the alias and the source, never the value
    (:func:`drcp_multi.credentials.resolve_credential`, which also lets error pages hide it)."""
    return resolve_credential(value, alias, key)


@dataclass(frozen=True)
class PoolConfig:
    """The pool configuration of one ``DATABASES`` alias (all durations in seconds)."""

    alias: str
    user: str
    dsn: str
    cclass: str
    purity: oracledb.Purity
    password: object = field(default="", repr=False, compare=False)  # a Secret; read at pool creation
    password_fingerprint: int = field(default=0, repr=False)  # a new password retires the old pools
    min: int = 0
    max: int = 10
    increment: int = 1
    timeout: int = 0
    wait_timeout: float | None = 30.0
    call_timeout: float | None = None
    getmode: oracledb.PoolGetMode = oracledb.PoolGetMode.TIMEDWAIT
    max_lifetime_session: int = 0
    ping_interval: int = 60
    ping_timeout: float | None = None
    stmtcachesize: int = 20
    pool_boundary: str | None = None
    pool_name: str | None = None
    server_type: str = "pooled"
    config_dir: str | None = None
    cclass_configured: bool = True
    connect_kwargs: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    connect_fingerprint: str = field(default="", repr=False)

    @sensitive_variables("kwargs")
    def pool_kwargs(
        self, cclass: str | None = None, purity: oracledb.Purity | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Keyword arguments for ``oracledb.create_pool()``, the password read now (the registry is their
        only user: it hands them over as ``dsn`` and ``oracledb.PoolParams``, which never shows the
        password); ``extra`` adds driver arguments such as ``session_callback``."""
        kwargs: dict[str, Any] = dict(self.connect_kwargs)
        kwargs.update(
            dsn=self.dsn,
            user=self.user,
            password=read_secret(self.password, self.alias),
            min=self.min,
            max=self.max,
            increment=self.increment,
            timeout=self.timeout,
            getmode=self.getmode,
            max_lifetime_session=self.max_lifetime_session,
            ping_interval=self.ping_interval,
            stmtcachesize=self.stmtcachesize,
            server_type=self.server_type,
            cclass=validate_cclass(cclass or self.cclass, "cclass"),
            purity=purity if purity is not None else self.purity,
            **extra,
        )
        if self.getmode == oracledb.PoolGetMode.TIMEDWAIT and self.wait_timeout is not None:
            kwargs["wait_timeout"] = int(self.wait_timeout * 1000)  # the driver counts milliseconds
        if self.ping_timeout is not None:
            kwargs["ping_timeout"] = int(self.ping_timeout * 1000)
        if self.config_dir:
            kwargs["config_dir"] = self.config_dir
        for key in ("pool_boundary", "pool_name"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return kwargs

    def resized(self, **sizes: int | None) -> PoolConfig:
        """This configuration with some of ``min``, ``max``, ``increment`` replaced (None: kept)."""
        changes: dict[str, Any] = {k: v for k, v in sizes.items() if v is not None}
        return replace(self, **changes)

    def describe(self) -> dict[str, Any]:
        """The configuration for stats and logs: never the password."""
        return {
            "alias": self.alias,
            "user": self.user,
            "dsn": self.dsn,
            "cclass": self.cclass,
            "purity": self.purity.name,
            "min": self.min,
            "max": self.max,
            "increment": self.increment,
            "timeout": self.timeout,
            "wait_timeout": self.wait_timeout,
            "call_timeout": self.call_timeout,
            "getmode": self.getmode.name,
            "max_lifetime_session": self.max_lifetime_session,
            "ping_interval": self.ping_interval,
            "stmtcachesize": self.stmtcachesize,
        }


# ---------------------------------------------------------------------------------------------------------
# Built once per settings change, per alias.

_KEYS_SWAPPED_IN_PLACE = ("USER", "PASSWORD", "NAME", "HOST", "PORT")
_cache_lock = threading.Lock()
# alias -> (generation, id of the settings dict, the in-place-swappable values, config)
_cache: dict[str, tuple[int, int, tuple[Any, ...], PoolConfig]] = {}


@sensitive_variables("settings_dict", "swappable")
def get_pool_config(alias: str, settings_dict: Mapping[str, Any] | None = None) -> PoolConfig:
    """The typed pool configuration of ``alias``.

    ``settings_dict`` defaults to ``settings.DATABASES[alias]``; the backend passes its own (Django's test
    database creation uses a copy with another USER under the same alias, or swaps USER/PASSWORD in
    place). Built again only when settings change (``setting_changed``), another dict is passed, one of
    USER/PASSWORD/NAME/HOST/PORT changed in place, or OPTIONS/POOL was replaced by another dict. Raises
    :class:`~drcp_multi.exceptions.ConfigurationError` (an ``ImproperlyConfigured``) naming the check id
    when the entry is invalid.
    """
    if settings_dict is None:
        settings_dict = settings.DATABASES[alias]
    generation = settings_generation()
    # Values compared by equality, and the OPTIONS/POOL dicts by identity (a replaced dict is seen; a dict
    # edited in place is not: change settings through override_settings, which sends setting_changed).
    swappable = (
        *(settings_dict.get(k) for k in _KEYS_SWAPPED_IN_PLACE),
        id(settings_dict.get("OPTIONS")),
        id(settings_dict.get("POOL")),
    )
    cached = _cache.get(alias)
    if (
        cached is not None
        and cached[0] == generation
        and cached[1] == id(settings_dict)
        and cached[2] == swappable
    ):
        return cached[3]
    errors = [p for p in find_problems(alias, settings_dict) if p.level == "error"]
    if errors:
        raise ConfigurationError("; ".join(str(p) for p in errors))
    config = _build(alias, settings_dict)
    with _cache_lock:
        _cache[alias] = (generation, id(settings_dict), swappable, config)
    return config


@sensitive_variables("settings_dict", "password")
def _build(alias: str, settings_dict: Mapping[str, Any]) -> PoolConfig:
    options: Mapping[str, Any] = settings_dict.get("OPTIONS") or {}
    pool: dict[str, Any] = {**POOL_DEFAULTS, **(settings_dict.get("POOL") or {})}
    if "getmode" in pool:
        getmode = parse_getmode(pool["getmode"])
    else:
        # A web request should fail with PoolTimeout rather than block forever on an exhausted pool.
        getmode = oracledb.PoolGetMode.TIMEDWAIT if pool["wait_timeout"] else oracledb.PoolGetMode.WAIT
    connect_kwargs = {k: v for k, v in options.items() if k not in OPTIONS_CONSUMED}
    cclass = options.get("cclass")
    password = settings_dict.get("PASSWORD") or ""
    return PoolConfig(
        alias=alias,
        user=read_secret(settings_dict.get("USER"), alias, "USER"),
        password=password,
        # A literal password that changed retires the pools made with the old one; a callable or file is
        # read again whenever a pool is made (``PoolRegistry.retire()`` makes new ones).
        password_fingerprint=hash(password) if isinstance(password, str) else id(password),
        dsn=build_dsn(settings_dict),
        cclass=cclass or default_cclass(alias),
        cclass_configured=cclass is not None,
        purity=parse_purity(options.get("purity", "self")),
        min=pool["min"],
        max=pool["max"],
        increment=pool["increment"],
        timeout=int(pool["timeout"]),
        wait_timeout=pool["wait_timeout"],
        call_timeout=pool["call_timeout"],
        getmode=getmode,
        max_lifetime_session=int(pool["max_lifetime_session"]),
        ping_interval=pool["ping_interval"],
        ping_timeout=pool["ping_timeout"],
        stmtcachesize=pool["stmtcachesize"],
        pool_boundary=pool["pool_boundary"],
        pool_name=pool["pool_name"],
        server_type=str(options.get("server_type", "pooled")),
        config_dir=options.get("config_dir"),
        connect_kwargs=connect_kwargs,
        connect_fingerprint=repr(sorted(connect_kwargs.items(), key=lambda kv: kv[0])),
    )


def reset_pool_configs() -> None:
    """Forget every cached configuration (the next checkout builds them again)."""
    with _cache_lock:
        _cache.clear()
