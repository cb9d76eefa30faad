"""Hash functions: 32- and 64-bit hashes as integers, cryptographic digests as bytes.

The integer hashes (``cityHash64``, ``sipHash64``, ``xxHash64`` ...) take any number of
arguments of any type, and are what sampling keys and sharding keys are made of.
Digests (``MD5``, ``SHA256`` ...) are ``bytes`` of their fixed length, as ``hashlib``'s
``digest()`` gives them; Django's own ``MD5``/``SHA256`` functions, which give hex text,
keep doing so.
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import Func

from ..fields import FixedStringField, Int32Field, UInt32Field, UInt64Field
from .base import ClickHouseFunction

__all__ = [
    "BLAKE3",
    "CRC32",
    "MD4",
    "MD5",
    "SHA1",
    "SHA224",
    "SHA256",
    "SHA384",
    "SHA512",
    "SHA512_256",
    "URLHash",
    "cityHash64",
    "farmFingerprint64",
    "farmHash64",
    "halfMD5",
    "hiveHash",
    "intHash32",
    "intHash64",
    "javaHash",
    "metroHash64",
    "murmurHash2_32",
    "murmurHash2_64",
    "murmurHash3_32",
    "murmurHash3_64",
    "murmurHash3_128",
    "sipHash64",
    "sipHash64Keyed",
    "sipHash128",
    "sipHash128Keyed",
    "sipHash128Reference",
    "sipHash128ReferenceKeyed",
    "xxHash32",
    "xxHash64",
    "xxh3",
]


class DigestField(FixedStringField):
    """A ``FixedString(N)`` digest read as its N bytes.

    The driver gives a FixedString that is valid UTF-8 as text without its trailing
    NUL bytes; a digest is bytes whatever they happen to spell, so the text is made
    bytes again and padded back to N.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if isinstance(value, str):
            return value.encode().ljust(self.max_bytes, b"\0")
        return value


class Hash64(ClickHouseFunction):
    """A 64-bit hash of its arguments, combined."""

    output_field = UInt64Field()


class Hash32(ClickHouseFunction):
    """A 32-bit hash of its arguments, combined."""

    output_field = UInt32Field()


class cityHash64(Hash64):
    """CityHash64 (v1.0.2), fast, for sampling and sharding keys."""


class sipHash64(Hash64):
    """SipHash-2-4 with ClickHouse's fixed key."""


class halfMD5(Hash64):
    """The first 8 bytes of the MD5 digest, big-endian."""


class farmHash64(Hash64):
    """FarmHash64."""


class farmFingerprint64(Hash64):
    """FarmHash's Fingerprint64, stable across platforms."""


class metroHash64(Hash64):
    """MetroHash64."""


class murmurHash2_64(Hash64):
    """MurmurHash2, 64 bits."""


class murmurHash3_64(Hash64):
    """MurmurHash3, 64 bits."""


class xxHash64(Hash64):
    """xxHash64 of a text."""


class xxh3(Hash64):
    """XXH3, 64 bits."""


class intHash64(Hash64):
    """A 64-bit hash of an integer."""

    arity = 1


class URLHash(Hash64):
    """A hash of a URL without a trailing ``/``, ``?`` or ``#``; with ``level``, of the
    URL up to that level of its hierarchy."""

    def __init__(self, expression: Any, level: Any = None, **extra: Any) -> None:
        arguments = (expression,) if level is None else (expression, level)
        super().__init__(*arguments, **extra)


class xxHash32(Hash32):
    """xxHash32 of a text."""


class murmurHash2_32(Hash32):
    """MurmurHash2, 32 bits."""


class murmurHash3_32(Hash32):
    """MurmurHash3, 32 bits."""


class intHash32(Hash32):
    """A 32-bit hash of an integer."""

    arity = 1


class CRC32(Hash32):
    """CRC-32 (IEEE 802.3), as ``zlib.crc32``."""

    arity = 1


class javaHash(ClickHouseFunction):
    """Java's ``String.hashCode()`` of a text, or Java's hash of an integer."""

    arity = 1
    output_field = Int32Field()


class hiveHash(javaHash):
    """Hive's hash of a text: ``javaHash`` without the sign bit."""


class Digest(ClickHouseFunction):
    """A digest of one text, ``size`` bytes."""

    arity = 1
    size = 16

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.output_field = DigestField(max_bytes=cls.size)


class MD4(Digest):
    """MD4, 16 bytes."""


class MD5(Digest):
    """MD5, 16 bytes, as ``hashlib.md5(...).digest()``."""


class SHA1(Digest):
    """SHA-1, 20 bytes."""

    size = 20


class SHA224(Digest):
    """SHA-224, 28 bytes."""

    size = 28


class SHA256(Digest):
    """SHA-256, 32 bytes."""

    size = 32


class SHA384(Digest):
    """SHA-384, 48 bytes."""

    size = 48


class SHA512(Digest):
    """SHA-512, 64 bytes."""

    size = 64


class SHA512_256(Digest):
    """SHA-512/256, 32 bytes."""

    size = 32


class BLAKE3(Digest):
    """BLAKE3, 32 bytes (servers built with Rust; not the embedded engine)."""

    size = 32


class Hash128(ClickHouseFunction):
    """A 128-bit hash of its arguments, combined, as 16 bytes."""

    output_field = DigestField(max_bytes=16)


class sipHash128(Hash128):
    """ClickHouse's own 128-bit SipHash-2-4, which differs from the reference algorithm
    in its last step (``sipHash128Reference`` is the reference one)."""


class sipHash128Reference(Hash128):
    """SipHash-2-4, 128 bits, as its reference implementation computes it."""


class murmurHash3_128(Hash128):
    """MurmurHash3, 128 bits."""


class Keyed(ClickHouseFunction):
    """A SipHash with a key of two UInt64 numbers, ``k0`` and ``k1``, before the values."""

    def __init__(self, k0: Any, k1: Any, *expressions: Any, **extra: Any) -> None:
        key = Func(Func(k0, function="toUInt64"), Func(k1, function="toUInt64"), function="tuple")
        super().__init__(key, *expressions, **extra)


class sipHash64Keyed(Keyed):
    """``sipHash64`` with a key."""

    output_field = UInt64Field()


class sipHash128Keyed(Keyed):
    """``sipHash128`` with a key."""

    output_field = DigestField(max_bytes=16)


class sipHash128ReferenceKeyed(Keyed):
    """``sipHash128Reference`` with a key."""

    output_field = DigestField(max_bytes=16)
