"""Oracle built-in functions as SQLite user functions (registered on every session connection).

The translator rewrites Oracle calls whose SQLite namesake differs in meaning (``||`` with NULL,
``TRUNC`` of a date, ``TO_CHAR`` with a format, ``GREATEST`` with NULL, …) to these ``ORA_*`` names.
Datetimes live in SQLite as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text (see :mod:`.binds`).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import hashlib
import json
import math
import random
import re
import uuid
import zoneinfo
from collections.abc import Callable

from .binds import format_datetime, format_interval
from .types import parse_datetime, parse_interval


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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


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
    if isinstance(value, int | float):
        if fmt is None:
            return math.trunc(value)
        q = 10 ** int(fmt)  # type: ignore[call-overload]
        return math.trunc(value * q) / q
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


def _interval_field(part: str, delta: datetime.timedelta) -> object:
    """EXTRACT(DAY|HOUR|MINUTE|SECOND FROM interval): each field carries the interval's sign."""
    sign = -1 if delta < datetime.timedelta(0) else 1
    whole = abs(delta)
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
        return _interval_field(part.upper(), delta)
    dt = _dt(value)
    if dt is None:
        return None
    p = part.upper()
    if p == "SECOND":
        return dt.second + dt.microsecond / 1_000_000 if dt.microsecond else dt.second
    return {"YEAR": dt.year, "MONTH": dt.month, "DAY": dt.day, "HOUR": dt.hour, "MINUTE": dt.minute}.get(p)


def ora_to_ts(value: object, fmt: object = None) -> object:
    """TO_DATE / TO_TIMESTAMP / CAST(x AS DATE|TIMESTAMP): normalise to the stored text form.

    A value with a time zone keeps its wall-clock time and loses the zone, as Oracle's CAST does.
    """
    if value is None or value == "":
        return None
    dt = _dt(value)
    return format_datetime(dt.replace(tzinfo=None)) if dt is not None else value


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
    dt = _dt(value)
    return format_datetime(dt.replace(tzinfo=None, microsecond=0)) if dt is not None else value


def _interval(value: object) -> datetime.timedelta | None:
    return parse_interval(value) if isinstance(value, str) else None


def _number(value: object) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            d = decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            return None
        return int(d) if d == d.to_integral_value() else float(d)
    return None


def _exact(a: float, b: float, sign: int) -> float:
    """a ± b in decimal, as Oracle NUMBER does (0.1 + 0.2 is 0.3, not 0.30000000000000004)."""
    if isinstance(a, int) and isinstance(b, int):
        return a + sign * b
    d = decimal.Decimal(repr(a)) + sign * decimal.Decimal(repr(b))
    return float(d)


def ora_add(a: object, b: object) -> object:
    """a + b for numbers, DATE/TIMESTAMP + INTERVAL or number of days, INTERVAL + INTERVAL."""
    if a is None or b is None:
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return _exact(a, b, 1)
    ia, ib = _interval(a), _interval(b)
    if ia is not None and ib is not None:
        return format_interval(ia + ib)
    da, db = _dt(a) if ia is None else None, _dt(b) if ib is None else None
    if da is not None and (ib is not None or _number(b) is not None):
        delta = ib if ib is not None else datetime.timedelta(days=_number(b))  # type: ignore[arg-type]
        return format_datetime((da + delta).replace(tzinfo=None))
    if db is not None and (ia is not None or _number(a) is not None):
        return ora_add(b, a)
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na + nb
    raise ValueError("ORA-00932: inconsistent datatypes")


def ora_sub(a: object, b: object) -> object:
    """a - b; DATE/TIMESTAMP - DATE/TIMESTAMP is an INTERVAL DAY TO SECOND."""
    if a is None or b is None:
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return _exact(a, b, -1)
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
        if _number(b) is not None:
            return format_datetime((da - datetime.timedelta(days=_number(b))).replace(tzinfo=None))  # type: ignore[arg-type]
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na - nb
    raise ValueError("ORA-00932: inconsistent datatypes")


