"""JSON_VALUE / JSON_QUERY / JSON_EXISTS as Django's JSONField key transforms send them."""

from __future__ import annotations

import json

import oracledb
import pytest

# django.db.models.fields.json.KeyTransform.as_oracle
KEY = "COALESCE(JSON_QUERY(v, q'\uffff{0}\uffff'), JSON_VALUE(v, q'\uffff{0}\uffff'))"
SPECIAL = "escape\uffff'seq'\uffffue\uffff'nce"


@pytest.fixture
def docs(cur: oracledb.Cursor) -> oracledb.Cursor:
    cur.execute("CREATE TABLE js (id NUMBER(11), v NCLOB CHECK (v IS JSON))")
    rows = [
        (1, {"ord": 93, "p": 4.2, SPECIAL: "x", 'dq"': "y"}),
        (2, {"ord": -1, "p": 1.0}),
        (3, {"ord": 21.931902, "b": True}),
        (4, {"ord": -100291029, "j": None}),
        (5, None),
    ]
    cur.executemany(
        "INSERT INTO js VALUES (:1, :2)", [(i, json.dumps(d) if d is not None else None) for i, d in rows]
    )
    return cur


def test_json_value_returns_varchar2_text(docs: oracledb.Cursor) -> None:
    # SQL Language Reference, JSON_VALUE: without RETURNING the result is VARCHAR2(4000).
    p_key = KEY.format('$."p"')
    docs.execute(f"SELECT {p_key}, JSON_VALUE(v, '$.b') FROM js WHERE id IN (1, 2, 3) ORDER BY id")
    assert docs.fetchall() == [("4.2", None), ("1", None), (None, "true")]
    assert docs.description[0][1] is oracledb.DB_TYPE_VARCHAR
    # Ordered as text, as Django's test_ordering_by_transform expects on Oracle.
    docs.execute(f"SELECT id FROM js WHERE id < 5 ORDER BY {KEY.format('$.ord')}")
    assert [i for (i,) in docs.fetchall()] == [2, 4, 3, 1]


def test_json_value_compared_with_a_number_is_converted(docs: oracledb.Cursor) -> None:
    docs.execute(f"SELECT id FROM js WHERE {KEY.format('$.ord')} > :1 ORDER BY id", [21])
    assert [i for (i,) in docs.fetchall()] == [1, 3]
    docs.execute("SELECT id FROM js WHERE JSON_VALUE(v, '$.p') = 1")
    assert docs.fetchall() == [(2,)]


def test_quoted_field_names_decode_json_escapes(docs: oracledb.Cursor) -> None:
    for key in (SPECIAL, 'dq"'):
        path = "$." + json.dumps(key)  # Django: each key through json.dumps (\uffff, \")
        docs.execute(f"SELECT id, {KEY.format(path)} FROM js WHERE JSON_EXISTS(v, q'\uffff{path}\uffff')")
        assert docs.fetchall() == [(1, "x" if key == SPECIAL else "y")]


def test_json_exists_of_null_is_unknown(docs: oracledb.Cursor) -> None:
    # Django's exclude(value__j=None) on Oracle leaves out rows whose JSON is NULL.
    docs.execute(
        f"SELECT id FROM js WHERE NOT (JSON_EXISTS(v, '$.j') AND {KEY.format('$.j')} IS NULL) ORDER BY id"
    )
    assert [i for (i,) in docs.fetchall()] == [1, 2, 3]
