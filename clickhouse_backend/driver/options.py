"""Valid values of ``connect()`` and ``create_pool()`` options, checked before connecting.

A negative timeout would otherwise surface as a socket's bare ``ValueError`` at the first
query, and an unknown compression as clickhouse-driver's own exception; here each is a
``ProgrammingError`` that names the option. Django's settings use the same checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import ProgrammingError

TIMEOUTS = ("connect_timeout", "send_receive_timeout", "sync_request_timeout")
#: create_pool()'s defaults, which Django's OPTIONS["pool"] also starts from.
POOL_DEFAULTS = {"min_size": 1, "max_size": 10, "timeout": 10.0, "check_idle_after": 30.0}
COMPRESSIONS = ("lz4", "lz4hc", "zstd")


def check_values(options: Mapping[str, Any]) -> None:
    """Refuse option values no connection could use (types are the caller's to check)."""
    for name in TIMEOUTS:
        _check_number(name, options.get(name), minimum=0, inclusive=False)
    _check_compression(options.get("compression"))
    block_size = options.get("insert_block_size")
    if block_size is not None and (not _is_number(block_size) or block_size < 1):
        raise ProgrammingError(f"insert_block_size must be at least 1, not {block_size!r}")


def check_pool(min_size: Any, max_size: Any, timeout: Any, check_idle_after: Any) -> None:
    """Refuse pool sizes and times no pool could work with."""
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ProgrammingError(f"pool {name} must be an int, not {value!r}")
    if not 0 <= min_size <= max_size or max_size < 1:
        raise ProgrammingError(
            f"pool sizes need 0 <= min_size <= max_size and max_size >= 1; got "
            f"min_size={min_size}, max_size={max_size}"
        )
    _check_number("pool timeout", timeout, minimum=0, inclusive=True)
    _check_number("pool check_idle_after", check_idle_after, minimum=0, inclusive=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(name: str, value: Any, minimum: float, inclusive: bool) -> None:
    if value is None:
        return
    valid = _is_number(value) and value == value and value != float("inf")
    if valid and (value > minimum or (inclusive and value == minimum)):
        return
    bound = f"at least {minimum}" if inclusive else f"more than {minimum}"
    raise ProgrammingError(f"{name} must be a number of seconds {bound}, not {value!r}")


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
