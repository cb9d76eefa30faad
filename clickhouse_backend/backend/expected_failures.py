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
    "Saving an existing object, update() and bulk_update() first count the matching rows "
    "(ClickHouse's UPDATE reports no count; the same query checks the table's key "
    "columns), so they take more queries than the single UPDATE Django counts.": {
        "queries.test_bulk_update.BulkUpdateNoteTests.test_batch_size",
        "queries.test_bulk_update.BulkUpdateNoteTests.test_foreign_keys_do_not_lookup",
        "queries.test_bulk_update.BulkUpdateNoteTests.test_multiple_fields",
        "queries.test_bulk_update.BulkUpdateNoteTests.test_simple",
        "queries.test_bulk_update.BulkUpdateTests.test_database_routing",
        "basic.tests.SelectOnSaveTests.test_select_on_save",
        "basic.tests.SelectOnSaveTests.test_select_on_save_lying_update",
    },
    "ClickHouse 26.9 cannot run these correlated subqueries and says so (NOT_IMPLEMENTED "
    "or BAD_ARGUMENTS): one in an aggregate's argument, an IN list, GROUP BY or ORDER BY, "
    "one with LIMIT, DISTINCT, ORDER BY or UNION inside, or a scalar one it cannot "
    "evaluate.": {
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_on_exists",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_ref_multiple_subquery_annotation",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregate_ref_subquery_annotation",
        "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_aggregrate_ref_in_subquery_annotation",
        "aggregation.tests.AggregateTestCase.test_aggregation_exists_multivalued_outeref",
        "aggregation.tests.AggregateTestCase.test_aggregation_nested_subquery_outerref",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_multivalued",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_related_field",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_values",
        "aggregation.tests.AggregateTestCase.test_aggregation_subquery_annotation_values_collision",
        "aggregation.tests.AggregateTestCase.test_group_by_exists_annotation",
        "aggregation.tests.AggregateTestCase.test_group_by_subquery_annotation",
        "aggregation_regress.tests.AggregationTests.test_annotate_with_extra",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_exists_aggregate_values_chaining",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_subquery_and_aggregate_values_chaining",
        "annotations.tests.NonAggregateAnnotationTestCase.test_annotation_subquery_outerref_transform",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_outerref",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_outerref",
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
        "expressions.tests.BasicExpressionsTests.test_subquery_filter_by_aggregate",
        "expressions.tests.BasicExpressionsTests.test_subquery_filter_by_lazy",
        "expressions.tests.BasicExpressionsTests.test_subquery_references_joined_table_twice",
        "expressions.tests.FTimeDeltaTests.test_date_subquery_subtraction",
        "expressions.tests.FTimeDeltaTests.test_datetime_subquery_subtraction",
        "expressions_window.tests.WindowFunctionTests.test_subquery_row_range_rank",
        "ordering.tests.OrderingTests.test_orders_nulls_first_on_filtered_subquery",
        "queries.test_qs_combinators.QuerySetSetOperationTests.test_intersection_in_nested_subquery",
        "queries.test_qs_combinators.QuerySetSetOperationTests.test_union_in_subquery",
        "queries.test_qs_combinators.QuerySetSetOperationTests.test_union_in_subquery_related_outerref",
        "queries.tests.ExcludeTests.test_exclude_subquery",
        "queries.tests.ExcludeTests.test_subquery_exclude_outerref",
    },
    "ClickHouse cannot resolve a column of a query two levels out (OuterRef(OuterRef())) "
    "in a nested correlated subquery.": {
        "lookup.tests.LookupTests.test_nested_outerref_lhs",
    },
    "clickhouse-driver reads a DateTime64 through a float: after about 2255 its "
    "microseconds may be off by one (the year-2295 datetime reads .747000 for .746999).": {
        "expressions.tests.FTimeDeltaTests.test_duration_with_datetime_microseconds",
    },
    "ClickHouse inserts take values, not expressions: the backend refuses F() and "
    "functions in create()/save() of a new object (NotSupportedError).": {
        "queries.test_db_returning.ReturningValuesTests.test_bulk_insert",
        "queries.test_db_returning.ReturningValuesTests.test_insert_returning_multiple",
        "queries.test_db_returning.ReturningValuesTests.test_insert_returning_non_integer",
        "db_functions.math.test_round.RoundTests.test_decimal_with_precision",
        "db_functions.math.test_round.RoundTests.test_float_with_precision",
        "expressions.tests.BasicExpressionsTests.test_new_object_create",
        "expressions.tests.BasicExpressionsTests.test_new_object_save",
        "expressions.tests.BasicExpressionsTests.test_object_create_with_f_expression_in_subquery",
        "bulk_create.tests.BulkCreateTests.test_bulk_insert_expressions",
        "bulk_create.tests.BulkCreateTests.test_bulk_insert_now",
    },
    "ClickHouse's Date32 and DateTime64 hold 1900-01-01 to 2299-12-31: an earlier date "
    "is refused with a DataError naming the field (the test stores the year 1 or 999).": {
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week_before_1000",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_week_before_1000",
        "model_regress.tests.ModelTests.test_date_lookup",
    },
    "ClickHouse's JSON type does not keep null values ({'key': None} is stored as {}), "
    "so a key compared with JSON null is refused (NotSupportedError).": {
        "expressions.tests.BasicExpressionsTests.test_update_jsonfield_case_when_key_is_null",
    },
    "ClickHouse enforces no UNIQUE constraint, not even on the primary key: unique=True, "
    "unique_together, a UniqueConstraint or a OneToOneField creates nothing, so a second "
    "row with the same value is stored without an IntegrityError, and introspection (and "
    "inspectdb) finds no unique constraint.": {
        "queries.test_bulk_update.BulkUpdateTests.test_database_routing_batch_atomicity",
        "model_fields.test_filefield.FileFieldTests.test_unique_when_same_filename",
        "get_or_create.tests.GetOrCreateTestsWithManualPKs.test_create_with_duplicate_primary_key",
        "get_or_create.tests.GetOrCreateTestsWithManualPKs.test_savepoint_rollback",
        "get_or_create.tests.GetOrCreateThroughManyToMany.test_something",
        "get_or_create.tests.UpdateOrCreateTests.test_manual_primary_key_test",
        "get_or_create.tests.UpdateOrCreateTestsWithManualPKs.test_create_with_duplicate_primary_key",
        "transactions.tests.NonAutocommitTests.test_orm_query_after_error_and_rollback",
        "one_to_one.tests.OneToOneTests.test_multiple_o2o",
        "schema.tests.SchemaTests.test_alter_field_fk_to_o2o",
        "schema.tests.SchemaTests.test_alter_field_o2o_keeps_unique",
        "schema.tests.SchemaTests.test_alter_field_o2o_to_fk",
        "schema.tests.SchemaTests.test_composed_constraint_with_fk",
        "schema.tests.SchemaTests.test_composite_func_unique_constraint",
        "schema.tests.SchemaTests.test_func_unique_constraint",
        "schema.tests.SchemaTests.test_func_unique_constraint_lookups",
        "schema.tests.SchemaTests.test_func_unique_constraint_nondeterministic",
        "schema.tests.SchemaTests.test_remove_field_unique_does_not_remove_meta_constraints",
        "schema.tests.SchemaTests.test_remove_unique_together_does_not_remove_meta_constraints",
        "schema.tests.SchemaTests.test_unique",
        "schema.tests.SchemaTests.test_unique_and_reverse_m2m",
        "schema.tests.SchemaTests.test_unique_constraint",
        "schema.tests.SchemaTests.test_unique_constraint_field_and_expression",
        "schema.tests.SchemaTests.test_unique_together",
        "introspection.tests.IntrospectionTests.test_get_constraints",
        "inspectdb.tests.InspectDBTestCase.test_unique_together_meta",
    },
    "Without savepoints, an error in a nested atomic() marks the outer block for rollback: "
    "update_or_create() cannot read after its failed insert (TransactionManagementError "
    "instead of the IntegrityError).": {
        "get_or_create.tests.UpdateOrCreateTests.test_integrity",
    },
    "ClickHouse's DELETE reports no row count, so deleting first counts the matching rows "
    "(and checks the table's unfinished mutations in the same query): a delete takes one "
    "more query than Django counts.": {
        "delete.tests.OnDeleteTests.test_do_nothing_qscount",
        "delete_regress.tests.DeleteTests.test_self_reference_with_through_m2m_at_second_level",
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
    "The test stores a generated id (64-bit, about 2.5e17) in a 32-bit IntegerField (a "
    "manual primary key or a plain column), which refuses it with a DataError naming the "
    "field.": {
        "aggregation_regress.tests.AggregationTests.test_aggregation_with_generic_reverse_relation",
        "queries.tests.ValuesSubqueryTests.test_values_in_subquery",
    },
    "The test reads the SQL text for another database's spelling (EXTRACT and BETWEEN, "
    "RETURNING, UPPER(), the outer table written by its name); ClickHouse's differs "
    "(toYear(), ids generated before the INSERT, upperUTF8() since its UPPER() changes "
    "ASCII letters only, the outer table under an alias of its own).": {
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_exact_lookup",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_greaterthan_lookup",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_lessthan_lookup",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_year_exact_lookup",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_year_greaterthan_lookup",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_year_lessthan_lookup",
        "queries.test_db_returning.ReturningValuesTests.test_insert_returning",
        "queries.tests.ExcludeTests.test_exclude_m2m_through",
        "backends.test_ddl_references.ExpressionsTests.test_rename_table_references_without_alias",
        "backends.test_ddl_references.ExpressionsTests.test_str",
    },
    "A database's TIME_ZONE (Django's setting for databases that store datetimes without "
    "their zone) is refused on ClickHouse, whose DateTime holds instants; the test sets "
    "it after the connection was checked.": {
        "timezones.tests.ForcedTimeZoneDatabaseTests.test_read_datetime",
        "timezones.tests.ForcedTimeZoneDatabaseTests.test_write_datetime",
    },
    "With USE_TZ = False an aware datetime is stored as the instant it names (converted "
    "to UTC), as on PostgreSQL, rather than refused with ValueError.": {
        "timezones.tests.LegacyDatabaseTests.test_aware_datetime_unsupported",
    },
    "A raw cursor reads a DateTimeField's column (DateTime64(6, 'UTC')) as an aware "
    "datetime in UTC, as clickhouse-driver reads a column with a zone; the test expects "
    "a naive one.": {
        "timezones.tests.LegacyDatabaseTests.test_cursor_execute_returns_naive_datetime",
        "timezones.tests.NewDatabaseTests.test_cursor_execute_returns_naive_datetime",
        "schema.tests.SchemaTests.test_add_datefield_and_datetimefield_use_effective_default",
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
    "ClickHouse has no secondary indexes (only data-skipping indexes, "
    "clickhouse_backend.models.Index): a plain Django Index, db_index or index_together "
    "creates nothing, so introspection finds no such index and there is no index DDL to "
    "compile, defer, rename or fail.": {
        "schema.tests.SchemaTests.test_alter_generated_field",
        "schema.tests.SchemaTests.test_add_remove_index",
        "schema.tests.SchemaTests.test_alter_field_add_index_to_integerfield",
        "schema.tests.SchemaTests.test_composed_desc_func_index_with_fk",
        "schema.tests.SchemaTests.test_composed_desc_index_with_fk",
        "schema.tests.SchemaTests.test_composed_func_index_with_fk",
        "schema.tests.SchemaTests.test_composed_func_transform_index_with_fk",
        "schema.tests.SchemaTests.test_composed_index_with_fk",
        "schema.tests.SchemaTests.test_composite_func_index",
        "schema.tests.SchemaTests.test_composite_func_index_field_and_expression",
        "schema.tests.SchemaTests.test_func_index",
        "schema.tests.SchemaTests.test_func_index_calc",
        "schema.tests.SchemaTests.test_func_index_cast",
        "schema.tests.SchemaTests.test_func_index_f",
        "schema.tests.SchemaTests.test_func_index_f_decimalfield",
        "schema.tests.SchemaTests.test_func_index_invalid_topmost_expressions",
        "schema.tests.SchemaTests.test_func_index_json_key_transform",
        "schema.tests.SchemaTests.test_func_index_json_key_transform_cast",
        "schema.tests.SchemaTests.test_func_index_lookups",
        "schema.tests.SchemaTests.test_func_index_multiple_wrapper_references",
        "schema.tests.SchemaTests.test_func_index_nondeterministic",
        "schema.tests.SchemaTests.test_func_index_nonexistent_field",
        "schema.tests.SchemaTests.test_index_together",
        "schema.tests.SchemaTests.test_indexes",
        "schema.tests.SchemaTests.test_remove_constraints_capital_letters",
        "schema.tests.SchemaTests.test_remove_db_index_doesnt_remove_custom_indexes",
        "schema.tests.SchemaTests.test_rename_column_renames_deferred_sql_references",
        "schema.tests.SchemaTests.test_rename_table_renames_deferred_sql_references",
        "schema.tests.SchemaTests.test_text_field_with_db_index",
        "introspection.tests.IntrospectionTests.test_get_constraints_index_types",
    },
    "The primary key is the table's sorting key, whose columns ClickHouse cannot "
    "rename, drop or retype: the schema editor refuses such a change with "
    "NotSupportedError before anything runs, and the old key stays the primary key.": {
        "schema.tests.SchemaTests.test_alter_auto_field_to_char_field",
        "schema.tests.SchemaTests.test_alter_auto_field_to_integer_field",
        "schema.tests.SchemaTests.test_alter_int_pk_to_autofield_pk",
        "schema.tests.SchemaTests.test_alter_int_pk_to_bigautofield_pk",
        "schema.tests.SchemaTests.test_alter_int_pk_to_int_unique",
        "schema.tests.SchemaTests.test_alter_not_unique_field_to_primary_key",
        "schema.tests.SchemaTests.test_alter_pk_with_self_referential_field",
        "schema.tests.SchemaTests.test_alter_smallint_pk_to_smallautofield_pk",
        "schema.tests.SchemaTests.test_autofield_to_o2o",
        "schema.tests.SchemaTests.test_char_field_pk_to_auto_field",
        "schema.tests.SchemaTests.test_primary_key",
    },
    "A positive integer field is an unsigned column (UInt32 ...), not an integer with "
    "a CHECK constraint (ClickHouse takes no CHECK in a column definition), so there is "
    "no column check to introspect, rename or keep.": {
        "schema.tests.SchemaTests.test_check_constraints",
        "schema.tests.SchemaTests.test_remove_field_check_does_not_remove_meta_constraints",
        "schema.tests.SchemaTests.test_rename_field_with_check_to_truncated_name",
    },
    "Auto ids are 64-bit (generated by generateSnowflakeID()), so a foreign key to an "
    "AutoField is an Int64 column, introspected as BigIntegerField, not IntegerField.": {
        "schema.tests.SchemaTests.test_m2m",
        "schema.tests.SchemaTests.test_m2m_create",
        "schema.tests.SchemaTests.test_m2m_create_custom",
        "schema.tests.SchemaTests.test_m2m_create_inherited",
        "schema.tests.SchemaTests.test_m2m_create_through",
        "schema.tests.SchemaTests.test_m2m_create_through_custom",
        "schema.tests.SchemaTests.test_m2m_create_through_inherited",
        "schema.tests.SchemaTests.test_m2m_custom",
        "schema.tests.SchemaTests.test_m2m_inherited",
    },
    "ClickHouse's UPDATE needs a WHERE clause: the test's raw 'UPDATE table SET ...' "
    "without one is a syntax error.": {
        "schema.tests.SchemaTests.test_add_inline_fk_index_update_data",
        "schema.tests.SchemaTests.test_add_inline_fk_update_data",
    },
    "CharField and TextField both create a String column, which has no length: "
    "introspection reports no size and gives TextField (introspected_field_types).": {
        "introspection.tests.IntrospectionTests.test_get_table_description_col_lengths",
        "inspectdb.tests.InspectDBTestCase.test_char_field_unlimited",
    },
    "ClickHouse has no foreign keys: introspection finds no relation, so inspectdb "
    "writes the column, not a ForeignKey.": {
        "inspectdb.tests.InspectDBTestCase.test_same_relations",
    },
    "ClickHouse has no transactions: atomic() sends no BEGIN, COMMIT or ROLLBACK, so "
    "none is logged.": {
        "backends.base.test_base.DatabaseWrapperLoggingTests.test_commit_debug_log",
        "backends.base.test_base.DatabaseWrapperLoggingTests.test_rollback_debug_log",
    },
}

# reason -> tests skipped for that reason (tests that would hang, break later tests, or
# pass or fail by chance)
SKIPS: dict[str, set[str]] = {
    "The class's fixture stores a generated id (64-bit, about 2.5e17) in a 32-bit "
    "IntegerField primary key (Order.id = ObjectA's pk), which is refused with a "
    "DataError; without transactions the fixture runs before each test and the rows of "
    "the failed runs pile up.": {
        "queries.tests.RelatedLookupTypeTests",
    },
    "The test ORs or XORs a sliced query without an ordering with another, and expects "
    "particular rows; ClickHouse's slice of an unordered query takes whichever rows it "
    "reads first, so it passes or fails by chance.": {
        "queries.tests.QuerySetBitwiseOperationTests.test_or_with_both_slice",
        "queries.tests.QuerySetBitwiseOperationTests.test_or_with_lhs_slice",
        "queries.tests.QuerySetBitwiseOperationTests.test_or_with_rhs_slice",
        "queries.tests.QuerySetBitwiseOperationTests.test_xor_with_both_slice",
        "queries.tests.QuerySetBitwiseOperationTests.test_xor_with_lhs_slice",
        "queries.tests.QuerySetBitwiseOperationTests.test_xor_with_rhs_slice",
    },
    "The test expects rows of an unordered query in the order they were inserted; "
    "ClickHouse returns a join's or a union's rows in an order of its own, so it passes "
    "or fails by chance.": {
        "filtered_relation.tests.FilteredRelationTests.test_union",
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
