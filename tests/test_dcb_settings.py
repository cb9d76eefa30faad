"""django-clickhouse-backend's settings names: each is taken with its meaning here, or
refused at startup with what to write instead (docs/migrating.md)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler

ENGINE = "clickhouse_backend.backend"


def wrapper(**entry):
    handler = ConnectionHandler({"default": {}, "ch": {"ENGINE": ENGINE, **entry}})
    return handler["ch"]


@pytest.mark.parametrize("key", ["connections_min", "connections_max"])
def test_its_pool_sizes_point_to_the_pool_option(key):
    with pytest.raises(ImproperlyConfigured) as refused:
        wrapper(HOST="ch", OPTIONS={key: 4})
    message = str(refused.value)
    assert f"DATABASES['ch']['OPTIONS']['{key}'] is django-clickhouse-backend's" in message
    assert "OPTIONS['pool'] = {'min_size': ..., 'max_size': ...}" in message


def test_fake_transaction_is_refused_with_what_testcase_does_here():
    with pytest.raises(ImproperlyConfigured) as refused:
        wrapper(OPTIONS={"embedded": ":memory:"}, TEST={"fake_transaction": True})
    message = str(refused.value)
    assert "['TEST']['fake_transaction'] is django-clickhouse-backend's" in message
    assert "runs as a TransactionTestCase" in message


def test_its_id_worker_setting_is_refused(settings):
    settings.CLICKHOUSE_ID_WORKER = "myproject.ids.worker"
    with pytest.raises(ImproperlyConfigured, match=r"settings.CLICKHOUSE_ID_WORKER .*machine_id"):
        wrapper(OPTIONS={"embedded": ":memory:"})


def test_distributed_migrations_rides_on_the_migration_cluster():
    """With migration_cluster the history is replicated on every node, which is what
    the option asks for behind a load balancer; alone it has nothing to work with."""
    connection = wrapper(
        HOST="ch", OPTIONS={"migration_cluster": "cluster", "distributed_migrations": True}
    )
    assert "distributed_migrations" not in connection.get_connection_params()
    with pytest.raises(ImproperlyConfigured, match="distributed_migrations'\\] needs migration"):
        wrapper(HOST="ch", OPTIONS={"distributed_migrations": True})
    with pytest.raises(ImproperlyConfigured, match="must be bool"):
        wrapper(HOST="ch", OPTIONS={"migration_cluster": "c", "distributed_migrations": "yes"})
