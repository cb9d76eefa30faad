"""CONN_MAX_AGE, CONN_HEALTH_CHECKS and close(), as Django documents them.

On the embedded engine the suite's ``clickhouse`` connection goes through Django's own
request signals. A server that dies or restarts needs a real one: Debian's 18.16.
"""

import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started
from django.db import InterfaceError, OperationalError, connections
from django.db.utils import ConnectionHandler

from clickhouse_backend.backend.base import DJANGO_SEMANTICS

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)
ENGINE = "clickhouse_backend.backend"


@pytest.fixture
def clickhouse(monkeypatch):
    """``configure(**settings)``: the suite's ClickHouse connection with other CONN_* values."""
    connection = connections["clickhouse"]
    connection.close()

    def configure(**settings):
        for key, value in settings.items():
            monkeypatch.setitem(connection.settings_dict, key, value)
        return connection

    yield configure
    connection.close()


def request(work):
    """One request as Django's handler frames it: the signals close old connections."""
    request_started.send(sender=None)
    try:
        return work()
    finally:
        request_finished.send(sender=None)


def query(connection, sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None


def mark_session(connection):
    """Change a setting of the session only: a new session does not have it."""
    query(connection, "SET max_threads = 3")
    return connection.connection


def is_marked(connection) -> bool:
    return query(connection, "SELECT getSetting('max_threads')") == 3


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"NAME": 5}, r"\['NAME'\] must be str, not int"),
        ({"HOST": ["a", "b"]}, r"\['HOST'\] must be str, not list"),
        ({"USER": None, "PASSWORD": b"secret"}, r"\['PASSWORD'\] must be str, not bytes"),
        ({"PORT": "9000a"}, r"\['PORT'\] must be a port number, not '9000a'"),
        ({"PORT": 70000}, r"\['PORT'\] must be a port number, not 70000"),
        ({"PORT": True}, r"\['PORT'\] must be a port number, not True"),
        ({"OPTIONS": {"pool": True}, "CONN_MAX_AGE": None}, r"CONN_MAX_AGE=None"),
    ],
)
def test_bad_connection_settings_name_the_key(entry, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        ConnectionHandler({"default": {}, "bad": {"ENGINE": ENGINE, **entry}})["bad"]


def test_good_connection_settings():
    """Ports as numbers or digits; a pool with CONN_MAX_AGE = 0, the default."""
    for entry in ({"PORT": 9000}, {"PORT": "9440"}, {"PORT": ""}, {"OPTIONS": {"pool": True}}):
        ConnectionHandler({"default": {}, "good": {"ENGINE": ENGINE, **entry}})["good"]


def test_conn_max_age_0_opens_a_session_per_request(clickhouse):
    connection = clickhouse(CONN_MAX_AGE=0)
    first = request(lambda: mark_session(connection))
    assert connection.connection is None and first.closed
    assert request(lambda: is_marked(connection)) is False


def test_a_persistent_connection_keeps_its_session_until_max_age(clickhouse):
    connection = clickhouse(CONN_MAX_AGE=0.5)
    first = request(lambda: mark_session(connection))
    assert connection.connection is first
    assert request(lambda: is_marked(connection)) is True
    time.sleep(0.6)
    request_started.send(sender=None)  # too old: closed before the next request uses it
    assert connection.connection is None and first.closed
    assert request(lambda: is_marked(connection)) is False


def test_health_checks_replace_a_dead_session(clickhouse):
    """With CONN_HEALTH_CHECKS a request's first query finds the dead session and replaces
    it; without, that query fails, and the end of the request closes the session."""
    connection = clickhouse(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)
    first = request(lambda: mark_session(connection))
    first.close()  # the session dies between requests
    assert request(lambda: query(connection, "SELECT 5")) == 5
    assert connection.connection is not first

    connection.close()
    connection = clickhouse(CONN_HEALTH_CHECKS=False)
    dead = request(lambda: mark_session(connection))
    dead.close()
    with pytest.raises(InterfaceError, match="closed"):
        request(lambda: query(connection, "SELECT 6"))
    assert connection.connection is None  # closed at the end of the failed request
    assert request(lambda: query(connection, "SELECT 7")) == 7


def test_each_thread_has_its_own_session(clickhouse):
    """No process-wide shared session: what one thread sets, another does not see."""
    connection = clickhouse(CONN_MAX_AGE=None)
    mine = mark_session(connection)
    seen = {}

    def other_thread():
        theirs = connections["clickhouse"]
        seen["marked"], seen["session"] = is_marked(theirs), theirs.connection
        theirs.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(30)
    assert seen["marked"] is False and seen["session"] is not mine
    assert is_marked(connection) is True


# -- a real server: restarts and the pool -----------------------------------------------


def server_wrapper(server, **entry):
    """A DatabaseWrapper on Debian's 18.16 server, driven by hand through request cycles.

    18.16 is older than the backend's minimum (24.8, which the ORM needs), so this
    wrapper lowers its own minimum and sends none of the backend's session settings,
    which 18.16 does not know. Connecting, pinging, closing and pooling are the same
    code on every server version. It is not in ``django.db.connections``, so the
    request signals do not reach it: ``cycle()`` runs what their handler runs.
    """
    options = {"connect_timeout": 2, "settings": dict.fromkeys(DJANGO_SEMANTICS)}
    options.update(entry.pop("OPTIONS", {}))
    settings = {"ENGINE": ENGINE, "HOST": server.host}
    settings.update(PORT=server.tcp_port, OPTIONS=options, **entry)
    connection = ConnectionHandler({"default": {}, "server": settings})["server"]
    connection.features.minimum_database_version = (18, 16)
    return connection


def cycle(connection, work):
    """One request for a connection outside ``django.db.connections``."""
    connection.close_if_unusable_or_obsolete()
    try:
        return work()
    finally:
        connection.close_if_unusable_or_obsolete()


def test_health_checks_across_a_server_crash_and_restart(own_server):
    connection = server_wrapper(own_server, CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)
    try:
        assert cycle(connection, lambda: query(connection, "SELECT 1")) == 1
        session = connection.connection
        own_server.kill()
        with pytest.raises(OperationalError, match=str(own_server.tcp_port)):
            cycle(connection, lambda: query(connection, "SELECT 2"))
        assert session.closed  # the health check found it dead and closed it
        own_server.start()
        assert cycle(connection, lambda: query(connection, "SELECT 3")) == 3
        restarted = connection.connection
        own_server.restart()  # between requests, on the same port
        assert cycle(connection, lambda: query(connection, "SELECT 4")) == 4
        assert connection.connection is restarted  # the ping reconnected it
    finally:
        connection.close()


def test_close_gives_a_pooled_session_back(own_server):
    """With OPTIONS["pool"] each request's close() hands the session back for the next;
    one whose server died under it is discarded, and later requests get a new one."""
    connection = server_wrapper(own_server, OPTIONS={"pool": {"min_size": 0, "max_size": 2}})

    def session():
        query(connection, "SELECT 1")
        assert connection.connection.pool is connection.pool  # as DCB's users reach it
        return connection.connection.transport

    try:
        pool = connection.pool
        first = cycle(connection, session)
        assert connection.connection is None and (pool.size, pool.idle) == (1, 1)
        assert cycle(connection, session) is first
        own_server.kill()
        with pytest.raises(OperationalError):
            cycle(connection, session)
        assert (pool.size, pool.idle) == (0, 0)
        own_server.start()
        assert cycle(connection, session) is not first
        assert (pool.size, pool.idle) == (1, 1)
    finally:
        connection.close_pool()
