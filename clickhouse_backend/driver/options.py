"""Valid values of ``connect()`` and ``create_pool()`` options, checked before connecting.

A negative or huge timeout would otherwise surface as a socket's bare ``ValueError`` or
``OverflowError`` at the first query, a password of the wrong type as clickhouse-driver's
``AttributeError``, and an unknown compression as clickhouse-driver's own exception; here
each is a ``ProgrammingError`` that names the option. Django's settings use the same checks.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

from .exceptions import ProgrammingError

TIMEOUTS = ("connect_timeout", "send_receive_timeout", "sync_request_timeout")
#: The longest wait Python's sockets and threads accept (about 292 years).
MAX_SECONDS = threading.TIMEOUT_MAX
#: create_pool()'s defaults, which Django's OPTIONS["pool"] also starts from.
POOL_DEFAULTS = {"min_size": 1, "max_size": 10, "timeout": 10.0, "check_idle_after": 30.0}
COMPRESSIONS = ("lz4", "lz4hc", "zstd")
INTERFACES = ("native", "http")
# connect() options and the types they take, with what to pass instead of a wrong one.
_TYPED_OPTIONS: dict[str, tuple[tuple[type, ...], str]] = {
    "host": ((str,), "a str"),
    "user": ((str,), "a str"),
    "password": ((str,), "a str"),
    "database": ((str,), "a str"),
    "client_name": ((str,), "a str"),
    "alt_hosts": ((str,), "a str of comma-separated host:port, such as 'db2:9000,db3:9000'"),
    "server_hostname": ((str,), "a str"),
    "ciphers": ((str,), "a str"),
    "ca_certs": ((str, os.PathLike), "a str or path"),
    "certfile": ((str, os.PathLike), "a str or path"),
    "keyfile": ((str, os.PathLike), "a str or path"),
    "secure": ((bool,), "True or False"),
    "verify": ((bool,), "True or False"),
    "check_hostname": ((bool,), "True or False"),
}


def check_values(options: Mapping[str, Any]) -> None:
    """Refuse option values no connection could use; None stands for "not set"."""
    for name, (types, expected) in _TYPED_OPTIONS.items():
        value = options.get(name)
        if value is not None and not isinstance(value, types):
            hint = ": decode it" if isinstance(value, bytes) and str in types else ""
            raise ProgrammingError(f"{name} must be {expected}, not {type(value).__name__}{hint}")
    port = options.get("port")
    if port is not None and not (_is_int(port) and 0 < port < 65536):
        raise ProgrammingError(f"port must be an int from 1 to 65535, not {port!r}")
    for name in TIMEOUTS:
        _check_seconds(name, options.get(name), zero_allowed=False)
    _check_compression(options.get("compression"))
    interface = options.get("interface")
    if interface is not None and interface not in INTERFACES:
        raise ProgrammingError(
            f"interface must be 'native' (TCP, port 9000) or 'http' (port 8123), not {interface!r}"
        )
    block_size = options.get("insert_block_size")
    if block_size is not None:
        check_block_size("insert_block_size", block_size)


def check_block_size(name: str, value: Any) -> None:
    """Refuse a number of rows per inserted block that no insert could use: rows are
    sliced into blocks, which takes an int up to ``sys.maxsize``."""
    if not (_is_int(value) and 1 <= value <= sys.maxsize):
        raise ProgrammingError(
            f"{name} must be at least 1 and at most {sys.maxsize} rows (an int), not {value!r}"
        )


def check_pool(min_size: Any, max_size: Any, timeout: Any, check_idle_after: Any) -> None:
    """Refuse pool sizes and times no pool could work with."""
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if not _is_int(value):
            raise ProgrammingError(f"pool {name} must be an int, not {value!r}")
    if not 0 <= min_size <= max_size or max_size < 1:
        raise ProgrammingError(
            f"pool sizes need 0 <= min_size <= max_size and max_size >= 1; got "
            f"min_size={min_size}, max_size={max_size}"
        )
    _check_seconds("pool timeout", timeout, zero_allowed=True)
    _check_seconds("pool check_idle_after", check_idle_after, zero_allowed=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_seconds(name: str, value: Any, zero_allowed: bool) -> None:
    """A duration that sockets and ``threading`` accept (NaN fails every comparison)."""
    if value is None:
        return
    if not (_is_number(value) and (value > 0 or (zero_allowed and value == 0))):
        bound = "at least 0" if zero_allowed else "more than 0"
        raise ProgrammingError(f"{name} must be a number of seconds {bound}, not {value!r}")
    if value > MAX_SECONDS:
        raise ProgrammingError(
            f"{name} must be at most {MAX_SECONDS:.0f} seconds, the longest wait Python's "
            f"sockets and threads accept, not {value!r}"
        )


def _check_compression(value: Any) -> None:
    if value is None or value is True or value is False:
        return
    if value not in COMPRESSIONS:
        raise ProgrammingError(
            f"compression must be True, False or one of {', '.join(COMPRESSIONS)}, not {value!r}"
        )
    from clickhouse_driver.compression import get_compressor_cls

    try:
        get_compressor_cls(value)
    except Exception:  # clickhouse-driver reports a missing package in several ways
        raise ProgrammingError(
            f"compression={value!r} needs its compression library: "
            "pip install 'django-clickhouse-db[compression]'"
        ) from None
