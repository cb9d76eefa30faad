"""Settings of the example: SQLite for Django's own tables, ClickHouse for events.

ClickHouse runs embedded (chDB, in this process) with its data in ``clickhouse-data/``
(and SQLite's in ``db.sqlite3``) under EXAMPLE_DATA_DIR, by default the project
directory, so nothing needs installing or starting. Point CLICKHOUSE_DSN at a server
(``clickhouse://user:password@host:9000/db``) to use one instead.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EXAMPLE_DATA_DIR", BASE_DIR))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "clickhouse_backend",  # its makemigrations sees Meta.engine changes (check W009)
    "events",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "analytics_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if os.environ.get("CLICKHOUSE_DSN"):
    CLICKHOUSE_OPTIONS = {"dsn": os.environ["CLICKHOUSE_DSN"], "pool": True}
else:
    CLICKHOUSE_OPTIONS = {"embedded": str(DATA_DIR / "clickhouse-data")}

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "db.sqlite3"},
    "clickhouse": {
        "ENGINE": "clickhouse_backend.backend",
        "NAME": "default",
        "OPTIONS": CLICKHOUSE_OPTIONS,
    },
}
# ClickhouseModel subclasses go to "clickhouse"; every other model stays on "default".
DATABASE_ROUTERS = ["clickhouse_backend.routers.ClickHouseRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
