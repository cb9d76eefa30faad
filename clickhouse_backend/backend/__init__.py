"""The Django database backend: ``ENGINE: "clickhouse_backend.backend"``."""
