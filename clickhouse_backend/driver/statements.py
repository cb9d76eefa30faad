"""Just enough of ClickHouse's lexer to know what a statement is before sending it.

The embedded engine runs every statement in a text (``SELECT 1; DROP TABLE t`` runs
both), where a server over TCP refuses more than one. So the driver checks that a text
is one statement, ignoring semicolons inside string literals, quoted identifiers,
heredocs and comments (nested ``/* */`` included, as ClickHouse nests them). It also
needs the leading keyword, to know whether a statement returns rows, and the parts of
an ``INSERT ... VALUES`` whose data travels as Native blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .exceptions import ProgrammingError

# Runs of text with nothing the lexer cares about, then one token at a special character.
_PLAIN = re.compile(r"[^'\"`$;/#\-]+")
_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'", re.S)
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.|"")*"', re.S)
_BACKQUOTED = re.compile(r"`(?:[^`\\]|\\.|``)*`", re.S)
_HEREDOC = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*|)\$.*?\$\1\$", re.S)
_LINE_COMMENT = re.compile(r"(?:--|#)[^\n]*")
_BLOCK_EDGE = re.compile(r"/\*|\*/")
_QUOTED = {"'": _STRING, '"': _DOUBLE_QUOTED, "`": _BACKQUOTED}

_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*.*?\*/|\()*", re.S)
_KEYWORD = re.compile(r"[A-Za-z]+")

# Statements whose answer is a table of rows.
ROW_RETURNING = frozenset(
    {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK", "VALUES"}
)

_INSERT = re.compile(
    r"""^\s*INSERT\s+INTO\s+(?:TABLE\s+)?
        (?P<target>(?:`[^`]*`|"[^"]*"|[\w.])+)\s*
        (?:\((?P<columns>.*)\)\s*)?
        (?P<settings>SETTINGS\s+.*?\s*)?
        VALUES\s*$""",
    re.S | re.I | re.X,
)


def _skip_block_comment(sql: str, start: int) -> int:
    """Return the index after the nested ``/* ... */`` comment starting at ``start``."""
    depth = 0
    pos = start
    while True:
        match = _BLOCK_EDGE.search(sql, pos)
        if match is None:
            return len(sql)
        depth += 1 if match.group() == "/*" else -1
        pos = match.end()
        if depth == 0:
            return pos


def strip_single_statement(sql: str) -> str:
    """Return ``sql`` without a trailing ``;``; raise if it holds more than one statement."""
    pos = 0
    end = len(sql)
    last_semicolon = -1
    while pos < end:
        plain = _PLAIN.match(sql, pos)
        if plain:
            if last_semicolon >= 0 and plain.group().strip():
                break
            pos = plain.end()
            continue
        char = sql[pos]
        if char in _QUOTED or char == "$":
            token = (_QUOTED.get(char) or _HEREDOC).match(sql, pos)
            if token is None:
                if char == "$":
                    pos += 1  # a lone $ is part of an identifier such as a$b
                    continue
                raise ProgrammingError(f"unterminated quote {char} at position {pos}")
            if last_semicolon >= 0:
                break
            pos = token.end()
        elif sql.startswith("/*", pos):
            pos = _skip_block_comment(sql, pos)
        elif char == "#" or sql.startswith("--", pos):
            pos = _LINE_COMMENT.match(sql, pos).end()
        elif char == ";":
            if last_semicolon >= 0:
                break
            last_semicolon = pos
            pos += 1
        else:
            if last_semicolon >= 0:
                break
            pos += 1
    else:
        return sql if last_semicolon < 0 else sql[:last_semicolon]
    raise ProgrammingError(
        "the SQL holds more than one statement; send each statement in its own execute()"
    )


def leading_keyword(sql: str) -> str:
    """The first keyword of a statement, upper-cased (``""`` if there is none)."""
    start = _LEADING_NOISE.match(sql).end()
    match = _KEYWORD.match(sql, start)
    return match.group().upper() if match else ""


@dataclass(frozen=True)
class InsertStatement:
    """The parts of ``INSERT INTO target [(columns)] [SETTINGS ...] VALUES``."""

    target: str
    columns: str | None
    settings: str

    @property
    def without_data(self) -> str:
        """The statement without its ``VALUES`` keyword, as a Native insert wants it."""
        columns = f" ({self.columns})" if self.columns is not None else ""
        settings = f" {self.settings.strip()}" if self.settings else ""
        return f"INSERT INTO {self.target}{columns}{settings}"


def parse_insert(sql: str) -> InsertStatement | None:
    """Parse an INSERT that expects data after ``VALUES``; ``None`` for anything else.

    Raises if ``sql`` holds more than one statement: the parts of an INSERT are put
    together again into statements of the driver's own.
    """
    match = _INSERT.match(strip_single_statement(sql))
    if match is None:
        return None
    return InsertStatement(match["target"], match["columns"], match["settings"] or "")
