"""Settings for Django's own test suite (``tests/runtests.py``) run against this backend.

Both aliases the suite uses are ClickHouse on the embedded engine. chDB runs one engine
per process, in memory here, so the two aliases are two databases on that engine, and the
suite must run with ``--parallel 1`` (a forked worker cannot use chDB).
See docs/testing.md, "Django's own test suite".
"""

_EMBEDDED = {"embedded": ":memory:"}

DATABASES = {
    "default": {
        "ENGINE": "clickhouse_backend.backend",
        "NAME": "default",
        "OPTIONS": _EMBEDDED,
        "TEST": {"NAME": "test_django_default"},
    },
    "other": {
        "ENGINE": "clickhouse_backend.backend",
        "NAME": "default",
        "OPTIONS": _EMBEDDED,
        "TEST": {"NAME": "test_django_other"},
    },
}

SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False

# Django's runner, which also writes each test's outcome for the pass table.
TEST_RUNNER = "recording.RecordingRunner"
