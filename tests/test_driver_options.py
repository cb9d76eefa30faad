"""connect() options of the wrong type or out of range are refused by name before
connecting, against Debian's 18.16 server (where they would otherwise fail deep inside
clickhouse-driver, a socket or a lock)."""

from __future__ import annotations

import sys
import threading

import pytest

from clickhouse_backend import driver


@pytest.fixture
def address(local_server):
    return {"host": local_server.host, "port": local_server.tcp_port}


def select_one(connection: driver.Connection) -> list[tuple]:
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchall()


@pytest.mark.parametrize(
    "name", ["connect_timeout", "send_receive_timeout", "sync_request_timeout"]
)
@pytest.mark.parametrize("value", [1e308, 10**30])
def test_a_timeout_python_cannot_wait_is_refused(address, name, value):
    """A socket takes at most threading.TIMEOUT_MAX seconds (an OverflowError beyond);
    the error names the option and the maximum, which itself works."""
    message = f"{name} must be at most 9223372036 seconds"
    with pytest.raises(driver.ProgrammingError, match=message):
        select_one(driver.connect(**address, **{name: value}))
    with pytest.raises(driver.ProgrammingError, match=message):
        driver.create_pool(**address, **{name: value})
    assert select_one(driver.connect(**address, **{name: threading.TIMEOUT_MAX})) == [(1,)]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("user", b"default", "user must be a str, not bytes: decode it"),
        ("user", 5, "user must be a str, not int"),
        ("password", 0, "password must be a str, not int"),
        ("database", b"default", "database must be a str, not bytes"),
        ("client_name", 3, "client_name must be a str, not int"),
        (
            "alt_hosts",
            ["127.0.0.1:9000", 1],
            "alt_hosts must be a str of comma-separated host:port",
        ),
        ("alt_hosts", ["127.0.0.1:9000"], "alt_hosts must be a str .* not list"),
        ("host", 5, "host must be a str, not int"),
        ("host", b"127.0.0.1", "host must be a str, not bytes"),
        ("port", 1.5, r"port must be an int from 1 to 65535, not 1.5"),
        ("port", True, "port must be an int from 1 to 65535, not True"),
        ("secure", "false", "secure must be True or False, not str"),
    ],
)
def test_an_option_of_the_wrong_type_is_named(address, name, value, message):
    """Not clickhouse-driver's AttributeError or TypeError, a wrong address, or TLS
    switched on by the text "false"."""
    with pytest.raises(driver.ProgrammingError, match=message):
        select_one(driver.connect(**{**address, name: value}))
    with pytest.raises(driver.ProgrammingError, match=message):
        driver.create_pool(**{**address, name: value})


def test_a_port_given_as_text_is_refused(local_server):
    """A port is a number: text would reach getaddrinfo() as a service name."""
    port = str(local_server.tcp_port)
    with pytest.raises(driver.ProgrammingError, match=f"port must be an int .* not '{port}'"):
        driver.connect(host=local_server.host, port=port)


def test_none_is_an_option_not_set(address):
    """None for user, password, database or client_name means the default, as in
    Django's OPTIONS."""
    unset = dict.fromkeys(["user", "password", "database", "client_name", "alt_hosts"])
    assert select_one(driver.connect(**address, **unset)) == [(1,)]


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        (b"clickhouse://127.0.0.1", "a DSN must be a str such as 'clickhouse://.*', not bytes"),
        (5, "a DSN must be a str .* not int"),
        (["clickhouse://127.0.0.1"], "a DSN must be a str .* not list"),
        ("clickhouse://[::1/default", "the DSN is not a valid URL: Invalid IPv6 URL"),
    ],
)
def test_a_dsn_that_is_not_one_is_named(dsn, message):
    with pytest.raises(driver.InterfaceError, match=message):
        driver.connect(dsn)
    with pytest.raises(driver.InterfaceError, match=message):
        driver.create_pool(dsn)


@pytest.mark.parametrize("size", [10**30, 1.5])
def test_an_insert_block_size_no_insert_could_use_is_refused(connect, size):
    """Not a bare ValueError from slicing rows at the first insert, nor 1.5 rows
    silently taken as 1."""
    message = rf"insert_block_size must be at least 1 and at most {sys.maxsize} rows \(an int\)"
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor = connect(insert_block_size=size).cursor()
        cursor.execute("CREATE TEMPORARY TABLE blocks (x UInt8)")
        cursor.executemany("INSERT INTO blocks (x) VALUES", [(1,), (2,)])


@pytest.mark.parametrize("options", [{"embedded": ":memory:"}, {"host": "127.0.0.1"}])
def test_django_clickhouse_backend_pool_sizes_point_to_create_pool(options):
    """Its connect(connections_min=..., connections_max=...) opened a pool: here that is
    create_pool(), which the error names, before anything connects."""
    with pytest.raises(driver.InterfaceError) as refused:
        driver.connect(**options, connections_min=2, connections_max=4)
    assert str(refused.value).startswith("connect() takes no connections_max, connections_min")
    assert "create_pool(min_size=..., max_size=..., ...)" in str(refused.value)


@pytest.mark.parametrize("option", [{"host": "127.0.0.1"}, {"compression": "lz4"}])
def test_an_option_the_embedded_engine_cannot_use_lists_the_ones_it_can(option):
    """configuration.md: an unknown option's error lists what the transport takes."""
    with pytest.raises(driver.InterfaceError) as refused:
        driver.connect(embedded=":memory:", **option)
    assert f"takes no {next(iter(option))} option" in str(refused.value)
    assert "it takes database, insert_block_size, settings" in str(refused.value)
