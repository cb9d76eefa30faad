"""The README's flows under Django's test runner: the test database is created once ON
CLUSTER through the managed alias, and the other nodes' aliases use it."""

from django.core.management import call_command
from django.test import TransactionTestCase


class ReadmeFlows(TransactionTestCase):
    databases = {"default", "s1r2", "s2r1", "s2r2"}

    def test_distributed_crud(self):
        call_command("student_flows")

    def test_single_node_crud(self):
        call_command("event_flows")
