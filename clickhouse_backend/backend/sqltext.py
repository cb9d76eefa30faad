"""Reading the SQL text that ClickHouse reports about its tables (``system.tables``
keys and ``engine_full``, skip index expressions): split at top-level commas, find the
engine's arguments and SETTINGS, tell a column name from an expression.

The text comes from ClickHouse's own formatter, so brackets balance and quoted strings
and names use backslash escapes; nothing here evaluates it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED_IDENTIFIER = re.compile(r'`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")


def _top_level(text: str) -> Iterator[int]:
    """Indexes of the characters outside brackets and quotes (brackets themselves excluded)."""
    depth = 0
    quote = None
    escaped = False
    for index, char in enumerate(text):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'`\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            yield index


def split_top_level(text: str) -> list[str]:
    """``a, f(b, c), 'x,y'`` -> ``["a", "f(b, c)", "'x,y'"]``; empty text -> ``[]``."""
    parts, start = [], 0
    for index in _top_level(text):
        if text[index] == ",":
            parts.append(text[start:index].strip())
            start = index + 1
    last = text[start:].strip()
    return [*parts, last] if last or parts else []


def key_parts(key: str) -> list[str]:
    """A table key's parts: ``a, f(b)`` and ``(a, f(b))`` (how ClickHouse reports a
    partition key given as a tuple) are both ``["a", "f(b)"]``."""
    key = key.strip()
    if key.startswith("(") and next(_top_level(key), None) is None:
        key = key[1:-1]
    return split_top_level(key)


def column_name(text: str) -> str | None:
    """The column a key or index part names (plain or quoted), or None for an expression."""
    text = text.strip()
    if _IDENTIFIER.fullmatch(text):
        return text
    if quoted := _QUOTED_IDENTIFIER.fullmatch(text):
        return _ESCAPE.sub(r"\1", quoted[1] if quoted[1] is not None else quoted[2])
    return None


_NAME_OR_STRING = re.compile(
    r"'(?:[^'\\]|\\.)*'|`((?:[^`\\]|\\.)*)`|\"((?:[^\"\\]|\\.)*)\"|(?<![\w.])([A-Za-z_]\w*)"
)


def names_in(expression: str) -> set[str]:
    """Every name an expression holds, outside string literals and numbers (``1e5``):
    ``cityHash64(`user id`)`` -> ``{"cityHash64", "user id"}`` (the names of functions
    too; the caller knows which are columns)."""
    names = set()
    for match in _NAME_OR_STRING.finditer(expression):
        quoted = match[1] if match[1] is not None else match[2]
        if quoted is not None:
            names.add(_ESCAPE.sub(r"\1", quoted))
        elif match[3] is not None:
            names.add(match[3])
    return names


def split_settings(engine_clause: str) -> tuple[str, list[str]]:
    """``MergeTree ORDER BY id SETTINGS a = 1, b = 'x'`` -> the text before SETTINGS and
    the settings' ``name = value`` items."""
    for index in _top_level(engine_clause):
        if engine_clause.startswith(" SETTINGS ", index):
            return engine_clause[:index], split_top_level(engine_clause[index + 10 :])
    return engine_clause, []


def clause_start(engine_full: str, keyword: str) -> int | None:
    """Where `` <keyword> `` (``PRIMARY KEY``, ``TTL``) starts in an engine clause, outside
    brackets and quotes; None when the clause has no such part."""
    for index in _top_level(engine_full):
        if engine_full.startswith(f" {keyword} ", index):
            return index
    return None


def ttl_rules(engine_full: str) -> str | None:
    """``MergeTree ORDER BY id TTL d + toIntervalDay(1) SETTINGS a = 1`` -> the TTL
    clause's text (``d + toIntervalDay(1)``); None without one. ClickHouse writes TTL
    after the keys and before SETTINGS."""
    head, _ = split_settings(engine_full)
    start = clause_start(head, "TTL")
    return None if start is None else head[start + len(" TTL ") :].strip()


def engine_call(engine_clause: str) -> tuple[str, list[str], str]:
    """``ReplacingMergeTree(v) ORDER BY id`` -> the engine's name, its arguments' text and
    what follows them (`` ORDER BY id``). ClickHouse quotes some names (```Null```)."""
    match = re.match(r"`((?:[^`\\]|\\.)*)`|\w*", engine_clause)
    name = _ESCAPE.sub(r"\1", match[1]) if match[1] is not None else match[0]
    rest = engine_clause[match.end() :]
    arguments: list[str] = []
    if rest.startswith("("):
        after = next(_top_level(rest), len(rest))  # the first character after ")"
        arguments = split_top_level(rest[1 : after - 1])
        rest = rest[after:]
    return name, arguments, rest


def engine_parts(engine_full: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """``ReplacingMergeTree(v) ORDER BY id SETTINGS a = 1`` -> the engine's name, its
    arguments' text and its settings as (name, literal text)."""
    name, arguments, _ = engine_call(engine_full)
    settings = []
    for item in split_settings(engine_full)[1]:
        setting, _, value = item.partition("=")
        settings.append((setting.strip(), value.strip()))
    return name, arguments, settings


_COLUMN_NAME = re.compile(r"`((?:[^`\\]|\\.)*)`|[A-Za-z_][A-Za-z0-9_]*")


def column_definitions(create_query: str) -> list[str]:
    """The items between the parentheses of a ``CREATE TABLE`` (columns, then INDEX,
    PROJECTION and CONSTRAINT items), each as ClickHouse wrote it."""
    previous = -1
    for index in _top_level(create_query):
        if index != previous + 1 and create_query[previous + 1] == "(":
            return split_top_level(create_query[previous + 2 : index - 1])
        previous = index
    return []


def column_ttls(create_query: str) -> dict[str, str]:
    """Each column's TTL expression, by column name (system.columns does not give it):
    ``v Float64 CODEC(ZSTD(1)) TTL d + toIntervalDay(1)`` -> ``{"v": "d + toIntervalDay(1)"}``.
    ClickHouse writes a column's TTL after its codec, before its SETTINGS."""
    ttls = {}
    for definition in column_definitions(create_query):
        name = _COLUMN_NAME.match(definition)
        if name is None or name[1] is None:  # an INDEX, PROJECTION or CONSTRAINT item
            continue
        head, _ = split_settings(definition)
        if (start := clause_start(head, "TTL")) is not None:
            ttls[_ESCAPE.sub(r"\1", name[1])] = head[start + len(" TTL ") :].strip()
    return ttls


_PROJECTION = re.compile(r"PROJECTION\s+(`(?:[^`\\]|\\.)*`|\w+)\s*\((.*)\)\s*", re.S)


def projections(create_query: str) -> dict[str, str]:
    """The table's projections in a CREATE TABLE's text, by name: their queries."""
    found = {}
    for definition in column_definitions(create_query):
        if match := _PROJECTION.fullmatch(definition):
            found[column_name(match[1])] = match[2].strip()
    return found
