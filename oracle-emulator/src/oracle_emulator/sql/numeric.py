"""NUMBER values in SQLite: 38 significant digits, which neither INTEGER nor REAL holds.

A value that fits SQLite exactly stays native: an integer within 64 bits as INTEGER, a value of at most
15 significant digits as REAL (a double holds those exactly, and so does SQLite's text of it). Any
other NUMBER (``2**63``, a ``NUMBER(19)`` of nineteen nines, ``DecimalField(max_digits=38)``) is
stored as *order-preserving text*: SQLite would turn plain digits into a lossy REAL under a numeric
column's affinity, while this text does not look like a number to it, and two such values compare as
their numbers do.

Encoding (the control character GS, which no text value carries, and ``N``, then the sign, a
three-digit exponent, and the digits of the coefficient):

* positive: GS ``N1`` + (adjusted exponent + 500) + the digits, trailing zeros stripped
* negative: GS ``N0`` + (499 - adjusted exponent) + each digit's complement to 9 + ``~``
  (the ``~`` sorts after every digit, so -1.2 sorts after -1.23, as it is greater)

A NUMBER column that can hold such values (``NUMBER`` without precision, ``NUMBER(p)`` with p ≥ 19,
``NUMBER(p,s)`` with p > 15) is declared with TEXT affinity and the :data:`COLLATION`: SQLite stores
every value there as text and compares two of them, or one with a bind or literal (which the column's
affinity turns into text first), as the numbers they are, so ``=``, ``<``, ``ORDER BY``, ``MIN``,
``MAX``, ``GROUP BY`` and unique keys are right. Outside such a column (an expression's result compared
with a number) SQLite still orders any INTEGER or REAL before any text: a value beyond 64 bits compares
right with native numbers only when positive (the limit ``docs/emulator_sql.md`` states).
"""

from __future__ import annotations

import decimal

_POSITIVE = "\x1dN1"
_NEGATIVE = "\x1dN0"
_HEAD = len(_POSITIVE) + 3  # prefix and exponent
_INT64 = 2**63
# NUMBER keeps 38 significant digits; the context has room for any scale of them.
CONTEXT = decimal.Context(prec=38, rounding=decimal.ROUND_HALF_UP, Emax=200, Emin=-200)
# NUMBER's largest magnitude is 9.99…E125 (SQL Language Reference, "NUMBER Data Type").
MAX_EXPONENT = 125
# Rounding to a scale: room for 38 significant digits at any scale.
WIDE = decimal.Context(prec=80, Emax=400, Emin=-400)
# SQL check of a NUMBER column with numeric affinity: native numbers, NULL, or this encoding.
SQL_CHECK = "typeof({col}) IN ('integer', 'real', 'null') OR substr({col}, 1, 2) = char(29) || 'N'"
# The collation of the wide NUMBER columns, and the check that their text is a number.
COLLATION = "ORA_NUMBER"
TEXT_CHECK = "ORA_IS_NUMBER({col})"


def parse(text: str) -> decimal.Decimal | None:
    """A stored text as a NUMBER: the encoding, or plain numeric text; None if it is neither."""
    if is_encoded(text):
        return decode(text)
    try:
        d = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None
    return d if d.is_finite() else None


def collate(a: str, b: str) -> int:
    """SQLite collation of the wide NUMBER columns: numeric order (text order if one is no number)."""
    da, db = parse(a), parse(b)
    if da is None or db is None:
        return (a > b) - (a < b)
    return (da > db) - (da < db)


def is_number_text(value: object) -> int | None:
    """``ORA_IS_NUMBER(col)``: the check that keeps text that is no number out of a wide column."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return 1
    return 1 if isinstance(value, str) and parse(value) is not None else 0


def is_encoded(value: object) -> bool:
    return isinstance(value, str) and len(value) > _HEAD and value[:3] in (_POSITIVE, _NEGATIVE)


def encode(d: decimal.Decimal) -> str:
    """The order-preserving text of a finite, non-zero NUMBER."""
    d = d.normalize(CONTEXT)
    sign, digits, _ = d.as_tuple()
    exponent = d.adjusted()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    if not sign:
        return f"{_POSITIVE}{exponent + 500:03d}{text}"
    complement = "".join(str(9 - int(c)) for c in text)
    return f"{_NEGATIVE}{499 - exponent:03d}{complement}~"


def decode(text: str) -> decimal.Decimal:
    """The NUMBER an :func:`encode` text stands for."""
    body = text[_HEAD:]
    if text.startswith(_POSITIVE):
        exponent = int(text[3:_HEAD]) - 500
        digits = body
        sign = 0
    else:
        exponent = 499 - int(text[3:_HEAD])
        digits = "".join(str(9 - int(c)) for c in body.rstrip("~"))
        sign = 1
    coefficient = tuple(int(c) for c in digits)
    return decimal.Decimal((sign, coefficient, exponent - len(coefficient) + 1))


def to_storage(value: int | float | decimal.Decimal) -> int | float | str:
    """A number as SQLite keeps it: native when exact there, else the order-preserving text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else encode(decimal.Decimal(value))
    if isinstance(value, float):
        return value
    if not value.is_finite() or value.adjusted() > MAX_EXPONENT:
        raise ValueError("ORA-01426: numeric overflow")
    if value.is_zero():
        return 0
    if value == value.to_integral_value() and -_INT64 <= value < _INT64:
        return int(value)
    # REAL only for up to 15 significant digits: SQLite writes a REAL into a TEXT column (the wide
    # NUMBER columns) with 15, so a longer value would lose digits there.
    if len(value.normalize(CONTEXT).as_tuple().digits) <= 15:
        return float(value)
    return encode(value)


def from_storage(value: object) -> decimal.Decimal | None:
    """A stored NUMBER (native or encoded) as an exact Decimal; None for anything else."""
    if isinstance(value, bool):
        return decimal.Decimal(int(value))
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    if is_encoded(value):
        return decode(value)  # type: ignore[arg-type]
    return None


def to_python(d: decimal.Decimal) -> int | decimal.Decimal:
    """What the protocol encodes: integral values as int (any size), others as Decimal."""
    if d == d.to_integral_value():
        return int(d)
    return d.normalize(CONTEXT)
