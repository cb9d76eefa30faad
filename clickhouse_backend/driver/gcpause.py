"""Pause Python's cyclic garbage collector while many tuples are being built.

Decoding a million rows creates millions of tuples, and every collection that runs
meanwhile walks all of them: reads get 2-3.5x slower. Nested pauses from several
threads are counted, so the collector comes back only when the last one ends, and only
if it was on to begin with.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the body with the cyclic garbage collector off."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
