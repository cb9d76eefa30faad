"""Test databases: TEST settings, keepdb and the clobber question, serialized rollback,
and --parallel, which runs Django's test runner on a small project in a subprocess."""

import datetime
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import DatabaseError, NotSupportedError, connections
from django.db.utils import ConnectionHandler
from testapp.models import Article, Author, Event, Tag

from clickhouse_backend.backend.creation import WITHOUT_SERIALIZING

ENGINE = "clickhouse_backend.backend"
MEMORY = {"embedded": ":memory:"}
TESTS = pathlib.Path(__file__).parent
UTC = datetime.timezone.utc


def wrapper(alias="extra", **entry):
    """A DatabaseWrapper for one DATABASES entry, with Django's defaults filled in."""
    handler = ConnectionHandler({"default": {}, alias: {"ENGINE": ENGINE, **entry}})
    return handler[alias]


@pytest.fixture
def unblocked(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def database_exists(connection, name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        return connection.creation._database_exists(cursor, name)


def run_sql(connection, *statements: str) -> list:
    with connection._nodb_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []


# -- TEST settings are checked when the connection object is made ---------------------


@pytest.mark.parametrize(
    ("test", "message"),
    [
        ({"CLUSTER": "main"}, r"\['TEST'\]\['CLUSTER'\] is not a ClickHouse test setting"),
        ({"manged": False}, r"\['TEST'\]\['manged'\] is not .*known: .*managed"),
        ({"NAME": 5}, r"\['TEST'\]\['NAME'\] must be str"),
        ({"MIGRATE": "no"}, r"\['TEST'\]\['MIGRATE'\] must be bool"),
        ({"DEPENDENCIES": "default"}, r"\['TEST'\]\['DEPENDENCIES'\] must be list or tuple"),
        ({"cluster": ["a"]}, r"\['TEST'\]\['cluster'\] must be str"),
    ],
)
def test_bad_test_settings_name_the_key(test, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        wrapper(NAME="analytics", OPTIONS=MEMORY, TEST=test)


def test_every_test_setting_django_documents_is_accepted():
    """A settings template shared with other backends keeps its TEST keys."""
    django_keys = {
        **dict.fromkeys(["CHARSET", "COLLATION", "TEMPLATE", "USER", "PASSWORD"], "x"),
        **dict.fromkeys(["TBLSPACE", "TBLSPACE_TMP", "DATAFILE", "DATAFILE_TMP"], "x"),
        **dict.fromkeys(["DATAFILE_SIZE", "DATAFILE_TMP_SIZE", "DATAFILE_MAXSIZE"], "1M"),
        **dict.fromkeys(["DATAFILE_TMP_MAXSIZE", "DATAFILE_EXTSIZE"], "1M"),
        "DATAFILE_TMP_EXTSIZE": "1M",
        **dict.fromkeys(["CREATE_DB", "CREATE_USER", "ORACLE_MANAGED_FILES"], True),
        "NAME": "test_x",
        "MIGRATE": False,
        "MIRROR": None,
        "DEPENDENCIES": [],
    }
    connection = wrapper(OPTIONS=MEMORY, TEST={**django_keys, "cluster": None, "managed": True})
    assert connection.creation._get_test_db_name() == "test_x"


def test_test_database_names():
    """test_<NAME>; an empty NAME is ClickHouse's "default"; DSNs tell servers apart."""
    assert wrapper(NAME="events", OPTIONS=MEMORY).creation._get_test_db_name() == "test_events"
    assert wrapper(OPTIONS=MEMORY).creation._get_test_db_name() == "test_default"
    one = wrapper(OPTIONS={"dsn": "clickhouse://one/db"}).creation.test_db_signature()
    two = wrapper(OPTIONS={"dsn": "clickhouse://two/db"}).creation.test_db_signature()
    assert one != two


# -- creating, keeping, clobbering, dropping ------------------------------------------


def test_an_existing_test_database_is_dropped_only_when_the_user_says_yes(
    unblocked, monkeypatch, capsys
):
    connection = wrapper(NAME="clobber", OPTIONS=MEMORY)
    creation = connection.creation
    questions = []
    answers = iter(["no", "yes"])
    monkeypatch.setattr(
        "builtins.input", lambda question: questions.append(question) or next(answers)
    )
    try:
        assert creation._create_test_db(verbosity=1, autoclobber=False) == "test_clobber"
        assert questions == []  # a new database: nothing to ask
        run_sql(connection, "CREATE TABLE test_clobber.marker (a Int8) ENGINE = Memory")

        assert creation._create_test_db(verbosity=1, autoclobber=False, keepdb=True)
        assert questions == []  # keepdb uses it as it is
        with pytest.raises(SystemExit) as cancelled:
            creation._create_test_db(verbosity=1, autoclobber=False)
        assert cancelled.value.code == 1
        assert run_sql(connection, "EXISTS TABLE test_clobber.marker") == [(1,)]

        creation._create_test_db(verbosity=1, autoclobber=False)
        question = (
            "Type 'yes' if you would like to try deleting the test database "
            "'test_clobber', or 'no' to cancel: "
        )
        assert questions == [question, question]
        assert "Destroying old test database for alias 'extra'" in capsys.readouterr().err
        assert run_sql(connection, "EXISTS TABLE test_clobber.marker") == [(0,)]

        creation._destroy_test_db("test_clobber", verbosity=0)
        assert not database_exists(connection, "test_clobber")
    finally:
        run_sql(connection, "DROP DATABASE IF EXISTS test_clobber")
        connection.close()


def test_no_answer_to_the_question_says_to_run_with_noinput(unblocked, monkeypatch, capsys):
    """Without a terminal (CI, a pipe) input() meets the end of stdin: that cancels the
    run with what to do, not an EOFError."""
    connection = wrapper(NAME="unanswered", OPTIONS=MEMORY)

    def no_terminal(question):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    try:
        connection.creation._create_test_db(verbosity=0, autoclobber=False)
        with pytest.raises(SystemExit) as cancelled:
            connection.creation._create_test_db(verbosity=0, autoclobber=False)
        assert cancelled.value.code == 1
        assert "--noinput" in capsys.readouterr().err
    finally:
        run_sql(connection, "DROP DATABASE IF EXISTS test_unanswered")
        connection.close()


HOLD_DIRECTORY = """
import sys, time
from clickhouse_backend import driver
connection = driver.connect(embedded=sys.argv[1])
print("open", flush=True)
time.sleep(120)
"""


def test_the_embedded_test_database_never_opens_the_development_directory(
    unblocked, tmp_path, monkeypatch
):
    """The development directory may be held by another process (runserver): the test
    database lives in memory (TEST["embedded"] may name a directory instead), and the
    alias points at its own directory again after the tests."""
    development = tmp_path / "clickhouse-data"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DIRECTORY, str(development)],
        stdout=subprocess.PIPE,
        text=True,
    )
    options = {"embedded": str(development)}
    connection = wrapper(NAME="devdata", OPTIONS=options)
    monkeypatch.setitem(settings.DATABASES, "extra", connection.settings_dict)
    try:
        assert holder.stdout.readline().strip() == "open"
        name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, **WITHOUT_SERIALIZING
        )
        assert name == "test_devdata"
        assert connection.options["embedded"] == ":memory:"
        with connection.cursor() as cursor:
            cursor.execute("SELECT currentDatabase()")
            assert cursor.fetchall() == [("test_devdata",)]
        connection.creation.destroy_test_db("devdata", verbosity=0)
        assert connection.options["embedded"] == str(development)
        assert connection.settings_dict["OPTIONS"]["embedded"] == str(development)
        assert options == {"embedded": str(development)}  # the settings' own dict untouched
    finally:
        connection.close()
        holder.kill()
        holder.wait()


