"""Table engines for ``Meta.engine``: what follows ``ENGINE =`` in a CREATE TABLE.

An engine is data, not SQL: its ClickHouse name, its arguments, the key clauses that
follow it (ORDER BY, PARTITION BY, ...) and its table settings. The schema editor spells
them (``DatabaseSchemaEditor.engine_sql``), so a field name becomes its quoted column and
a literal or setting value goes through the driver's one escaping function.

Column arguments and keys take a field name (``"timestamp"``), a Django expression
(``Func("timestamp", function="toYYYYMMDD")``), or a list/tuple of them. Arguments that
ClickHouse reads as names (a cluster, a database, a table, a ZooKeeper path) take a
``str``, written as a string literal, or an expression such as ``currentDatabase()``.
Each engine is one small class: its arguments, and the family it belongs to. The names
and signatures are django-clickhouse-backend's, so its users' models work unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from django.db.models import F, Value
from django.db.models.expressions import BaseExpression, Combinable, RawSQL

from .deconstruct import public_path

__all__ = [
    "AggregatingMergeTree",
    "BaseMergeTree",
    "Buffer",
    "CollapsingMergeTree",
    "Distributed",
    "Engine",
    "GraphiteMergeTree",
    "Join",
    "Log",
    "Memory",
    "Merge",
    "MergeTree",
    "Null",
    "ReplacingMergeTree",
    "ReplicatedAggregatingMergeTree",
    "ReplicatedCollapsingMergeTree",
    "ReplicatedGraphiteMergeTree",
    "ReplicatedMergeTree",
    "ReplicatedReplacingMergeTree",
    "ReplicatedSummingMergeTree",
    "ReplicatedVersionedCollapsingMergeTree",
    "SetEngine",
    "StripeLog",
    "SummingMergeTree",
    "TinyLog",
    "VersionedCollapsingMergeTree",
]

KeyPart = str | BaseExpression | Combinable
Key = KeyPart | Sequence[KeyPart]
# What goes between an engine's parentheses: one expression, or a tuple of them written
# as a key (``(a, b)``, SummingMergeTree's columns).
Argument = BaseExpression | tuple[BaseExpression, ...]

_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SETTING_TYPES = (str, int, float)

# The table settings ClickHouse's lightweight ``UPDATE ... SET`` (patch parts) needs: each
# row keeps the number and offset of the block it was written in (docs/backend.md, "Edits
# that take milliseconds"). The engines that take lightweight updates give them to new
# tables by default.
LIGHTWEIGHT_UPDATE_SETTINGS = {"enable_block_number_column": 1, "enable_block_offset_column": 1}
# The engines that take lightweight updates (and their Replicated and Shared versions).
LIGHTWEIGHT_UPDATE_ENGINES = frozenset(
    {"MergeTree", "ReplacingMergeTree", "CollapsingMergeTree", "VersionedCollapsingMergeTree"}
)


def column(parameter: str, value: KeyPart) -> BaseExpression:
    """One field name or expression as an expression (a name becomes ``F(name)``)."""
    if isinstance(value, str):
        return F(value)
    if hasattr(value, "resolve_expression"):
        return value
    raise TypeError(
        f"{parameter} takes field names or Django expressions, not {type(value).__name__} "
        f"{value!r}"
    )


def key(parameter: str, value: Key | None) -> tuple[BaseExpression, ...] | None:
    """A key clause's parts as a tuple of expressions; None when it was not given."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(column(parameter, part) for part in value)
    return (column(parameter, value),)


def name_literal(parameter: str, value: str | BaseExpression) -> BaseExpression:
    """A name ClickHouse takes as a string (cluster, database, table, path): a ``str`` is
    written as a string literal, an expression (``currentDatabase()``) is compiled."""
    if isinstance(value, str):
        return Value(value)
    if hasattr(value, "resolve_expression"):
        return value
    raise TypeError(f"{parameter} takes a str or a Django expression, not {value!r}")


def literal_name(argument: BaseExpression) -> str | None:
    """A name argument's text, when it was given as a str (not an expression)."""
    if isinstance(argument, Value) and isinstance(argument.value, str):
        return argument.value
    return None


