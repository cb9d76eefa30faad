"""Random integers. ClickHouse computes two identical calls in one query once: give
each an argument of its own (``Rand(1)``, ``Rand(2)``), which only tells them apart."""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from ..fields import UInt32Field, UInt64Field
from .base import ClickHouseFunction

__all__ = ["Rand", "rand64"]


class Rand(ClickHouseFunction):
    """``rand()``: a random UInt32, for each row. Django's ``Random()`` gives a float
    from 0 to 1 instead."""

    function = "rand"
    output_field = UInt32Field()


class rand64(ClickHouseFunction):
    """A random UInt64, for each row."""

    output_field = UInt64Field()
