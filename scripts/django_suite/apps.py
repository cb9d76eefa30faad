"""Which apps of Django's test suite are run against this backend (docs/testing.md).

APPS are the apps whose tests go through the database layer: reading, writing,
expressions, relations, schema and the backend API. Django's other apps test forms,
templates, HTTP and the like, which no database backend changes. ``migrations`` is left
out: most of its 784 tests check the autodetector, the loader and the writer without a
database, and its schema operations are what ``schema`` tests.
"""

APPS: tuple[str, ...] = (
    # Reading: lookups, queries, ordering, dates.
    "basic",
    "lookup",
    "queries",
    "ordering",
    "null_queries",
    "dates",
    "datetimes",
    "timezones",
    "distinct_on_fields",
    "filtered_relation",
    # Expressions, functions and aggregates.
    "aggregation",
    "aggregation_regress",
    "annotations",
    "expressions",
    "expressions_case",
    "expressions_window",
    "db_functions",
    "custom_lookups",
    # Writing.
    "update",
    "delete",
    "delete_regress",
    "bulk_create",
    "get_or_create",
    "field_defaults",
    "transactions",
    # Fields and relations.
    "model_fields",
    "model_regress",
    "many_to_one",
    "many_to_many",
    "one_to_one",
    "select_related",
    "prefetch_related",
    # Schema, introspection and the backend API.
    "schema",
    "introspection",
    "inspectdb",
    "backends",
)

# The apps scripts/test.sh runs (bash scripts/django_suite.sh --ci): a few minutes on two
# cores, and every failing test in them is declared in expected_failures.py with its
# reason, so any other failure, error or unexpected success fails the run.
CI_APPS: tuple[str, ...] = (
    "basic",
    "dates",
    "datetimes",
    "custom_lookups",
    "model_regress",
    "many_to_one",
    "select_related",
)