def test_test_embedded_applies_to_embedded_aliases_only():
    with pytest.raises(ImproperlyConfigured, match=r"\['TEST'\]\['embedded'\] places"):
        wrapper(HOST="clickhouse.internal", TEST={"embedded": ":memory:"})


def test_other_errors_are_raised_without_a_question(unblocked, monkeypatch):
    """Only an existing database leads to the question; any other failure is raised."""
    monkeypatch.setattr("builtins.input", lambda question: pytest.fail(f"asked: {question}"))
    connection = wrapper(NAME="x" * 300, OPTIONS=MEMORY)  # a name too long for a file
    try:
        with pytest.raises(DatabaseError):
            connection.creation._create_test_db(verbosity=0, autoclobber=False)
        assert not database_exists(connection, "test_" + "x" * 300)
    finally:
        connection.close()


def test_an_unmanaged_test_database_must_exist_and_is_never_dropped(unblocked):
    connection = wrapper(NAME="unmanaged", OPTIONS=MEMORY, TEST={"managed": False})
    creation = connection.creation
    try:
        with pytest.raises(
            ImproperlyConfigured,
            match=r"uses the database 'test_unmanaged' as it is and never creates it, but it "
            r"does not exist: create it, or set 'managed' to True",
        ):
            creation._create_test_db(verbosity=0, autoclobber=True)
        assert not database_exists(connection, "test_unmanaged")

        run_sql(
            connection,
            "CREATE DATABASE test_unmanaged",
            "CREATE TABLE test_unmanaged.kept (a Int8) ENGINE = MergeTree ORDER BY a",
            "INSERT INTO test_unmanaged.kept VALUES (1)",
        )
        assert creation._create_test_db(verbosity=0, autoclobber=True) == "test_unmanaged"
        creation.destroy_test_db(verbosity=0)
        assert run_sql(connection, "SELECT a FROM test_unmanaged.kept") == [(1,)]
        itself = wrapper(
            NAME="test_unmanaged",
            OPTIONS=MEMORY,
            TEST={"NAME": "test_unmanaged", "managed": False},
        )
        with pytest.raises(
            ImproperlyConfigured, match=r"is the database itself \('test_unmanaged'\)"
        ):
            itself.creation._create_test_db(verbosity=0, autoclobber=True)
        with pytest.raises(NotSupportedError, match=r"'managed': False.*without --parallel"):
            creation._clone_test_db("1", verbosity=0)
    finally:
        run_sql(connection, "DROP DATABASE IF EXISTS test_unmanaged")
        connection.close()


