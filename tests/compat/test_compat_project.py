"""Switching from django-clickhouse-backend (jayvynl's, "DCB") by changing requirements
only: ``project`` is a Django project written as DCB's README writes one (an RDBMS
``default`` plus a ``clickhouse`` alias, the README's ``dbrouters.ClickHouseRouter``, its
Event model, its data operations and its ``TestCase``). It runs here as its users run it,
with ``manage.py`` in a copy of the project; the only change is the embedded engine in
place of a ClickHouse server (settings.py says so).

``default`` is PostgreSQL on 127.0.0.1:5432 when it answers, else SQLite; the test runner
also runs once on SQLite when PostgreSQL is there.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

PROJECT = pathlib.Path(__file__).parent / "project"


@pytest.fixture
def project(tmp_path):
    """A copy of the project (makemigrations writes into it), with a ClickHouse data
    directory of its own."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__", "0*.py"))
    return copy


def manage(project: pathlib.Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "CLICKHOUSE_EMBEDDED_DIR": str(project.parent / "clickhouse"),
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    ran = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, f"manage.py {' '.join(args)}:\n{ran.stdout}\n{ran.stderr}"
    return ran


def test_makemigrations_writes_the_readme_model(project):
    made = manage(project, "makemigrations", "testapp")
    assert "testapp/migrations/0001_initial.py" in made.stdout
    migration = (project / "testapp/migrations/0001_initial.py").read_text()
    for written in (
        "clickhouse_backend.models.MergeTree(",
        "clickhouse_backend.models.toYYYYMMDD(",
        "clickhouse_backend.models.Set(1000)",
        "clickhouse_backend.models.BloomFilter(0.001)",
        "clickhouse_backend.models.EnumField(",
        "clickhouse_backend.models.IPv4Field(",
        "CheckConstraint(",
    ):
        assert written in migration, written
    assert "No changes detected" in manage(project, "makemigrations", "--check").stdout


def test_migrate_and_operate_data_as_the_readme_does(project):
    manage(project, "makemigrations", "testapp")
    migrated = manage(project, "migrate", "--database", "clickhouse")
    assert "Applying testapp.0001_initial... OK" in migrated.stdout
    again = manage(project, "migrate", "--database", "clickhouse")
    assert "No migrations to apply." in again.stdout

    flows = manage(project, "readme_flows")
    lines = flows.stdout.splitlines()
    assert lines[-1] == "readme flows passed"
    assert sum(line.startswith("Event object (") for line in lines) == 10
    table = "\n".join(lines[10:-1])
    for part in (
        "CREATE TABLE default.testapp_event",
        "`ip` IPv6",
        "`ipv4` IPv4",
        "`ip_nullable` Nullable(IPv6)",
        "`port` UInt16",
        "`protocol` LowCardinality(String)",
        "`timestamp` DateTime64(6, 'UTC')",
        "`action` Enum8('Pass' = 1, 'Drop' = 2, 'Alert' = 3)",
        "INDEX ip_set_idx ip TYPE set(1000) GRANULARITY 4",
        "INDEX ipv4_bloom_idx ipv4 TYPE bloom_filter(0.001) GRANULARITY 1",
        "CONSTRAINT port_range CHECK ((port >= 0) AND (port <= 65535))",
        "ENGINE = MergeTree",
        "PARTITION BY toYYYYMMDD(timestamp)",
        "PRIMARY KEY timestamp",
        "ORDER BY (timestamp, id)",
        "index_granularity = 1024",
        "index_granularity_bytes = 1048576",
        "enable_mixed_granularity_parts = 1",
    ):
        assert part in table, part


HINTED_MIGRATION = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("testapp", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE TABLE hinted (x UInt8) ENGINE = MergeTree ORDER BY x",
            "DROP TABLE hinted",
            hints={"clickhouse": True},
        ),
    ]
"""

SHOW_HINTED = """
from django.db import connections
for alias in ("default", "clickhouse"):
    print(alias, "hinted" in connections[alias].introspection.table_names())
"""


def test_a_migration_with_the_readme_clickhouse_hint_runs_on_clickhouse_only(project, monkeypatch):
    """The README's router sends "custom migrations with a ``clickhouse`` hint key" to
    ClickHouse: migrate on both aliases creates the table there only, and unapplying it
    drops it. (SQLite as default: plain ``migrate`` would write to the shared PostgreSQL
    database.)"""
    monkeypatch.setenv("COMPAT_SQLITE", "1")
    manage(project, "makemigrations", "testapp")
    (project / "testapp/migrations/0002_hinted.py").write_text(HINTED_MIGRATION)
    assert "Applying testapp.0002_hinted... OK" in manage(project, "migrate").stdout
    migrated = manage(project, "migrate", "--database", "clickhouse")
    assert "Applying testapp.0002_hinted... OK" in migrated.stdout
    shown = manage(project, "shell", "-c", SHOW_HINTED).stdout.splitlines()
    assert shown[-2:] == ["default False", "clickhouse True"]
    back = manage(project, "migrate", "testapp", "0001", "--database", "clickhouse")
    assert "Unapplying testapp.0002_hinted... OK" in back.stdout
    assert manage(project, "shell", "-c", SHOW_HINTED).stdout.splitlines()[-1] == (
        "clickhouse False"
    )


@pytest.mark.parametrize("default", ["as configured", "sqlite"])
def test_the_readme_testcase_runs_under_the_django_test_runner(project, default):
    env = {"COMPAT_SQLITE": "1"} if default == "sqlite" else {}
    manage(project, "makemigrations", "testapp", **env)
    tested = manage(project, "test", "testapp", "--noinput", "-v", "2", **env)
    report = tested.stderr
    # The project picks its default as the suite's settings did (the same test).
    if default == "sqlite" or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert "Creating test database for alias 'default' ('file:memorydb_default" in report
    else:
        assert "Creating test database for alias 'default' ('test_compat_" in report
    assert "Creating test database for alias 'clickhouse' ('test_default')" in report
    for name in ("test_spam", "test_operate_data", "test_rows_do_not_leak_between_tests"):
        # Python 3.11 added the method's name inside the parentheses.
        passed = rf"^{name} \(testapp\.tests\.TestEvent(\.{name})?\) \.\.\. ok$"
        assert re.search(passed, report, re.MULTILINE), name
    assert "Ran 3 tests" in report
    assert report.rstrip().endswith(
        "Destroying test database for alias 'clickhouse' ('test_default')..."
    )
    assert "\nOK\n" in report


def test_the_readme_tests_run_under_pytest_django(project):
    """The README: "You can use django TestCase or pytest-django"; the project's own
    pytest.ini names its settings, and pytest collects tests.py's TestCase too."""
    manage(project, "makemigrations", "testapp")
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=project,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "CLICKHOUSE_EMBEDDED_DIR": str(project.parent / "clickhouse"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for test in (
        "testapp/test_events.py::test_spam PASSED",
        "testapp/test_events.py::test_update_and_delete PASSED",
        "testapp/test_events.py::test_nothing_left_from_the_test_before PASSED",
        "testapp/tests.py::TestEvent::test_spam PASSED",
        "testapp/tests.py::TestEvent::test_operate_data PASSED",
        "testapp/tests.py::TestEvent::test_rows_do_not_leak_between_tests PASSED",
    ):
        assert test in ran.stdout, test
    assert " 6 passed" in ran.stdout
