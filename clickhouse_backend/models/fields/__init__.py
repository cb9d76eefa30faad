"""ClickHouse's data types as Django model fields, one module per family."""

from .array import *  # noqa: F403
from .array import __all__ as _array
from .boolean import *  # noqa: F403
from .boolean import __all__ as _boolean
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
from .map import *  # noqa: F403
from .map import __all__ as _map
from .network import *  # noqa: F403
from .network import __all__ as _network
from .numeric import *  # noqa: F403
from .numeric import __all__ as _numeric
from .string import *  # noqa: F403
from .string import __all__ as _string
from .tuple import *  # noqa: F403
from .tuple import __all__ as _tuple
from .uuid import *  # noqa: F403
from .uuid import __all__ as _uuid

__all__ = [
    *_integer,
    *_numeric,
    *_boolean,
    *_string,
    *_uuid,
    *_network,
    *_datetime,
    *_enum,
    *_array,
    *_map,
    *_tuple,
    *_json,
    *_geo,
]
