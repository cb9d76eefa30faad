"""clickhouse_backend.models.JSONField and JSON path lookups, on the suite's ClickHouse
through testapp.Typed (``data``: plain JSON, ``tuned``: JSON with options), and on
Django's own JSONField (test_orm.Reading-style model in this module)."""

import collections
import contextlib
import decimal
import io
import json

import django
import pytest
from django import forms
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, IntegrityError, NotSupportedError, connections, models
from django.db.models import Q, Value
from django.db.models.fields.json import KT, KeyTextTransform, KeyTransform
from django.forms import modelform_factory
from field_helpers import alter, column_types, raw, table_for
from testapp.models import Typed

import clickhouse_backend.models as ch
from clickhouse_backend.models.fields.json import json_problem, written_by_driver

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

DOCUMENTS = {
    "nested": {"a": {"b": 1, "c": "x"}, "s": "alpha", "n": 5, "items": [{"name": "n1"}, 7]},
    "text": {"a": {"b": "1"}, "s": "beta", "n": 2.5, "flag": True},
    "unicode": {"s": "é€😀\x00\n\"'\\/", "n": -3, "tags": ["x", "y"]},
    "empty": {},
}


@pytest.fixture
def typed():
    objects = {
        name: Typed.objects.using("clickhouse").create(data=doc) for name, doc in DOCUMENTS.items()
    }
    return objects


def names(queryset) -> set[str]:
    by_id = {}
    for name, doc in DOCUMENTS.items():
        by_id[json.dumps(doc, sort_keys=True)] = name
    return {by_id[json.dumps(obj.data, sort_keys=True)] for obj in queryset}


def query():
    return Typed.objects.using("clickhouse")


def test_ddl_has_the_options():
    types = dict(
        raw(
            "SELECT name, type FROM system.columns "
            "WHERE database = currentDatabase() AND table = 'testapp_typed'"
        )
    )
    assert types["data"] == "JSON"
    assert types["tuned"] == (
        "Nullable(JSON(max_dynamic_types=4, max_dynamic_paths=16, SKIP `secret.token`, "
        "SKIP REGEXP '^tmp_'))"
    )


def test_round_trip(typed):
    for name, doc in DOCUMENTS.items():
        loaded = query().get(pk=typed[name].pk)
        assert (loaded.data, loaded.tuned) == (doc, None)  # tuned: Nullable(JSON(...))


def test_numbers_at_the_edges_of_int64_uint64_float64():
    """Int64 and UInt64 extremes and Float64's come back exact; a float without a
    fraction comes back as an int (ClickHouse writes 1.0 as 1)."""
    doc = {
        "min": -(2**63),
        "max": 2**64 - 1,
        "big": 1.7976931348623157e308,
        "tiny": 5e-324,
        "one": 1.0,
    }
    obj = query().create(data=doc)
    back = query().get(pk=obj.pk).data
    assert back == doc
    assert type(back["max"]) is int and type(back["one"]) is int


def test_nulls_and_empty_objects_are_not_stored():
    obj = query().create(data={"gone": None, "empty": {}, "kept": [1, None]})
    assert query().get(pk=obj.pk).data == {"kept": [1, None]}


def test_keys_and_dict_subclasses_are_written_as_json_writes_them():
    obj = query().create(data=collections.OrderedDict([("b", 1), ("a", {2: [True]})]))
    assert query().get(pk=obj.pk).data == {"a": {"2": [True]}, "b": 1}


def test_mixed_arrays_and_date_like_strings_round_trip():
    doc = {"mixed": [1, "a", None, 2.5], "day": "2020-01-01", "nested": [[1], [2, 3]]}
    obj = query().create(data=doc)
    assert query().get(pk=obj.pk).data == doc


def test_options_skip_paths():
    obj = query().create(tuned={"secret": {"token": "t", "user": "u"}, "tmp_x": 1, "keep": 2})
    assert query().get(pk=obj.pk).tuned == {"secret": {"user": "u"}, "keep": 2}


