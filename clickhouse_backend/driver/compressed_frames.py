"""ClickHouse's own compressed framing, for the HTTP transport's ``decompress=1`` request
bodies and ``compress=1`` answers: the same frames the native protocol carries, so lz4
and zstd work over HTTP on every server version, where ``Accept-Encoding: lz4|zstd``
needs a recent one.

A frame is a 16-byte CityHash128 of the rest, a method byte, the frame's size from the
method byte on (uint32), the uncompressed size (uint32), then the compressed bytes. A
stream is frames back to back; their boundaries have nothing to do with the Native
blocks they carry.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .exceptions import InterfaceError, OperationalError

METHOD_BYTES = {"none": 0x02, "lz4": 0x82, "lz4hc": 0x82, "zstd": 0x90}
_HEADER = struct.Struct("<BII")  # method, size from the method byte on, uncompressed size
_CHECKSUM = struct.Struct("<QQ")  # CityHash128: its high half first, as the server writes
_FRAME_START = _CHECKSUM.size + _HEADER.size
# ClickHouse's own writers cut at max_compress_block_size (1 MiB); the server refuses
# frames above 1 GiB.
FRAME_BYTES = 1 << 20
_MAX_FRAME = 1 << 30


class CorruptFrameError(OperationalError):
    """Bytes where a frame should start that are not one. ``raw`` holds them: a server
    that fails part-way may write its error there as plain text."""

    def __init__(self, message: str, raw: bytes):
        super().__init__(message, code=40, name="CHECKSUM_DOESNT_MATCH")
        self.raw = raw[:4096]


def _libraries() -> tuple[Any, Any, Callable[[Any], int]]:
    try:
        import lz4.block
        import zstd
        from clickhouse_cityhash.cityhash import CityHash128
    except ImportError:
        raise InterfaceError(
            "compressed frames need lz4, zstd and clickhouse-cityhash: "
            "pip install 'django-clickhouse-db[compression]'"
        ) from None
    return lz4.block, zstd, CityHash128


def _checksum(city_hash: Callable[[Any], int], data: Any) -> bytes:
    value = city_hash(data)
    return _CHECKSUM.pack(value >> 64, value & 0xFFFF_FFFF_FFFF_FFFF)


def write_frames(chunks: Iterable[bytes], method: str) -> Iterator[bytes]:
    """``chunks`` as frames of ``method`` (lz4, lz4hc or zstd), each of at most
    ``FRAME_BYTES`` uncompressed."""
    lz4_block, zstd, city_hash = _libraries()
    if method == "zstd":
        compress: Callable[[bytes], bytes] = zstd.compress
    else:
        mode = "high_compression" if method == "lz4hc" else "default"

        def compress(data: bytes) -> bytes:
            return lz4_block.compress(data, store_size=False, mode=mode)

    method_byte = METHOD_BYTES[method]
    for chunk in chunks:
        for start in range(0, len(chunk), FRAME_BYTES):
            piece = chunk[start : start + FRAME_BYTES] if len(chunk) > FRAME_BYTES else chunk
            packed = compress(piece)
            body = _HEADER.pack(method_byte, _HEADER.size + len(packed), len(piece)) + packed
            yield _checksum(city_hash, body) + body


def read_frames(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The uncompressed bytes of a stream of frames, one frame at a time, each checked
    against its checksum. Raises :class:`CorruptFrameError` at bytes that are not a frame."""
    lz4_block, zstd, city_hash = _libraries()
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= _FRAME_START:
            method, size, raw_size = _HEADER.unpack_from(buffer, _CHECKSUM.size)
            if method not in (0x02, 0x82, 0x90) or not _HEADER.size <= size <= _MAX_FRAME:
                raise CorruptFrameError(
                    "the answer is not in ClickHouse's compressed frames", bytes(buffer)
                )
            end = _CHECKSUM.size + size
            if len(buffer) < end:
                break
            frame = bytes(buffer[:end])
            if _checksum(city_hash, frame[_CHECKSUM.size :]) != frame[: _CHECKSUM.size]:
                raise CorruptFrameError(
                    "a compressed frame of the answer does not match its checksum", frame
                )
            packed = frame[_FRAME_START:]
            if method == 0x82:
                data = lz4_block.decompress(packed, uncompressed_size=raw_size)
            elif method == 0x90:
                data = zstd.decompress(packed)
            else:
                data = packed
            del buffer[:end]
            yield data
    if buffer:
        raise CorruptFrameError(
            "the answer ended in the middle of a compressed frame", bytes(buffer)
        )
