"""Strict patterns for names that end up in a connect descriptor, a login or SQL text.

Tenant names, aliases and DRCP connection classes come from settings, catalogs and HTTP requests; they are
checked here before anything interpolates them, so a value can never close a parenthesis in a descriptor
or a quote in SQL.
"""

from __future__ import annotations

import re

from drcp_multi.exceptions import InvalidIdentifier

# A tenant name is also a DNS label and a URL path segment: letters, digits, "_" and "-", starting with a
# letter or digit; 63 characters at most (a DNS label's limit).
IDENTIFIER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}"
# A DRCP connection class as Oracle shows it (V$CPOOL_CC_STATS: USER.CCLASS): also "." ":" and "$";
# 128 characters at most, well under Oracle's limit.
CCLASS_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.:$-]{0,127}"

# An Oracle application context namespace (a nonquoted identifier: SQL Language Reference, "Database Object
# Naming Rules"), written into PL/SQL as a string literal.
NAMESPACE_PATTERN = r"[A-Za-z][A-Za-z0-9_$#]{0,127}"

# An unquoted Oracle identifier (a user/schema, a tablespace) as the tenant lifecycle puts it in DDL.
ORACLE_IDENTIFIER_PATTERN = r"[A-Za-z][A-Za-z0-9_$#]{0,127}"

_IDENTIFIER_RE = re.compile(IDENTIFIER_PATTERN)
_ORACLE_IDENTIFIER_RE = re.compile(ORACLE_IDENTIFIER_PATTERN)
_NAMESPACE_RE = re.compile(NAMESPACE_PATTERN)
_CCLASS_RE = re.compile(CCLASS_PATTERN)


def validate_identifier(value: object) -> str:
    """Return ``value`` if it is a valid tenant name (or alias); raise ValueError naming it otherwise."""
    if not isinstance(value, str) or not _IDENTIFIER_RE.fullmatch(value):
        raise ValueError(f"invalid tenant name {value!r}: it must match {IDENTIFIER_PATTERN}")
    return value


def is_valid_namespace(value: object) -> bool:
    return isinstance(value, str) and _NAMESPACE_RE.fullmatch(value) is not None


def validate_namespace(value: object) -> str:
    """Return ``value`` if it is a valid application context namespace; raise :class:`InvalidIdentifier`."""
    if not is_valid_namespace(value):
        raise InvalidIdentifier(
            f"invalid application context namespace {value!r}: it must match {NAMESPACE_PATTERN}"
        )
    return value  # type: ignore[return-value]


def is_valid_cclass(value: object) -> bool:
    return isinstance(value, str) and _CCLASS_RE.fullmatch(value) is not None


def validate_cclass(value: object, what: str = "DRCP connection class") -> str:
    """Return ``value`` if it is a valid DRCP connection class; raise :class:`InvalidIdentifier` (a
    ValueError) naming the value and the pattern otherwise."""
    if not is_valid_cclass(value):
        raise InvalidIdentifier(
            f"invalid {what} {value!r}: it must match {CCLASS_PATTERN} "
            "(a letter, digit or '_', then up to 127 letters, digits, '_', '.', ':', '$' or '-')"
        )
    return value  # type: ignore[return-value]


def validate_oracle_identifier(value: object, what: str) -> str:
    """Return ``value`` if it is an unquoted Oracle identifier; raise :class:`InvalidIdentifier` naming
    ``what`` (e.g. the setting it came from) and the pattern otherwise."""
    if not isinstance(value, str) or not _ORACLE_IDENTIFIER_RE.fullmatch(value):
        raise InvalidIdentifier(
            f"{what} is {value!r}: it must match {ORACLE_IDENTIFIER_PATTERN} to be used in SQL"
        )
    return value
