"""Helpers under django-clickhouse-backend's module names, for projects that import them."""
