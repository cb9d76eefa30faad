"""The column options every ClickHouse field takes, checked when the field is made.

``codec=`` says how the column is compressed, ``ttl=`` when its values are reset to the
column's default, and one of ``materialized=``, ``alias=``, ``ephemeral=`` whether
ClickHouse computes the column (stored, or on every read) or takes it only as an input
of other columns' defaults when a row is inserted. The schema editor writes them
(``DatabaseSchemaEditor.column_options_sql``); the ORM reads computed columns back and
never writes them (``ClickHouseField.generated``). Each is checked here, so that a
mistake fails when the model is imported, naming the field's option, not at ``migrate``
with ClickHouse's words about a column.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models.expressions import BaseExpression

from ..engines import sql_text

# ClickHouse's codec families (system.codecs), spelled as ClickHouse spells them: it
# refuses ZSTD written zstd.
CODEC_FAMILIES = frozenset(
    {
        "NONE",
        "LZ4",
        "LZ4HC",
        "ZSTD",
        "ZSTD_QAT",
        "DEFLATE_QPL",
        "Delta",
        "DoubleDelta",
        "Gorilla",
        "FPC",
        "T64",
        "GCD",
        "ALP",
        "Quantized",
        "AES_128_GCM_SIV",
        "AES_256_GCM_SIV",
    }
)
# One codec of a chain: a family name and, maybe, whole-number arguments. Nothing else
# may reach the DDL, where the text is written as it is: ASCII digits and spaces only
# (\d and \s would take other scripts' digits and Unicode spaces).
_CODEC = re.compile(
    r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<args>[\s\d,]*)\))?\s*", re.ASCII
)

# What ClickHouse computes for a column other than a DEFAULT (system.columns.default_kind).
COMPUTED_KINDS = ("materialized", "alias", "ephemeral")

ColumnExpression = str | BaseExpression


def checked_codec(owner: str, codec: str | None) -> str | None:
    """The codec chain in ClickHouse's spelling (``"Delta, ZSTD(3)"``), or None."""
    if codec is None:
        return None
    if not isinstance(codec, str) or not codec.strip():
        raise TypeError(f'{owner}: codec= takes codec text such as "ZSTD(3)", not {codec!r}')
    written = []
    for part in codec.split(","):  # arguments hold digits only: no comma is nested
        written.append(_codec_part(owner, part, codec))
    return ", ".join(written)


def _codec_part(owner: str, part: str, codec: str) -> str:
    match = _CODEC.fullmatch(part)
    if match is None:
        raise ValueError(
            f"{owner}: codec={codec!r} is not a chain of codecs such as "
            '"Delta, ZSTD(3)" (names, each with whole-number arguments in parentheses)'
        )
    name, args = match["name"], match["args"]
    if name not in CODEC_FAMILIES:
        known = {family.lower(): family for family in CODEC_FAMILIES}
        hint = (
            f"; ClickHouse spells it {known[name.lower()]}"
            if name.lower() in known
            else f"; ClickHouse's codecs are {', '.join(sorted(CODEC_FAMILIES))}"
        )
        raise ValueError(f"{owner}: codec={codec!r} names no ClickHouse codec {name!r}{hint}")
    if args is None:
        return name
    numbers = [arg.strip() for arg in args.split(",")]
    if not all(numbers):
        raise ValueError(f"{owner}: codec={codec!r}: {name}() takes whole numbers")
    return f"{name}({', '.join(numbers)})"


def checked_expression(owner: str, option: str, value: Any) -> Any:
    """A column expression option as given (SQL text or a Django expression), checked."""
    if value is None:
        return None
    if option == "ephemeral" and value is True:
        return True  # EPHEMERAL without an expression: the type's default value
    if isinstance(value, str) and not value.strip():
        raise ValueError(f"{owner}: {option}= takes SQL text or a Django expression, not ''")
    sql_text(f"{owner}: {option}=", value)  # TypeError for anything else
    return value


def computed_kind(owner: str, options: dict[str, Any]) -> str | None:
    """Which of materialized/alias/ephemeral the field sets: at most one."""
    given = [kind for kind in COMPUTED_KINDS if options[kind] is not None]
    if len(given) > 1:
        raise ValueError(
            f"{owner}: {' and '.join(f'{kind}=' for kind in given)} cannot be combined; a "
            "ClickHouse column is MATERIALIZED, ALIAS or EPHEMERAL, or none of them"
        )
    return given[0] if given else None


def refuse_conflicts(owner: str, field, kind: str | None, codec, ttl) -> None:
    """Refuse what ClickHouse refuses (or ignores) of a computed column."""
    if kind is None:
        return
    if field.primary_key:
        raise ValueError(
            f"{owner}: a primary key cannot be {kind.upper()}: its value must be known "
            "when the row is saved"
        )
    if kind in ("materialized", "alias") and field.has_default():
        raise ValueError(
            f"{owner}: default= and {kind}= cannot be combined; ClickHouse computes the "
            f"value of a {kind.upper()} column, so remove default="
        )
    if field.has_db_default():
        raise ValueError(
            f"{owner}: db_default= and {kind}= cannot be combined; a column has one of "
            f"DEFAULT and {kind.upper()}"
        )
    if kind in ("alias", "ephemeral"):
        for option, value in (("codec", codec), ("ttl", ttl)):
            if value is not None:
                raise ValueError(
                    f"{owner}: {option}= cannot be combined with {kind}=: an "
                    f"{kind.upper()} column is not stored"
                )
