"""ClickHouse type names read as trees, for introspection of nested types.

``Map(LowCardinality(String), Array(Nullable(UInt8)))`` has a name (``Map``) and the
text of each argument; container types (``Array``, ``Map``, ``Tuple``) have types as
arguments, which are read the same way, to any depth. Tuple elements may be named
(``Tuple(x Float64, y Float64)``, which ClickHouse writes over several lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sqltext import split_top_level

CONTAINERS = frozenset({"Array", "Map", "Tuple"})
_TYPE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*", re.S)
_NAMED_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|`(?:[^`\\]|\\.)*`)\s+(\S.*)", re.S)


@dataclass(frozen=True)
class TypeName:
    """One ClickHouse type: its name and the text of its arguments."""

    name: str
    arguments: tuple[str, ...]

    def elements(self) -> list[tuple[str | None, str]]:
        """A container's element types as ``(name, type text)``; the name is None but
        in a named tuple. Other types have no elements."""
        if self.name not in CONTAINERS:
            return []
        if self.name != "Tuple":
            return [(None, argument) for argument in self.arguments]
        return [_tuple_element(argument) for argument in self.arguments]


def parse(text: str) -> TypeName:
    """The name and arguments of a type as ClickHouse writes it; ValueError otherwise."""
    match = _TYPE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a ClickHouse type: {text!r}")
    return TypeName(match[1], tuple(split_top_level(match[2] or "")))


def _tuple_element(argument: str) -> tuple[str | None, str]:
    """``x Float64`` -> ("x", "Float64"); a type alone has no name. A type's own
    spaces are inside its parentheses, after its name."""
    named = _NAMED_ELEMENT.fullmatch(argument)
    if named is None:
        return None, argument
    name = named[1]
    if name.startswith("`"):
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return name, named[2].strip()
