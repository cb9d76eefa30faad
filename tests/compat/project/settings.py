"""Settings in the shape of django-clickhouse-backend's README: an RDBMS ``default``
(PostgreSQL on 127.0.0.1:5432 when it answers and COMPAT_SQLITE is unset, else SQLite)
plus a ``clickhouse`` alias, routed by the README's ``dbrouters.ClickHouseRouter``."""

import os
import pathlib
import socket

BASE_DIR = pathlib.Path(__file__).resolve().parent

SECRET_KEY = "tests-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "clickhouse_backend",
    "testapp",
]


def postgres_reachable() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return False
    return True


if postgres_reachable() and not os.environ.get("COMPAT_SQLITE"):
    DEFAULT = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "USER": "postgres",
        "NAME": "test",
        # Runs at once (other checkouts, other test runs) on one server keep apart.
        "TEST": {"NAME": f"test_compat_{os.getpid()}"},
    }
else:
    DEFAULT = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }

DATABASES = {
    "default": DEFAULT,
    "clickhouse": {
        "ENGINE": "clickhouse_backend.backend",
        "NAME": "default",
        # The one difference from the README: no ClickHouse server runs here, so the
        # alias uses the embedded engine (chDB) in a directory instead of HOST, USER and
        # PASSWORD.
        "OPTIONS": {
            "embedded": os.environ.get("CLICKHOUSE_EMBEDDED_DIR", ":memory:"),
            # The README's testing advice: mutations_sync=1 at session scope.
            "settings": {
                "mutations_sync": 1,
            },
        },
    },
}
DATABASE_ROUTERS = ["dbrouters.ClickHouseRouter"]