def ora_mul(a: object, b: object) -> object:
    """a * b in decimal (0.1 * 3 is 0.3), integers exactly."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    scaled = _interval_scaled(a, b, divide=False)
    if scaled is not None:
        return scaled
    na, nb = _number(a), _number(b)
    if na is None or nb is None:
        raise ValueError("ORA-01722: invalid number")
    if isinstance(na, int) and isinstance(nb, int):
        return na * nb
    d = decimal.Decimal(repr(na) if isinstance(na, float) else na) * decimal.Decimal(
        repr(nb) if isinstance(nb, float) else nb
    )
    return int(d) if d == d.to_integral_value() and abs(d) < 2**63 else float(d)


def ora_div(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    scaled = _interval_scaled(a, b, divide=True)
    if scaled is not None:
        return scaled
    na, nb = _number(a), _number(b)
    if na is None or nb is None:
        raise ValueError("ORA-01722: invalid number")
    if nb == 0:
        raise ValueError("ORA-01476: divisor is equal to zero")
    with decimal.localcontext() as dctx:
        dctx.prec = 38  # NUMBER's precision
        q = decimal.Decimal(repr(na) if isinstance(na, float) else na) / decimal.Decimal(
            repr(nb) if isinstance(nb, float) else nb
        )
    return int(q) if q == q.to_integral_value() and abs(q) < 2**63 else float(q)


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


def ora_cast_date(value: object) -> object:
    dt = _dt(value)
    return format_datetime(dt.replace(microsecond=0, tzinfo=None)) if dt is not None else value


def ora_to_number(value: object, fmt: object = None) -> object:
    if value is None or isinstance(value, int | float):
        return value
    iv = _interval(value)
    if iv is not None:  # TO_NUMBER(date - date): Django's DateField subtraction, in days
        days = iv / datetime.timedelta(days=1)
        return int(days) if days.is_integer() else days
    try:
        d = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation as e:
        raise ValueError("ORA-01722: invalid number") from e
    return int(d) if d == d.to_integral_value() else float(d)


def ora_greatest(*args: object) -> object:
    if any(a is None for a in args):
        return None
    return max(args)  # type: ignore[type-var]


def ora_least(*args: object) -> object:
    if any(a is None for a in args):
        return None
    return min(args)  # type: ignore[type-var]


def ora_regexp_like(value: object, pattern: object, flags: object = None) -> object:
    if value is None or pattern is None:
        return None
    re_flags = re.IGNORECASE if flags and "i" in str(flags) else 0
    return 1 if re.search(str(pattern), str(value), re_flags) else 0


def ora_lpad(value: object, width: object, pad: object = " ") -> object:
    if value is None or width is None:
        return None
    s, w, p = _text(value), int(width), str(pad or " ")  # type: ignore[call-overload]
    return (p * w + s)[-w:] if len(s) < w else s[:w]


def ora_rpad(value: object, width: object, pad: object = " ") -> object:
    if value is None or width is None:
        return None
    s, w, p = _text(value), int(width), str(pad or " ")  # type: ignore[call-overload]
    return (s + p * w)[:w]


def ora_bitand(a: object, b: object) -> object:
    return None if a is None or b is None else int(a) & int(b)  # type: ignore[call-overload]


def ora_hash(value: object, algo: object = "SHA1") -> object:
    if value is None:
        return None
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


def ora_substr(value: object, start: object = 1, length: object = None) -> object:
    if value is None:
        return None
    s = _text(value) if not isinstance(value, bytes) else value
    st = int(start or 1)  # type: ignore[call-overload]
    st = st - 1 if st > 0 else max(len(s) + st, 0)
    out = s[st:] if length is None else s[st : st + int(length)]  # type: ignore[call-overload]
    return out if out else None


def ora_lob_substr(value: object, amount: object = 4000, offset: object = 1) -> object:
    return ora_substr(value, offset, amount)


def ora_instr(value: object, sub: object, start: object = 1) -> object:
    if value is None or sub is None:
        return None
    return _text(value).find(_text(sub), int(start or 1) - 1) + 1  # type: ignore[call-overload]


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
    if a is None or b is None:
        return None
    if b == 0:
        return a
    r = math.fmod(a, b)  # type: ignore[arg-type]
    return int(r) if isinstance(a, int) and isinstance(b, int) else r


def ora_power(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    r = float(a) ** float(b)  # type: ignore[arg-type]
    return int(r) if r.is_integer() and abs(r) < 2**53 else r


def ora_round(a: object, digits: object = 0) -> object:
    if a is None:
        return None
    d = decimal.Decimal(str(a)).quantize(
        decimal.Decimal(1).scaleb(-int(digits or 0)),  # type: ignore[call-overload]
        rounding=decimal.ROUND_HALF_UP,
    )
    return int(d) if d == d.to_integral_value() else float(d)


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
        key = m.group(1) if m.group(1) is not None else m.group(2)
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
    """JSON_VALUE: a scalar (numbers stay numbers so comparisons work; booleans are 'true'/'false')."""
    value = _json_path(doc, path)
    if value is _MISSING or value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


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


def ora_json_exists(doc: object, path: object) -> int:
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
        if isinstance(value, float):
            return decimal.Decimal(repr(value))
        try:
            return decimal.Decimal(str(value))
        except decimal.InvalidOperation as e:
            raise ValueError("ORA-01722: invalid number") from e

    def step(self, value: object) -> None:
        d = self._dec(value)
        if d is not None:
            self.total += d
            self.count += 1

    def inverse(self, value: object) -> None:
        d = self._dec(value)
        if d is not None:
            self.total -= d
            self.count -= 1

    def value(self) -> object:
        if self.count == 0:
            return None
        result = self.total / self.count if self.average else self.total
        if result == result.to_integral_value() and abs(result) < 2**63:
            return int(result)
        return float(result)

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
    "ORA_LPAD": (-1, ora_lpad),
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
