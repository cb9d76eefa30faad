"""ClickHouse functions as Django expressions, under their ClickHouse names, one module
per family; usable in engine keys, indexes, ``annotate()``, ``filter()``, ``values()``
and ``order_by()``."""

__all__: list[str] = []
