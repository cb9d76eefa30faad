"""What ClickHouse can do, as Django asks it.

Every flag here was checked against ClickHouse (chDB 26.9, and the changelog back to
24.8, the oldest release line supported) and against Django's own test suite run on this
backend (docs/testing.md, "Django's own test suite"). What depends on the server version
is a cached property on the version the server reports.
"""

from __future__ import annotations

from django.db import InterfaceError
from django.db.backends.base.features import BaseDatabaseFeatures
from django.utils.functional import cached_property

from .expected_failures import EXPECTED_FAILURES, SKIPS


class DatabaseFeatures(BaseDatabaseFeatures):
    # The oldest LTS release line supported; what depends on newer releases is gated on
    # the version the server reports.
    minimum_database_version = (24, 8)

    # No transactions: atomic() is allowed and does nothing.
    supports_transactions = False
    uses_savepoints = False
    can_release_savepoints = False
    atomic_transactions = False
    can_rollback_ddl = False
    autocommits_when_autocommit_is_off = True

    # What the driver raises for a statement on a closed cursor (as PEP 249 has it).
    closed_cursor_error_class = InterfaceError

    # No foreign keys, unique or primary key constraints are enforced by ClickHouse, so
    # a row may name another that is saved later (fixtures with forward references load).
    supports_foreign_keys = False
    can_introspect_foreign_keys = False
    supports_forward_references = True
    indexes_foreign_keys = False
    supports_deferrable_unique_constraints = False
    supports_partial_indexes = False
    # Nothing conflicts on insert, so there is nothing to ignore or to update: refusing
    # bulk_create(ignore_conflicts=True) beats silently inserting the duplicates.
    supports_ignore_conflicts = False
    supports_update_conflicts = False
    supports_update_conflicts_with_target = False
    # Data-skipping indexes (clickhouse_backend.models.Index) may index expressions, but
    # have no column order (ASC/DESC) and no INCLUDE columns.
    supports_expression_indexes = True
    supports_index_column_ordering = False
    # No sequences: generated ids need no reset.
    supports_sequence_reset = False

    # CHECK constraints are enforced on insert (violations are IntegrityError). Only
    # Django's suite reads the column flag, whose tests are mostly of table CHECKs; no
    # field needs a column CHECK here (PositiveIntegerField is an unsigned type).
    supports_column_check_constraints = True
    supports_table_check_constraints = True

    # Ids are generated before the INSERT (DatabaseOperations.generate_ids) and handed
    # back to Django as an INSERT ... RETURNING would.
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    has_bulk_insert = True

    # Django's GeneratedField is a MATERIALIZED column (db_persist=True) or an ALIAS
    # column (db_persist=False), read back after an insert like any returned column.
    supports_stored_generated_columns = True
    supports_virtual_generated_columns = True

    # Window functions, with RANGE frames of a fixed distance, but no EXCLUDE clause.
    supports_over_clause = True
    supports_frame_range_fixed_distance = True
    supports_frame_exclusion = False
    # agg(...) FILTER (WHERE ...) is standard SQL ClickHouse understands (as agg-If).
    supports_aggregate_filter_clause = True

    # UNION/INTERSECT/EXCEPT with Django's meaning (the session's *_default_mode is
    # DISTINCT); each part may be ordered and sliced in parentheses. An ORDER BY after
    # the last part would order that part only, so the whole is ordered as a subquery.
    supports_slicing_ordering_in_compound = True
    requires_compound_order_by_subquery = True

    # Django's suite: the current time in UTC, whatever the session's time zone.
    test_now_utc_template = "now64(6, 'UTC')"

    # Durations are Int64 microseconds; dateDiff('microsecond', ...) subtracts dates,
    # datetimes and times (DatabaseOperations.subtract_temporals).
    supports_temporal_subtraction = True

    # re2 (match()) has no backreferences.
    supports_regex_backreferencing = False
    # String has no length limit: CharField(max_length=None) is fine.
    supports_unlimited_charfield = True
    # No column collations (COLLATE exists only in ORDER BY).
    supports_collation_on_charfield = False
    supports_collation_on_textfield = False
    supports_non_deterministic_collations = False

    # What introspection gives back for the column of each of Django's fields (the
    # built-in field that creates exactly that column: introspection.BUILT_IN_FIELDS).
    # Several share a column: every text field is a String, ids and durations Int64.
    introspected_field_types = {
        **BaseDatabaseFeatures.introspected_field_types,
        "AutoField": "BigIntegerField",
        "BigAutoField": "BigIntegerField",
        "SmallAutoField": "BigIntegerField",
        "DurationField": "BigIntegerField",
        "CharField": "TextField",
        "BinaryField": "TextField",
        "TimeField": "TextField",
    }

    has_native_uuid_field = True
    supports_timezones = False
    has_zoneinfo_database = True
    supports_comments = True
    supports_comments_inline = True
    supports_paramstyle_pyformat = True
    requires_literal_defaults = True

    # The JSON type holds objects only (a top-level 1, "a" or [1] is refused); there is
    # JSONObject()/JSONArray() are built as JSON text (backend/expressions.py). __contains
    # is spelled path by path (backend/json_paths.py); __contained_by is refused.
    supports_json_field = True
    supports_primitives_in_json_field = False
    has_json_object_function = True
    supports_json_field_contains = True

    @cached_property
    def greatest_least_ignores_nulls(self) -> bool:
        # greatest()/least() return NULL for a NULL argument before 24.12 and skip NULLs
        # from 24.12 on (unless least_greatest_legacy_null_behavior is set).
        return self.connection.get_database_version() >= (24, 12)

    django_test_skips = SKIPS
    django_test_expected_failures = set().union(*EXPECTED_FAILURES.values())
