"""Hash functions from clickhouse_backend.models on real rows. Digests and hashes with a
Python reference (hashlib, zlib, CityHash, Java's String.hashCode, published test
vectors) are compared with it; the others with ClickHouse hashing the same literal in
raw SQL, and for their type, range and equal hashes of equal inputs."""

import hashlib
import zlib

import pytest
from django.apps.registry import Apps
from django.db import connections, models

from clickhouse_backend import models as ch

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

TEST_APPS = Apps()
# Texts to hash: one whose MD5 digest is valid UTF-8 and ends in a NUL byte (which the
# driver would give as text without that byte), non-ASCII text, the empty text, and a
# repeat of the first.
TEXTS = ["d1204412", "żółć 中文", "", "d1204412", "https://example.com/a/b/?q=1"]


class Text(models.Model):
    position = models.IntegerField()
    value = models.CharField(max_length=40)
    number = models.BigIntegerField()

    class Meta:
        app_label = "hash_tests"
        apps = TEST_APPS


@pytest.fixture
def texts(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Text)
        objects = Text.objects.using("clickhouse")
        objects.bulk_create(
            Text(position=position, value=value, number=len(value.encode()) - 3)
            for position, value in enumerate(TEXTS)
        )
        yield objects
        with connection.schema_editor() as editor:
            editor.delete_model(Text)
        connection.close()


def column(texts, expression):
    return list(texts.annotate(v=expression).order_by("position").values_list("v", flat=True))


def raw(sql, params=()):
    """One value ClickHouse computes in raw SQL (a reference where Python has none)."""
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(sql, params)
        [(value,)] = cursor.fetchall()
        return value


def engine_has(function):
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM system.functions WHERE name = %s", [function])
        return bool(cursor.fetchall())


def test_md5_digest_keeps_its_trailing_nul_byte():
    digest = hashlib.md5(TEXTS[0].encode()).digest()
    assert digest.endswith(b"\0")
    digest.decode()  # valid UTF-8: the driver gives such a FixedString as text


DIGESTS = [
    (ch.MD5, "md5"),
    (ch.SHA1, "sha1"),
    (ch.SHA224, "sha224"),
    (ch.SHA256, "sha256"),
    (ch.SHA384, "sha384"),
    (ch.SHA512, "sha512"),
    (ch.SHA512_256, "sha512_256"),
]


@pytest.mark.parametrize(("function", "algorithm"), DIGESTS, ids=lambda p: str(p))
def test_digests_are_hashlib_digests(texts, function, algorithm):
    if algorithm not in hashlib.algorithms_available:
        pytest.skip(f"this Python's hashlib has no {algorithm}")
    values = column(texts, function("value"))
    assert values == [hashlib.new(algorithm, text.encode()).digest() for text in TEXTS]
    assert all(type(value) is bytes for value in values)


def test_filter_and_order_by_digests(texts):
    wanted = hashlib.sha256(TEXTS[1].encode()).digest()
    matching = texts.alias(h=ch.SHA256("value")).filter(h=wanted)
    assert list(matching.values_list("value", flat=True)) == [TEXTS[1]]
    by_digest = texts.order_by(ch.MD5("value"), "position").values_list("position", flat=True)
    assert list(by_digest) == sorted(
        range(len(TEXTS)), key=lambda i: (hashlib.md5(TEXTS[i].encode()).digest(), i)
    )


def test_half_md5_crc32_and_java_hashes_match_their_definitions(texts):
    assert column(texts, ch.halfMD5("value")) == [
        int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big") for text in TEXTS
    ]
    assert column(texts, ch.CRC32("value")) == [zlib.crc32(text.encode()) for text in TEXTS]
    ascii_positions = [0, 2, 4]  # Java hashes UTF-16 code units; these agree with bytes
    ascii_texts = texts.filter(position__in=ascii_positions)
    java = [java_hash(TEXTS[position]) for position in ascii_positions]
    assert column(ascii_texts, ch.javaHash("value")) == java
    assert column(ascii_texts, ch.hiveHash("value")) == [value & 0x7FFFFFFF for value in java]


def java_hash(text):
    """Java's String.hashCode(): s[0]*31^(n-1) + ... + s[n-1], as a signed 32-bit int."""
    value = 0
    for character in text:
        value = (value * 31 + ord(character)) % 2**32
    return value - 2**32 if value >= 2**31 else value


