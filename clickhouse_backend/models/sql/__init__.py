"""SQL compilers for ClickHouse (see ``compiler``)."""
