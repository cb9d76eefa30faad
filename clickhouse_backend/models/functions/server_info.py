"""What the server says about itself: the current database and its host name."""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from ..fields import StringField
from .base import ClickHouseFunction

__all__ = ["currentDatabase", "hostName"]


class currentDatabase(ClickHouseFunction):
    """The database the connection uses (the test database during tests)."""

    arity = 0
    output_field = StringField()


class hostName(ClickHouseFunction):
    """The host the server runs on: on a cluster, which node answered."""

    arity = 0
    output_field = StringField()
