"""Oracle collations as SQLite collating functions (``COLLATE "BINARY_CI"``, Django's ``db_collation``).

Oracle (Database Globalization Support Guide, "Linguistic Sorting and Matching"): ``BINARY`` compares
code points; a ``_CI`` suffix ignores case, ``_AI`` ignores case and accents; a linguistic collation
(``GENERIC_M``, ``SWEDISH`` …) orders by base letter, then accent, then case, with the language's own
alphabet (Swedish: … x y z å ä ö). SQLite applies a column's collation to comparisons and ORDER BY,
as Oracle applies the column's declared collation.

``LIKE`` honours the collation of its left operand too (SQL Language Reference, "Pattern-matching
Conditions": the collation determined for the condition is used; Globalization Support Guide,
"Collation Determination"): ``col LIKE p`` on a ``_CI`` column ignores case, on an ``_AI`` column case
and accents. The translation does not know a column's collation, so SQLite tells: ``x = case_twin(x)``
(x with the case of one letter changed) holds under a collation that ignores case, and under BINARY only
when x has no cased letter, where ignoring case changes nothing; ``x = accent_twin(x)`` likewise for
accents. :func:`like` matches with what those two probes say.
"""

from __future__ import annotations

import functools
import re
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


def _toggle_accent(ch: str) -> str | None:
    """``ch`` with its accent removed (``á`` → ``a``) or an acute added (``a`` → ``á``); None if neither."""
    base = _strip_accents(ch)
    if base != ch and base.isalpha():
        return base
    if ch.isascii() and ch.isalpha():
        return unicodedata.normalize("NFC", ch + "\u0301")
    return None


def case_twin(value: object) -> object:
    """``value`` with the case of its first cased letter swapped (itself if it has none)."""
    if not isinstance(value, str):
        return value
    for i, ch in enumerate(value):
        if ch.swapcase() != ch:
            return value[:i] + ch.swapcase() + value[i + 1 :]
    return value


def accent_twin(value: object) -> object:
    """``value`` with the accent of its first accentable letter toggled, else :func:`case_twin`."""
    if not isinstance(value, str):
        return value
    for i, ch in enumerate(value):
        other = _toggle_accent(ch)
        if other is not None:
            return value[:i] + other + value[i + 1 :]
    return case_twin(value)


@functools.lru_cache(maxsize=1024)
def _like_regex(pattern: str, escape: str | None, fold: int) -> re.Pattern[str]:
    out: list[str] = []
    chars = iter(_fold(pattern, fold))
    for ch in chars:
        if escape is not None and ch == escape:
            nxt = next(chars, None)
            if nxt not in ("%", "_", escape):
                raise ValueError("ORA-01424: missing or illegal character following the escape character")
            out.append(re.escape(nxt))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _fold(text: str, fold: int) -> str:
    """0: as is; 1: case ignored; 2: case and accents ignored."""
    if fold == 2:
        return _strip_accents(text).lower()
    return text.lower() if fold == 1 else text


def like(
    value: object, pattern: object, escape: object, ignores_case: object, ignores_accents: object
) -> object:
    """``value LIKE pattern [ESCAPE escape]`` under the collation the two probes report (see above)."""
    if value is None or pattern is None:
        return None
    if escape is not None and (not isinstance(escape, str) or len(escape) != 1):
        raise ValueError("ORA-01425: escape character must be character string of length 1")
    fold = 2 if ignores_accents else (1 if ignores_case else 0)
    regex = _like_regex(str(pattern), escape, fold)
    return 1 if regex.fullmatch(_fold(str(value), fold)) else 0
