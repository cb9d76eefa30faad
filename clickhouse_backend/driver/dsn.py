"""``clickhouse://user:password@host:port/database?option=value`` (or ``https://...`` for
the HTTP interface) to ``connect()`` arguments.

Query options that ``connect()`` knows (``secure``, ``connect_timeout``, ...) are typed;
any other option is a ClickHouse setting for the session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .exceptions import InterfaceError

_BOOLEAN = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _boolean(value: str) -> bool:
    try:
        return _BOOLEAN[value.lower()]
    except KeyError:
        raise ValueError(value) from None


def _compression(value: str) -> bool | str:
    return _BOOLEAN.get(value.lower(), value)


OPTION_TYPES: dict[str, Any] = {
    "secure": _boolean,
    "verify": _boolean,
    "check_hostname": _boolean,
    "compression": _compression,
    "connect_timeout": float,
    "send_receive_timeout": float,
    "sync_request_timeout": float,
    "insert_block_size": int,
    "ca_certs": str,
    "certfile": str,
    "keyfile": str,
    "ciphers": str,
    "server_hostname": str,
    "client_name": str,
    "alt_hosts": str,
    "interface": str,
}
# Scheme: (interface, TLS).
_SCHEMES = {
    "clickhouse": ("native", False),
    "clickhouses": ("native", True),
    "clickhouse+http": ("http", False),
    "clickhouse+https": ("http", True),
    "http": ("http", False),
    "https": ("http", True),
}


def parse_dsn(dsn: str) -> dict[str, Any]:
    """The keyword arguments of ``connect()`` that ``dsn`` stands for."""
    if not isinstance(dsn, str):
        raise InterfaceError(
            "a DSN must be a str such as 'clickhouse://user:password@host:9000/database', "
            f"not {type(dsn).__name__}"
        )
    try:
        parts = urlsplit(dsn)
    except ValueError as error:  # an unclosed [ of an IPv6 address
        raise InterfaceError(f"the DSN is not a valid URL: {error}") from None
    if parts.scheme not in _SCHEMES:
        raise InterfaceError(
            "a DSN starts with clickhouse:// (or clickhouses:// for TLS), or for the HTTP "
            f"interface http:// or https://, not {parts.scheme!r}"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise InterfaceError(f"bad port in DSN: {error}") from None
    options: dict[str, Any] = {"host": parts.hostname or "localhost"}
    if port:
        options["port"] = port
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    database = unquote(parts.path.lstrip("/"))
    if database:
        options["database"] = database
    interface, secure = _SCHEMES[parts.scheme]
    if interface == "http":
        options["interface"] = interface
    if secure:
        options["secure"] = True
    settings: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        converter = OPTION_TYPES.get(name)
        if converter is None:
            settings[name] = value
            continue
        try:
            options[name] = converter(value)
        except ValueError:
            expected = {
                _boolean: "1/0, true/false or yes/no",
                float: "a number",
                int: "an integer",
            }
            raise InterfaceError(
                f"DSN option {name}={value!r} is not valid: expected "
                f"{expected.get(converter, 'text')}"
            ) from None
    if settings:
        options["settings"] = settings
    return options
