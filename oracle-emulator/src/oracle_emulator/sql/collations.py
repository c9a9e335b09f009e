"""Oracle collations as SQLite collating functions (``COLLATE "BINARY_CI"``, Django's ``db_collation``).

Oracle (Database Globalization Support Guide, "Linguistic Sorting and Matching"): ``BINARY`` compares
code points; a ``_CI`` suffix ignores case, ``_AI`` ignores case and accents; a linguistic collation
(``GENERIC_M``, ``SWEDISH`` …) orders by base letter, then accent, then case, with the language's own
alphabet (Swedish: … x y z å ä ö). SQLite applies a column's collation to comparisons and ORDER BY,
as Oracle applies the column's declared collation; ``LIKE`` is not collation-aware here (it stays
case-sensitive, as with BINARY).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any

# Letters a language sorts after z (primary weights beyond 'z'), in its alphabet's order.
_AFTER_Z = {
    "SWEDISH": "åäö",
    "FINNISH": "åäö",
    "DANISH": "æøå",
    "NORWEGIAN": "æøå",
}
_EQUIVALENT = {"SWEDISH": {"æ": "ä", "ø": "ö"}, "FINNISH": {"æ": "ä", "ø": "ö"}}
LINGUISTIC = ("GENERIC_M", "SWEDISH", "FINNISH", "DANISH", "NORWEGIAN", "XGERMAN", "GERMAN", "FRENCH")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)
def _linguistic_key(language: str, text: str, level: int) -> tuple[object, ...]:
    """(primary, secondary, tertiary)[:level]: base letters, accents, case."""
    after = _AFTER_Z.get(language, "")
    same = _EQUIVALENT.get(language, {})
    primary: list[tuple[int, int]] = []
    secondary: list[str] = []
    for ch in text.lower():
        ch = same.get(ch, ch)
        if ch in after:
            primary.append((ord("z"), 1 + after.index(ch)))
            secondary.append("")
            continue
        base = _strip_accents(ch) or ch
        primary.extend((ord(b), 0) for b in base)
        secondary.append(unicodedata.normalize("NFD", ch)[len(base) :])
    tertiary = tuple(c.isupper() for c in text)
    return (tuple(primary), tuple(secondary), tertiary)[:level]


def _compare(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def collation(name: str) -> Callable[[str, str], int] | None:
    """The collating function of an Oracle collation name, or None if it is not one we model."""
    upper = name.upper()
    if upper in ("BINARY", "USING_NLS_COMP", "USING_NLS_SORT"):
        return lambda a, b: _compare(a, b)
    if upper == "BINARY_CI":
        return lambda a, b: _compare(a.lower(), b.lower())
    if upper == "BINARY_AI":
        return lambda a, b: _compare(_strip_accents(a).lower(), _strip_accents(b).lower())
    language, _, suffix = upper.partition("_")
    if upper.startswith("GENERIC_M"):
        language, suffix = "GENERIC_M", upper[len("GENERIC_M") :].lstrip("_")
    if language not in LINGUISTIC or suffix not in ("", "CI", "AI"):
        return None
    level = {"": 3, "CI": 2, "AI": 1}[suffix]
    return lambda a, b: _compare(_linguistic_key(language, a, level), _linguistic_key(language, b, level))


#: The names registered on every session connection (SQLite looks collations up case-insensitively).
NAMES = (
    "BINARY_CI",
    "BINARY_AI",
    "USING_NLS_COMP",
    *(f"{lang}{suffix}" for lang in LINGUISTIC for suffix in ("", "_CI", "_AI")),
)
