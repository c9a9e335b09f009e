"""The bind-placeholder rule of the thin client, mirrored by the engine's lexer."""

from __future__ import annotations

from oracle_emulator.sql.lexer import Tok, bind_names, first_keywords, is_plsql, tokenize


def names(sql: str) -> list[str]:
    return bind_names(tokenize(sql), is_plsql(sql))


def test_sql_binds_every_occurrence_in_text_order():
    assert names("SELECT :a, :b, :a FROM dual WHERE x = :1") == ["A", "B", "A", "1"]


def test_plsql_binds_each_distinct_name_once():
    assert names("BEGIN :x := :y || :x; END;") == ["X", "Y"]
    assert names("DECLARE v INT; BEGIN :out := :in; END;") == ["OUT", "IN"]


def test_not_binds_in_strings_comments_and_assignments():
    sql = "SELECT ':no', q'[:no]', \"A:B\" /* :no */ -- :no\n FROM t WHERE c = :yes"
    assert names(sql) == ["YES"]
    assert names("BEGIN v := 1; END;") == []
    # A colon right after a string is JSON syntax, not a bind.
    assert names("SELECT JSON_OBJECT('k' : 1) FROM dual") == []


def test_quoted_bind_names_keep_case():
    assert names('SELECT :"MixedCase", :lower FROM dual') == ["MixedCase", "LOWER"]


def test_literals_and_identifiers():
    toks = [t for t in tokenize("SELECT 'it''s', N'n', q'{a'b}', \"Q\" FROM dual") if t.kind is not Tok.SPACE]
    assert [t.value for t in toks if t.kind is Tok.STRING] == ["it's", "n", "a'b"]
    assert [t.value for t in toks if t.kind is Tok.QUOTED] == ["Q"]
    assert "".join(t.text for t in tokenize("a  /* c */ b")) == "a  /* c */ b"


def test_first_keywords():
    assert first_keywords("  /* hint */ alter session set x = 1") == ["ALTER", "SESSION", "SET"]
    assert first_keywords("-- c\n(SELECT 1 FROM dual) UNION (SELECT 2 FROM dual)", 1) == ["SELECT"]
    assert first_keywords("") == []
