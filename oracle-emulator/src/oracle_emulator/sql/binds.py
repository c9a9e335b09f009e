"""Matching the protocol's bind list to the placeholders of a statement.

See :mod:`oracle_emulator.sql.lexer` for the client's rule: SQL binds every placeholder occurrence,
PL/SQL each distinct name once. Both shapes are accepted for either kind of statement (a client that
binds by distinct name for SQL is matched by name), so the engine does not depend on which rule the
protocol layer followed, as long as the counts identify it.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Sequence
from dataclasses import dataclass

from ..results import Bind, OracleError, Value
from . import numeric


@dataclass
class BoundSlot:
    """One placeholder occurrence: its name, the bind it maps to and that bind's position."""

    name: str
    position: int
    bind: Bind | None


def match_binds(names: list[str], binds: Sequence[Bind]) -> list[BoundSlot]:
    """Map each placeholder occurrence (in text order) to a bind and its 0-based position."""
    if not names:
        return []
    if len(binds) == len(names):
        return [BoundSlot(n, i, binds[i]) for i, n in enumerate(names)]
    distinct = list(dict.fromkeys(names))
    if len(binds) == len(distinct):
        by_name = {n: i for i, n in enumerate(distinct)}
        return [BoundSlot(n, by_name[n], binds[by_name[n]]) for n in names]
    raise OracleError(1008, "not all variables bound")


def to_sqlite(value: Value | bool) -> object:
    """A bind value as SQLite stores it (Oracle semantics: the empty string is NULL)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | decimal.Decimal):
        return numeric.to_storage(value)  # beyond 64 bits / a double: the exact 38-digit text
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat() + " 00:00:00"
    if isinstance(value, datetime.timedelta):
        return format_interval(value, as_sent=True)
    return value


def format_datetime(value: datetime.datetime) -> str:
    """Datetimes are TEXT in SQLite; this fixed-width form sorts and compares correctly."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    # Not strftime: its %Y does not pad years before 1000, and ISO text must stay fixed-width.
    text = value.isoformat(sep=" ", timespec="seconds")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text


def format_interval(value: datetime.timedelta, as_sent: bool = False) -> str:
    """INTERVAL DAY TO SECOND as fixed-width text whose order is the intervals' order.

    Non-negative: Oracle's literal form, ``+000000002 00:00:05.000007``. Negative: ``!`` and the same
    fields of 10**9 days minus the magnitude, so that a negative interval sorts before every positive
    one and a larger magnitude before a smaller one (``-`` and the magnitude would sort after them).
    ``as_sent``: a bound value, whose fields Oracle keeps as the client sent them (python-oracledb sends
    timedelta's own fields: negative days, non-negative hours to microseconds); when those differ from
    Oracle's own form (every field with the interval's sign) a trailing ``~`` says so, for EXTRACT.
    """
    micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "+"
    marker = ""
    if micros < 0:
        sign = "!"
        marker = "~" if as_sent and (value.seconds or value.microseconds) else ""
        micros += _INTERVAL_SPAN
    days, rest = divmod(micros, 86_400_000_000)
    secs, us = divmod(rest, 1_000_000)
    return f"{sign}{days:09d} {secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}.{us:06d}{marker}"


#: 10**9 days in microseconds: negative intervals are stored as this plus their value.
_INTERVAL_SPAN = 10**9 * 86_400_000_000
