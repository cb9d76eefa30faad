"""A Django app whose models live in ClickHouse, for the backend's tests."""
