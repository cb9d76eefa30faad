"""Settings of django-clickhouse-backend's README, for the 2-shard x 2-replica cluster of
compose.yaml when CLICKHOUSE_TEST_CLUSTER names its nodes
(``clickhouse://127.0.0.1:9000,127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003``), else one
embedded engine in the directory CLICKHOUSE_EMBEDDED_DIR."""

import os
from urllib.parse import urlsplit

SECRET_KEY = "tests-only"
USE_TZ = True
INSTALLED_APPS = ["clickhouse_backend", "events", "students"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

NODES = ("default", "s1r2", "s2r1", "s2r2")
CLUSTER = os.environ.get("CLICKHOUSE_TEST_CLUSTER")


def node(alias: str, address: str) -> dict:
    host, _, port = address.rpartition(":")
    return {
        "ENGINE": "clickhouse_backend.backend",
        "HOST": host,
        "PORT": int(port),
        "OPTIONS": {
            "migration_cluster": "cluster",
            "machine_id": NODES.index(alias),
            "settings": {
                "mutations_sync": 2,
                "insert_distributed_sync": 1,
                "insert_quorum": 2,
                "alter_sync": 2,
            },
        },
        "TEST": {"cluster": "cluster"}
        if alias == "default"
        else {"cluster": "cluster", "managed": False, "DEPENDENCIES": ["default"]},
    }


if CLUSTER:
    addresses = urlsplit(CLUSTER).netloc.split(",")
    DATABASES = {
        alias: node(alias, address) for alias, address in zip(NODES, addresses, strict=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "clickhouse_backend.backend",
            "OPTIONS": {"embedded": os.environ["CLICKHOUSE_EMBEDDED_DIR"]},
        }
    }
