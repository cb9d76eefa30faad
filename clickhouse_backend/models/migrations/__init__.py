"""Migration operations for what ClickHouse has besides tables (docs/migrations.md).

from clickhouse_backend.models import migrations as ch_migrations

operations = [
    ch_migrations.CreateMaterializedView("daily_views", to="app.DailyViews", query=...),
    ch_migrations.CreateDictionary("country_names", source="app.Country", primary_key="code"),
]
"""

from .dictionaries import CreateDictionary, DropDictionary
from .views import CreateMaterializedView, DropMaterializedView

__all__ = ["CreateDictionary", "CreateMaterializedView", "DropDictionary", "DropMaterializedView"]
