"""``from clickhouse_backend import models``: Django's model API plus ClickHouse's.

Everything ``django.db.models`` offers is here too, so a models module can import this
one alone (as django-clickhouse-backend's users do); the ClickHouse names follow:
``models.ClickhouseModel``, engines (``models.MergeTree(...)``), field types such as
``models.UInt16Field`` and ``models.StringField(low_cardinality=True)``, data-skipping
indexes (``models.Index(..., type=models.Set(100), granularity=4)``), ClickHouse
functions under their own names (``models.toYYYYMMDD("timestamp")``) and aggregates, and
``ClickhouseManager`` with its ``QuerySet`` (settings(), prewhere(), final() ...).
Where both have a name (``Index``, ``DateTimeField``, ``GenericIPAddressField``,
``QuerySet`` ...), the ClickHouse one wins. Each module lists what it exports in its own
``__all__``.
"""

from django.db.models import *  # noqa: F403
from django.db.models import __all__ as _django_names

from .aggregates import *  # noqa: F403
from .aggregates import __all__ as _aggregate_names
from .alter_engine import AlterModelEngine
from .base import ClickhouseModel
from .engines import *  # noqa: F403
from .engines import __all__ as _engine_names
from .fields import *  # noqa: F403
from .fields import __all__ as _field_names
from .functions import *  # noqa: F403
from .functions import __all__ as _function_names
from .indexes import *  # noqa: F403
from .indexes import __all__ as _index_names
from .projections import Projection
from .query import ClickhouseManager, QuerySet

__all__ = [
    "AlterModelEngine",
    "ClickhouseManager",
    "ClickhouseModel",
    "Projection",
    "QuerySet",
    *_aggregate_names,
    *_engine_names,
    *_field_names,
    *_function_names,
    *_index_names,
]
__all__ += [name for name in _django_names if name not in __all__]