# -- serialized rollback and copies for --parallel, on the suite's test database ------


def make_rows():
    ann = Author.objects.create(name="ann")
    first = Article.objects.create(title="first", author=ann)
    Article.objects.create(title="orphan", author=None)
    first.tags.add(Tag.objects.create(label="x"), Tag.objects.create(label="y"))
    Event.objects.create(
        # Django's JSON serializer keeps milliseconds, on every database.
        timestamp=datetime.datetime(2024, 5, 1, 12, 30, 0, 250_000, tzinfo=UTC),
        protocol="dns",
        port=53,
        source="2001:db8::1",
        payload={"query": "example.org", "answers": [1, 2]},
        size=7,
    )


def rows() -> dict:
    """Every row of testapp's tables, as values a test can compare."""
    return {
        "authors": sorted(Author.objects.values_list("pk", "name")),
        "articles": sorted(Article.objects.values_list("pk", "title", "author_id")),
        "links": sorted(Article.tags.through.objects.values_list("article_id", "tag_id")),
        "tags": sorted(Tag.objects.values_list("pk", "label")),
        "events": list(Event.objects.values()),
    }


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_serialized_rows_come_back_after_a_flush():
    """What serialized_rollback relies on: serialize, empty the tables, load them again."""
    connection = connections["clickhouse"]
    make_rows()
    before = rows()
    data = connection.creation.serialize_db_to_string()
    tables = connection.introspection.django_table_names(only_existing=True)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert Author.objects.count() == Event.objects.count() == 0

    connection.creation.deserialize_db_from_string(data)
    assert rows() == before
    with connection.cursor() as cursor:  # one insert (one data part) per table
        cursor.execute(
            "SELECT table, count() FROM system.parts WHERE database = currentDatabase() "
            "AND active AND table LIKE 'testapp_%%' AND NOT startsWith(name, 'patch-') "
            "GROUP BY table"
        )
        assert {count for _, count in cursor.fetchall()} == {1}


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_a_copy_for_a_worker_has_every_table_and_row():
    """On a server each --parallel worker gets a copy (run here on the embedded engine)."""
    connection = connections["clickhouse"]
    make_rows()
    source = connection.settings_dict["NAME"]
    target = connection.creation.get_test_db_clone_settings("7")["NAME"]
    assert target == f"{source}_7"
    connection.creation._copy_test_db("7", verbosity=0, keepdb=False)
    try:
        tables = "SELECT name FROM system.tables WHERE database = '{}' ORDER BY name"
        names = [name for (name,) in run_sql(connection, tables.format(source))]
        assert [name for (name,) in run_sql(connection, tables.format(target))] == names
        assert {"testapp_event", "testapp_article_tags", "django_migrations"} <= set(names)
        for table in names:
            (made,) = run_sql(connection, f"SHOW CREATE TABLE {target}.{table}")[0]
            (kept,) = run_sql(connection, f"SHOW CREATE TABLE {source}.{table}")[0]
            assert made.replace(target, source) == kept
            copied = run_sql(connection, f"SELECT * FROM {target}.{table}")
            assert sorted(map(repr, copied)) == sorted(
                map(repr, run_sql(connection, f"SELECT * FROM {source}.{table}"))
            )
        assert run_sql(connection, f"SELECT title FROM {target}.testapp_article ORDER BY title")[
            0
        ] == ("first",)
    finally:
        run_sql(connection, f"DROP DATABASE IF EXISTS {target}")


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_a_database_with_a_view_is_not_copied():
    """A view names its tables by database: the copy would read the original's rows."""
    connection = connections["clickhouse"]
    source = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW names AS SELECT name FROM testapp_author")
    try:
        with pytest.raises(NotSupportedError, match=r"not names \(View\)"):
            connection.creation._copy_test_db("8", verbosity=0, keepdb=False)
        assert not database_exists(connection, f"{source}_8")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW names")


