"""Oracle built-in functions as SQLite user functions (registered on every session connection).

The translator rewrites Oracle calls whose SQLite namesake differs in meaning (``||`` with NULL,
``TRUNC`` of a date, ``TO_CHAR`` with a format, ``GREATEST`` with NULL, …) to these ``ORA_*`` names.
Datetimes live in SQLite as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text (see :mod:`.binds`).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import hashlib
import json
import math
import operator
import random
import re
import uuid
import zoneinfo
from collections.abc import Callable

from . import collations, numeric
from .binds import format_datetime, format_interval
from .types import interval_as_sent, parse_datetime, parse_interval


def _dt(value: object) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_datetime(value)
    return None


def ora_concat(*args: object) -> object:
    parts = [_text(a) for a in args if a is not None and a != ""]
    return "".join(parts) if parts else None


def _text(value: object) -> str:
    """A value as Oracle converts it to character data; numbers as TO_CHAR(n) writes them."""
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or numeric.is_encoded(value):
        d = _decimal(value)
        if d is not None and d.is_finite():
            return number_text(d)
    return str(value)


def number_text(d: decimal.Decimal) -> str:
    """TO_CHAR(n) (format TM9): no trailing zeros and no zero before the point (0.5 is '.5')."""
    text = format(d.normalize(numeric.CONTEXT), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


_TO_CHAR_TOKENS = re.compile(
    r"YYYY|IYYY|YY|MM|MONTH|MON|DDD|DD|DY|DAY|D|HH24|HH12|HH|MI|SS|FF\d?|IW|WW|Q|AM|PM|\"[^\"]*\"|.",
    re.IGNORECASE,
)


def _fmt_dt(dt: datetime.datetime, fmt: str) -> str:
    out: list[str] = []
    for tok in _TO_CHAR_TOKENS.findall(fmt):
        u = tok.upper()
        if u == "YYYY":
            out.append(f"{dt.year:04d}")
        elif u == "IYYY":
            out.append(f"{dt.isocalendar()[0]:04d}")
        elif u == "YY":
            out.append(f"{dt.year % 100:02d}")
        elif u == "MM":
            out.append(f"{dt.month:02d}")
        elif u == "MONTH":
            out.append(dt.strftime("%B").upper().ljust(9))
        elif u == "MON":
            out.append(dt.strftime("%b").upper())
        elif u == "DDD":
            out.append(f"{dt.timetuple().tm_yday:03d}")
        elif u == "DD":
            out.append(f"{dt.day:02d}")
        elif u == "DY":
            out.append(dt.strftime("%a").upper())
        elif u == "DAY":
            out.append(dt.strftime("%A").upper().ljust(9))
        elif u == "D":
            # NLS_TERRITORY AMERICA: Sunday is day 1.
            out.append(str((dt.isoweekday() % 7) + 1))
        elif u in ("HH24",):
            out.append(f"{dt.hour:02d}")
        elif u in ("HH", "HH12"):
            out.append(f"{(dt.hour % 12) or 12:02d}")
        elif u == "MI":
            out.append(f"{dt.minute:02d}")
        elif u == "SS":
            out.append(f"{dt.second:02d}")
        elif u.startswith("FF"):
            digits = int(u[2:]) if len(u) > 2 else 6
            out.append(f"{dt.microsecond:06d}"[:digits])
        elif u == "IW":
            out.append(f"{dt.isocalendar()[1]:02d}")
        elif u == "WW":
            out.append(f"{(dt.timetuple().tm_yday - 1) // 7 + 1:02d}")
        elif u == "Q":
            out.append(str((dt.month - 1) // 3 + 1))
        elif u in ("AM", "PM"):
            out.append("AM" if dt.hour < 12 else "PM")
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        else:
            out.append(tok)
    return "".join(out)


def ora_to_char(value: object, fmt: object = None) -> object:
    if value is None:
        return None
    dt = _dt(value)
    if dt is not None and (fmt is not None or (isinstance(value, str) and len(value) >= 10)):
        return _fmt_dt(dt, str(fmt)) if fmt is not None else value
    return _text(value)


def ora_trunc(value: object, fmt: object = None) -> object:
    if value is None:
        return None
    if _is_number(value):
        # TRUNC(n, m): n cut (toward zero) to m digits after the point; m may be negative.
        d = _decimal(value)
        assert d is not None
        places = _integer(fmt) if fmt is not None else 0
        cut = d.quantize(
            decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_DOWN, context=numeric.WIDE
        )
        return numeric.to_storage(cut)
    dt = _dt(value)
    if dt is None:
        return value
    dt = dt.replace(tzinfo=None)  # TRUNC works on the wall-clock time and returns a DATE
    f = (str(fmt) if fmt is not None else "DD").upper()
    if f in ("YYYY", "YEAR", "Y", "YY", "SYYYY"):
        dt = dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif f in ("MM", "MONTH", "MON"):
        dt = dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif f == "Q":
        dt = dt.replace(month=(dt.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif f == "IW":
        dt = (dt - datetime.timedelta(days=dt.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    elif f in ("HH", "HH24", "HH12"):
        dt = dt.replace(minute=0, second=0, microsecond=0)
    elif f == "MI":
        dt = dt.replace(second=0, microsecond=0)
    else:
        dt = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return format_datetime(dt)


def _interval_field(part: str, delta: datetime.timedelta, as_sent: bool = False) -> object:
    """EXTRACT(DAY|HOUR|MINUTE|SECOND FROM interval): each field carries the interval's sign, as Oracle
    computes intervals; ``as_sent``: the fields a client bound (timedelta's: negative days only)."""
    sign = -1 if delta < datetime.timedelta(0) and not as_sent else 1
    whole = delta if as_sent else abs(delta)
    hours, rest = divmod(whole.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    fields: dict[str, object] = {
        "DAY": whole.days,
        "HOUR": hours,
        "MINUTE": minutes,
        "SECOND": seconds + whole.microseconds / 1_000_000 if whole.microseconds else seconds,
    }
    value = fields.get(part)
    if value is None:
        raise ValueError("ORA-30076: invalid extract field for extract source")
    return sign * value  # type: ignore[operator]


def _interval_scaled(a: object, b: object, divide: bool) -> object:
    """INTERVAL * number, number * INTERVAL, INTERVAL / number (Oracle's interval arithmetic)."""
    ia, ib = _interval(a), _interval(b)
    if ia is None and ib is None:
        return None
    if (ia is not None and ib is not None) or (divide and ia is None):
        raise ValueError("ORA-00932: inconsistent datatypes: expected NUMBER got INTERVAL DAY TO SECOND")
    delta, factor = (ia, _number(b)) if ia is not None else (ib, _number(a))
    if factor is None:
        raise ValueError("ORA-01722: invalid number")
    if divide and factor == 0:
        raise ValueError("ORA-01476: divisor is equal to zero")
    micros = decimal.Decimal(delta // datetime.timedelta(microseconds=1))  # type: ignore[operator]
    scale = decimal.Decimal(repr(factor) if isinstance(factor, float) else factor)
    scaled = micros / scale if divide else micros * scale
    return format_interval(datetime.timedelta(microseconds=int(scaled.to_integral_value())))


def ora_extract(part: str, value: object) -> object:
    delta = _interval(value)
    if delta is not None:
        return _interval_field(part.upper(), delta, interval_as_sent(value))  # type: ignore[arg-type]
    dt = _dt(value)
    if dt is None:
        return None
    p = part.upper()
    if p == "SECOND":
        return dt.second + dt.microsecond / 1_000_000 if dt.microsecond else dt.second
    return {"YEAR": dt.year, "MONTH": dt.month, "DAY": dt.day, "HOUR": dt.hour, "MINUTE": dt.minute}.get(p)


_PARSE_TOKENS = re.compile(
    r'YYYY|RRRR|YY|RR|MONTH|MON|MM|DDD|DD|HH24|HH12|HH|MI|SS|FF[1-9]?|AM|PM|A\.M\.|P\.M\.|"[^"]*"|.',
    re.IGNORECASE | re.DOTALL,
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_FIELD = {
    "YYYY": r"(?P<year>[+-]?\d{1,4})",
    "RRRR": r"(?P<year>\d{1,4})",
    "YY": r"(?P<yy>\d{1,2})",
    "RR": r"(?P<rr>\d{1,2})",
    "MM": r"(?P<month>\d{1,2})",
    "MON": r"(?P<mon>[A-Za-z]{3})",
    "MONTH": r"(?P<monthname>[A-Za-z]+)",
    "DD": r"(?P<day>\d{1,2})",
    "DDD": r"(?P<yday>\d{1,3})",
    "HH24": r"(?P<hour24>\d{1,2})",
    "HH": r"(?P<hour12>\d{1,2})",
    "HH12": r"(?P<hour12>\d{1,2})",
    "MI": r"(?P<minute>\d{1,2})",
    "SS": r"(?P<second>\d{1,2})",
    "AM": r"(?P<meridian>[AaPp]\.?[Mm]\.?)",
    "PM": r"(?P<meridian>[AaPp]\.?[Mm]\.?)",
    "A.M.": r"(?P<meridian>[AaPp]\.?[Mm]\.?)",
    "P.M.": r"(?P<meridian>[AaPp]\.?[Mm]\.?)",
}


@functools.lru_cache(maxsize=256)
def _format_pattern(fmt: str) -> re.Pattern[str]:
    """A datetime format model as a regular expression. As Oracle's TO_DATE does without FX: numeric
    fields take fewer digits than the model has, punctuation or blanks in the model match any (or
    none), and the text may end before the model does (the fields left out take their defaults)."""
    steps: list[str] = []  # one per field: the separators and literals before it, then the field
    pending = ""
    seen: set[str] = set()
    for tok in _PARSE_TOKENS.findall(fmt):
        u = tok.upper()
        field = _FIELD.get(u) or (r"(?P<fraction>\d{1,9})" if u.startswith("FF") else None)
        if field is not None:
            group = field.split(">")[0][4:]
            if group in seen:
                raise ValueError("ORA-01810: format code appears twice")
            seen.add(group)
            steps.append(pending + field)
            pending = ""
        elif tok.startswith('"'):
            pending += re.escape(tok[1:-1])
        elif tok.isalnum():
            raise ValueError(f"ORA-01821: date format not recognized: {fmt}")
        else:
            pending += r"[^A-Za-z0-9]*"
    body = ""
    for step in reversed(steps[1:]):
        body = f"(?:{step}{body})?"
    first = steps[0] if steps else ""
    return re.compile(r"\s*" + first + body + r"[^A-Za-z0-9]*", re.IGNORECASE)


def _parse_datetime(text: str, fmt: str) -> datetime.datetime:
    """TO_DATE / TO_TIMESTAMP of ``text`` by the format model ``fmt`` (SQL Language Reference,
    "Datetime Format Models"); the ORA errors Oracle raises for text that does not fit."""
    m = _format_pattern(fmt).fullmatch(text)
    if m is None:
        raise ValueError("ORA-01861: literal does not match format string")
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    now = datetime.datetime.now(datetime.UTC)
    if "year" in g:
        year = int(g["year"])
    elif "yy" in g:
        year = now.year // 100 * 100 + int(g["yy"])
    elif "rr" in g:  # RR: 00-49 in this century's half nearest to now
        rr, century = int(g["rr"]), now.year // 100 * 100
        year = (
            century + rr if (rr < 50) == (now.year % 100 < 50) else century + rr + (100 if rr < 50 else -100)
        )
    else:
        year = now.year
    if "month" in g:
        month = int(g["month"])
    elif "mon" in g or "monthname" in g:
        name = (g.get("mon") or g["monthname"])[:3].upper()
        if name not in _MONTHS:
            raise ValueError("ORA-01843: not a valid month")
        month = _MONTHS.index(name) + 1
    else:
        month = now.month  # Oracle: the current month when the model has none
    day = int(g.get("day", 1))
    if "hour24" in g:
        hour = int(g["hour24"])
        if hour > 23:
            raise ValueError("ORA-01850: hour must be between 0 and 23")
    elif "hour12" in g:
        hour = int(g["hour12"])
        if not 1 <= hour <= 12:
            raise ValueError("ORA-01849: hour must be between 1 and 12")
        hour %= 12
        if g.get("meridian", "A")[0].upper() == "P":
            hour += 12
    else:
        hour = 0
    minute, second = int(g.get("minute", 0)), int(g.get("second", 0))
    if minute > 59:
        raise ValueError("ORA-01851: minutes must be between 0 and 59")
    if second > 59:
        raise ValueError("ORA-01852: seconds must be between 0 and 59")
    if not 1 <= month <= 12:
        raise ValueError("ORA-01843: not a valid month")
    if not 1 <= year <= 9999:
        raise ValueError("ORA-01841: (full) year must be between -4713 and +9999, and not be 0")
    micro = int(g.get("fraction", "0").ljust(9, "0")[:6])
    try:
        if "yday" in g:
            base = datetime.datetime(year, 1, 1) + datetime.timedelta(days=int(g["yday"]) - 1)
            if base.year != year:
                raise ValueError
            return base.replace(hour=hour, minute=minute, second=second, microsecond=micro)
        return datetime.datetime(year, month, day, hour, minute, second, micro)
    except ValueError as e:
        raise ValueError("ORA-01847: day of month must be between 1 and last day of month") from e


def _to_datetime(value: object, fmt: object) -> datetime.datetime:
    """The datetime TO_DATE / TO_TIMESTAMP make of ``value`` (a stored datetime, or text)."""
    if fmt is not None and isinstance(value, str):
        try:
            return _parse_datetime(value, str(fmt))
        except ValueError:
            stored = _dt(value)  # already a datetime (TO_DATE(date_column, fmt))
            if stored is None or not re.match(r"\d{4}-\d\d-\d\d", value):
                raise
            return stored
    dt = _dt(value)
    if dt is None:
        raise ValueError("ORA-01861: literal does not match format string")
    return dt


def ora_to_ts(value: object, fmt: object = None) -> object:
    """TO_DATE / TO_TIMESTAMP / CAST(x AS DATE|TIMESTAMP): normalise to the stored text form.

    A value with a time zone keeps its wall-clock time and loses the zone, as Oracle's CAST does.
    """
    if value is None or value == "":
        return None
    return format_datetime(_to_datetime(value, fmt).replace(tzinfo=None))


def _zone(name: str) -> datetime.tzinfo:
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z", "00:00", "+00:00", "-00:00"):
        return datetime.UTC
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if m:
        delta = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return datetime.timezone(-delta if m.group(1) == "-" else delta)
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"ORA-01882: timezone region not found: {text}") from e


def ora_from_tz(value: object, zone: object) -> object:
    """FROM_TZ(timestamp, zone): attach a zone to a wall-clock timestamp."""
    dt = _dt(value)
    if dt is None or zone is None:
        return None
    return dt.replace(tzinfo=_zone(str(zone))).isoformat(sep=" ")


def ora_at_tz(value: object, zone: object) -> object:
    """expr AT TIME ZONE zone; a value without a zone is in the session zone (UTC here)."""
    dt = _dt(value)
    if dt is None or zone is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.UTC)
    return dt.astimezone(_zone(str(zone))).isoformat(sep=" ")


def ora_to_date(value: object, fmt: object = None) -> object:
    """TO_DATE: a DATE has no fractional seconds."""
    if value is None or value == "":
        return None
    return format_datetime(_to_datetime(value, fmt).replace(tzinfo=None, microsecond=0))


def _interval(value: object) -> datetime.timedelta | None:
    return parse_interval(value) if isinstance(value, str) else None


def _decimal(value: object) -> decimal.Decimal | None:
    """A numeric operand as an exact Decimal (floats through their shortest repr, the stored
    38-digit form decoded, numeric text parsed), else None."""
    if isinstance(value, decimal.Decimal):
        return value
    d = numeric.from_storage(value)
    if d is not None or not isinstance(value, str):
        return d
    try:
        return decimal.Decimal(value.strip())
    except decimal.InvalidOperation:
        return None


def _sqlite_number(d: object) -> object:
    """An exact result as SQLite keeps it (:func:`numeric.to_storage`)."""
    if isinstance(d, int | float | decimal.Decimal):
        return numeric.to_storage(d)
    return d


def _approximate(d: decimal.Decimal) -> object:
    """An inexact result (a quotient, a power): integral within 64 bits as INTEGER, else REAL, so it
    orders correctly against the native numbers it is compared with."""
    if d == d.to_integral_value() and -(2**63) <= d < 2**63:
        return int(d)
    return float(d)


def _number(value: object) -> float | int | None:
    """A numeric operand as int or float (for statistics and intervals), else None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    d = _decimal(value)
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _exact(a: object, b: object, op: Callable[[decimal.Decimal, decimal.Decimal], decimal.Decimal]) -> object:
    """a op b in decimal with NUMBER's 38 digits (0.1 + 0.2 is 0.3, 2**63 + 1 exact)."""
    da, db = _decimal(a), _decimal(b)
    if da is None or db is None:
        raise ValueError("ORA-01722: invalid number")
    with decimal.localcontext(numeric.CONTEXT):
        return _sqlite_number(op(da, db))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) or numeric.is_encoded(value)


def ora_add(a: object, b: object) -> object:
    """a + b for numbers, DATE/TIMESTAMP + INTERVAL or number of days, INTERVAL + INTERVAL."""
    if a is None or b is None:
        return None
    if _is_number(a) and _is_number(b):
        return _exact(a, b, operator.add)
    ia, ib = _interval(a), _interval(b)
    if ia is not None and ib is not None:
        return format_interval(ia + ib)
    da, db = _dt(a) if ia is None else None, _dt(b) if ib is None else None
    if da is not None and (ib is not None or _number(b) is not None):
        delta = ib if ib is not None else datetime.timedelta(days=_number(b))  # type: ignore[arg-type]
        return format_datetime((da + delta).replace(tzinfo=None))
    if db is not None and (ia is not None or _number(a) is not None):
        return ora_add(b, a)
    if _decimal(a) is not None and _decimal(b) is not None:
        return _exact(a, b, operator.add)
    raise ValueError("ORA-00932: inconsistent datatypes")


def ora_sub(a: object, b: object) -> object:
    """a - b; DATE/TIMESTAMP - DATE/TIMESTAMP is an INTERVAL DAY TO SECOND."""
    if a is None or b is None:
        return None
    if _is_number(a) and _is_number(b):
        return _exact(a, b, operator.sub)
    ia, ib = _interval(a), _interval(b)
    if ia is not None and ib is not None:
        return format_interval(ia - ib)
    da = _dt(a) if ia is None else None
    if da is not None:
        if ib is not None:
            return format_datetime((da - ib).replace(tzinfo=None))
        db = _dt(b)
        if db is not None:
            return format_interval(da.replace(tzinfo=None) - db.replace(tzinfo=None))
        days = _number(b)
        if days is not None:
            return format_datetime((da - datetime.timedelta(days=days)).replace(tzinfo=None))
    if _decimal(a) is not None and _decimal(b) is not None:
        return _exact(a, b, operator.sub)
    raise ValueError("ORA-00932: inconsistent datatypes")


def ora_mul(a: object, b: object) -> object:
    """a * b in decimal (0.1 * 3 is 0.3), integers exactly."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return numeric.to_storage(a * b)
    scaled = _interval_scaled(a, b, divide=False)
    if scaled is not None:
        return scaled
    return _exact(a, b, operator.mul)


def ora_div(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    scaled = _interval_scaled(a, b, divide=True)
    if scaled is not None:
        return scaled
    na, nb = _decimal(a), _decimal(b)
    if na is None or nb is None:
        raise ValueError("ORA-01722: invalid number")
    if nb == 0:
        raise ValueError("ORA-01476: divisor is equal to zero")
    with decimal.localcontext(numeric.CONTEXT):
        q = na / nb
    if q == q.to_integral_value():
        return numeric.to_storage(q)
    return _approximate(q)


def ora_numtodsinterval(n: object, unit: object) -> object:
    if n is None or unit is None:
        return None
    seconds = {"DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}.get(str(unit).upper())
    if seconds is None:
        raise ValueError("ORA-01760: illegal argument for function")
    return format_interval(datetime.timedelta(seconds=float(n) * seconds))  # type: ignore[arg-type]


def ora_interval(n: object, unit: object) -> object:
    """INTERVAL 'n' DAY|HOUR|MINUTE|SECOND literals."""
    return ora_numtodsinterval(_number(n) if isinstance(n, str) else n, unit)


_DS_LITERAL = re.compile(r"\s*([+-])?\s*(\d+)\s+(\d+):(\d+):(\d+)(?:\.(\d{1,9}))?\s*")


def ora_interval_ds(text: object) -> object:
    """INTERVAL '[+|-]D HH:MI:SS[.f]' DAY TO SECOND literals (SQL Language Reference, "Interval Literals")."""
    if text is None:
        return None
    m = _DS_LITERAL.fullmatch(str(text))
    if m is None:
        raise ValueError("ORA-01867: the interval is invalid")
    delta = datetime.timedelta(
        days=int(m.group(2)),
        hours=int(m.group(3)),
        minutes=int(m.group(4)),
        seconds=int(m.group(5)),
        microseconds=int((m.group(6) or "0").ljust(6, "0")[:6]),
    )
    return format_interval(-delta if m.group(1) == "-" else delta)


_DS_ISO = re.compile(r"(-?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?")


def iso_duration(text: str) -> datetime.timedelta | None:
    """``P0DT00H05M00S`` (TO_DSINTERVAL's ``ds_iso_format``, what Django inlines for a timedelta)."""
    m = _DS_ISO.fullmatch(text.strip())
    if m is None or text.strip() in ("P", "-P") or text.strip().endswith("T"):
        return None
    delta = datetime.timedelta(
        days=int(m.group(2) or 0),
        hours=int(m.group(3) or 0),
        minutes=int(m.group(4) or 0),
        seconds=float(m.group(5) or 0),
    )
    return -delta if m.group(1) else delta


def ora_interval_if(other: object, text: object) -> object:
    """A character literal compared with ``other``: converted to INTERVAL DAY TO SECOND when ``other``
    is one (SQL Language Reference, "Implicit Data Conversion": character data compared with an
    interval is converted to it, as TO_DSINTERVAL reads it); else the literal as it is."""
    if isinstance(other, str) and isinstance(text, str) and parse_interval(other) is not None:
        delta = iso_duration(text)
        if delta is None:
            converted = ora_interval_ds(text) if _DS_LITERAL.fullmatch(text.strip()) else None
            if converted is None:
                raise ValueError("ORA-01867: the interval is invalid")
            return converted
        return format_interval(delta)
    return text


def ora_cast_date(value: object) -> object:
    dt = _dt(value)
    return format_datetime(dt.replace(microsecond=0, tzinfo=None)) if dt is not None else value


def ora_to_number(value: object, fmt: object = None) -> object:
    if value is None or isinstance(value, int | float) or numeric.is_encoded(value):
        return value
    iv = _interval(value)
    if iv is not None:  # TO_NUMBER(date - date): Django's DateField subtraction, in days
        days = iv / datetime.timedelta(days=1)
        return int(days) if days.is_integer() else days
    d = _decimal(value)
    if d is None or not d.is_finite():
        raise ValueError("ORA-01722: invalid number")
    return numeric.to_storage(d)


def _compared_as_first(args: tuple[object, ...]) -> list[object] | None:
    """GREATEST / LEAST operands converted to the first one's kind (NULL if any is NULL).

    SQL Language Reference, GREATEST: "the first expr determines the return type": a numeric first
    expr converts the others to numbers (ORA-01722 if one is not), otherwise they compare as text.
    """
    if any(a is None for a in args):
        return None
    if isinstance(args[0], int | float | decimal.Decimal):
        out: list[object] = []
        for a in args:
            n = _decimal(a)
            if n is None:
                raise ValueError("ORA-01722: invalid number")
            out.append(n)
        return out
    if isinstance(args[0], bytes):
        return list(args)
    return [a if isinstance(a, str) else _text(a) for a in args]


def _first_kind(result: object, first: object) -> object:
    return _sqlite_number(result) if isinstance(first, int | float | decimal.Decimal) else result


def ora_cast_number(value: object, precision: object, scale: object) -> object:
    """CAST(x AS NUMBER(p,s)): rounded half away from zero to s digits (SQL Language Reference, NUMBER
    Data Type); a value needing more than p digits raises ORA-01438."""
    if value is None:
        return None
    d = _decimal(ora_to_number(value))
    if d is None:
        raise ValueError("ORA-01722: invalid number")
    p, s = _integer(precision), _integer(scale)
    rounded = d.quantize(decimal.Decimal(1).scaleb(-s), rounding=decimal.ROUND_HALF_UP, context=numeric.WIDE)
    if rounded != 0 and rounded.adjusted() + 1 > p - s:
        raise ValueError("ORA-01438: value larger than specified precision allowed for this column")
    return _sqlite_number(rounded)


def ora_number_fits(value: object, precision: object, scale: object) -> int:
    """1 when ``value`` is already a NUMBER(p,s) value (no rounding, within precision), else 0.

    The check of the triggers that round what is stored into a NUMBER(p,s) column (see ddl.py).
    """
    if isinstance(value, int) and isinstance(precision, int) and isinstance(scale, int) and scale >= 0:
        return 1 if abs(value) < 10 ** (precision - scale) else 0
    d = _decimal(value)
    if d is None:
        return 1  # not a number: the column's own check reports ORA-01722
    p, s = _integer(precision), _integer(scale)
    exponent = d.normalize(numeric.CONTEXT).as_tuple().exponent
    fits_scale = not isinstance(exponent, int) or exponent >= -s
    return 1 if fits_scale and (d == 0 or d.adjusted() + 1 <= p - s) else 0


def ora_cast_char(value: object, length: object, blank_padded: object) -> object:
    """CAST(x AS VARCHAR2(n)) keeps the first n characters; CHAR(n) also pads to n with blanks."""
    if value is None:
        return None
    text = _text(ora_to_char(value))
    n = _integer(length)
    return text[:n].ljust(n) if blank_padded else text[:n]


def ora_cmp(a: object, b: object) -> object:
    """-1, 0 or 1 as a is less than, equal to or greater than b (NULL if either is): numbers by
    value, whether SQLite holds them natively or as text; anything else as SQLite orders it."""
    if a is None or b is None:
        return None
    da, db = _decimal(a), _decimal(b)
    if da is not None and db is not None and (_is_number(a) or _is_number(b)):
        return (da > db) - (da < db)
    ta, tb = _text(a), _text(b)
    return (ta > tb) - (ta < tb)


def ora_number_if(char: object, other: object) -> object:
    """``char`` as a number when it is compared with a number (Oracle's implicit conversion)."""
    if isinstance(other, int | float) and not isinstance(char, int | float):
        return ora_to_number(char)
    return char


def ora_greatest(*args: object) -> object:
    values = _compared_as_first(args)
    return None if values is None else _first_kind(max(values), args[0])  # type: ignore[type-var]


def ora_least(*args: object) -> object:
    values = _compared_as_first(args)
    return None if values is None else _first_kind(min(values), args[0])  # type: ignore[type-var]


def ora_regexp_like(value: object, pattern: object, flags: object = None) -> object:
    if value is None or pattern is None:
        return None
    re_flags = re.IGNORECASE if flags and "i" in str(flags) else 0
    return 1 if re.search(str(pattern), str(value), re_flags) else 0


def _pad(value: object, width: object, pad: object, left: bool) -> object:
    """LPAD / RPAD (SQL Language Reference): ``expr2`` repeated from its start fills ``expr1`` to ``n``
    characters; a longer ``expr1`` is cut to ``n``; ``n`` is truncated to an integer; any NULL
    argument, or a result of length 0 (``n`` < 1), is NULL."""
    if value is None or width is None or pad is None:
        return None
    s, p = _text(value), _text(pad)
    w = _integer(width)
    if w < 1:
        return None
    if len(s) >= w:
        return s[:w]
    fill = (p * (w // len(p) + 1))[: w - len(s)]
    return fill + s if left else s + fill


def ora_lpad(value: object, width: object, pad: object = " ") -> object:
    return _pad(value, width, pad, left=True)


def ora_rpad(value: object, width: object, pad: object = " ") -> object:
    return _pad(value, width, pad, left=False)


def ora_replace(value: object, search: object, replacement: object = None) -> object:
    """REPLACE (SQL Language Reference): a NULL or omitted replacement removes every occurrence of the
    search string; a NULL search string returns ``char`` unchanged; NULL ``char`` is NULL."""
    if value is None:
        return None
    s = _text(value)
    if search is None:
        return s
    out = s.replace(_text(search), "" if replacement is None else _text(replacement))
    return out or None  # a zero-length character value is NULL


def _integer(value: object) -> int:
    """A NUMBER argument used as a count or position: truncated to an integer, as Oracle does."""
    d = _decimal(value)
    if d is None:
        raise ValueError("ORA-01722: invalid number")
    return int(d)  # int() truncates toward zero


def ora_bitand(a: object, b: object) -> object:
    return None if a is None or b is None else int(a) & int(b)  # type: ignore[call-overload]


def ora_hash(value: object, algo: object = "SHA1") -> object:
    """STANDARD_HASH(expr, method). NULL hashes as zero-length input (Django's MD5()/SHA*() tests on
    Oracle expect the empty string's digest for NULL, since '' is NULL there)."""
    if value is None:
        value = b""
    data = value if isinstance(value, bytes) else _text(value).encode()
    name = str(algo or "SHA1").lower()  # Oracle: SHA1, SHA256, SHA384, SHA512, MD5
    if name not in ("sha1", "sha256", "sha384", "sha512", "md5"):
        raise ValueError("ORA-00904: invalid hash algorithm")
    return hashlib.new(name, data).digest()


# Oracle character set names -> Python codecs (UTL_I18N.STRING_TO_RAW's dst_charset).
_CHARSETS = {
    "AL32UTF8": "utf-8",
    "UTF8": "utf-8",
    "AL16UTF16": "utf-16-be",
    "AL16UTF16LE": "utf-16-le",
    "WE8ISO8859P1": "latin-1",
    "WE8MSWIN1252": "cp1252",
    "US7ASCII": "ascii",
}


def ora_string_to_raw(value: object, charset: object = None) -> object:
    """UTL_I18N.STRING_TO_RAW(s, charset): the text's bytes in that character set (default AL32UTF8)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    codec = _CHARSETS.get(str(charset or "AL32UTF8").upper())
    if codec is None:
        raise ValueError(f"ORA-06502: PL/SQL: numeric or value error: unknown character set {charset}")
    return _text(value).encode(codec, errors="replace")


def ora_chr(code: object) -> object:
    """CHR(n): the character whose AL32UTF8 (database character set) encoding is the bytes of n."""
    if code is None:
        return None
    n = int(code)  # type: ignore[call-overload]
    if n < 128:
        return chr(n)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return raw.decode("utf-8", errors="replace")


def ora_nchr(code: object) -> object:
    """CHR(n USING NCHAR_CS) / NCHR(n): the character whose AL16UTF16 code (unit or pair) is n."""
    if code is None:
        return None
    n = int(code)  # type: ignore[call-overload]
    if n <= 0xFFFF:
        return chr(n)
    return n.to_bytes(4, "big").decode("utf-16-be", errors="replace")


_OMITTED = object()


def ora_substr(value: object, start: object = 1, length: object = _OMITTED) -> object:
    """SUBSTR (SQL Language Reference): position 0 is treated as 1; a negative position counts back
    from the end (beyond the start: NULL); a length below 1 is NULL; any NULL argument is NULL."""
    if value is None or start is None or length is None:
        return None
    s = _text(value) if not isinstance(value, bytes) else value
    st = _integer(start)
    if st == 0:
        st = 1
    if st < 0:
        if -st > len(s):
            return None
        st = len(s) + st + 1
    if length is _OMITTED:
        out = s[st - 1 :]
    else:
        n = _integer(length)
        if n < 1:
            return None
        out = s[st - 1 : st - 1 + n]
    return out if out else None


def ora_lob_substr(value: object, amount: object = 4000, offset: object = 1) -> object:
    return ora_substr(value, offset, amount)


def ora_instr(value: object, sub: object, start: object = 1, occurrence: object = 1) -> object:
    """INSTR (SQL Language Reference): a negative position searches backward from that many characters
    before the end; position 0 finds nothing (0); occurrence must be positive (ORA-01428)."""
    if value is None or sub is None or start is None or occurrence is None:
        return None
    s, t = _text(value), _text(sub)
    pos, nth = _integer(start), _integer(occurrence)
    if nth < 1:
        raise ValueError(f"ORA-01428: argument '{nth}' is out of range")
    if pos == 0:
        return 0
    found = -1
    if pos > 0:
        at = pos - 1
        for _ in range(nth):
            found = s.find(t, at)
            if found < 0:
                return 0
            at = found + 1
    else:
        end = len(s) + pos + 1  # the match may start at most here (1-based), scanning backward
        for _ in range(nth):
            found = s.rfind(t, 0, end - 1 + len(t))
            if found < 0:
                return 0
            end = found
    return found + 1


def ora_now() -> str:
    return format_datetime(datetime.datetime.now(datetime.UTC).replace(tzinfo=None))


def ora_sysdate() -> str:
    return format_datetime(datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0))


def ora_length(value: object) -> object:
    if value is None:
        return None
    return len(value) if isinstance(value, bytes) else len(_text(value))


def ora_sys_guid() -> bytes:
    return uuid.uuid4().bytes


def ora_random() -> float:
    return random.random()


def ora_mod(a: object, b: object) -> object:
    """MOD(m, n): m - n * TRUNC(m / n), so the sign is m's; m when n is 0 (SQL Language Reference)."""
    if a is None or b is None:
        return None
    m, n = _decimal(a), _decimal(b)
    if m is None or n is None:
        raise ValueError("ORA-01722: invalid number")
    if n == 0:
        return _sqlite_number(m)
    with decimal.localcontext(numeric.CONTEXT):
        return numeric.to_storage(m % n)  # Decimal's % keeps the dividend's sign


def _unary(value: object, op: Callable[[decimal.Decimal], decimal.Decimal]) -> object:
    if value is None:
        return None
    d = _decimal(value)
    if d is None:
        raise ValueError("ORA-01722: invalid number")
    with decimal.localcontext(numeric.CONTEXT):
        return numeric.to_storage(op(d))


def ora_abs(value: object) -> object:
    return _unary(value, abs)


def ora_sign(value: object) -> object:
    return _unary(value, lambda d: decimal.Decimal((d > 0) - (d < 0)))


def ora_ceil(value: object) -> object:
    """CEIL(n): the smallest integer >= n."""
    return _unary(value, lambda d: d.to_integral_value(rounding=decimal.ROUND_CEILING))


def ora_floor(value: object) -> object:
    """FLOOR(n): the largest integer <= n."""
    return _unary(value, lambda d: d.to_integral_value(rounding=decimal.ROUND_FLOOR))


def ora_power(a: object, b: object) -> object:
    """POWER(n2, n1): exact for an integer exponent, else in binary floating point."""
    if a is None or b is None:
        return None
    base, exponent = _decimal(a), _decimal(b)
    if base is None or exponent is None:
        raise ValueError("ORA-01722: invalid number")
    if exponent == exponent.to_integral_value() and abs(exponent) <= 1000:
        if base == 0 and exponent < 0:
            raise ValueError("ORA-01476: divisor is equal to zero")
        with decimal.localcontext(numeric.CONTEXT):
            r = base ** int(exponent)
        return numeric.to_storage(r) if exponent >= 0 else _approximate(r)
    if base < 0:
        raise ValueError("ORA-01428: argument is out of range")
    return float(base) ** float(exponent)


def ora_round(a: object, digits: object = 0) -> object:
    """ROUND(n, m): half away from zero to m digits after the point; m may be negative."""
    if a is None or digits is None:
        return None
    d = _decimal(a)
    if d is None:
        raise ValueError("ORA-01722: invalid number")
    places = _integer(digits)
    rounded = d.quantize(
        decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=numeric.WIDE
    )
    return numeric.to_storage(rounded)


# --- SQL/JSON (Django's JSONField on Oracle) -------------------------------------------------------

_PATH_STEP = re.compile(r'\.\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*)|\*)|\[\s*(\d+|\*)\s*\]')
_MISSING = object()


def _json_path(doc: object, path: object) -> object:
    """Navigate an Oracle JSON path (``$."a".b[0]``); _MISSING when the path does not exist."""
    if doc is None or path is None:
        return _MISSING
    try:
        value = json.loads(doc) if isinstance(doc, str | bytes) else doc
    except ValueError:
        return _MISSING
    text = str(path).strip()
    if not text.startswith("$"):
        return _MISSING
    pos = 1
    while pos < len(text):
        m = _PATH_STEP.match(text, pos)
        if m is None:
            return _MISSING
        pos = m.end()
        key = m.group(2)
        if m.group(1) is not None:
            # A double-quoted field name is a JSON string: its escapes (\uffff, \") are decoded.
            try:
                key = json.loads('"' + m.group(1) + '"')
            except ValueError:
                return _MISSING
        if key is not None:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        elif m.group(3) is not None and m.group(3) != "*":
            idx = int(m.group(3))
            if isinstance(value, list):
                if idx >= len(value):
                    return _MISSING
                value = value[idx]
            elif idx != 0:  # lax mode: a non-array is an array of one
                return _MISSING
        else:
            return _MISSING
    return value


def ora_json_value(doc: object, path: object) -> object:
    """JSON_VALUE without RETURNING: VARCHAR2(4000) (SQL Language Reference, JSON_VALUE,
    "JSON_value_returning_clause": the default is VARCHAR2(4000)), so a number is its JSON text
    (``4.2``) and a boolean ``true``/``false``; compared with a number it is converted back
    (Implicit Data Conversion)."""
    value = _json_path(doc, path)
    if value is _MISSING or value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return value if isinstance(value, str) else str(value)


def ora_json_query(doc: object, path: object, scalars: object = 0) -> object:
    """JSON_QUERY: an object or array as JSON text; scalars only WITH WRAPPER."""
    value = _json_path(doc, path)
    if value is _MISSING:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return json.dumps([value]) if scalars else None


def ora_is_json(value: object) -> object:
    """x IS JSON: unknown (NULL) for NULL, so a CHECK passes, as on Oracle."""
    if value is None:
        return None
    try:
        json.loads(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return 1


def ora_json_exists(doc: object, path: object) -> int | None:
    """JSON_EXISTS: unknown (NULL) for a NULL document (Django's ``exclude(value__j=None)`` on Oracle
    leaves out the rows whose JSON is NULL)."""
    if doc is None:
        return None
    return 0 if _json_path(doc, path) is _MISSING else 1


def ora_json_equal(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    try:
        return 1 if json.loads(a) == json.loads(b) else 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _json_member(value: object, is_json: object) -> object:
    if is_json and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return value


def ora_json_object(absent: object, *args: object) -> str:
    """JSON_OBJECT(absent_on_null, key, value, is_json, …), as the translator builds it from
    ``'k' VALUE v [FORMAT JSON], … [ABSENT ON NULL] [RETURNING …]``."""
    obj: dict[str, object] = {}
    for k in range(0, len(args) - 2, 3):
        key, value, is_json = args[k], args[k + 1], args[k + 2]
        if key is None:
            raise ValueError("ORA-40387: NULL key in JSON_OBJECT")
        if value is None and absent:
            continue
        obj[_text(key)] = _json_member(value, is_json)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def ora_json_array(absent: object, *args: object) -> str:
    """JSON_ARRAY(absent_on_null, value, is_json, …): Oracle drops NULLs unless NULL ON NULL."""
    items = [
        _json_member(args[k], args[k + 1])
        for k in range(0, len(args) - 1, 2)
        if not (args[k] is None and absent)
    ]
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False)


def ora_upper(value: object) -> object:
    return None if value is None else _text(value).upper()


def ora_lower(value: object) -> object:
    return None if value is None else _text(value).lower()


def ora_initcap(value: object) -> object:
    return None if value is None else re.sub(r"[^\W_]+", lambda m: m.group().capitalize(), _text(value))


def ora_rawtohex(value: object) -> object:
    if value is None:
        return None
    return value.hex().upper() if isinstance(value, bytes) else _text(value).encode().hex().upper()


class _Moments:
    """Variance / standard deviation aggregates (population or sample), Welford's algorithm."""

    sample = True
    root = False

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def step(self, value: object) -> None:
        x = _number(value)
        if x is None:
            return
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def finalize(self) -> object:
        if self.n == 0:
            return None
        if self.sample and self.n == 1:
            return 0  # Oracle: STDDEV/VARIANCE of one row is 0
        var = self.m2 / (self.n - 1 if self.sample else self.n)
        return math.sqrt(var) if self.root else var


class VarPop(_Moments):
    sample = False


class VarSamp(_Moments):
    sample = True


class StddevPop(_Moments):
    sample, root = False, True


class StddevSamp(_Moments):
    sample, root = True, True


class DecimalSum:
    """SUM / AVG in decimal (NUMBER semantics): SUM of 0.1 ten times is 1, not 0.9999999999999999.

    Registered as a window function (step / inverse / value / finalize), so it also serves
    ``SUM(x) OVER (…)``.
    """

    average = False

    def __init__(self) -> None:
        self.total = decimal.Decimal(0)
        self.count = 0

    @staticmethod
    def _dec(value: object) -> decimal.Decimal | None:
        if value is None or isinstance(value, bytes):
            return None
        d = _decimal(value)
        if d is None:
            raise ValueError("ORA-01722: invalid number")
        return d

    def step(self, value: object) -> None:
        d = self._dec(value)
        if d is not None:
            self.total = numeric.CONTEXT.add(self.total, d)
            self.count += 1

    def inverse(self, value: object) -> None:
        d = self._dec(value)
        if d is not None:
            self.total = numeric.CONTEXT.subtract(self.total, d)
            self.count -= 1

    def value(self) -> object:
        if self.count == 0:
            return None
        if self.average:
            with decimal.localcontext(numeric.CONTEXT):
                return _approximate(self.total / self.count)
        return numeric.to_storage(self.total)  # a sum is exact

    def finalize(self) -> object:
        return self.value()


class DecimalAvg(DecimalSum):
    average = True


class ListAgg:
    """LISTAGG(value, separator [, sort key, descending]) as a SQLite aggregate."""

    def __init__(self) -> None:
        self.items: list[tuple[object, str]] = []
        self.sep = ""
        self.desc = False

    def step(self, value: object, sep: object = "", key: object = None, desc: object = 0) -> None:
        self.sep = "" if sep is None else str(sep)
        self.desc = bool(desc)
        if value is not None:
            self.items.append((key, _text(value)))

    def finalize(self) -> object:
        if not self.items:
            return None
        # NULL keys sort last ascending and first descending, as in Oracle.
        items = sorted(
            self.items, key=lambda kv: (kv[0] is None, kv[0] if kv[0] is not None else 0), reverse=self.desc
        )
        return self.sep.join(v for _, v in items)


# Aggregates that are also window functions.
WINDOW_AGGREGATES: dict[str, tuple[int, type]] = {"ORA_SUM": (1, DecimalSum), "ORA_AVG": (1, DecimalAvg)}

AGGREGATES: dict[str, tuple[int, type]] = {
    "ORA_LISTAGG": (-1, ListAgg),
    "ORA_VAR_POP": (1, VarPop),
    "ORA_VAR_SAMP": (1, VarSamp),
    "ORA_STDDEV_POP": (1, StddevPop),
    "ORA_STDDEV_SAMP": (1, StddevSamp),
}

NONDETERMINISTIC = frozenset({"ORA_SYSTIMESTAMP", "ORA_SYSDATE", "ORA_SYS_GUID", "ORA_RANDOM"})


FUNCTIONS: dict[str, tuple[int, Callable[..., object]]] = {
    "ORA_CONCAT": (-1, ora_concat),
    "ORA_TO_CHAR": (-1, ora_to_char),
    "ORA_TRUNC": (-1, ora_trunc),
    "ORA_EXTRACT": (2, ora_extract),
    "ORA_TO_TS": (-1, ora_to_ts),
    "ORA_CAST_DATE": (1, ora_cast_date),
    "ORA_TO_DATE": (-1, ora_to_date),
    "ORA_ADD": (2, ora_add),
    "ORA_SUB": (2, ora_sub),
    "ORA_MUL": (2, ora_mul),
    "ORA_DIV": (2, ora_div),
    "ORA_NUMTODSINTERVAL": (2, ora_numtodsinterval),
    "ORA_INTERVAL": (2, ora_interval),
    "ORA_INTERVAL_DS": (1, ora_interval_ds),
    "ORA_INTERVAL_IF": (2, ora_interval_if),
    "ORA_FROM_TZ": (2, ora_from_tz),
    "ORA_JSON_VALUE": (2, ora_json_value),
    "ORA_JSON_QUERY": (-1, ora_json_query),
    "ORA_JSON_EXISTS": (2, ora_json_exists),
    "ORA_IS_JSON": (1, ora_is_json),
    "ORA_UPPER": (1, ora_upper),
    "ORA_LOWER": (1, ora_lower),
    "ORA_INITCAP": (1, ora_initcap),
    "ORA_RAWTOHEX": (1, ora_rawtohex),
    "ORA_JSON_EQUAL": (2, ora_json_equal),
    "ORA_JSON_OBJECT": (-1, ora_json_object),
    "ORA_JSON_ARRAY": (-1, ora_json_array),
    "ORA_AT_TZ": (2, ora_at_tz),
    "ORA_TO_NUMBER": (-1, ora_to_number),
    "ORA_GREATEST": (-1, ora_greatest),
    "ORA_LEAST": (-1, ora_least),
    "ORA_REGEXP_LIKE": (-1, ora_regexp_like),
    "ORA_LIKE": (5, collations.like),
    "ORA_CASE_TWIN": (1, collations.case_twin),
    "ORA_ACCENT_TWIN": (1, collations.accent_twin),
    "ORA_LPAD": (-1, ora_lpad),
    "ORA_REPLACE": (-1, ora_replace),
    "ORA_NUMBER_IF": (2, ora_number_if),
    "ORA_CMP": (2, ora_cmp),
    "ORA_ABS": (1, ora_abs),
    "ORA_SIGN": (1, ora_sign),
    "ORA_CEIL": (1, ora_ceil),
    "ORA_FLOOR": (1, ora_floor),
    "ORA_CAST_NUMBER": (3, ora_cast_number),
    "ORA_NUMBER_FITS": (3, ora_number_fits),
    "ORA_CAST_CHAR": (3, ora_cast_char),
    "ORA_RPAD": (-1, ora_rpad),
    "ORA_BITAND": (2, ora_bitand),
    "ORA_HASH": (-1, ora_hash),
    "ORA_STRING_TO_RAW": (-1, ora_string_to_raw),
    "ORA_CHR": (1, ora_chr),
    "ORA_NCHR": (1, ora_nchr),
    "ORA_SUBSTR": (-1, ora_substr),
    "ORA_LOB_SUBSTR": (-1, ora_lob_substr),
    "ORA_INSTR": (-1, ora_instr),
    "ORA_SYSTIMESTAMP": (0, ora_now),
    "ORA_SYSDATE": (0, ora_sysdate),
    "ORA_LENGTH": (1, ora_length),
    "ORA_SYS_GUID": (0, ora_sys_guid),
    "ORA_RANDOM": (0, ora_random),
    "ORA_MOD": (2, ora_mod),
    "ORA_POWER": (2, ora_power),
    "ORA_ROUND": (-1, ora_round),
}
