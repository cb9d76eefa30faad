"""ClickHouse functions as Django expressions, under their ClickHouse names, one module
per family; usable in engine keys, indexes, ``annotate()``, ``filter()``, ``values()``
and ``order_by()``. docs/functions.md lists them."""

from .date_conversions import *  # noqa: F403
from .date_conversions import __all__ as _date_conversions
from .date_parts import *  # noqa: F403
from .date_parts import __all__ as _date_parts
from .date_starts import *  # noqa: F403
from .date_starts import __all__ as _date_starts
from .dictionaries import *  # noqa: F403
from .dictionaries import __all__ as _dictionaries
from .hashes import *  # noqa: F403
from .hashes import __all__ as _hashes
from .identifiers import *  # noqa: F403
from .identifiers import __all__ as _identifiers
from .random_numbers import *  # noqa: F403
from .random_numbers import __all__ as _random_numbers
from .server_info import *  # noqa: F403
from .server_info import __all__ as _server_info
from .tuples import *  # noqa: F403
from .tuples import __all__ as _tuples

__all__ = [
    *_date_parts,
    *_date_starts,
    *_date_conversions,
    *_hashes,
    *_tuples,
    *_random_numbers,
    *_identifiers,
    *_server_info,
    *_dictionaries,
]
