"""The ClickHouse part of a ``DATABASES`` entry, checked before anything connects.

A misspelt key or a value of the wrong type would otherwise surface much later as a
confusing driver error, or not at all; here it is an ``ImproperlyConfigured`` that names
the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..driver.dsn import parse_dsn
from ..driver.exceptions import InterfaceError, ProgrammingError
from ..driver.options import POOL_DEFAULTS, check_pool, check_values

NUMBER = (int, float)
PATH = (str, os.PathLike)

# OPTIONS keys, and the types each accepts (None is always allowed: "not set").
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "embedded": PATH,
    "dsn": (str,),
    "pool": (bool, Mapping),
    "settings": (Mapping,),
    "migration_cluster": (str,),
    "machine_id": (int,),
    "distributed_migrations": (bool,),
    # Passed to the driver as they are (see docs/configuration.md).
    "interface": (str,),
    "secure": (bool,),
    "verify": (bool,),
    "check_hostname": (bool,),
    "ca_certs": PATH,
    "certfile": PATH,
    "keyfile": PATH,
    "ciphers": (str,),
    "server_hostname": (str,),
    "compression": (bool, str),
    "connect_timeout": NUMBER,
    "send_receive_timeout": NUMBER,
    "sync_request_timeout": NUMBER,
    "alt_hosts": (str,),
    "client_name": (str,),
    "insert_block_size": (int,),
}
POOL_TYPES: dict[str, tuple[type, ...]] = {
    "min_size": (int,),
    "max_size": (int,),
    "timeout": NUMBER,
    "check_idle_after": NUMBER,
}
# TEST keys: ours, and the ones Django documents, typed where this backend uses them.
# Other backends' keys (CHARSET, TEMPLATE, Oracle's ...) are accepted and mean nothing
# here, so that one settings template can serve several databases.
TEST_TYPES: dict[str, tuple[type, ...]] = {
    "cluster": (str,),
    "embedded": PATH,
    "managed": (bool,),
    "NAME": (str,),
    "MIGRATE": (bool,),
    "MIRROR": (str,),
    "DEPENDENCIES": (list, tuple),
}
OTHER_BACKENDS_TEST_KEYS = frozenset(
    {
        "CHARSET",
        "COLLATION",
        "TEMPLATE",
        "CREATE_DB",
        "CREATE_USER",
        "USER",
        "PASSWORD",
        "ORACLE_MANAGED_FILES",
        "TBLSPACE",
        "TBLSPACE_TMP",
        "DATAFILE",
        "DATAFILE_TMP",
        "DATAFILE_MAXSIZE",
        "DATAFILE_TMP_MAXSIZE",
        "DATAFILE_SIZE",
        "DATAFILE_TMP_SIZE",
        "DATAFILE_EXTSIZE",
        "DATAFILE_TMP_EXTSIZE",
    }
)
# django-clickhouse-backend's names, each with what to write here instead. Refused by
# name: taken silently, they would not mean what its users expect.
FOREIGN_OPTIONS = {
    "connections_min": "a pool: OPTIONS['pool'] = {'min_size': ..., 'max_size': ...}",
    "connections_max": "a pool: OPTIONS['pool'] = {'min_size': ..., 'max_size': ...}",
}
FOREIGN_TEST_KEYS = {
    "fake_transaction": (
        "nothing: a TestCase that uses ClickHouse runs as a TransactionTestCase (every "
        "table it used is emptied after each test, so no row leaks into the next); keep "
        "ClickHouse tests in classes of their own so the others keep their rollbacks "
        "(docs/testing.md)"
    ),
}
FOREIGN_SETTINGS = {
    "CLICKHOUSE_ID_WORKER": (
        "nothing: this backend generates ids itself; give each node that inserts "
        "OPTIONS['machine_id'] (0-1023) of its own (docs/configuration.md)"
    ),
}
# Options of the backend itself, not passed to the driver. distributed_migrations is
# django-clickhouse-backend's, for a load balancer in front of a cluster: with
# migration_cluster the history is a replicated table on every node already.
BACKEND_ONLY = frozenset({"migration_cluster", "machine_id", "distributed_migrations"})
NATIVE_ONLY = frozenset(OPTION_TYPES) - {"embedded", "dsn", "settings"} - BACKEND_ONLY


def _check_types(
    where: str, values: Mapping, types: Mapping, kind: str, foreign: Mapping | None = None
) -> None:
    for key, value in values.items():
        if foreign and key in foreign:
            raise ImproperlyConfigured(
                f"{where}[{key!r}] is django-clickhouse-backend's; here use {foreign[key]}"
            )
        accepted = types.get(key)
        if accepted is None:
            raise ImproperlyConfigured(
                f"{where}[{key!r}] is not a ClickHouse {kind}; known: {', '.join(sorted(types))}"
            )
        if value is not None and (
            not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted)
        ):
            names = " or ".join(kind.__name__ for kind in accepted)
            raise ImproperlyConfigured(
                f"{where}[{key!r}] must be {names} (or None), not {type(value).__name__}"
            )


def _check_test(where: str, test: Mapping[str, Any]) -> None:
    ours = {key: value for key, value in test.items() if key not in OTHER_BACKENDS_TEST_KEYS}
    _check_types(f"{where}['TEST']", ours, TEST_TYPES, "test setting", FOREIGN_TEST_KEYS)


def _check_project_settings() -> None:
    for name, instead in FOREIGN_SETTINGS.items():
        if getattr(settings, name, None) is not None:
            raise ImproperlyConfigured(
                f"settings.{name} is django-clickhouse-backend's; here use {instead}"
            )


def _check_address(where: str, settings_dict: Mapping[str, Any]) -> None:
    for key in ("NAME", "HOST", "USER", "PASSWORD"):
        value = settings_dict.get(key)
        if value is not None and not isinstance(value, str):
            raise ImproperlyConfigured(f"{where}[{key!r}] must be str, not {type(value).__name__}")
    port = settings_dict.get("PORT")
    if port not in (None, "") and not (
        (isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536)
        or (isinstance(port, str) and port.isdigit() and 0 < int(port) < 65536)
    ):
        raise ImproperlyConfigured(f"{where}['PORT'] must be a port number, not {port!r}")


def validate(alias: str, settings_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Check a ``DATABASES`` entry (OPTIONS, TEST, the address); return OPTIONS without
    unset keys."""
    where = f"DATABASES[{alias!r}]"
    _check_project_settings()
    _check_address(where, settings_dict)
    options = settings_dict.get("OPTIONS") or {}
    _check_types(f"{where}['OPTIONS']", options, OPTION_TYPES, "option", FOREIGN_OPTIONS)
    options = {key: value for key, value in options.items() if value is not None}
    pool = options.get("pool")
    if isinstance(pool, Mapping):
        _check_types(f"{where}['OPTIONS']['pool']", pool, POOL_TYPES, "option")
    if options.get("distributed_migrations") and not options.get("migration_cluster"):
        raise ImproperlyConfigured(
            f"{where}['OPTIONS']['distributed_migrations'] needs migration_cluster: the "
            "migration history is then a replicated table on every node of that cluster, "
            "which a load balancer may send each migrate to"
        )
    if options.get("migration_cluster") == "":
        raise ImproperlyConfigured(
            f"{where}['OPTIONS']['migration_cluster'] must name a cluster, not ''; "
            "leave it out to keep the migration history on this node"
        )
    machine_id = options.get("machine_id")
    if machine_id is not None and not 0 <= machine_id < 1024:
        raise ImproperlyConfigured(
            f"{where}['OPTIONS']['machine_id'] must be from 0 to 1023 (10 bits of each "
            f"generated id), not {machine_id}"
        )
    try:
        check_values(options)
        if "dsn" in options:
            # The DSN's own options (?compression=..., ?connect_timeout=...) are checked
            # here too, so a wrong one stops startup rather than the first query.
            check_values(parse_dsn(options["dsn"]))
        if pool:
            given = pool if isinstance(pool, Mapping) else {}
            check_pool(**{**POOL_DEFAULTS, **{k: v for k, v in given.items() if v is not None}})
    except (InterfaceError, ProgrammingError) as error:
        raise ImproperlyConfigured(f"{where}['OPTIONS']: {error}") from None
    for name in options.get("settings", {}):
        if not isinstance(name, str) or not name.isidentifier():
            raise ImproperlyConfigured(
                f"{where}['OPTIONS']['settings'] has {name!r}, which is not a setting name"
            )
    _check_test(where, settings_dict.get("TEST") or {})
    if "embedded" in options:
        clashing = sorted((set(options) & NATIVE_ONLY) | ({"dsn"} & set(options)))
        if settings_dict.get("HOST"):
            clashing.append("HOST")
        if "migration_cluster" in options:
            clashing.append("OPTIONS['migration_cluster']")
        if (settings_dict.get("TEST") or {}).get("cluster"):
            clashing.append("TEST['cluster']")
        if clashing:
            verb, pronoun = ("is", "it") if len(clashing) == 1 else ("are", "them")
            raise ImproperlyConfigured(
                f"{where} runs embedded (OPTIONS['embedded']); {', '.join(clashing)} {verb} "
                f"only for a server: remove {pronoun}, or remove 'embedded'"
            )
    elif (settings_dict.get("TEST") or {}).get("embedded") is not None:
        raise ImproperlyConfigured(
            f"{where}['TEST']['embedded'] places the test database of an embedded alias; "
            "this one runs on a server (no OPTIONS['embedded']): remove it"
        )
    if "dsn" in options and (settings_dict.get("HOST") or settings_dict.get("PORT")):
        raise ImproperlyConfigured(
            f"{where} has both OPTIONS['dsn'] and HOST/PORT: the DSN names the server, "
            "so set one or the other"
        )
    if settings_dict.get("TIME_ZONE") not in (None, "UTC"):
        # Django would read and write naive datetimes in that zone; ClickHouse's
        # DateTime holds instants, which the backend reads and writes as such.
        raise ImproperlyConfigured(
            f"{where}['TIME_ZONE'] = {settings_dict['TIME_ZONE']!r} is for databases that "
            "store datetimes without their zone; ClickHouse stores instants (read back in "
            "UTC). Remove it, and give a column its zone with "
            "DateTimeField(timezone=...) where its values should show in that zone"
        )
    if options.get("pool") and settings_dict.get("CONN_MAX_AGE", 0) != 0:
        # A persistent connection would hold its pooled session for good.
        raise ImproperlyConfigured(
            f"{where} has OPTIONS['pool'] and CONN_MAX_AGE={settings_dict['CONN_MAX_AGE']!r}: "
            "a pool hands sessions back when Django closes its connection, so set "
            "CONN_MAX_AGE to 0 (the default) or remove the pool"
        )
    return options