@pytest.mark.parametrize(
    "value, problem",
    [
        ([1], "is not a JSON object"),
        ("text", "is not a JSON object"),
        ({"a.b": 1}, "has the key 'a.b'"),
        ({"x": {1.5: 1}}, "has the key 1.5"),
        ({"n": 2**64}, "outside the integers"),
        ({"n": -(2**63) - 1}, "outside the integers"),
        ({"f": float("nan")}, "JSON cannot spell"),
        ({"o": object()}, "is not a JSON value"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_written(value, problem):
    with pytest.raises(DataError, match=rf"Typed.data: .* {problem}"):
        query().bulk_create([Typed(data={"ok": 1}), Typed(data=value)])
    assert query().count() == 0
    with pytest.raises(ValidationError, match=f"{problem}|Value must be valid JSON"):
        Typed(data=value).clean_fields(
            exclude=[f.name for f in Typed._meta.fields if f.name != "data"]
        )


def test_none_in_a_not_null_json_field_is_refused():
    with pytest.raises(IntegrityError, match=r"Typed\.data is not nullable"):
        query().bulk_create([Typed(data=None)])
    assert query().count() == 0


def test_key_transforms(typed):
    assert names(query().filter(data__a__b=1)) == {"nested"}
    assert names(query().filter(data__a__b="1")) == {"text"}
    assert names(query().filter(data__s="é€😀\x00\n\"'\\/")) == {"unicode"}
    assert names(query().filter(data__n=2.5)) == {"text"}
    assert names(query().filter(data__flag=True)) == {"text"}
    assert names(query().filter(data__a={"b": 1, "c": "x"})) == {"nested"}
    assert names(query().filter(data__tags=["x", "y"])) == {"unicode"}


def test_array_index(typed):
    assert names(query().filter(data__items__0__name="n1")) == {"nested"}
    assert names(query().filter(data__items__1=7)) == {"nested"}
    assert names(query().filter(data__items__1__gt=6)) == {"nested"}
    assert names(query().filter(data__tags__1="y")) == {"unicode"}
    assert names(query().filter(data__tags__0="y")) == set()


def test_comparisons(typed):
    assert names(query().filter(data__n__gt=2)) == {"nested", "text"}
    assert names(query().filter(data__n__lte=2.5)) == {"text", "unicode"}
    assert names(query().filter(data__s__gte="beta")) == {"text", "unicode"}
    assert names(query().filter(data__n__in=[5, -3])) == {"nested", "unicode"}
    assert names(query().filter(data__s__in=["alpha", "x"])) == {"nested"}


def test_text_lookups(typed):
    assert names(query().filter(data__s__startswith="al")) == {"nested"}
    assert names(query().filter(data__s__icontains="ET")) == {"text"}
    assert names(query().filter(data__s__endswith="ha")) == {"nested"}
    assert names(query().filter(data__a__c__iexact="X")) == {"nested"}
    assert names(query().filter(data__n__startswith="2.")) == {"text"}


def test_isnull_and_has_key(typed):
    assert names(query().filter(data__a__isnull=False)) == {"nested", "text"}
    assert names(query().filter(data__a__b__isnull=True)) == {"unicode", "empty"}
    assert names(query().filter(data__has_key="flag")) == {"text"}
    assert names(query().filter(data__a__has_key="c")) == {"nested"}
    assert names(query().filter(data__has_keys=["s", "n"])) == {"nested", "text", "unicode"}
    assert names(query().filter(data__has_any_keys=["flag", "tags"])) == {"text", "unicode"}


def test_contains(typed):
    assert names(query().filter(data__contains={"a": {"b": 1}})) == {"nested"}
    assert names(query().filter(data__contains={"s": "beta", "flag": True})) == {"text"}
    assert names(query().filter(data__contains={"tags": ["y"]})) == {"unicode"}
    assert names(query().filter(data__contains={})) == set(DOCUMENTS)
    assert names(query().filter(data__contains={"items": [{"name": "n1"}]})) == {"nested"}
    assert names(query().filter(data__contains={"items": [{"name": "n2"}]})) == set()
    assert names(query().filter(data__contains={"items": [7, {}]})) == {"nested"}
    assert names(query().filter(data__items__contains=[{"name": "n1"}, 7])) == {"nested"}
    assert names(query().filter(data__contains={"tags": []})) == {"unicode"}
    with pytest.raises(NotSupportedError, match="contained_by"):
        list(query().filter(data__contained_by={"a": 1}))


def test_values_and_kt_read_python_values(typed):
    pk = typed["nested"].pk
    row = (
        query()
        .filter(pk=pk)
        .values("data__a", "data__a__b", "data__items__0", "data__missing")
        .get()
    )
    assert row == {
        "data__a": {"b": 1, "c": "x"},
        "data__a__b": 1,
        "data__items__0": {"name": "n1"},
        "data__missing": None,
    }
    texts = (
        query()
        .filter(pk=pk)
        .annotate(b=KT("data__a__b"), s=KeyTextTransform("s", "data"), a=KT("data__a"))
        .values_list("b", "s", "a")
        .get()
    )
    assert texts == ("1", "alpha", '{"b":1,"c":"x"}')


def test_order_and_group_by_a_path(typed):
    ordered = list(
        query()
        .filter(data__s__isnull=False)
        .order_by(KT("data__s"))
        .values_list(KT("data__s"), flat=True)
    )
    assert ordered == ["alpha", "beta", "é€😀\x00\n\"'\\/"]


def test_null_semantics_are_refused_with_a_reason(typed):
    with pytest.raises(NotSupportedError, match=r"data__a=None .*data__a__isnull=True"):
        list(query().filter(data__a=None))
    with pytest.raises(NotSupportedError, match="isnull"):
        list(query().filter(data=None))
    with pytest.raises(NotSupportedError, match="does not keep null values"):
        list(query().filter(data__a=Value(None, models.JSONField())))
    with pytest.raises(NotSupportedError, match="does not keep null values"):
        list(query().filter(data__a__in=[1, None]))
    assert names(query().filter(data__a=Value({"b": 1, "c": "x"}, models.JSONField()))) == {
        "nested"
    }


@pytest.mark.parametrize(
    "key",
    [
        "a`) OR 1=1 --",
        "a'; DROP TABLE testapp_typed; --",
        "a\\",
        "`",
        "'",
        "0' OR '1'='1",
        "a\x00b",
        "a\nb",
        "é`\\`",
    ],
)
def test_injection_in_keys_and_values(typed, key):
    assert list(query().filter(**{f"data__{key}": "x"})) == []
    assert list(query().filter(**{f"data__items__0__{key}": "x"})) == []
    assert list(query().filter(data__has_key=key)) == []
    assert list(query().filter(data__s=key)) == []
    assert list(query().filter(data__s__in=[key])) == []
    assert list(query().filter(data__contains={key: key})) == []
    assert list(query().filter(data__contains={"items": [{key: key}], key: [key]})) == []
    assert set(query().annotate(k=KT(f"data__{key}")).values_list("k", flat=True)) == {None}
    values = query().annotate(k=KeyTransform(key, "data")).values_list("k", flat=True)
    assert set(values) == {None}
    assert query().count() == len(DOCUMENTS)


@pytest.mark.parametrize("key", ["a%b", "%s", "%(x)s", "100%", "%%"])
def test_keys_with_percent_signs_are_found(key):
    """A % in a key is part of the path, not a placeholder."""
    wanted = query().create(data={key: 1, "nested": {key: "x"}, "items": [{key: 2}]})
    query().create(data={"other": 1})
    assert list(query().filter(**{f"data__{key}": 1})) == [wanted]
    assert list(query().filter(**{f"data__nested__{key}": "x"})) == [wanted]
    assert list(query().filter(**{f"data__items__0__{key}": 2})) == [wanted]
    assert list(query().filter(**{f"data__{key}__isnull": False})) == [wanted]
    assert list(query().filter(data__has_key=key)) == [wanted]
    assert list(query().filter(data__contains={key: 1})) == [wanted]
    values = query().annotate(k=KT(f"data__nested__{key}")).values_list("k", flat=True)
    assert set(values) == {"x", None}
    with percent_alias_deprecated():
        by_path = query().values(f"data__nested__{key}").order_by(f"data__nested__{key}")
        assert [row[f"data__nested__{key}"] for row in by_path] == ["x", None]
        named = query().annotate(**{f"n{key}": KT(f"data__{key}")}).order_by(f"n{key}")
        assert list(named.values_list(f"n{key}", flat=True)) == ["1", None]


def percent_alias_deprecated():
    """Django 6 warns that a % in a column alias (here, the path's own name) goes in 2028."""
    if django.VERSION < (6, 0):
        return contextlib.nullcontext()
    from django.utils.deprecation import RemovedInDjango2028Warning

    return pytest.warns(RemovedInDjango2028Warning, match="percent signs")


def test_a_key_with_a_dot_is_refused_in_lookups(typed):
    with pytest.raises(NotSupportedError, match="has a dot"):
        list(query().filter(**{"data__a.b": 1}))


def test_update_and_save(typed):
    obj = typed["text"]
    obj.data = {"changed": [1, "a"]}
    obj.save()
    assert query().get(pk=obj.pk).data == {"changed": [1, "a"]}
    query().filter(pk=obj.pk).update(data={"again": {"x": 1}})
    assert query().get(pk=obj.pk).data == {"again": {"x": 1}}


def test_whole_document_text_lookup(typed):
    assert names(query().filter(data__icontains="ALPHA")) == {"nested"}


def test_exact_whole_document(typed):
    assert names(query().filter(data={"s": "beta", "n": 2.5, "flag": True, "a": {"b": "1"}})) == {
        "text"
    }
    assert names(query().filter(data__in=[{}, DOCUMENTS["unicode"]])) == {"empty", "unicode"}


def test_form_uses_a_json_textarea():
    form_class = modelform_factory(Typed, fields=["data"])
    field = form_class.base_fields["data"]
    assert isinstance(field, forms.JSONField)
    form = form_class(data={"data": '{"a": {"b": [1, 2]}}'})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["data"] == {"a": {"b": [1, 2]}}


def test_dumpdata_loaddata_round_trip(typed, tmp_path):
    out = io.StringIO()
    call_command("dumpdata", "testapp.Typed", database="clickhouse", stdout=out)
    fixture = tmp_path / "typed.json"
    fixture.write_text(out.getvalue())
    query().all().delete()
    call_command("loaddata", str(fixture), database="clickhouse", verbosity=0)
    assert sorted(json.dumps(o.data, sort_keys=True) for o in query()) == sorted(
        json.dumps(d, sort_keys=True) for d in DOCUMENTS.values()
    )


def test_deconstruct_names_the_public_path():
    _, path, _, kwargs = Typed._meta.get_field("tuned").deconstruct()
    assert path == "clickhouse_backend.models.JSONField"
    assert kwargs["skip_paths"] == ["secret.token"] and kwargs["max_dynamic_paths"] == 16


def test_system_checks_on_options():
    field = ch.JSONField(
        max_dynamic_paths=-1, max_dynamic_types=1000, skip_paths=[""], skip_regexps=[1]
    )
    field.set_attributes_from_name("doc")
    ids = {message.id for message in field._check_options()}
    assert ids == {f"clickhouse_backend.E14{n}" for n in range(4)}


class Note(models.Model):
    """Django's own JSONField, as a project that does not use clickhouse_backend.models has."""

    body = models.JSONField(null=True)

    class Meta:
        app_label = "json_tests"


@pytest.fixture
def notes(django_db_blocker):
    with django_db_blocker.unblock(), table_for(Note) as notes:
        notes.bulk_create(
            [
                Note(body={"a": {"b": 1}, "tags": ["x"]}),
                Note(body={"a": {"b": "1"}}),
                Note(body=None),
            ]
        )
        yield notes


def test_builtin_json_field_gets_path_lookups_too(notes):
    assert notes.filter(body__a__b=1).count() == 1
    assert notes.filter(body__a__b="1").count() == 1
    assert notes.filter(body__has_key="tags").count() == 1
    assert notes.filter(body__contains={"tags": ["x"]}).count() == 1
    assert notes.filter(body__isnull=True).count() == 1
    assert sorted(map(repr, notes.values_list("body__a__b", flat=True))) == ["'1'", "1", "None"]


# -- key lookups on typed subcolumns, against what Django means -------------------------
#
# A key compared with a scalar reads the path's typed subcolumns (data.k.:String,
# data.k.:Int64 ...), not its JSON text (backend/json_paths.py). What Django means, for
# these tests: a key lookup is NULL where the key is missing and true or false where it
# holds anything (an object, a list, another type), which exclude() shows (it keeps
# the false rows, not the NULL ones); equal means the same JSON value, numbers equal as
# numbers (their decimal text: 1 equals 1.0, 2**63 not float(2**63), written
# 9.223372036854776e+18) whether written as ints or floats, "1" never equal to 1 nor
# True to 1; contains true or false, never NULL;
# comparisons take numbers with numbers and strings with strings (NULL otherwise, as
# docs/fields.md says; PostgreSQL orders across types instead).

MISSING = object()
KEY_VALUES = [
    "x", "1", "", "true", "é\"\\/\n", "2020-01-01", "2020-01-01 10:00:00",
    "2020-01-01T10:00:00Z", "2020-01-01 10:00", "Jan 1 2020",
    1, 0, -5, 1.0, 2.5, -0.0, True, False,
    2**53 + 1, float(2**53), 2**63, float(2**63), 2**64 - 1, -(2**63),
    {"x": 1}, {"k": "x"}, [1, "x"], ["x"], [],
]  # fmt: skip
NOT_STORED = ["nope", 3, 7.5, 2**64 - 2]


def key_documents() -> list:
    """Each value at "k" and at "o.k", plus documents without the key."""
    return [{"k": value, "o": {"k": value}} for value in KEY_VALUES] + [{"z": 1}, {"o": {"z": 1}}]


def value_at(document, path: list[str]):
    for key in path:
        if document is None or not isinstance(document, dict) or key not in document:
            return MISSING
        document = document[key]
    return document


def same_json(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if is_number(a) and is_number(b):
        return written_number(a) == written_number(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same_json, a, b))
    return type(a) is type(b) and a == b


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def written_number(value) -> decimal.Decimal:
    """A JSON number's value: its decimal text (a float's shortest repr)."""
    return decimal.Decimal(repr(value) if isinstance(value, float) else value)


COMPARE = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def meaning(lookup: str, stored, value):
    """True, False or None (SQL NULL): what the lookup means for a stored value."""
    if lookup == "isnull":
        return (stored is MISSING) == value
    if lookup == "has_key":
        return stored is not MISSING
    if lookup == "contains":
        return stored is not MISSING and same_json(stored, value)
    if stored is MISSING:
        return None
    if lookup == "exact":
        return same_json(stored, value)
    if lookup == "in":
        return any(same_json(stored, item) for item in value)
    if (is_number(stored) and is_number(value)) or (
        isinstance(stored, str) and isinstance(value, str)
    ):
        return COMPARE[lookup](stored, value)
    return None


def key_lookups(path: list[str]) -> list[tuple[str, str, object]]:
    """(lookup, filter keyword, value) for the path."""
    prefix = "__".join(path)
    parent = "__".join(["", *path[:-1]]) if len(path) > 1 else ""
    contained = {path[-1]: None}
    lookups = []
    for value in [*KEY_VALUES, *NOT_STORED]:
        if isinstance(value, (dict, list)):
            continue
        lookups.append(("exact", prefix, value))
        lookups.append(("contains", f"{parent}__contains", {**contained, path[-1]: value}))
    # (Django drops the second of two values Python finds equal, 0 and False, 1 and
    # True: none here.)
    for values in (["x", 1], [True, "1"], ["2020-01-01", "y"], [2**63, 2.5], ["x", False],
                   [0, "x"], [1.0, "true", -5], ["nope"]):  # fmt: skip
        lookups.append(("in", f"{prefix}__in", values))
    for lookup in COMPARE:
        for value in (0, 1, -1, 2.5, 2**53, 2**63, -(2**63), "1", "2020", "x", ""):
            lookups.append((lookup, f"{prefix}__{lookup}", value))
    lookups += [("isnull", f"{prefix}__isnull", True), ("isnull", f"{prefix}__isnull", False)]
    lookups.append(("has_key", f"{parent}__has_key", path[-1]))
    return lookups


def expected_value(lookup: str, document, path: list[str], value):
    if lookup == "contains":  # {key: value} asked of the path's parent: NULL without it
        if value_at(document, path[:-1]) is MISSING:
            return None
        return meaning(lookup, value_at(document, path), value[path[-1]])
    return meaning(lookup, value_at(document, path), value)


def mismatches(rows, documents: dict, field: str, nullable: bool) -> list:
    """Each key lookup on ``field``, filter() and exclude(), against meaning()."""
    found = []
    for path in (["k"], ["o", "k"]):
        for lookup, keyword, value in key_lookups(path):
            keyword = field + ("" if keyword.startswith("__") else "__") + keyword
            got_true = set(rows.filter(**{keyword: value}).values_list("n", flat=True))
            got_excluded = set(rows.exclude(**{keyword: value}).values_list("n", flat=True))
            want_true, want_excluded = set(), set()
            for n, document in documents.items():
                result = expected_value(lookup, document, path, value)
                if result is True:
                    want_true.add(n)
                # exclude() is NOT (lookup), and NOT (lookup AND field IS NOT NULL) on a
                # nullable field
                if result is False or (nullable and document is None and lookup != "isnull"):
                    want_excluded.add(n)
            if (got_true, got_excluded) != (want_true, want_excluded):
                found.append((keyword, value, got_true ^ want_true, got_excluded ^ want_excluded))
    return found


class Keyed(models.Model):
    """The same documents in a plain JSON column, one whose paths all live in the
    shared data (max_dynamic_paths=0), one whose types all live in the shared variant
    (max_dynamic_types=0), and Django's own JSONField(null=True)."""

    n = models.IntegerField()
    plain = ch.JSONField()
    shared_paths = ch.JSONField(max_dynamic_paths=0)
    shared_types = ch.JSONField(max_dynamic_types=0)
    nullable = models.JSONField(null=True)

    class Meta:
        app_label = "json_tests"


@pytest.fixture
def keyed(django_db_blocker):
    documents = dict(enumerate(key_documents()))
    with django_db_blocker.unblock(), table_for(Keyed) as rows:
        rows.bulk_create(
            Keyed(n=n, plain=doc, shared_paths=doc, shared_types=doc, nullable=doc)
            for n, doc in documents.items()
        )
        rows.create(n=len(documents), plain={}, shared_paths={}, shared_types={}, nullable=None)
        yield rows, documents


@pytest.mark.parametrize("field", ["plain", "shared_paths", "shared_types", "nullable"])
def test_key_lookups_mean_what_django_means(keyed, field):
    """filter() and exclude() of every key lookup with scalars of every type the JSON
    type keeps apart, on a path and a nested path: a slip of the typed subcolumns
    (a type not read, "1" matching 1, a missing key taken for a false one) shows here."""
    rows, documents = keyed
    documents = {**documents, len(documents): None if field == "nullable" else {}}
    assert mismatches(rows, documents, field, nullable=field == "nullable") == []


DATE_LIKE = ["2020/01/01", "2020-1-1", "2020-01-01 10:00:00.5", "1800-01-01",
             "2020-01-01T10:00:00", "2020-01-01 10:00:00+03:00", "2020-01-01"]  # fmt: skip
INFERRING_DATES = "input_format_try_infer_dates = 1, input_format_try_infer_datetimes = 1"


def test_a_value_read_back_finds_its_row(django_db_blocker):
    """Rows written with ClickHouse's defaults (by other clients, or before this
    backend kept strings as strings) hold date-like strings as dates, some of them
    changed ("2020/01/01" reads back as "2020-01-01"): a filter by the value a row reads
    back finds that row, and exclude() leaves it out. (Not float(2**63): ClickHouse
    writes it as 9223372036854776000, which reads back as that int, another number.)"""
    documents = [
        {"k": value}
        for value in [*DATE_LIKE, *KEY_VALUES]
        if not isinstance(value, (dict, list)) and value != float(2**63)
    ]
    with django_db_blocker.unblock(), table_for(Keyed) as rows:
        for n, doc in enumerate(documents):
            text = json.dumps(doc)
            raw(
                "INSERT INTO json_tests_keyed (id, n, plain, shared_paths, shared_types, "
                f"nullable) SELECT %s, %s, %s, %s, %s, %s SETTINGS {INFERRING_DATES}",
                [n, n, text, text, text, text],
            )
        assert raw("SELECT dynamicType(plain.k) FROM json_tests_keyed WHERE n = 0") == [("Date",)]
        for row in rows:
            for field in ("plain", "shared_paths", "shared_types", "nullable"):
                value = getattr(row, field)["k"]
                assert row.n in rows.filter(**{f"{field}__k": value}).values_list("n", flat=True)
                assert row.n not in rows.exclude(**{f"{field}__k": value}).values_list(
                    "n", flat=True
                )


def test_date_like_strings_stay_strings(django_db_blocker):
    """A string is stored as the string it was, however much it looks like a date, by
    create(), bulk_create(), save() (a lightweight UPDATE) and update() of rows picked
    by key; filters find it by its text, on documents ClickHouse also read dates from."""
    documents = [{"k": value, "deep": [{"at": value}]} for value in DATE_LIKE]
    with django_db_blocker.unblock(), table_for(Keyed) as rows:
        created = rows.create(n=0, plain=documents[0], shared_paths={}, shared_types={})
        rows.bulk_create(
            Keyed(n=n, plain=doc, shared_paths=doc, shared_types=doc, nullable=doc)
            for n, doc in enumerate(documents[1:], 1)
        )
        created.shared_paths = created.nullable = documents[0]
        created.save()
        assert rows.filter(pk=created.pk).update(shared_types=documents[0]) == 1
        fields = ("plain", "shared_paths", "shared_types", "nullable")
        for n, doc in enumerate(documents):
            assert rows.values_list(*fields).get(n=n) == (doc,) * 4
            for field in fields:
                assert list(
                    rows.filter(**{f"{field}__k": doc["k"]}).values_list("n", flat=True)
                ) == [n]
                assert rows.filter(**{f"{field}__contains": doc}).get().n == n
        paths = raw("SELECT DISTINCT dynamicType(plain.k) FROM json_tests_keyed")
        assert paths == [("String",)]


def test_a_mutation_that_would_read_dates_from_strings_is_refused(django_db_blocker):
    """update() of many rows is a mutation, which reads JSON text with the server's
    defaults: a document with a date-like string ClickHouse would change is refused,
    naming the field, and nothing changes; one without is applied."""
    with django_db_blocker.unblock(), table_for(Keyed) as rows:
        rows.bulk_create(
            Keyed(n=n, plain={"k": n}, shared_paths={}, shared_types={}) for n in range(3)
        )
        with pytest.raises(DataError, match=r"json_tests.Keyed.plain: update\(\) would run as"):
            rows.filter(n__gte=1).update(plain={"k": "x", "at": "2020/01/01"})
        assert sorted(rows.values_list("plain", flat=True), key=str) == [
            {"k": 0},
            {"k": 1},
            {"k": 2},
        ]
        # Strings ClickHouse writes back unchanged, or does not read as dates, pass.
        assert rows.filter(n__gte=1).update(plain={"k": "x", "at": "2020-01-01"}) == 2
        assert rows.filter(n=0).update(plain={"k": "on 2020-01-01"}) == 1
        assert sorted(rows.values_list("n", "plain")) == [
            (0, {"k": "on 2020-01-01"}),
            (1, {"k": "x", "at": "2020-01-01"}),
            (2, {"k": "x", "at": "2020-01-01"}),
        ]


class KeyedNote(models.Model):
    keyed = models.ForeignKey(Keyed, null=True, on_delete=models.DO_NOTHING, db_constraint=False)

    class Meta:
        app_label = "json_tests"


def test_key_lookups_through_a_left_join(django_db_blocker):
    """A LEFT OUTER JOIN makes the joined JSON column Nullable(JSON) (join_use_nulls),
    on which the test for a missing key is spelled another way: both work."""
    with django_db_blocker.unblock(), table_for(Keyed) as keyed, table_for(KeyedNote) as notes:
        doc = {"kind": "x", "n": 5, "o": {"k": 1}}
        one, other = (
            keyed.create(n=n, plain=d, shared_paths=d, shared_types=d, nullable=d)
            for n, d in enumerate([doc, {"kind": "y"}])
        )
        first, second, orphan = (notes.create(keyed=row).pk for row in (one, other, None))
        orphans = Q(keyed__isnull=True)
        for field in ("plain", "shared_paths", "shared_types", "nullable"):
            for lookup, value in (
                ("kind", "x"),
                ("n__gt", 1),
                ("n__in", [5, "x"]),
                ("o__isnull", False),
                ("has_key", "n"),
                ("contains", {"o": {"k": 1}}),
                ("o__contains", {"k": 1}),
            ):
                matching = notes.filter(orphans | Q(**{f"keyed__{field}__{lookup}": value}))
                assert set(matching.values_list("pk", flat=True)) == {first, orphan}, lookup
            excluded = notes.exclude(**{f"keyed__{field}__kind": "x"})
            assert set(excluded.values_list("pk", flat=True)) == {second, orphan}
            inner = notes.filter(**{f"keyed__{field}__o__isnull": False})  # an INNER JOIN
            assert set(inner.values_list("pk", flat=True)) == {first}


def where(queryset) -> str:
    sql, _ = queryset.query.get_compiler("clickhouse").as_sql()
    return sql[sql.index(" WHERE ") :]


def test_scalar_key_lookups_read_typed_subcolumns():
    """The SQL the speed comes from: typed subcolumns, no JSON text of the path."""
    kind = where(query().filter(data__kind="x"))
    assert '"data".`kind`.:String = %s' in kind and "toJSONString" not in kind
    number = where(query().filter(data__a__b=1))
    assert ".`b`.:Int64 = %s" in number and ".`b`.:Float64 = %s" in number
    assert "toJSONString" not in number
    assert ".`flag`.:Bool = %s" in where(query().filter(data__flag=True))
    several = where(query().filter(data__kind__in=["x", "y"]))
    assert ".`kind`.:String IN (%s, %s)" in several and "toJSONString" not in several
    compared = where(query().filter(data__n__gt=2))
    assert "`n`.:Float64 > %s" in compared and "toJSONString" not in compared
    assert "toJSONString" not in where(query().filter(data__a__isnull=True))
    # A string shaped like a date ClickHouse wrote is compared with that text too.
    assert "toJSONString" in where(query().filter(data__day="2020-01-01"))
    # Objects, lists and array indexes are compared as JSON text.
    for queryset in (
        query().filter(data__a={"b": 1}),
        query().filter(data__tags=["x"]),
        query().filter(data__items__0="x"),
    ):
        assert ".:" not in where(queryset) and "toJSONString" in where(queryset)


class PgKeyed(models.Model):
    n = models.IntegerField()
    document = models.JSONField()

    class Meta:
        app_label = "json_tests"


@pytest.mark.django_db(databases=["default"], transaction=True)
def test_the_meaning_is_djangos_on_postgresql():
    """meaning() above is what Django gives on PostgreSQL for equality, in, contains,
    isnull and has_key. Comparisons differ by design (PostgreSQL orders across types),
    and so does has_key under a missing parent (data__o__has_key where there is no
    "o"): NULL on PostgreSQL, false on SQLite and here."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("the default database is not PostgreSQL")
    documents = dict(enumerate(key_documents()))
    with connection.schema_editor() as editor:
        editor.create_model(PgKeyed)
    try:
        rows = PgKeyed.objects.using("default")
        rows.bulk_create(PgKeyed(n=n, document=doc) for n, doc in documents.items())
        found = [
            mismatch
            for mismatch in mismatches(rows, documents, "document", nullable=False)
            if not any(f"__{name}" in mismatch[0] for name in COMPARE)
            and mismatch[:2] != ("document__o__has_key", "k")
        ]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(PgKeyed)
    assert found == []


# -- inspectdb and migrations ------------------------------------------------------------


def inspect(table: str) -> str:
    out = io.StringIO()
    call_command("inspectdb", table, database="clickhouse", stdout=out)
    return out.getvalue()


def test_inspectdb_maps_json_with_its_options():
    raw(
        "CREATE TABLE documents (id UInt64, plain JSON, tuned Nullable(JSON(max_dynamic_paths=8, "
        "max_dynamic_types=2, SKIP `a.b`, SKIP `we``ird`, SKIP REGEXP '^tmp\\\\d'))) "
        "ENGINE = MergeTree ORDER BY id"
    )
    try:
        source = inspect("documents")
    finally:
        raw("DROP TABLE documents")
    assert "plain = models.JSONField()" in source
    assert (
        "tuned = clickhouse_backend.models.JSONField(max_dynamic_types=2, max_dynamic_paths=8, "
        "skip_paths=['a.b', 'we`ird'], skip_regexps=['^tmp\\\\d'], blank=True, null=True)"
    ) in source


UNREADABLE_TABLE = """
CREATE TABLE unreadable (
    id UInt64, payload Variant(String, UInt64), anything Dynamic, half BFloat16,
    typed JSON(a.b UInt32), label Enum8('Variant' = 1)
) ENGINE = MergeTree ORDER BY id
"""


def test_inspectdb_comments_types_the_driver_cannot_read():
    """No field pretends to hold them: a comment names the column, its type and why."""
    raw(UNREADABLE_TABLE)
    try:
        source = inspect("unreadable")
        raw("INSERT INTO unreadable (id, payload) VALUES (1, 'x')")
        with pytest.raises(NotSupportedError) as selected:
            raw("SELECT id, payload FROM unreadable")
    finally:
        raw("DROP TABLE unreadable")
    assert (
        "    # payload: Variant(String, UInt64) — clickhouse-driver cannot read this type; "
        "cast it in queries" in source
    )
    assert "    # anything: Dynamic — clickhouse-driver cannot read this type" in source
    assert "    # half: BFloat16 — clickhouse-driver cannot read this type" in source
    assert "    # typed: JSON(`a.b` UInt32) — clickhouse-driver writes JSON over TCP" in source
    assert "label = clickhouse_backend.models.Enum8Field(" in source
    assert "'payload' of type Variant(String, UInt64)" in str(selected.value)


def test_inspectdb_comments_time_types():
    raw("SET enable_time_time64_type = 1")
    raw("CREATE TABLE clock (id UInt64, t Time, t64 Time64(3)) ENGINE = MergeTree ORDER BY id")
    try:
        source = inspect("clock")
    finally:
        raw("DROP TABLE clock")
    assert "    # t: Time — clickhouse-driver cannot read this type" in source
    assert "    # t64: Time64(3) — clickhouse-driver cannot read this type" in source


MIGRATION_APPS = Apps()


class Document(models.Model):
    body = models.TextField()

    class Meta:
        app_label = "json_migrations"
        apps = MIGRATION_APPS


def test_alter_field_text_to_json_and_its_options_keeps_the_data():
    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Document)
    try:
        Document.objects.using("clickhouse").create(body='{"a": {"b": [1, "x"]}}')
        old_field = Document._meta.get_field("body")
        for new_field, column_type in (
            (ch.JSONField(), "JSON"),
            (ch.JSONField(max_dynamic_paths=8), "JSON(max_dynamic_paths=8)"),
        ):
            (statement,) = alter(Document, old_field, new_field)
            assert statement.startswith('ALTER TABLE "json_migrations_document" MODIFY COLUMN')
            assert column_types("json_migrations_document")["body"] == column_type
            assert raw("SELECT body FROM json_migrations_document") == [({"a": {"b": [1, "x"]}},)]
            old_field = new_field
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Document)


WRITER_CHANGES = [
    {"a": [1, None]},
    {"a": [1, "x"]},
    {"a": [True, 1.5]},
    {"a": [{"b": 1}, 2]},
    {"a": {"b": (1, 2)}},
    {"a": [[1], [2**63]]},
]


@pytest.mark.parametrize("document", WRITER_CHANGES)
def test_what_the_tcp_writer_would_change_round_trips_here_and_is_refused_over_tcp(document):
    """The embedded transport sends JSON text, so these documents round-trip; the native
    transport's writer (clickhouse-driver's) would change them, so there they are
    refused before anything is sent (json_problem() is what the insert path asks)."""
    assert not written_by_driver(connections["clickhouse"])
    obj = query().create(data=document)
    expected = json.loads(json.dumps(document))  # tuples read back as lists
    assert query().get(pk=obj.pk).data == expected
    assert json_problem(document) is None
    assert "clickhouse-driver, which writes JSON over TCP" in json_problem(
        document, driver_writer=True
    )


def test_what_the_tcp_writer_keeps_is_accepted_over_tcp():
    for document in ({"a": [1, 2.5]}, {"a": ["x", None]}, {"a": [{"b": 1}, {"c": [1]}]}, {}):
        assert json_problem(document, driver_writer=True) is None
