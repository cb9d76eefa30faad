"""A failed update()/delete()/save() changes nothing, now or later, and blocks nothing.

ClickHouse keeps a failed mutation queued and retries it, and every later mutation of
the table waits behind it: without cleanup, an update the user saw fail would apply
once the blocker was killed. On the embedded engine, with the backend's mutations_sync.
A save() is a lightweight UPDATE where the table allows it: no mutation, so nothing is
queued when it fails, and a failed mutation does not hold it up.
"""

from __future__ import annotations

import decimal
import time

import pytest
from django.db import DatabaseError, OperationalError, connections, models
from django.db.models import F
from field_helpers import table_for

from clickhouse_backend import models as clickhouse
from clickhouse_backend.models.engines import LIGHTWEIGHT_UPDATE_SETTINGS

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)


class Ledger(clickhouse.ClickhouseModel):
    """A table that takes lightweight updates: save() is one, update() of all a mutation."""

    amount = models.DecimalField(max_digits=9, decimal_places=2)
    flag = clickhouse.UInt8Field(default=0)

    class Meta:
        app_label = "mutation_tests"
        engine = clickhouse.MergeTree(order_by="id", **LIGHTWEIGHT_UPDATE_SETTINGS)


class MutatedLedger(clickhouse.ClickhouseModel):
    """A table without what lightweight updates need: every update is a mutation."""

    amount = models.DecimalField(max_digits=9, decimal_places=2)
    flag = clickhouse.UInt8Field(default=0)

    class Meta:
        app_label = "mutation_tests"
        db_table = "mutation_tests_ledger"
        engine = clickhouse.MergeTree(order_by="id", enable_block_number_column=0)


@pytest.fixture(params=[Ledger, MutatedLedger], ids=["lightweight", "mutated"])
def ledger(request, django_db_blocker):
    with django_db_blocker.unblock(), table_for(request.param) as ledger:
        ledger.bulk_create(
            [Ledger(amount=decimal.Decimal("9999999.99")), Ledger(amount=decimal.Decimal("1.5"))]
        )
        yield ledger
        with connections["clickhouse"].cursor() as cursor:  # what a failing test left queued
            cursor.execute("KILL MUTATION WHERE table = %s SYNC", ["mutation_tests_ledger"])


def unfinished() -> list[tuple[str, str]]:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "SELECT mutation_id, command FROM system.mutations "
            "WHERE table = 'mutation_tests_ledger' AND NOT is_done"
        )
        return cursor.fetchall()


def test_a_failed_update_is_killed_and_the_next_one_applies(ledger):
    with pytest.raises(DatabaseError, match=r"Decimal math overflow.*mutation \S+ was killed"):
        ledger.update(amount=F("amount") * 1000)
    assert unfinished() == []
    assert ledger.update(flag=7) == 2  # not blocked by the failed one
    assert sorted(ledger.values_list("amount", "flag")) == [
        (decimal.Decimal("1.50"), 7),
        (decimal.Decimal("9999999.99"), 7),
    ]


def test_a_failed_save_changes_nothing_and_leaves_nothing_queued(ledger):
    """As a mutation, it is killed; as a lightweight UPDATE, it started none."""
    row = ledger.get(amount=decimal.Decimal("1.5"))
    row.amount = F("amount") * 100_000_000
    killed = "was killed" if ledger.model is MutatedLedger else ""
    with pytest.raises(DatabaseError, match=f"Decimal math overflow.*{killed}"):
        row.save()
    assert unfinished() == []
    assert ledger.get(pk=row.pk).amount == decimal.Decimal("1.5")
    assert sorted(ledger.values_list("amount", flat=True)) == [
        decimal.Decimal("1.50"),
        decimal.Decimal("9999999.99"),
    ]


def test_a_failed_save_leaves_no_mutation_and_no_patch_part(ledger):
    """Nothing of a failed save() stays behind to apply later: no mutation, and (on a
    table that takes lightweight updates) no patch part."""
    row = ledger.get(amount=decimal.Decimal("9999999.99"))
    row.amount = F("amount") * 10
    with pytest.raises(DatabaseError, match="Decimal math overflow"):
        row.save()
    assert unfinished() == []
    assert patch_parts() == 0
    row.refresh_from_db()
    row.flag = 1
    row.save()
    assert ledger.filter(flag=1).count() == 1
    assert patch_parts() == (1 if ledger.model is Ledger else 0)


