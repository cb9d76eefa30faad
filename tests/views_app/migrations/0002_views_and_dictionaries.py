from django.db import migrations
from django.db.models import Count

from clickhouse_backend.models import migrations as ch_migrations

from ..models import PageView


class Migration(migrations.Migration):
    dependencies = [("views_app", "0001_initial")]

    operations = [
        ch_migrations.CreateMaterializedView(
            "daily_page_views_mv",
            to="views_app.DailyPageViews",
            query=PageView.objects.values("day", "page").annotate(views=Count("*")),
            populate=True,
        ),
        ch_migrations.CreateDictionary(
            "country_names", source="views_app.Country", primary_key="code", lifetime=60
        ),
    ]
