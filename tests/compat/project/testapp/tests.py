from django.db.models import Count
from django.test import TestCase

from testapp.models import Event


class TestEvent(TestCase):
    databases = {"default", "clickhouse"}

    def test_spam(self):
        assert Event.objects.count() == 0

    def test_operate_data(self):
        for i in range(10):
            Event.objects.create(
                ip_nullable=None,
                port=i,
                protocol="HTTP",
                content="test",
                action=Event.Action.PASS.value,
            )
        assert Event.objects.count() == 10
        Event.objects.filter(port__in=[1, 2, 3]).update(protocol="TCP")
        assert Event.objects.filter(protocol="TCP").count() == 3
        Event.objects.filter(protocol="TCP").settings(mutations_sync=1).delete()
        assert not Event.objects.filter(protocol="TCP").exists()
        assert Event.objects.prewhere(port__gte=8).count() == 2
        assert Event.objects.aggregate(n=Count("id"))["n"] == 7

    def test_rows_do_not_leak_between_tests(self):
        assert Event.objects.count() == 0
        Event.objects.create(port=443, protocol="HTTPS")
        assert Event.objects.get().port == 443
