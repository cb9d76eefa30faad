"""``manage.py dbshell``: clickhouse-client for a server; a hint for the embedded engine."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.backends.base.client import BaseDatabaseClient

from ..driver.dsn import parse_dsn


class DatabaseClient(BaseDatabaseClient):
    executable_name = "clickhouse-client"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        options = settings_dict.get("OPTIONS") or {}
        if options.get("embedded") is not None:
            raise CommandError(
                "this database is ClickHouse embedded in the Django process (chDB), which "
                "no other program can open while it runs; query it from "
                "'manage.py shell' with django.db.connections[alias].cursor()"
            )
        target = parse_dsn(options["dsn"]) if options.get("dsn") else {}
        host = target.get("host") or settings_dict.get("HOST")
        port = target.get("port") or settings_dict.get("PORT")
        user = target.get("user") or settings_dict.get("USER")
        password = target.get("password") or settings_dict.get("PASSWORD")
        database = settings_dict.get("NAME") or target.get("database")
        args = [cls.executable_name]
        if host:
            args += ["--host", host]
        if port:
            args += ["--port", str(port)]
        if user:
            args += ["--user", user]
        if password:
            args += ["--password", password]
        if database:
            args += ["--database", database]
        if options.get("secure") or target.get("secure"):
            args.append("--secure")
        args.extend(parameters)
        return args, None
