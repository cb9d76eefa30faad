"""Send testapp to ClickHouse and everything else to the default database."""

CLICKHOUSE_APPS = {"testapp"}


class ClickHouseRouter:
    def db_for_read(self, model, **hints):
        return "clickhouse" if model._meta.app_label in CLICKHOUSE_APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, **hints):
        if app_label in CLICKHOUSE_APPS:
            return db == "clickhouse"
        return db != "clickhouse"