def test_city_hash_is_cityhash_1_0_2(texts):
    cityhash = pytest.importorskip("clickhouse_cityhash.cityhash")
    assert column(texts, ch.cityHash64("value")) == [
        cityhash.CityHash64(text.encode()) for text in TEXTS
    ]


def test_xxhash_of_nothing_is_the_published_vector(texts):
    empty = texts.filter(value="")
    assert column(empty, ch.xxHash64("value")) == [0xEF46DB3751D8E999]
    assert column(empty, ch.xxHash32("value")) == [0x02CC5D05]


INTEGER_HASHES = [
    (ch.cityHash64, 64),
    (ch.sipHash64, 64),
    (ch.farmHash64, 64),
    (ch.farmFingerprint64, 64),
    (ch.metroHash64, 64),
    (ch.murmurHash2_64, 64),
    (ch.murmurHash3_64, 64),
    (ch.xxHash64, 64),
    (ch.xxh3, 64),
    (ch.URLHash, 64),
    (ch.xxHash32, 32),
    (ch.murmurHash2_32, 32),
    (ch.murmurHash3_32, 32),
]


@pytest.mark.parametrize(("function", "bits"), INTEGER_HASHES, ids=lambda p: str(p))
def test_integer_hashes_match_clickhouse_on_a_literal(texts, function, bits):
    values = column(texts, function("value"))
    name = function.function
    assert values == [raw(f"SELECT {name}(%s)", [text]) for text in TEXTS]
    assert all(type(value) is int and 0 <= value < 2**bits for value in values)
    assert values[0] == values[3]  # equal texts, equal hashes
    assert len(set(values)) == len(set(TEXTS))


def test_hashes_of_several_arguments_and_of_integers(texts):
    pairs = column(texts, ch.cityHash64("value", "number"))
    assert pairs == [
        raw("SELECT cityHash64(%s, toInt64(%s))", [text, len(text.encode()) - 3]) for text in TEXTS
    ]
    assert pairs != column(texts, ch.cityHash64("value"))
    assert column(texts, ch.intHash32("number")) == [
        raw("SELECT intHash32(toInt64(%s))", [len(text.encode()) - 3]) for text in TEXTS
    ]
    assert column(texts, ch.intHash64("number")) == [
        raw("SELECT intHash64(toInt64(%s))", [len(text.encode()) - 3]) for text in TEXTS
    ]
    levels = column(texts.filter(position=4), ch.URLHash("value", 1))
    assert levels == [raw("SELECT URLHash(%s, 1)", [TEXTS[4]])]


@pytest.mark.parametrize(
    "function",
    [ch.sipHash128, ch.sipHash128Reference, ch.murmurHash3_128, ch.MD4, ch.BLAKE3],
    ids=lambda f: f.__name__,
)
def test_128_bit_hashes_and_digests_without_a_python_reference(texts, function):
    if not engine_has(function.function):
        pytest.skip(f"this ClickHouse has no {function.function}")
    values = column(texts, function("value"))
    references = [raw(f"SELECT {function.function}(%s)", [text]) for text in TEXTS]
    size = function.output_field.max_bytes
    assert values == [reference.ljust(size, b"\0") for reference in map(as_bytes, references)]
    assert all(type(value) is bytes and len(value) == size for value in values)


def as_bytes(value):
    """What raw SQL gives for a FixedString: text if it is UTF-8 (padding cut), bytes else."""
    return value.encode() if isinstance(value, str) else value


@pytest.mark.parametrize(
    "function", [ch.sipHash64Keyed, ch.sipHash128Keyed, ch.sipHash128ReferenceKeyed]
)
def test_keyed_hashes_take_two_numbers_as_the_key(texts, function):
    name = function.function
    values = column(texts, function(1, 2, "value"))
    references = [raw(f"SELECT {name}((toUInt64(1), toUInt64(2)), %s)", [t]) for t in TEXTS]
    if isinstance(values[0], int):
        assert values == references
    else:
        assert values == [as_bytes(reference).ljust(16, b"\0") for reference in references]
    assert values != column(texts, function(2, 1, "value"))
    assert column(texts, function("number", "number", "value")) == [
        column(texts.filter(position=position), function(n, n, "value"))[0]
        for position, n in enumerate(len(text.encode()) - 3 for text in TEXTS)
    ]
