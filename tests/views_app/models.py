"""Page views, a table their materialized view sums them into, and countries with a
dictionary over them: installed by tests/test_views_and_dictionaries.py only."""

from clickhouse_backend import models


class PageView(models.ClickhouseModel):
    day = models.DateField()
    page = models.StringField(low_cardinality=True)
    country = models.UInt16Field()

    class Meta:
        engine = models.MergeTree(order_by=("day", "page"))


class DailyPageViews(models.ClickhouseModel):
    """Written by the materialized view daily_page_views_mv."""

    page = models.StringField(low_cardinality=True)
    views = models.UInt64Field()
    day = models.DateField()

    class Meta:
        engine = models.SummingMergeTree(("views",), order_by=("day", "page"))


class Country(models.ClickhouseModel):
    code = models.UInt16Field(primary_key=True)
    name = models.StringField(low_cardinality=True)
    population = models.UInt64Field(null=True)

    class Meta:
        engine = models.MergeTree(order_by="code")


class CountryName(models.ClickhouseModel):
    """The dictionary country_names, read through the ORM."""

    code = models.UInt64Field(primary_key=True)
    name = models.StringField()
    population = models.UInt64Field(null=True)

    class Meta:
        managed = False
        db_table = "country_names"
