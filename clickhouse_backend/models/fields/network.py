"""IP addresses in ClickHouse's ``IPv4`` and ``IPv6`` types.

Values are strings, as with Django's ``GenericIPAddressField``. An ``IPv6`` column
stores an IPv4 address as IPv4-mapped (``::ffff:a.b.c.d``) and cannot tell the two
spellings apart, so such values read back as the dotted IPv4 string, as the built-in
``GenericIPAddressField`` does on this backend.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import models
from django.db.models import lookups
from django.utils.functional import cached_property

from .base import ColumnPreparedMixin, LowCardinality, LowCardinalityMixin

__all__ = ["GenericIPAddressField", "IPv4Field", "IPv6Field"]

_IPV4_MAPPED = 0xFFFF_0000_0000
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class GenericIPAddressField(
    ColumnPreparedMixin, LowCardinalityMixin, models.GenericIPAddressField
):
    """An ``IPv6`` column, or ``IPv4`` with ``protocol="ipv4"``.

    Reading needs no code here: the backend turns ``IPv4Address``/``IPv6Address`` into
    strings for every field whose internal type is ``GenericIPAddressField``.
    """

    low_cardinality_support = LowCardinality.SUSPICIOUS

    @cached_property
    def holds_ipv4_only(self) -> bool:
        return self.protocol.lower() == "ipv4"

    def clickhouse_type(self) -> str:
        return "IPv4" if self.holds_ipv4_only else "IPv6"

    def get_prep_value(self, value: Any) -> _Address | None:
        """The address as the ``ipaddress`` object of the column's type, which the
        driver writes without parsing again and renders as ``toIPv4()``/``toIPv6()``."""
        # Not GenericIPAddressField's: it normalizes IPv6 text, which parsing does too.
        value = super(models.GenericIPAddressField, self).get_prep_value(value)
        if value is None or value == "":
            return None
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise self.refuse(value, "is not an IP address") from None
        return self.column_address(address, value)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        return value if prepared else self.get_prep_value(value)

    def column_address(self, address: _Address, original: Any) -> _Address:
        """``address`` as the column's type holds it."""
        if getattr(address, "scope_id", None) is not None:
            raise self.refuse(original, "has a scope id (%zone), which ClickHouse's types lack")
        if not self.holds_ipv4_only:
            if address.version == 4:
                return ipaddress.IPv6Address(_IPV4_MAPPED | int(address))
            return address
        if address.version == 6:
            if address.ipv4_mapped is None:
                raise self.refuse(original, "is an IPv6 address; this column holds IPv4")
            return address.ipv4_mapped
        return address


class IPv4Field(GenericIPAddressField):
    """An ``IPv4`` column: IPv4 addresses only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, protocol="ipv4", **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["protocol"]
        return name, path, args, kwargs


class IPv6Field(GenericIPAddressField):
    """An ``IPv6`` column: IPv6 addresses, and IPv4 addresses stored IPv4-mapped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, protocol="both", **kwargs)


@GenericIPAddressField.register_lookup
class InSubnet(lookups.Lookup):
    """``address__in_subnet="10.0.0.0/8"``: the address is in the network.

    Written as a range of addresses (``BETWEEN first AND last``), which ClickHouse can
    answer from the sorting key. An IPv4 network matches the IPv4-mapped addresses of
    an ``IPv6`` column.
    """

    lookup_name = "in_subnet"
    prepare_rhs = False

    def process_rhs(self, compiler, connection):
        field = self.lhs.output_field
        try:
            network = ipaddress.ip_network(self.rhs)
        except (TypeError, ValueError) as error:
            raise ValueError(f"in_subnet needs a network such as '10.0.0.0/8': {error}") from None
        first = field.column_address(network.network_address, self.rhs)
        last = field.column_address(network.broadcast_address, self.rhs)
        return "%s AND %s", (first, last)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} BETWEEN {rhs}", (*lhs_params, *rhs_params)
