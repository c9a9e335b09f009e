"""JSON_OBJECT / JSON_ARRAY … RETURNING CLOB: what Django's JSONObject() and JSONArray() send."""

from __future__ import annotations

import json

import oracledb


def fetch_json(cur: oracledb.Cursor, sql: str, params: list[object] | None = None) -> object:
    cur.execute(sql, params or [])
    (value,) = cur.fetchone()
    return json.loads(value.read() if hasattr(value, "read") else value)


def test_json_object_as_django_sends_it(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE a (name NVARCHAR2(20), alias NVARCHAR2(20), age NUMBER(11))")
    cur.execute("INSERT INTO a VALUES ('Ivan Ivanov', NULL, 30)")
    sql = (
        "SELECT JSON_OBJECT('name' VALUE a.name, 'alias' VALUE a.alias, 'age' VALUE (a.age * 2),"
        " 'nested' VALUE JSON_OBJECT('x' VALUE 1.5 RETURNING CLOB) RETURNING CLOB) FROM a"
    )
    assert fetch_json(cur, sql) == {"name": "Ivan Ivanov", "alias": None, "age": 60, "nested": {"x": 1.5}}
    assert fetch_json(cur, "SELECT JSON_OBJECT(RETURNING CLOB) FROM DUAL") == {}
    assert fetch_json(cur, "SELECT JSON_OBJECT('a' VALUE NULL ABSENT ON NULL RETURNING CLOB) FROM DUAL") == {}
    assert fetch_json(cur, "SELECT JSON_OBJECT('k' VALUE :1 RETURNING CLOB) FROM DUAL", ["v"]) == {"k": "v"}


def test_json_array_drops_nulls_unless_null_on_null(cur: oracledb.Cursor) -> None:
    assert fetch_json(cur, "SELECT JSON_ARRAY(1, NULL, 'x' RETURNING CLOB) FROM DUAL") == [1, "x"]
    assert fetch_json(cur, "SELECT JSON_ARRAY(1, NULL, 'x' NULL ON NULL RETURNING CLOB) FROM DUAL") == [
        1,
        None,
        "x",
    ]
    assert fetch_json(cur, "SELECT JSON_ARRAY(RETURNING CLOB) FROM DUAL") == []
    nested = (
        "SELECT JSON_ARRAY(JSON_ARRAY(1, 2 RETURNING CLOB), JSON_OBJECT('a' VALUE 1 RETURNING CLOB)"
        " RETURNING CLOB) FROM DUAL"
    )
    assert fetch_json(cur, nested) == [[1, 2], {"a": 1}]
