"""The statement lexer: one statement per execute, leading keywords, INSERT parts."""

import pytest

from clickhouse_backend.driver import ProgrammingError
from clickhouse_backend.driver.statements import (
    ROW_RETURNING,
    leading_keyword,
    parse_insert,
    strip_single_statement,
)


@pytest.mark.parametrize(
    ("sql", "sent"),
    [
        ("SELECT 1", "SELECT 1"),
        ("SELECT 1;", "SELECT 1"),
        ("SELECT 1 ;  \n", "SELECT 1 "),
        ("SELECT 1; -- trailing comment", "SELECT 1"),
        ("SELECT ';'", "SELECT ';'"),
        ("SELECT 'it\\'s; here'", "SELECT 'it\\'s; here'"),
        ("SELECT 'doubled '' quote;'", "SELECT 'doubled '' quote;'"),
        ('SELECT 1 AS "semi;colon"', 'SELECT 1 AS "semi;colon"'),
        ("SELECT 1 AS `semi;colon`", "SELECT 1 AS `semi;colon`"),
        ("SELECT $$a;b$$", "SELECT $$a;b$$"),
        ("SELECT $tag$ ; $tag$", "SELECT $tag$ ; $tag$"),
        ("SELECT 1 /* ; /* nested ; */ still ; */", "SELECT 1 /* ; /* nested ; */ still ; */"),
        ("SELECT 1 -- ;\n", "SELECT 1 -- ;\n"),
        ("SELECT 1 # ;\n", "SELECT 1 # ;\n"),
    ],
)
def test_one_statement_is_accepted(sql, sent):
    """Semicolons inside literals, identifiers, heredocs and comments do not split."""
    assert strip_single_statement(sql) == sent


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; SELECT 2",
        "SELECT 1; DROP TABLE t",
        "SELECT 'a'; SELECT 'b'",
        "SELECT 1 /* /* */ '; */ ; DROP TABLE t; --'",
        "SELECT $$ ' $$; DROP TABLE t; SELECT '",
        "SELECT 1;;",
    ],
)
def test_several_statements_are_refused(sql):
    """Text holding a second statement is refused before it reaches the engine."""
    with pytest.raises(ProgrammingError, match="more than one statement"):
        strip_single_statement(sql)


def test_unterminated_quote_is_refused():
    """An unterminated literal cannot hide a second statement."""
    with pytest.raises(ProgrammingError, match="unterminated"):
        strip_single_statement("SELECT 'abc; DROP TABLE t")


@pytest.mark.parametrize(
    ("sql", "keyword", "rows"),
    [
        ("select 1", "SELECT", True),
        ("  (SELECT 1) UNION ALL (SELECT 2)", "SELECT", True),
        ("/* hint */ WITH x AS (SELECT 1) SELECT * FROM x", "WITH", True),
        ("-- c\nSHOW TABLES", "SHOW", True),
        ("DESCRIBE TABLE t", "DESCRIBE", True),
        ("CREATE TABLE t (a Int8) ENGINE = Memory", "CREATE", False),
        ("INSERT INTO t VALUES (1)", "INSERT", False),
        ("ALTER TABLE t DELETE WHERE 1", "ALTER", False),
    ],
)
def test_leading_keyword(sql, keyword, rows):
    """The first keyword, past comments and parentheses, says whether rows come back."""
    assert leading_keyword(sql) == keyword
    assert (keyword in ROW_RETURNING) is rows


def test_parse_insert_with_columns_and_settings():
    """An INSERT awaiting data splits into target, columns and settings."""
    statement = parse_insert("insert into db.`my table` (a, `b c`) SETTINGS async_insert=0 VALUES")
    assert statement.target == "db.`my table`"
    assert statement.columns == "a, `b c`"
    assert statement.without_data == "INSERT INTO db.`my table` (a, `b c`) SETTINGS async_insert=0"


def test_parse_insert_ignores_inline_values_and_selects():
    """Statements that carry their own data are ordinary statements."""
    assert parse_insert("INSERT INTO t VALUES (1, 2)") is None
    assert parse_insert("INSERT INTO t SELECT * FROM s") is None
    assert parse_insert("SELECT 1") is None
    assert parse_insert("INSERT INTO t VALUES").columns is None
