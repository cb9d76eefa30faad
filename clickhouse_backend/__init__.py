"""Django database backend for ClickHouse."""

__version__ = "0.1.0"
