"""Django's own SQLite settings for its suite (tests/test_sqlite.py), with the runner that
writes each test's outcome: SQLite's pass rate on the same apps, for comparison."""

from test_sqlite import (  # noqa: F401  (tests/ is the working directory of runtests.py)
    DATABASES,
    DEFAULT_AUTO_FIELD,
    PASSWORD_HASHERS,
    SECRET_KEY,
    USE_TZ,
)

TEST_RUNNER = "recording.RecordingRunner"