def patch_parts() -> int:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "SELECT count() FROM system.parts WHERE table = 'mutation_tests_ledger' "
            "AND active AND startsWith(name, 'patch-')"
        )
        return cursor.fetchone()[0]


def test_a_delete_that_cannot_run_changes_nothing(ledger):
    """Its WHERE fails in the count that precedes it: nothing is started or queued."""
    with pytest.raises(DatabaseError, match="Decimal math overflow"):
        ledger.filter(amount__gt=F("amount") * 1000).delete()
    assert unfinished() == []
    assert ledger.count() == 2
    assert ledger.filter(flag=0).delete() == (2, {ledger.model._meta.label: 2})


def test_a_table_blocked_by_a_failed_mutation_is_refused_up_front(ledger):
    """A failed mutation someone else left is named, and nothing is queued behind it."""
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "ALTER TABLE mutation_tests_ledger UPDATE amount = amount * 1000 WHERE 1 "
            "SETTINGS mutations_sync = 0"
        )
    wait_for_a_failure()
    blocker = unfinished()
    assert len(blocker) == 1
    with pytest.raises(
        OperationalError, match=rf"failed mutation, {blocker[0][0]}.*KILL MUTATION"
    ):
        ledger.update(flag=1)
    assert unfinished() == blocker  # nothing queued behind it
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute("KILL MUTATION WHERE table = 'mutation_tests_ledger' SYNC")
    assert ledger.update(flag=1) == 2
    assert set(ledger.values_list("flag", flat=True)) == {1}


def test_a_failed_mutation_does_not_hold_up_a_lightweight_save(ledger):
    """A lightweight UPDATE is no mutation: it is not queued behind a failed one (which
    stays as it was: neither killed nor applied); a mutation is refused up front."""
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "ALTER TABLE mutation_tests_ledger UPDATE amount = amount * 1000 WHERE 1 "
            "SETTINGS mutations_sync = 0"
        )
    wait_for_a_failure()
    blocker = unfinished()
    row = ledger.get(amount=decimal.Decimal("1.5"))
    row.flag = 4
    if ledger.model is MutatedLedger:
        with pytest.raises(OperationalError, match="failed mutation"):
            row.save()
        assert ledger.filter(flag=4).count() == 0
    else:
        row.save()
        assert ledger.get(flag=4).pk == row.pk
    assert unfinished() == blocker


def wait_for_a_failure() -> None:
    """Until the background merge has tried the mutation and failed (a few ms)."""
    deadline = time.monotonic() + 10
    with connections["clickhouse"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count() FROM system.mutations WHERE table = 'mutation_tests_ledger' "
                "AND latest_fail_reason != ''"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the mutation did not fail within 10 s")


def test_a_mutation_error_reads_without_the_server_stack(ledger):
    with pytest.raises(DatabaseError) as caught:
        ledger.update(amount=F("amount") * 1000)
    assert " @ 0x" not in str(caught.value)


def test_a_partly_applied_update_says_parts_keep_the_change(ledger):
    """Another part may be rewritten before the failing part stops the mutation."""
    ledger.filter(amount=decimal.Decimal("1.5")).delete()
    ledger.create(amount=decimal.Decimal("1.5"))  # a part of its own
    with pytest.raises(DatabaseError, match=r"was killed.*not atomic.*keep the change"):
        ledger.update(amount=F("amount") * 1000)
    assert unfinished() == []
    assert ledger.filter(amount=decimal.Decimal("9999999.99")).count() == 1
    small = ledger.exclude(amount=decimal.Decimal("9999999.99")).get().amount
    assert small in {decimal.Decimal("1500.00"), decimal.Decimal("1.50")}  # as timing had it


def test_a_mutation_that_finished_despite_the_error_is_reported_as_applied(ledger):
    """Waiting for a mutation can fail after it finished (a timeout); it is not killed."""
    from clickhouse_backend.models.sql.mutations import MUTATIONS_SQL, _cleaned_up_after

    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(MUTATIONS_SQL, [None, "mutation_tests_ledger"])
        before = {mutation[0] for mutation in cursor.fetchone()[0]}
        assert ledger.update(flag=3) == 2
        error = _cleaned_up_after(
            cursor, "mutation_tests_ledger", None, before, OperationalError("Timeout exceeded")
        )
    assert "Timeout exceeded; its mutation" in str(error)
    assert "finished all the same: the change was applied" in str(error)
    assert set(ledger.values_list("flag", flat=True)) == {3}
