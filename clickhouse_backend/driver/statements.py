"""Just enough of ClickHouse's lexer to know what a statement is before sending it.

The embedded engine runs every statement in a text (``SELECT 1; DROP TABLE t`` runs
both), where a server over TCP refuses more than one. So the driver checks that a text
is one statement, ignoring semicolons inside string literals, quoted identifiers,
heredocs and comments (nested ``/* */`` included, as ClickHouse nests them). It also
needs the leading keyword, to know whether a statement returns rows, a trailing
``FORMAT`` clause, which transports that decode Native results refuse, and the parts of
an ``INSERT ... VALUES`` whose data travels as Native blocks; ``column_blocks`` cuts that
data's rows into the blocks' columns, for both transports.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .exceptions import NotSupportedError, ProgrammingError

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

# A trailing FORMAT clause, perhaps followed by SETTINGS (ClickHouse takes either order);
# words that may follow an expression named "format" at the end are not format names.
_FORMAT_CLAUSE = re.compile(
    r"(?<![\w.])FORMAT\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+SETTINGS\b.*)?\s*$", re.I | re.S
)
_QUOTED_PLACEHOLDER = "q"
_FORMAT_WORD = re.compile(r"FORMAT", re.I)
_NOT_A_FORMAT = frozenset({"ASC", "DESC", "ASCENDING", "DESCENDING", "FINAL", "SETTINGS"})

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


def _tokens(sql: str) -> Iterator[tuple[str, int, int]]:
    """The lexer's tokens as (kind, start, end): ``plain`` text, a ``quoted`` string,
    name or heredoc, a ``comment``, a ``;``, or any ``other`` single character."""
    pos = 0
    end = len(sql)
    while pos < end:
        plain = _PLAIN.match(sql, pos)
        if plain:
            yield "plain", pos, plain.end()
            pos = plain.end()
            continue
        char = sql[pos]
        if char in _QUOTED or char == "$":
            token = (_QUOTED.get(char) or _HEREDOC).match(sql, pos)
            if token is None:
                if char != "$":
                    raise ProgrammingError(f"unterminated quote {char} at position {pos}")
                after = pos + 1  # a lone $ is part of an identifier such as a$b
                yield "other", pos, after
            else:
                after = token.end()
                yield "quoted", pos, after
        elif sql.startswith("/*", pos):
            after = _skip_block_comment(sql, pos)
            yield "comment", pos, after
        elif char == "#" or sql.startswith("--", pos):
            after = _LINE_COMMENT.match(sql, pos).end()
            yield "comment", pos, after
        else:
            after = pos + 1
            yield (";" if char == ";" else "other"), pos, after
        pos = after


def strip_single_statement(sql: str) -> str:
    """Return ``sql`` without a trailing ``;``; raise if it holds more than one statement."""
    last_semicolon = -1
    for kind, start, end in _tokens(sql):
        if kind == "comment" or (kind == "plain" and not sql[start:end].strip()):
            continue
        if last_semicolon >= 0:
            raise ProgrammingError(
                "the SQL holds more than one statement; send each statement in its own execute()"
            )
        if kind == ";":
            last_semicolon = start
    return sql if last_semicolon < 0 else sql[:last_semicolon]


def check_no_format_clause(sql: str) -> None:
    """Refuse a trailing ``FORMAT name`` clause (but ``FORMAT Native``) in a statement of
    one statement. The HTTP and embedded transports read every result in the Native
    format and decode it; a clause naming another format would make the engine answer in
    that one, which the decoder would misread into a confusing error."""
    if _FORMAT_WORD.search(sql) is None:  # most statements: no need to lex them again
        return
    match = _FORMAT_CLAUSE.search(_code_only(sql))
    if match is None or match[1].upper() in _NOT_A_FORMAT or match[1] == "Native":
        return
    clause = "FORMAT" if match[1] == _QUOTED_PLACEHOLDER else f"FORMAT {match[1]}"
    raise NotSupportedError(
        f"{clause}: results are always read in the Native format, which the driver "
        "decodes into Python values; remove the FORMAT clause (to get text in a format, "
        "use ClickHouse's HTTP interface or clickhouse-client directly, or format the rows "
        "in Python)"
    )


def _code_only(sql: str) -> str:
    """``sql`` with each literal and quoted name as one word and each comment as a space, so
    keywords can be searched for in the rest."""
    blanks = {"quoted": f" {_QUOTED_PLACEHOLDER} ", "comment": " "}
    return "".join(blanks.get(kind) or sql[start:end] for kind, start, end in _tokens(sql))


def leading_keyword(sql: str) -> str:
    """The first keyword of a statement, upper-cased (``""`` if there is none)."""
    start = _LEADING_NOISE.match(sql).end()
    match = _KEYWORD.match(sql, start)
    return match.group().upper() if match else ""


# Statements whose effect outlives them, in the session: its settings, its current
# database, an open transaction; and CREATE TEMPORARY (any CREATE that says TEMPORARY,
# to be safe: a session closed for nothing only costs a new one).
_SESSION_KEYWORDS = frozenset({"SET", "USE", "BEGIN"})
_TEMPORARY = re.compile(r"\bTEMPORARY\b", re.IGNORECASE)


def changes_session(sql: str) -> bool:
    """Whether a statement leaves state in its session for the statements after it."""
    keyword = leading_keyword(sql)
    return keyword in _SESSION_KEYWORDS or (
        keyword == "CREATE" and _TEMPORARY.search(sql) is not None
    )


@dataclass(frozen=True)
class InsertStatement:
    """The parts of ``INSERT INTO target [(columns)] [SETTINGS ...] VALUES``."""

    target: str
    columns: str | None
    settings: str

    @property
    def column_names(self) -> list[str] | None:
        """The names of its column list, or None if it has none or not a plain one."""
        return column_names(self.columns) if self.columns is not None else None

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


_COLUMN_NAME = re.compile(r'\s*(?:`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"|([\w.]+))\s*(?:,|$)')


def column_names(columns: str) -> list[str] | None:
    """The names in an INSERT's column list, or None if it is not a plain list."""
    names, position = [], 0
    while position < len(columns):
        match = _COLUMN_NAME.match(columns, position)
        if match is None or match.end() == position:
            return None
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        names.append(quoted.replace("\\", "") if quoted is not None else match.group(3))
        position = match.end()
    return names