def count(parameter: str, value: int, minimum: int = 0) -> Value:
    """A whole-number argument (Buffer's limits), checked: it is written into DDL."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{parameter} must be an int, not {value!r}")
    if value < minimum:
        raise ValueError(f"{parameter} must be at least {minimum}, not {value}")
    return Value(int(value))


def sql_text(parameter: str, value: str | BaseExpression) -> BaseExpression:
    """SQL written as given (a TTL rule), or an expression."""
    if isinstance(value, str):
        return RawSQL(value.replace("%", "%%"), [])  # the editor fills no parameters in
    if hasattr(value, "resolve_expression"):
        return value
    raise TypeError(f"{parameter} takes SQL text or a Django expression, not {value!r}")


class Engine:
    """Base of every engine: a name, arguments, key clauses and ``SETTINGS``.

    Subclasses override ``arguments()`` and ``clauses()``; keyword arguments that are not
    parameters of the engine are its table settings (``index_granularity=1024``).
    Engines compare equal when built from equal arguments, and deconstruct to
    ``clickhouse_backend.models.<Name>(...)`` so that migrations can write them.
    """

    # The engine's ClickHouse name when the class cannot have it (``Set`` is an index type).
    engine_name: ClassVar[str | None] = None
    # Table settings the schema editor gives a new table of this engine (on servers with
    # lightweight updates) unless Meta.engine sets them itself: not part of the engine's
    # identity, nor of Meta.engine's DDL that the system check compares with the table.
    default_settings: ClassVar[dict[str, Any]] = {}

    def __new__(cls, *args: Any, **kwargs: Any):
        engine = super().__new__(cls)
        engine._constructor_args = (args, kwargs)
        return engine

    def __init__(self, **settings: Any):
        checked = {}
        for name, value in settings.items():
            if not _SETTING_NAME.fullmatch(name):
                raise ValueError(
                    f"{name!r} is not a ClickHouse setting name (letters, digits and _, "
                    "not starting with a digit)"
                )
            if not isinstance(value, _SETTING_TYPES):
                raise TypeError(
                    f"table setting {name} must be a str, int, float or bool, "
                    f"not {type(value).__name__}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"table setting {name} must be a finite number, not {value}")
            # The name is written into DDL as it is: the text checked, as a plain str (a
            # str subclass could print as something else).
            checked[str.__str__(name)] = value
        self.settings = checked

    @property
    def name(self) -> str:
        """The engine's ClickHouse name: the class name unless the class says otherwise."""
        return self.engine_name or type(self).__name__

    def arguments(self) -> tuple[Argument, ...]:
        """What goes in the parentheses after the engine's name."""
        return ()

    def clauses(self, model) -> list[tuple[str, tuple[BaseExpression, ...] | None]]:
        """The key clauses after the engine, as (keyword, parts or None), in order."""
        return []

    def deconstruct(self) -> tuple[str, tuple, dict]:
        args, kwargs = self._constructor_args
        return public_path(type(self)), args, kwargs

    def _identity(self) -> tuple:
        state = sorted((name, value) for name, value in vars(self).items() if name[0] != "_")
        return (type(self), *((name, _frozen(value)) for name, value in state))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Engine):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        args, kwargs = self._constructor_args
        shown = [repr(arg) for arg in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{type(self).__name__}({', '.join(shown)})"


def engine_class(name: str) -> type[Engine] | None:
    """The class of the engine ClickHouse calls ``name`` (as system.tables reports it)."""
    for public_name in __all__:
        cls = globals()[public_name]
        if public_name in ("Engine", "BaseMergeTree"):
            continue  # bases, not engines
        if cls.engine_name == name or (cls.engine_name is None and public_name == name):
            return cls
    return None


def _frozen(value: Any) -> Any:
    """A hashable form of an engine's attribute, for equality and hashing."""
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    if isinstance(value, list):
        return tuple(value)
    return value


class BaseMergeTree(Engine):
    """The MergeTree family: sorting, partition, primary and sampling keys, and TTL.

    Without ``order_by`` the table is sorted by ``primary_key`` (ClickHouse's rule), or
    by the model's primary key when neither is given. An empty ``order_by=()`` means
    unsorted (``ORDER BY tuple()``). ``ttl`` is SQL text (any number of rules:
    ``"moment + INTERVAL 1 MONTH DELETE"``) or one expression.
    """

    def __init__(
        self,
        *,
        order_by: Key | None = None,
        partition_by: Key | None = None,
        primary_key: Key | None = None,
        sample_by: Key | None = None,
        ttl: str | BaseExpression | None = None,
        **settings: Any,
    ):
        super().__init__(**settings)
        self.order_by = key("order_by", order_by)
        self.partition_by = key("partition_by", partition_by)
        self.primary_key = key("primary_key", primary_key)
        self.sample_by = key("sample_by", sample_by)
        self.ttl = None if ttl is None else (sql_text("ttl", ttl),)

    def clauses(self, model) -> list[tuple[str, tuple[BaseExpression, ...] | None]]:
        order_by = self.order_by if self.order_by is not None else self.primary_key
        if order_by is None:
            order_by = tuple(F(field.name) for field in model._meta.pk_fields)
        return [
            ("ORDER BY", order_by),
            ("PARTITION BY", self.partition_by),
            ("PRIMARY KEY", self.primary_key),
            ("SAMPLE BY", self.sample_by),
            ("TTL", self.ttl),
        ]


class MergeTree(BaseMergeTree):
    """``MergeTree``: rows sorted by ``order_by``, nothing merged away."""

    default_settings = LIGHTWEIGHT_UPDATE_SETTINGS


class ReplacingMergeTree(BaseMergeTree):
    """``ReplacingMergeTree([ver [, is_deleted]])``: rows with equal sorting keys are
    replaced by the one with the highest ``ver`` (the last inserted without it) when
    parts merge; ``is_deleted`` (a UInt8 column, needs ``ver``) marks deleted rows.
    Read with ``FINAL`` for deduplicated results before merges happen.
    """

    default_settings = LIGHTWEIGHT_UPDATE_SETTINGS

    def __init__(self, ver: KeyPart | None = None, is_deleted: KeyPart | None = None, **options):
        if is_deleted is not None and ver is None:
            raise ValueError("ReplacingMergeTree(is_deleted=...) needs ver as well")
        super().__init__(**options)
        self.ver = None if ver is None else column("ver", ver)
        self.is_deleted = None if is_deleted is None else column("is_deleted", is_deleted)

    def arguments(self) -> tuple[Argument, ...]:
        return tuple(part for part in (self.ver, self.is_deleted) if part is not None)


class SummingMergeTree(BaseMergeTree):
    """``SummingMergeTree([columns])``: rows with equal sorting keys become one row when
    parts merge, holding the sums of ``columns`` (a name, an expression or a list of
    them; every numeric column outside the key when not given)."""

    def __init__(self, columns: Key | None = None, **options):
        super().__init__(**options)
        self.columns = key("columns", columns)
        if self.columns == ():
            raise ValueError("SummingMergeTree(columns=()) sums nothing; leave columns out")

    def arguments(self) -> tuple[Argument, ...]:
        return () if self.columns is None else (self.columns,)


class AggregatingMergeTree(BaseMergeTree):
    """``AggregatingMergeTree``: rows with equal sorting keys are combined when parts
    merge, each ``AggregateFunction`` column by its function's state."""


class CollapsingMergeTree(BaseMergeTree):
    """``CollapsingMergeTree(sign)``: a row with ``sign`` -1 cancels a row with sign 1 and
    the same sorting key when parts merge (``sign`` is an Int8 column)."""

    default_settings = LIGHTWEIGHT_UPDATE_SETTINGS

    def __init__(self, sign: KeyPart, **options):
        super().__init__(**options)
        self.sign = column("sign", sign)

    def arguments(self) -> tuple[Argument, ...]:
        return (self.sign,)


class VersionedCollapsingMergeTree(BaseMergeTree):
    """``VersionedCollapsingMergeTree(sign, version)``: as CollapsingMergeTree, but rows
    cancel by ``version`` too, so they may arrive in any order."""

    default_settings = LIGHTWEIGHT_UPDATE_SETTINGS

    def __init__(self, sign: KeyPart, version: KeyPart, **options):
        super().__init__(**options)
        self.sign = column("sign", sign)
        self.version = column("version", version)

    def arguments(self) -> tuple[Argument, ...]:
        return (self.sign, self.version)


class GraphiteMergeTree(BaseMergeTree):
    """``GraphiteMergeTree(config_section)``: Graphite metrics thinned and aggregated by
    the rollup rules in the server configuration section ``config_section``."""

    def __init__(self, config_section: str, **options):
        if not isinstance(config_section, str):
            raise TypeError(f"config_section must be a str, not {config_section!r}")
        super().__init__(**options)
        self.config_section = config_section

    def arguments(self) -> tuple[Argument, ...]:
        return (Value(self.config_section),)


class Replicated:
    """What the ``Replicated*`` engines add to their MergeTree: the table's path in
    ClickHouse Keeper and the replica's name, written before the engine's own arguments.
    Both left out, the server's defaults apply (``default_replica_path``/``_name``).

    ``ReplicatedReplacingMergeTree("/clickhouse/tables/{uuid}/{shard}", "{replica}",
    "ver", order_by="id")``: the engine's own arguments follow the two, or are given by
    name (``ver="ver"``) or as ``other_parameters=("ver",)``, as django-clickhouse-backend
    takes them.
    """

    def __init__(
        self,
        zoo_path: str | None = None,
        replica: str | None = None,
        *engine_arguments: Any,
        other_parameters: Sequence[Any] = (),
        **options: Any,
    ):
        if (zoo_path is None) != (replica is None):
            raise ValueError(
                f"{type(self).__name__} takes both zoo_path and replica, or neither "
                "(the server's default_replica_path and default_replica_name)"
            )
        for parameter, value in (("zoo_path", zoo_path), ("replica", replica)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{parameter} must be a str, not {value!r}")
        super().__init__(*engine_arguments, *other_parameters, **options)
        self.zoo_path = zoo_path
        self.replica = replica

    def arguments(self) -> tuple[Argument, ...]:
        place = () if self.zoo_path is None else (Value(self.zoo_path), Value(self.replica))
        return (*place, *super().arguments())


class ReplicatedMergeTree(Replicated, MergeTree):
    """``ReplicatedMergeTree([zoo_path, replica])``: a MergeTree kept alike on replicas."""


class ReplicatedReplacingMergeTree(Replicated, ReplacingMergeTree):
    """``ReplicatedReplacingMergeTree([zoo_path, replica,] [ver [, is_deleted]])``."""


class ReplicatedSummingMergeTree(Replicated, SummingMergeTree):
    """``ReplicatedSummingMergeTree([zoo_path, replica,] [columns])``."""


class ReplicatedAggregatingMergeTree(Replicated, AggregatingMergeTree):
    """``ReplicatedAggregatingMergeTree([zoo_path, replica])``."""


class ReplicatedCollapsingMergeTree(Replicated, CollapsingMergeTree):
    """``ReplicatedCollapsingMergeTree([zoo_path, replica,] sign)``."""


class ReplicatedVersionedCollapsingMergeTree(Replicated, VersionedCollapsingMergeTree):
    """``ReplicatedVersionedCollapsingMergeTree([zoo_path, replica,] sign, version)``."""


class ReplicatedGraphiteMergeTree(Replicated, GraphiteMergeTree):
    """``ReplicatedGraphiteMergeTree([zoo_path, replica,] config_section)``."""


class Distributed(Engine):
    """``Distributed(cluster, database, table[, sharding_key[, policy_name]])``: stores
    nothing itself; reads query ``database.table`` on every shard of ``cluster``, and
    writes go to the shard that ``sharding_key`` (a column or expression) picks."""

    def __init__(
        self,
        cluster: str | BaseExpression,
        database: str | BaseExpression,
        table: str | BaseExpression,
        sharding_key: KeyPart | None = None,
        policy_name: str | None = None,
        **settings: Any,
    ):
        if policy_name is not None and sharding_key is None:
            raise ValueError("Distributed(policy_name=...) needs sharding_key as well")
        if policy_name is not None and not isinstance(policy_name, str):
            raise TypeError(f"policy_name must be a str, not {policy_name!r}")
        super().__init__(**settings)
        self.cluster = name_literal("cluster", cluster)
        self.database = name_literal("database", database)
        self.table = name_literal("table", table)
        self.sharding_key = None if sharding_key is None else column("sharding_key", sharding_key)
        self.policy_name = policy_name

    @property
    def local_table(self) -> str | None:
        """The name of the table it reads, when given as a str."""
        return literal_name(self.table)

    @property
    def cluster_name(self) -> str | None:
        """The name of its cluster, when given as a str."""
        return literal_name(self.cluster)

    def arguments(self) -> tuple[Argument, ...]:
        arguments = (self.cluster, self.database, self.table)
        if self.sharding_key is not None:
            arguments += (self.sharding_key,)
        if self.policy_name is not None:
            arguments += (Value(self.policy_name),)
        return arguments


class Buffer(Engine):
    """``Buffer(database, table, num_layers, min_time, max_time, min_rows, max_rows,
    min_bytes, max_bytes[, flush_time[, flush_rows[, flush_bytes]]])``: rows are kept in
    memory and written to ``database.table`` when every minimum or any maximum is
    reached (times in seconds); reads see both."""

    def __init__(
        self,
        database: str | BaseExpression,
        table: str | BaseExpression,
        num_layers: int,
        min_time: int,
        max_time: int,
        min_rows: int,
        max_rows: int,
        min_bytes: int,
        max_bytes: int,
        flush_time: int | None = None,
        flush_rows: int | None = None,
        flush_bytes: int | None = None,
        **settings: Any,
    ):
        super().__init__(**settings)
        self.database = name_literal("database", database)
        self.table = name_literal("table", table)
        self.limits = (
            count("num_layers", num_layers, 1),
            count("min_time", min_time),
            count("max_time", max_time),
            count("min_rows", min_rows),
            count("max_rows", max_rows),
            count("min_bytes", min_bytes),
            count("max_bytes", max_bytes),
        )
        flushes = {"flush_time": flush_time, "flush_rows": flush_rows, "flush_bytes": flush_bytes}
        given = [name for name, value in flushes.items() if value is not None]
        if given != list(flushes)[: len(given)]:
            raise ValueError("Buffer's flush_time, flush_rows and flush_bytes go in this order")
        self.flushes = tuple(count(name, flushes[name]) for name in given)

    def arguments(self) -> tuple[Argument, ...]:
        return (self.database, self.table, *self.limits, *self.flushes)


class Merge(Engine):
    """``Merge(database, table_regexp)``: reads every table of ``database`` (a name, or an
    expression such as ``currentDatabase()`` or ``REGEXP('...')``) whose name matches
    ``table_regexp``; stores nothing and takes no writes."""

    def __init__(self, database: str | BaseExpression, table_regexp: str, **settings: Any):
        if not isinstance(table_regexp, str):
            raise TypeError(f"table_regexp must be a str, not {table_regexp!r}")
        super().__init__(**settings)
        self.database = name_literal("database", database)
        self.table_regexp = table_regexp

    def arguments(self) -> tuple[Argument, ...]:
        return (self.database, Value(self.table_regexp))


class Join(Engine):
    """``Join(strictness, join_type, key, ...)``: a prepared right-hand side for JOINs and
    ``joinGet`` on ``keys``, held in memory (and on disk)."""

    strictnesses = ("ANY", "ALL", "SEMI", "ANTI")
    join_types = ("LEFT", "INNER", "RIGHT", "FULL")

    def __init__(self, strictness: str, join_type: str, *keys: KeyPart, **settings: Any):
        super().__init__(**settings)
        self.strictness = _keyword("strictness", strictness, self.strictnesses)
        self.join_type = _keyword("join_type", join_type, self.join_types)
        if not keys:
            raise TypeError("Join needs at least one key column")
        self.keys = tuple(column("keys", part) for part in keys)

    def arguments(self) -> tuple[Argument, ...]:
        # Keywords from the lists above, written bare as ClickHouse's grammar wants them.
        return (RawSQL(self.strictness, []), RawSQL(self.join_type, []), *self.keys)


def _keyword(parameter: str, value: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed``, in any case: the allowed word itself is returned (it is
    written into DDL bare), never the text given."""
    if isinstance(value, str):
        upper = str.upper(value)  # not a subclass's upper()
        for word in allowed:
            if upper == word:
                return word
    raise ValueError(f"{parameter} must be one of {', '.join(allowed)}, not {value!r}")


class SetEngine(Engine):
    """``Set``: a set of rows in memory (and on disk) for the right side of ``IN``; it
    takes writes but no SELECT. (``models.Set`` is the data-skipping index type.)"""

    engine_name = "Set"


class Memory(Engine):
    """``Memory``: rows in memory only; gone when the server restarts."""


class Null(Engine):
    """``Null``: writes are discarded and reads are empty (materialized views still see
    the rows written)."""


class Log(Engine):
    """``Log``: small tables written once, in one file per column plus marks."""


class TinyLog(Engine):
    """``TinyLog``: the simplest Log engine, one file per column, no concurrent reads."""


class StripeLog(Engine):
    """``StripeLog``: a Log engine with all columns in one file."""
