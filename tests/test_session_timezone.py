"""A datetime without a zone, in SQL or as a parameter, is UTC (as Django stores it),
whatever the zone of the server or of the process: Django sets the process's TZ to
settings.TIME_ZONE, and the embedded engine takes that as its server's zone. Run in a
process of its own, since the engine reads the zone once."""

import calendar
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import datetime
    import os

    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        TIME_ZONE="America/Chicago",  # UTC-5 on the day below
        DATABASES={
            "default": {
                "ENGINE": "clickhouse_backend.backend",
                "OPTIONS": (
                    {"dsn": os.environ["CLICKHOUSE_TEST_DSN"]}
                    if os.environ.get("CLICKHOUSE_TEST_DSN")
                    else {"embedded": ":memory:"}
                ),
            }
        },
    )
    django.setup()
    from django.db import connection

    naive = datetime.datetime(2011, 9, 1, 13, 20, 30)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT toString(toDateTime(%s), 'UTC'), "
            "toString(toDateTime('2011-09-01 13:20:30'), 'UTC'), "
            "toUnixTimestamp(%s)",
            [naive, naive],
        )
        print(cursor.fetchone())
    """
)


def test_a_datetime_without_a_zone_is_utc_whatever_the_process_zone():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "America/Chicago"},
    )
    assert result.returncode == 0, result.stderr
    utc = "2011-09-01 13:20:30"
    expected = (utc, utc, calendar.timegm((2011, 9, 1, 13, 20, 30)))
    assert result.stdout.strip() == repr(expected)
