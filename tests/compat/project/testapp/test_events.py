import pytest

from testapp.models import Event


@pytest.mark.django_db(databases=["default", "clickhouse"])
def test_spam():
    assert Event.objects.count() == 0


@pytest.mark.django_db(databases=["default", "clickhouse"])
def test_update_and_delete():
    for i in range(10):
        Event.objects.create(port=i, protocol="HTTP", content="test")
    Event.objects.filter(port__in=[1, 2, 3]).update(protocol="TCP")
    assert Event.objects.filter(protocol="TCP").count() == 3
    Event.objects.filter(protocol="TCP").settings(mutations_sync=1).delete()
    assert not Event.objects.filter(protocol="TCP").exists()
    assert Event.objects.count() == 7


@pytest.mark.django_db(databases=["default", "clickhouse"])
def test_nothing_left_from_the_test_before():
    assert Event.objects.count() == 0
