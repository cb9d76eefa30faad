"""The single-node CRUD of django-clickhouse-backend's README on its Event model."""

import datetime

from django.core.management.base import BaseCommand

from events.models import Event


class Command(BaseCommand):
    def handle(self, *args, **options):
        start = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc)
        events = Event.objects.bulk_create(
            Event(
                ip=f"10.0.0.{n}",
                port=80 + n,
                protocol="TCP" if n % 2 else "UDP",
                content=f"event {n}",
                timestamp=start + datetime.timedelta(days=n % 3, minutes=n),
                action=Event.Action.DROP if n % 3 == 0 else Event.Action.PASS,
            )
            for n in range(30)
        )
        assert len({event.pk for event in events}) == 30
        assert Event.objects.count() == 30
        assert Event.objects.filter(protocol="UDP").count() == 15
        assert Event.objects.filter(action=Event.Action.DROP).count() == 10
        assert Event.objects.first().timestamp == max(event.timestamp for event in events)
        assert Event.objects.filter(protocol="UDP").update(content="udp") == 15
        assert set(Event.objects.filter(protocol="UDP").values_list("content", flat=True)) == {
            "udp"
        }
        event = Event.objects.get(ip="10.0.0.7")
        event.port = 8080
        event.save()
        assert Event.objects.get(pk=event.pk).port == 8080
        assert Event.objects.filter(action=Event.Action.DROP).delete()[0] == 10
        assert Event.objects.count() == 20
        self.stdout.write("event flows passed")
