"""Run inside the example project (``manage.py shell``) by tests/test_example.py: prints,
as JSON, the report the ORM computed, the same figures computed in Python from the
synthetic events themselves, the table ClickHouse created, and the page's status."""

import collections
import ipaddress
import json
import math
import os

from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.test.utils import setup_test_environment
from events.models import Event
from events.report import build_report
from events.synthetic import synthetic_events


def exact_quantile(values, level):
    """ClickHouse's quantileExact: the value at position floor(level * n) of the sorted
    values (the last one for level 1), no interpolation."""
    ordered = sorted(values)
    return ordered[min(math.floor(level * len(ordered)), len(ordered) - 1)]


def ipv6_order(address):
    parsed = ipaddress.ip_address(address)
    if parsed.version == 4:
        parsed = ipaddress.IPv6Address(f"::ffff:{parsed}")
    return int(parsed)


events = [e for batch in synthetic_events(int(os.environ["EXAMPLE_EVENTS"]), 1000) for e in batch]
labels = dict(Event.Action.choices)
by_pair = collections.Counter((e.protocol, labels[e.action]) for e in events)
per_day = collections.Counter(e.timestamp.date().isoformat() for e in events)
per_hour = collections.Counter(f"{e.timestamp.hour:02d}:00" for e in events)
sources = collections.Counter(e.src_ip for e in events)
ports = collections.defaultdict(list)
for e in events:
    ports[e.protocol].append(e.port)

expected = {
    "Events per protocol and action": sorted([p, a, n] for (p, a), n in by_pair.items()),
    "Events per day": sorted([d, n] for d, n in per_day.items()),
    "Events per hour of the day": sorted([h, n] for h, n in per_hour.items()),
    "Top source addresses": [
        [s, n] for s, n in sorted(sources.items(), key=lambda i: (-i[1], ipv6_order(i[0])))
    ][:10],
    "95th percentile of the destination port, per protocol": [
        [p, exact_quantile(v, 0.95), len(v)] for p, v in sorted(ports.items())
    ],
}
actual = {table.title: [list(row) for row in table.rows] for table in build_report()}
actual_by_pair_order = [row[:2] for row in actual["Events per protocol and action"]]
actual["Events per protocol and action"].sort()

with connections["clickhouse"].cursor() as cursor:
    cursor.execute(
        "SELECT engine, partition_key, sorting_key FROM system.tables "
        "WHERE database = currentDatabase() AND name = 'network_event'"
    )
    engine = list(cursor.fetchone())
    cursor.execute(
        "SELECT name, type_full, granularity FROM system.data_skipping_indices "
        "WHERE database = currentDatabase() AND table = 'network_event' ORDER BY name"
    )
    indexes = [list(row) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT name, type FROM system.columns "
        "WHERE database = currentDatabase() AND table = 'network_event' ORDER BY position"
    )
    columns = dict(cursor.fetchall())
    cursor.execute("SHOW CREATE TABLE network_event")
    create = cursor.fetchone()[0]

setup_test_environment()
page = Client().get("/")

# The admin: the change list (with a filter and a search), and one event changed.
admin = Client()
admin.force_login(User.objects.create_superuser("admin", "admin@example.com", "-"))
listing = admin.get("/admin/events/event/", {"protocol": "dns", "q": "10.0.0.1"})
# The change list's first page, and the newest events, newest first.
first_page = admin.get("/admin/events/event/").context["cl"].result_list
newest_first = [
    [str(e.timestamp) for e in first_page],
    [
        str(t)
        for t in Event.objects.order_by("-timestamp").values_list("timestamp", flat=True)[
            : len(first_page)
        ]
    ],
]
event = Event.objects.filter(protocol="dns", src_ip="10.0.0.1").first()
form = admin.get(f"/admin/events/event/{event.pk}/change/").context["adminform"].form
change_fields = sorted(form.fields)
posted = {name: form[name].value() for name in form.fields} | {"port": 5353}
changed = admin.post(f"/admin/events/event/{event.pk}/change/", posted)
saved = Event.objects.get(pk=event.pk)

# Two events added as a person would: the add form's fields as it shows them, the
# content left as pre-filled ({}) in one and written in the other.
add_form = admin.get("/admin/events/event/add/").context["adminform"].form
added = []
for port, content in ((8443, add_form["content"].value()), (8444, '{"bytes": 512}')):
    answer = admin.post(
        "/admin/events/event/add/",
        {
            "timestamp_0": "2026-12-01",
            "timestamp_1": "09:30:00",
            "src_ip": "2001:db8::7",
            "dst_ip": "192.168.0.9",
            "port": str(port),
            "protocol": "quic",
            "action": str(Event.Action.DENY.value),
            "content": content,
        },
    )
    errors = answer.context["adminform"].form.errors if answer.status_code == 200 else {}
    added.append([answer.status_code, errors])
added_rows = [
    [str(e.timestamp), e.protocol, str(e.src_ip), e.port, e.action, e.content]
    for e in Event.objects.filter(protocol="quic").order_by("port")
]
print(
    json.dumps(
        {
            "expected": expected,
            "actual": actual,
            "engine": engine,
            "indexes": indexes,
            "columns": columns,
            "check": "CONSTRAINT port_not_zero CHECK port > 0" in create,
            "page": [page.status_code, page.content.decode()],
            "admin": {
                "listing": [listing.status_code, listing.context["cl"].result_count],
                "expected_listing": Event.objects.filter(
                    protocol="dns", src_ip__icontains="10.0.0.1"
                ).count(),
                "changed": changed.status_code,
                "saved": [saved.port, saved.protocol, str(saved.src_ip)],
                "kept": [saved.timestamp == event.timestamp, saved.content == event.content],
                "copies": Event.objects.filter(pk=event.pk).count(),
                "add_fields": sorted(add_form.fields),
                "change_fields": change_fields,
                "added": added,
                "added_rows": added_rows,
                "newest_first": newest_first,
            },
        },
        default=str,
    )
)
