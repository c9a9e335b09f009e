"""STANDARD_HASH over UTL_I18N.STRING_TO_RAW (Django's MD5/SHA*), CHR and CHR(… USING NCHAR_CS)."""

from __future__ import annotations

import hashlib

import oracledb
import pytest

# django.db.models.functions.text.OracleHashMixin
HASH = "SELECT LOWER(RAWTOHEX(STANDARD_HASH(UTL_I18N.STRING_TO_RAW(:1, 'AL32UTF8'), '{}'))) FROM DUAL"


@pytest.mark.parametrize("algorithm", ["MD5", "SHA1", "SHA256", "SHA384", "SHA512"])
def test_django_hash_functions(cur: oracledb.Cursor, algorithm: str) -> None:
    for text in ("John Smith", "ñandú ⚡", None):
        cur.execute(HASH.format(algorithm), [text])
        expected = None if text is None else hashlib.new(algorithm.lower(), text.encode()).hexdigest()
        assert cur.fetchone() == (expected,)


def test_string_to_raw_in_other_character_sets(cur: oracledb.Cursor) -> None:
    cur.execute("SELECT UTL_I18N.STRING_TO_RAW('aé', 'AL16UTF16'), UTL_I18N.STRING_TO_RAW('aé') FROM DUAL")
    assert cur.fetchone() == ("aé".encode("utf-16-be"), "aé".encode())


def test_chr_in_database_and_national_character_sets(cur: oracledb.Cursor) -> None:
    cur.execute("SELECT CHR(77), CHR(50089), CHR(201 USING NCHAR_CS), NCHR(8364), CHR(NULL) FROM DUAL")
    assert cur.fetchone() == ("M", "é", "É", "€", None)
