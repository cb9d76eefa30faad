"""ClickHouse's data types as Django model fields, one module per family."""

from .datetime import *  # noqa: F403
from .datetime import __all__ as _datetime
from .enum import *  # noqa: F403
from .enum import __all__ as _enum
from .geo import *  # noqa: F403
from .geo import __all__ as _geo
from .integer import *  # noqa: F403
from .integer import __all__ as _integer
from .json import *  # noqa: F403
from .json import __all__ as _json
from .network import *  # noqa: F403
from .network import __all__ as _network
from .string import *  # noqa: F403
from .string import __all__ as _string

__all__ = [*_integer, *_string, *_network, *_datetime, *_enum, *_json, *_geo]
