"""Data-skipping indexes for ``Meta.indexes``.

ClickHouse has no B-tree indexes beside the sorting key. Its skip indexes keep a summary
(min/max, a set of values, a Bloom filter) per block of ``granularity`` index granules,
so that queries can skip blocks that cannot match. ``Index`` is a Django ``Index`` with
a ``type`` and a ``granularity``; the schema editor writes it inline in CREATE TABLE and
as ``ALTER TABLE ... ADD INDEX`` / ``DROP INDEX`` for AddIndex / RemoveIndex.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

# Django's wrapper of an index's expressions, which django-clickhouse-backend's
# projects import from this module.
from django.db.models.indexes import IndexExpression as IndexExpression

from .deconstruct import public_path

__all__ = ["BloomFilter", "Index", "IndexType", "MinMax", "NgrambfV1", "Set", "TokenbfV1"]


def _number(owner: str, parameter: str, value: Any, kind: type, minimum: float) -> Any:
    """A numeric index-type argument, checked (they are written into DDL)."""
    if isinstance(value, bool) or not isinstance(value, (kind, int)):
        raise TypeError(f"{owner}({parameter}=...) must be of type {kind.__name__}, not {value!r}")
    if value < minimum:
        raise ValueError(f"{owner}({parameter}=...) must be at least {minimum}, not {value}")
    return value


class IndexType:
    """A skip index's ``TYPE``: ClickHouse's name for it and its numeric arguments."""

    type_name: ClassVar[str]

    def __init__(self, *arguments: int | float):
        self.arguments = arguments

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return public_path(type(self)), self.arguments, {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IndexType):
            return NotImplemented
        return type(self) is type(other) and self.arguments == other.arguments

    def __hash__(self) -> int:
        return hash((type(self), self.arguments))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.arguments))})"


class MinMax(IndexType):
    """The minimum and maximum of the expression per block: for ranges and comparisons."""

    type_name = "minmax"

    def __init__(self):
        super().__init__()


class Set(IndexType):
    """The distinct values per block, up to ``max_rows`` of them (0: no limit)."""

    type_name = "set"

    def __init__(self, max_rows: int):
        super().__init__(_number("Set", "max_rows", max_rows, int, 0))


class BloomFilter(IndexType):
    """A Bloom filter of the values, for equality and IN; ``false_positive`` is its
    probability of a false match (ClickHouse's default, 0.025, when not given)."""

    type_name = "bloom_filter"

    def __init__(self, false_positive: float | None = None):
        if false_positive is None:
            super().__init__()
            return
        _number("BloomFilter", "false_positive", false_positive, float, 0)
        if not 0 < false_positive < 1:
            raise ValueError("BloomFilter(false_positive=...) must be between 0 and 1")
        super().__init__(false_positive)


class NgrambfV1(IndexType):
    """A Bloom filter of the n-grams of strings: for LIKE and substring searches."""

    type_name = "ngrambf_v1"

    def __init__(
        self,
        n: int,
        size_of_bloom_filter_in_bytes: int,
        number_of_hash_functions: int,
        random_seed: int,
    ):
        super().__init__(
            _number("NgrambfV1", "n", n, int, 1),
            _number(
                "NgrambfV1", "size_of_bloom_filter_in_bytes", size_of_bloom_filter_in_bytes, int, 1
            ),
            _number("NgrambfV1", "number_of_hash_functions", number_of_hash_functions, int, 1),
            _number("NgrambfV1", "random_seed", random_seed, int, 0),
        )


class TokenbfV1(IndexType):
    """A Bloom filter of the words (runs of alphanumerics) of strings: for token search."""

    type_name = "tokenbf_v1"

    def __init__(
        self, size_of_bloom_filter_in_bytes: int, number_of_hash_functions: int, random_seed: int
    ):
        super().__init__(
            _number(
                "TokenbfV1", "size_of_bloom_filter_in_bytes", size_of_bloom_filter_in_bytes, int, 1
            ),
            _number("TokenbfV1", "number_of_hash_functions", number_of_hash_functions, int, 1),
            _number("TokenbfV1", "random_seed", random_seed, int, 0),
        )


class Index(models.Index):
    """A data-skipping index on fields (``fields=[...]``) or on expressions.

    ``Index(fields=["protocol"], name="protocol_set", type=Set(100), granularity=4)``.
    Several fields or expressions are indexed together, as one tuple.
    """

    def __init__(
        self,
        *expressions: Any,
        fields: list[str] | tuple[str, ...] = (),
        name: str | None = None,
        type: IndexType | None = None,  # the name django-clickhouse-backend uses
        granularity: int = 1,
    ):
        if not name:
            raise ValueError("A ClickHouse Index needs a name (name=...).")
        if not isinstance(type, IndexType):
            raise TypeError(
                f"Index {name!r} needs type=MinMax(), Set(max_rows), BloomFilter(), "
                f"NgrambfV1(...) or TokenbfV1(...), not {type!r}."
            )
        if isinstance(granularity, bool) or not isinstance(granularity, int) or granularity < 1:
            raise ValueError(
                f"Index {name!r}: granularity must be a positive int, not {granularity!r}."
            )
        if isinstance(fields, (list, tuple)) and any(
            isinstance(field, str) and field.startswith("-") for field in fields
        ):
            raise ValueError(f"Index {name!r}: a data-skipping index has no ordering ('-').")
        super().__init__(*expressions, fields=fields, name=name)
        self.type = type
        # Written into DDL as digits: the int's own value, whatever a subclass prints.
        self.granularity = int.__index__(granularity)

    def deconstruct(self) -> tuple[str, tuple, dict]:
        _, expressions, kwargs = super().deconstruct()
        kwargs.update(type=self.type, granularity=self.granularity)
        return public_path(type(self)), expressions, kwargs

    def create_sql(self, model, schema_editor, using: str = "", **kwargs):
        return schema_editor.add_skip_index_sql(model, self)

    def remove_sql(self, model, schema_editor, **kwargs):
        return schema_editor.drop_skip_index_sql(model, self)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]} type={self.type!r} granularity={self.granularity}>"
