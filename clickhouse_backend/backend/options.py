"""The ClickHouse part of a ``DATABASES`` entry, checked before anything connects.

A misspelt key or a value of the wrong type would otherwise surface much later as a
confusing driver error, or not at all; here it is an ``ImproperlyConfigured`` that names
the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

NUMBER = (int, float)
PATH = (str, os.PathLike)

# OPTIONS keys, and the types each accepts (None is always allowed: "not set").
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "embedded": PATH,
    "dsn": (str,),
    "pool": (bool, Mapping),
    "settings": (Mapping,),
    "migration_cluster": (str,),
    # Passed to the native transport as they are (see docs/configuration.md).
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
TEST_TYPES: dict[str, tuple[type, ...]] = {"cluster": (str,), "managed": (bool,)}
NATIVE_ONLY = frozenset(OPTION_TYPES) - {"embedded", "dsn", "settings", "migration_cluster"}


def _check_types(where: str, values: Mapping, types: Mapping, strict: bool) -> None:
    for key, value in values.items():
        accepted = types.get(key)
        if accepted is None:
            if strict:
                raise ImproperlyConfigured(
                    f"{where}[{key!r}] is not a ClickHouse option; known: "
                    f"{', '.join(sorted(types))}"
                )
            continue
        if value is not None and (
            not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted)
        ):
            names = " or ".join(kind.__name__ for kind in accepted)
            raise ImproperlyConfigured(
                f"{where}[{key!r}] must be {names} (or None), not {type(value).__name__}"
            )


def validate(alias: str, settings_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Check a ``DATABASES`` entry's OPTIONS and TEST; return OPTIONS without unset keys."""
    where = f"DATABASES[{alias!r}]"
    options = settings_dict.get("OPTIONS") or {}
    _check_types(f"{where}['OPTIONS']", options, OPTION_TYPES, strict=True)
    options = {key: value for key, value in options.items() if value is not None}
    pool = options.get("pool")
    if isinstance(pool, Mapping):
        _check_types(f"{where}['OPTIONS']['pool']", pool, POOL_TYPES, strict=True)
    for name in options.get("settings", {}):
        if not isinstance(name, str) or not name.isidentifier():
            raise ImproperlyConfigured(
                f"{where}['OPTIONS']['settings'] has {name!r}, which is not a setting name"
            )
    _check_types(f"{where}['TEST']", settings_dict.get("TEST") or {}, TEST_TYPES, strict=False)

    if "embedded" in options:
        clashing = sorted((set(options) & NATIVE_ONLY) | ({"dsn"} & set(options)))
        if settings_dict.get("HOST"):
            clashing.append("HOST")
        if clashing:
            raise ImproperlyConfigured(
                f"{where} runs embedded (OPTIONS['embedded']); {', '.join(clashing)} "
                "only apply to a server: remove them, or remove 'embedded'"
            )
    if "dsn" in options and (settings_dict.get("HOST") or settings_dict.get("PORT")):
        raise ImproperlyConfigured(
            f"{where} has both OPTIONS['dsn'] and HOST/PORT: the DSN names the server, "
            "so set one or the other"
        )
    return options
