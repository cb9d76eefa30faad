"""Django's SQL compilers for ClickHouse (``DatabaseOperations.compiler_module``): reads
in ``reads``, update/delete in ``edits``, inserts in ``inserts``."""

from .edits import SQLDeleteCompiler, SQLUpdateCompiler
from .inserts import SQLInsertCompiler
from .reads import SQLAggregateCompiler, SQLCompiler

__all__ = [
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]
