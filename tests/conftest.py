"""Fixtures: an embedded engine by default, a real server when one is named.

``CLICKHOUSE_TEST_DSN=clickhouse://user:password@host:9000/default`` runs the suite
against that server instead of the embedded engine. The native-protocol tests always
start their own throwaway Debian ``clickhouse-server`` (see ``clickhouse_server.py``).
"""

from __future__ import annotations

import itertools
import os
import pathlib
import sys

import pytest

from clickhouse_backend import driver

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from clickhouse_server import LocalServer, find_server_binary

TEST_DSN = os.environ.get("CLICKHOUSE_TEST_DSN")
_names = itertools.count()


def connect_options() -> dict:
    """How the suite reaches ClickHouse: the named server, or the embedded engine."""
    if TEST_DSN:
        return {"dsn": TEST_DSN}
    return {"embedded": ":memory:"}


@pytest.fixture
def connect():
    """``connect(**extra)`` on the suite's ClickHouse; every connection is closed after."""
    opened = []

    def open_connection(**extra):
        options = connect_options()
        dsn = options.pop("dsn", None)
        connection = driver.connect(dsn, **options, **extra)
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()


@pytest.fixture
def database(connect):
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"test_{os.getpid()}_{next(_names)}"
    admin = connect()
    admin.cursor().execute(f"CREATE DATABASE {name}")
    yield name
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def conn(connect, database):
    """A connection whose current database is the test's own."""
    return connect(database=database)


@pytest.fixture
def cursor(conn):
    with conn.cursor() as cursor:
        yield cursor


def _require_server_binary() -> str:
    binary = find_server_binary()
    if binary is None:
        message = (
            "Debian's clickhouse-server is not installed "
            "(apt-get install -y clickhouse-server); native-protocol tests need it"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture
def clickhouse_db(django_db_blocker):
    """The suite's Django connection to ClickHouse, usable outside django_db tests."""
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        yield connection
        connection.close()


@pytest.fixture(scope="session")
def local_server(tmp_path_factory):
    """A throwaway clickhouse-server on loopback, shared by the native-protocol tests."""
    _require_server_binary()
    server = LocalServer(tmp_path_factory.mktemp("clickhouse-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A clickhouse-server of the test's own, for tests that kill or restart it."""
    _require_server_binary()
    server = LocalServer(tmp_path / "server")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def native(local_server):
    """A native-protocol connection to the shared local server; closed after."""
    connection = driver.connect(host=local_server.host, port=local_server.tcp_port)
    yield connection
    connection.close()
