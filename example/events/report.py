"""The analytic report, as ORM queries: shared by the ``load_events`` command and the page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, TruncDay

from clickhouse_backend.models import quantileExact

from .models import Event


def count_text(count: int) -> str:
    """A count as people read it: ``12,345``."""
    return f"{count:,}"


@dataclass(frozen=True)
class Column:
    """A column of a report table: numbers are right-aligned, and counts are written
    with thousands separators (``12,345``); ports and hours are numbers but no counts."""

    header: str
    numeric: bool = False
    count: bool = False

    def text(self, value: object) -> str:
        return count_text(value) if self.count else str(value)


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[tuple]

    def cells(self) -> list[list[tuple[str, bool]]]:
        """Each row as (text, right-aligned) pairs, as the page and the command show it."""
        return [
            [
                (column.text(value), column.numeric)
                for column, value in zip(self.columns, row, strict=True)
            ]
            for row in self.rows
        ]


EVENTS = Column("events", numeric=True, count=True)


def build_report(events: QuerySet[Event] | None = None) -> list[Table]:
    """Each table is one GROUP BY that ClickHouse answers over all events."""
    events = Event.objects.all() if events is None else events
    by_protocol_action = (
        events.values_list("protocol", "action")
        .annotate(events=Count("id"))
        .order_by("protocol", "action")
    )
    per_day = (
        events.annotate(day=TruncDay("timestamp"))
        .values_list("day")
        .annotate(events=Count("id"))
        .order_by("day")
    )
    per_hour = (
        events.annotate(hour=ExtractHour("timestamp"))
        .values_list("hour")
        .annotate(events=Count("id"))
        .order_by("hour")
    )
    top_sources = (
        events.values_list("src_ip")
        .annotate(events=Count("id"))
        .order_by("-events", "src_ip")[:10]
    )
    # quantileExact, not Quantile: Quantile (ClickHouse's quantile) samples at most 8192
    # values a group, so over more events its answer changes from one run to the next.
    # The exact one keeps every port of a group (2 bytes each) and gives one of them.
    port_p95 = (
        events.values_list("protocol")
        .annotate(p95_port=quantileExact("port", 0.95), events=Count("id"))
        .order_by("protocol")
    )
    actions = dict(Event.Action.choices)
    return [
        Table(
            "Events per protocol and action",
            [Column("protocol"), Column("action"), EVENTS],
            [(protocol, actions[action], n) for protocol, action, n in by_protocol_action],
        ),
        Table(
            "Events per day",
            [Column("day (UTC)"), EVENTS],
            [(day.date().isoformat(), n) for day, n in per_day],
        ),
        Table(
            "Events per hour of the day",
            [Column("hour (UTC)"), EVENTS],
            [(f"{hour:02d}:00", n) for hour, n in per_hour],
        ),
        Table("Top source addresses", [Column("source"), EVENTS], list(top_sources)),
        Table(
            "95th percentile of the destination port, per protocol",
            [Column("protocol"), Column("p95 port", numeric=True), EVENTS],
            list(port_p95),
        ),
    ]
