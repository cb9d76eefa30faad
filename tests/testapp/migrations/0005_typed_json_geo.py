from django.db import migrations

import clickhouse_backend.models


class Migration(migrations.Migration):
    dependencies = [("testapp", "0004_merge")]
    operations = [
        migrations.AddField(
            model_name="typed",
            name="data",
            field=clickhouse_backend.models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="typed",
            name="tuned",
            field=clickhouse_backend.models.JSONField(
                blank=True,
                null=True,
                max_dynamic_paths=16,
                max_dynamic_types=4,
                skip_paths=["secret.token"],
                skip_regexps=["^tmp_"],
            ),
        ),
        migrations.AddField(
            model_name="typed",
            name="location",
            field=clickhouse_backend.models.PointField(default=(0.0, 0.0)),
        ),
        migrations.AddField(
            model_name="typed",
            name="ring",
            field=clickhouse_backend.models.RingField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="typed",
            name="polygon",
            field=clickhouse_backend.models.PolygonField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="typed",
            name="multipolygon",
            field=clickhouse_backend.models.MultiPolygonField(blank=True, default=list),
        ),
    ]
