"""Tests of Django's own suite that cannot pass on ClickHouse, each group with its reason.

``DatabaseFeatures.django_test_skips`` and ``django_test_expected_failures`` are built
from these (Django reads them when its suite runs on this backend, see docs/testing.md).
A test belongs here only for a limitation of ClickHouse or a design decision of this
backend; a backend bug is fixed instead (while it is being fixed, its reason says so and
names the issue). Expected failures are preferred to skips: when
ClickHouse or the backend learns the behaviour, the suite reports the unexpected success.
"""

from __future__ import annotations

# reason -> tests expected to fail for that reason
EXPECTED_FAILURES: dict[str, set[str]] = {
    "Saving an existing object counts the matching rows and then runs an ALTER TABLE ... "
    "UPDATE mutation (after one look at the table's key columns), so it takes more "
    "queries than the single UPDATE Django counts.": {
        "basic.tests.SelectOnSaveTests.test_select_on_save",
        "basic.tests.SelectOnSaveTests.test_select_on_save_lying_update",
    },
    "Backend limitation being lifted (issue 12): a subquery correlated with the same table "
    "outside it is refused with NotSupportedError, though ClickHouse answers it once the "
    "outer table is aliased.": {
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_on_exists",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_ref_multiple_subquery_annotation",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_ref_subquery_annotation",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregrate_ref_in_subquery_annotation",
        "aggregation.tests.AggregateTestCase.test_aggregation_nested_subquery_outerref",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_multivalued",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_related_field",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_values",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_values_collision",
        "aggregation.tests.AggregateTestCase.test_group_by_exists_annotation",
        "aggregation.tests.AggregateTestCase.test_group_by_subquery_annotation",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_exists_aggregate_values_chaining",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_subquery_and_aggregate_values_chaining",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_subquery_outerref_transform",
        "expressions.tests.BasicExpressionsTests.test_annotation_with_deeply_nested_outerref",
        "expressions.tests.BasicExpressionsTests.test_annotation_with_nested_outerref",
        "expressions.tests.BasicExpressionsTests.test_annotation_with_outerref",
        "expressions.tests.BasicExpressionsTests.test_annotations_within_subquery",
        "expressions.tests.BasicExpressionsTests.test_nested_outerref_with_function",
        "expressions.tests.BasicExpressionsTests.test_nested_subquery",
        "expressions.tests.BasicExpressionsTests.test_nested_subquery_join_outer_ref",
        "expressions.tests.BasicExpressionsTests.test_nested_subquery_outer_ref_2",
        "expressions.tests.BasicExpressionsTests.test_nested_subquery_outer_ref_with_autofield",
        "expressions.tests.BasicExpressionsTests.test_order_by_exists",
        "expressions.tests.BasicExpressionsTests.test_outerref_mixed_case_table_name",
        "expressions.tests.BasicExpressionsTests.test_outerref_with_operator",
        "expressions.tests.BasicExpressionsTests.test_subquery",
        "expressions.tests.BasicExpressionsTests.test_subquery_filter_by_lazy",
        "expressions.tests.BasicExpressionsTests.test_subquery_references_joined_table_twice",
        "expressions.tests.FTimeDeltaTests.test_date_subquery_subtraction",
        "expressions.tests.FTimeDeltaTests.test_datetime_subquery_subtraction",
    },
    "ClickHouse cannot resolve a column of a query two levels out (OuterRef(OuterRef())) "
    "in a nested correlated subquery.": {
        "lookup.tests.LookupTests.test_nested_outerref_lhs",
    },
    "clickhouse-driver reads a DateTime64 through a float: after about 2255 its "
    "microseconds may be off by one (the year-2295 datetime reads .747000 for .746999).": {
        "expressions.tests.FTimeDeltaTests.test_duration_with_datetime_microseconds",
    },
    "ClickHouse 26.9 cannot run a correlated subquery with LIMIT ('Cannot decorrelate "
    "query, because Limit step is not supported').": {
        "expressions.tests.BasicExpressionsTests.test_subquery_filter_by_aggregate",
    },
    "ClickHouse inserts take values, not expressions: the backend refuses F() and "
    "functions in create()/save() of a new object (NotSupportedError).": {
        "expressions.tests.BasicExpressionsTests.test_new_object_create",
        "expressions.tests.BasicExpressionsTests.test_new_object_save",
        "expressions.tests.BasicExpressionsTests.test_object_create_with_f_expression_in_subquery",
        "bulk_create.tests.BulkCreateTests.test_bulk_insert_expressions",
        "bulk_create.tests.BulkCreateTests.test_bulk_insert_now",
    },
    "ClickHouse's Date32 holds 1900-01-01 to 2299-12-31: an earlier date is refused with "
    "a DataError naming the field (the test stores the year 1).": {
        "model_regress.tests.ModelTests.test_date_lookup",
    },
    "ClickHouse's JSON type does not keep null values ({'key': None} is stored as {}), "
    "so a key compared with JSON null is refused (NotSupportedError).": {
        "expressions.tests.BasicExpressionsTests.test_update_jsonfield_case_when_key_is_null",
    },
    "ClickHouse enforces no UNIQUE constraint, not even on the primary key: a second row "
    "with the same value is stored, and no IntegrityError is raised.": {
        "model_fields.test_filefield.FileFieldTests.test_unique_when_same_filename",
        "get_or_create.tests.GetOrCreateTestsWithManualPKs.test_create_with_duplicate_primary_key",
        "get_or_create.tests.GetOrCreateTestsWithManualPKs.test_savepoint_rollback",
        "get_or_create.tests.GetOrCreateThroughManyToMany.test_something",
        "get_or_create.tests.UpdateOrCreateTests.test_manual_primary_key_test",
        "get_or_create.tests.UpdateOrCreateTestsWithManualPKs.test_create_with_duplicate_primary_key",
        "transactions.tests.NonAutocommitTests.test_orm_query_after_error_and_rollback",
        "one_to_one.tests.OneToOneTests.test_multiple_o2o",
    },
    "Without savepoints, an error in a nested atomic() marks the outer block for rollback: "
    "update_or_create() cannot read after its failed insert (TransactionManagementError "
    "instead of the IntegrityError).": {
        "get_or_create.tests.UpdateOrCreateTests.test_integrity",
    },
    "ClickHouse's DELETE reports no row count, so deleting first counts the matching rows "
    "(and checks the table's unfinished mutations in the same query): a delete takes one "
    "more query than Django counts.": {
        "delete.tests.DeletionTests.test_bulk",
        "delete.tests.DeletionTests.test_cannot_defer_constraint_checks",
        "delete.tests.DeletionTests.test_large_delete",
        "delete.tests.DeletionTests.test_large_delete_related",
        "delete.tests.DeletionTests.test_only_referenced_fields_selected",
        "delete.tests.DeletionTests.test_proxied_model_duplicate_queries",
        "delete.tests.FastDeleteTests.test_fast_delete_aggregation",
        "delete.tests.FastDeleteTests.test_fast_delete_all",
        "delete.tests.FastDeleteTests.test_fast_delete_combined_relationships",
        "delete.tests.FastDeleteTests.test_fast_delete_fk",
        "delete.tests.FastDeleteTests.test_fast_delete_full_match",
        "delete.tests.FastDeleteTests.test_fast_delete_inheritance",
        "delete.tests.FastDeleteTests.test_fast_delete_joined_qs",
        "delete.tests.FastDeleteTests.test_fast_delete_large_batch",
        "delete.tests.FastDeleteTests.test_fast_delete_m2m",
        "delete.tests.FastDeleteTests.test_fast_delete_qs",
        "delete.tests.FastDeleteTests.test_fast_delete_revm2m",
        "delete_regress.tests.SetQueryCountTests.test_set_querycount",
        "delete_regress.tests.Ticket19102Tests.test_ticket_19102_annotate",
        "delete_regress.tests.Ticket19102Tests.test_ticket_19102_defer",
        "delete_regress.tests.Ticket19102Tests.test_ticket_19102_extra",
        "delete_regress.tests.Ticket19102Tests.test_ticket_19102_select_related",
    },
    "ClickHouse has no auto-increment: objects saved without a primary key first get their "
    "ids from the server (generateSnowflakeID, one query a batch), one more query than "
    "Django counts.": {
        "bulk_create.tests.BulkCreateTests.test_efficiency",
        "bulk_create.tests.BulkCreateTests.test_explicit_batch_size_efficiency",
        "bulk_create.tests.BulkCreateTests.test_explicit_batch_size_respects_max_batch_size",
        "bulk_create.tests.BulkCreateTests.test_set_pk_and_insert_single_item",
        "bulk_create.tests.BulkCreateTests.test_set_pk_and_query_efficiency",
    },
    "A value outside an integer column's range is refused before anything is sent, as a "
    "DataError naming the field (the test expects the IntegrityError of a CHECK "
    "constraint).": {
        "model_fields.test_integerfield.PositiveIntegerFieldTests.test_negative_values",
    },
    "ClickHouse's JSON type holds objects only, and does not store keys set to null: "
    "lists and scalars are refused with a DataError, a null key reads back absent.": {
        "model_fields.test_jsonfield.TestSaveLoad.test_list",
        "model_fields.test_jsonfield.TestSaveLoad.test_dict",
    },
    "A value JSON cannot hold is a DataError naming the field and the value, raised by "
    "the backend before Django's encoder would raise TypeError.": {
        "model_fields.test_jsonfield.JSONFieldTests.test_invalid_value",
    },
}

# reason -> tests skipped for that reason (tests that would hang, break later tests, or
# pass or fail by chance)
SKIPS: dict[str, set[str]] = {
    "The test expects rows of an unordered query in the order they were inserted; "
    "ClickHouse returns a join's rows in an order of its own, so it passes or fails by "
    "chance.": {
        "expressions.test_queryset_values.ValuesExpressionsTests.test_values_expression",
        "many_to_one.tests.ManyToOneTests.test_create_after_prefetch",
    },
    "The test compares two querysets ordered by a value two rows share (Length of 'Name 1' "
    "and 'Name 2'); ClickHouse orders such ties as it finds them, so it passes or fails by "
    "chance.": {
        "ordering.tests.OrderingTests.test_order_by_expression_ref",
    },
    "The class's fixture stores JSON arrays and scalars at the top level, which "
    "ClickHouse's JSON type refuses (it holds objects): every test would error in "
    "setUpTestData. Path lookups are tested in tests/test_fields_json.py.": {
        "model_fields.test_jsonfield.TestQuerying",
    },
}