def column_blocks(
    rows: Iterable, block_size: int, names: Sequence[str] | None
) -> Iterator[list[list]]:
    """Cut the rows of an INSERT into blocks of at most ``block_size`` rows, each a list
    of columns in the order of ``names`` (see ``row_blocks``). A block's values are taken
    by one itemgetter a column: no Python code runs per value."""
    for block in row_blocks(rows, block_size, names):
        yield block.columns()


@dataclass(frozen=True)
class RowBlock:
    """Checked rows of an INSERT, and how to take each column out of them."""

    rows: list
    getters: list[operator.itemgetter]
    mappings: bool
    start: int  # the index of the first row in the INSERT
    names: Sequence[str] | None

    def columns(self) -> list[list]:
        try:
            return [list(map(getter, self.rows)) for getter in self.getters]
        except KeyError:  # a mapping of the right size with other keys
            raise _unmatched_keys(self.rows, self.start, self.names) from None

    def tuples(self) -> Iterable:
        """The rows as sequences in the order of ``names`` (mappings are transposed)."""
        return zip(*self.columns(), strict=True) if self.mappings else self.rows


def row_blocks(rows: Iterable, block_size: int, names: Sequence[str] | None) -> Iterator[RowBlock]:
    """The rows of an INSERT in blocks of at most ``block_size``, checked.

    A row is a sequence of values in the order of ``names``, or a mapping of column name
    to value (clickhouse-driver's dict rows); one INSERT's rows are all of one kind.
    Without ``names`` (the transport checks the width itself) rows are sequences as wide
    as the first one, and mappings are refused.
    """
    rows = iter(rows)
    mappings: bool | None = None  # whether the rows are mappings, from the first one
    width = 0
    getters: list[operator.itemgetter] = []
    start = 0
    while True:
        chunk = list(itertools.islice(rows, block_size))
        if not chunk:
            return
        if mappings is None:
            mappings = _is_mapping(chunk[0])
            if mappings and names is None:
                raise ProgrammingError("dict rows need the INSERT's column names")
            width = len(names) if names is not None else _length(chunk[0], start)
            keys = names if mappings else range(width)
            getters = [operator.itemgetter(key) for key in keys]
        if {issubclass(kind, Mapping) for kind in set(map(type, chunk))} != {mappings}:
            raise _mixed_rows(chunk, start, mappings)
        try:
            lengths = set(map(len, chunk))
        except TypeError:
            raise _not_a_row(chunk, start) from None
        if lengths != {width}:
            if mappings:
                raise _unmatched_keys(chunk, start, names)
            needs = f"{width} values" if names is not None else "as many values as the first"
            raise ProgrammingError(
                f"each row of this INSERT needs {needs}; got rows of {sorted(lengths)} values"
            )
        yield RowBlock(chunk, getters, mappings, start, names)
        start += len(chunk)


def _is_mapping(row: object) -> bool:
    return isinstance(row, Mapping)


def _length(row: object, index: int) -> int:
    try:
        return len(row)
    except TypeError:
        raise _not_a_row([row], index) from None


def _not_a_row(chunk: list, start: int) -> ProgrammingError:
    for index, row in enumerate(chunk, start):
        if not hasattr(row, "__len__"):
            return ProgrammingError(
                f"row {index} of this INSERT is a {type(row).__name__}: each row must be a "
                "tuple or list of values, or a dict of column name to value"
            )
    return ProgrammingError("each row of this INSERT must be a tuple, list or dict")


def _mixed_rows(chunk: list, start: int, mappings: bool) -> ProgrammingError:
    for index, row in enumerate(chunk, start):
        if _is_mapping(row) != mappings:
            first = "dicts" if mappings else "tuples or lists"
            return ProgrammingError(
                f"the rows of one INSERT must be all dicts or all tuples or lists: the first "
                f"rows are {first}, row {index} is a {type(row).__name__}"
            )
    raise AssertionError("no row of another kind")  # pragma: no cover


def _unmatched_keys(chunk: list, start: int, names: Sequence[str]) -> ProgrammingError:
    """The error for the first dict row whose keys are not the INSERT's columns."""
    expected = set(names)
    for index, row in enumerate(chunk, start):
        keys = set(row)
        if keys == expected:
            continue
        missing = [name for name in names if name not in keys]
        unknown = sorted(keys - expected, key=repr)
        problems = []
        if missing:
            problems.append(f"no value for column(s) {', '.join(map(repr, missing))}")
        if unknown:
            problems.append(
                f"key(s) {', '.join(map(repr, unknown))} that are not columns of the INSERT"
            )
        return ProgrammingError(
            f"row {index} of this INSERT has {' and '.join(problems)} "
            f"(its columns: {', '.join(map(repr, names))})"
        )
    columns = ", ".join(map(repr, names))  # a mapping whose len() and keys disagree
    return ProgrammingError(f"dict rows of this INSERT must hold exactly its columns: {columns}")