# -- Django's test runner with --parallel, on a small project in a subprocess ---------

PROJECT = {
    "probe_settings.py": """
        import json, os
        SECRET_KEY = "probe"
        USE_TZ = True
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "testapp", "probe"]
        DATABASE_ROUTERS = ["testapp.routers.ClickHouseRouter"]
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        DATABASES = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            "clickhouse": {
                "ENGINE": "clickhouse_backend.backend",
                "NAME": "default",
                "OPTIONS": {"embedded": os.environ["PROBE_EMBEDDED"]},
                "TEST": json.loads(os.environ.get("PROBE_TEST", "{}")),
            },
        }
    """,
    "manage.py": """
        import multiprocessing, os, sys
        if __name__ == "__main__":
            if os.environ.get("PROBE_START_METHOD"):
                multiprocessing.set_start_method(os.environ["PROBE_START_METHOD"])
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "probe/__init__.py": "",
    "probe/tests.py": """
        import os, pathlib, time
        from django.contrib.auth.models import Group
        from django.db import connections
        from django.test import TestCase
        from testapp.models import Author

        MARKS = pathlib.Path(os.environ["PROBE_MARKS"])

        class Meeting:
            # Two classes that wait for each other: they pass only when run at once.
            me = other = ""
            rows = 0

            def test_runs_alongside_the_other(self):
                Author.objects.bulk_create([Author(name=self.me) for _ in range(self.rows)])
                Group.objects.create(name=self.me)
                with connections["clickhouse"].cursor() as cursor:
                    cursor.execute("SELECT currentDatabase()")
                    (database,) = cursor.fetchone()
                (MARKS / self.me).write_text(f"{os.getpid()} {database}")
                deadline = time.monotonic() + 60
                while self.other and not (MARKS / self.other).exists():
                    self.assertLess(time.monotonic(), deadline, "the other never ran")
                    time.sleep(0.05)
                self.assertEqual(Author.objects.count(), self.rows)
                self.assertEqual(list(Group.objects.values_list("name", flat=True)), [self.me])

        class A(Meeting, TestCase):
            databases = {"default", "clickhouse"}
            me, other, rows = "a", os.environ.get("PROBE_OTHER", "b"), 3

        class B(Meeting, TestCase):
            databases = {"default", "clickhouse"}
            me, other, rows = "b", "a", 5
    """,
}


@pytest.fixture
def project(tmp_path):
    """``run(*args, **env)``: ``manage.py test`` of the probe project; returns the process."""
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text))
    marks = tmp_path / "marks"
    marks.mkdir()

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "probe_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTS)]),
            "PROBE_MARKS": str(marks),
            "PROBE_EMBEDDED": ":memory:",
            **env,
        }
        return subprocess.run(
            [sys.executable, "manage.py", "test", "probe", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
        )

    run.marks = marks
    return run


@pytest.mark.parametrize("engine", ["memory", "directory"])
def test_parallel_workers_each_get_a_test_database(project, tmp_path, engine):
    """Two spawned workers run at once, each on its own ClickHouse (and SQLite) database."""
    embedded = ":memory:" if engine == "memory" else str(tmp_path / "chdb")
    done = project("--parallel", "2", PROBE_START_METHOD="spawn", PROBE_EMBEDDED=embedded)
    assert done.returncode == 0, done.stderr
    assert "Ran 2 tests" in done.stderr and "\nOK" in done.stderr
    seen = {mark.name: mark.read_text().split() for mark in project.marks.iterdir()}
    assert seen.keys() == {"a", "b"}
    assert seen["a"][0] != seen["b"][0]  # two processes
    assert {seen["a"][1], seen["b"][1]} == {"test_default_1", "test_default_2"}


def test_parallel_with_forked_workers_is_refused(project):
    """chDB hangs in a forked process: the runner stops at once with what to do instead."""
    done = project("--parallel", "2", PROBE_START_METHOD="fork")
    assert done.returncode != 0
    assert "cannot run in a forked process" in done.stderr
    assert "multiprocessing.set_start_method('spawn')" in done.stderr
    assert not list(project.marks.iterdir())  # no test ran


def test_an_unmanaged_test_database_is_migrated_and_kept(project, tmp_path):
    """The runner migrates the existing database, empties its tables, and leaves it there."""
    directory = str(tmp_path / "chdb")
    make = (
        "import sys; from clickhouse_backend import driver; "
        "c = driver.connect(embedded=sys.argv[1]); "
    )
    subprocess.run(
        [sys.executable, "-c", make + "c.cursor().execute(sys.argv[2]); c.close()", directory,
         "CREATE DATABASE mine"],
        check=True,
    )  # fmt: skip
    done = project(
        PROBE_EMBEDDED=directory, PROBE_TEST='{"NAME": "mine", "managed": false}', PROBE_OTHER=""
    )
    assert done.returncode == 0, done.stderr
    assert "Using existing test database for alias 'clickhouse'" in done.stderr
    assert "Preserving test database for alias 'clickhouse'" in done.stderr
    check = subprocess.run(
        [sys.executable, "-c", make + "cur = c.cursor(); cur.execute(sys.argv[2]); "
         "print(cur.fetchall()); c.close()", directory,
         "SELECT (SELECT count() FROM mine.testapp_author), "
         "(SELECT count() FROM mine.django_migrations WHERE app = 'testapp') > 0"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert check.stdout.strip() == "[(0, 1)]"  # migrated, emptied, kept
