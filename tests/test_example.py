"""The example project (example/), as the README's first command runs it: migrate both
databases, load synthetic events through bulk_create, and report them through the ORM."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 12_000  # enough for counts with a thousands separator


def manage(*args: str, data: Path, stdin: str | None = None) -> str:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "EXAMPLE_DATA_DIR": str(data),
        "EXAMPLE_EVENTS": str(EVENTS),
    }
    environment.pop("CLICKHOUSE_DSN", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT / "example",
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The example's databases, migrated and loaded with a few thousand events."""
    data = tmp_path_factory.mktemp("example")
    manage("migrate", "--verbosity", "0", data=data)
    manage("migrate", "--database", "clickhouse", "--verbosity", "0", data=data)
    output = manage("load_events", "--events", str(EVENTS), "--batch-size", "1000", data=data)
    check = manage("shell", data=data, stdin=(ROOT / "tests" / "example_check.py").read_text())
    return output, json.loads(check.strip().splitlines()[-1])  # after shell's own notes


def test_load_events_reports_what_was_loaded(loaded):
    output, _ = loaded
    assert f"{EVENTS:,}/{EVENTS:,} events" in output
    assert f"Loaded {EVENTS:,} events" in output
    assert f"Report over {EVENTS:,} events" in output


def test_load_events_prints_counts_right_aligned_with_separators(loaded):
    output, check = loaded
    title = "Events per protocol and action"
    lines = output.split(f"\n{title}\n")[1].split("\n\n")[0].splitlines()
    header, rows = lines[0], lines[1:]
    expected = sorted(check["expected"][title])
    assert len(rows) == len(expected)
    assert {len(line) for line in lines} == {len(header)}  # the counts end in one column
    assert header.endswith(" events")
    assert sorted(row.split() for row in rows) == sorted(
        [protocol, action, f"{n:,}"] for protocol, action, n in expected
    )
    assert any("," in row.split()[-1] for row in rows)


def test_report_matches_the_events_counted_in_python(loaded):
    _, check = loaded
    expected, actual = check["expected"], check["actual"]
    assert list(actual) == list(expected)
    for title in expected:
        assert actual[title] == expected[title], title


def test_port_percentiles_are_exact(loaded):
    """The report's p95 is quantileExact's: the same port on every run, the one Python
    finds at the same rank of the sorted ports."""
    _, check = loaded
    title = "95th percentile of the destination port, per protocol"
    assert check["actual"][title] == check["expected"][title]


def test_event_table_is_created_as_the_model_says(loaded):
    _, check = loaded
    assert check["engine"] == ["MergeTree", "toYYYYMMDD(timestamp)", "protocol, timestamp"]
    assert check["indexes"] == [
        ["port_set", "set(100)", 4],
        ["src_ip_bloom", "bloom_filter(0.01)", 1],
    ]
    assert check["columns"] == {
        "id": "Int64",
        "timestamp": "DateTime64(6, 'UTC')",
        "src_ip": "IPv6",
        "dst_ip": "IPv4",
        "port": "UInt16",
        "protocol": "LowCardinality(String)",
        "action": "Enum8('Allow' = 1, 'Deny' = 2, 'Alert' = 3)",
        "content": "JSON",
    }
    assert check["check"]


def test_the_page_shows_the_report(loaded):
    _, check = loaded
    status, html = check["page"]
    assert status == 200
    assert f"{EVENTS:,} events" in html
    assert '<th class="number">events</th>' in html
    for protocol, action, n in check["expected"]["Events per protocol and action"]:
        assert f'<td>{protocol}</td><td>{action}</td><td class="number">{n:,}</td>' in html
    assert "95th percentile of the destination port" in html
    assert "10.0.0." in html
    assert '<a href="/admin/events/event/">Browse them in the admin</a>' in html


def test_the_admin_lists_filters_and_changes_events(loaded):
    """The admin on a ClickHouse model: change list with a filter and a search, and a
    change saved as an update of that one row (never a second copy)."""
    admin = loaded[1]["admin"]
    status, shown = admin["listing"]
    assert status == 200
    assert shown == admin["expected_listing"] > 0
    assert admin["changed"] == 302
    assert admin["saved"] == [5353, "dns", "10.0.0.1"]
    assert admin["kept"] == [True, True]
    assert admin["copies"] == 1


def test_the_admin_adds_events_with_their_key_columns(loaded):
    """The add form asks for the sorting key's columns (read-only on the change form
    only) and takes the content as pre-filled, an empty JSON object."""
    admin = loaded[1]["admin"]
    assert admin["add_fields"] == sorted(
        ["timestamp", "src_ip", "dst_ip", "port", "protocol", "action", "content"]
    )
    assert "protocol" not in admin["change_fields"]
    assert "timestamp" not in admin["change_fields"]
    assert admin["added"] == [[302, {}], [302, {}]]
    assert admin["added_rows"] == [
        ["2026-12-01 09:30:00+00:00", "quic", "2001:db8::7", 8443, 2, {}],
        ["2026-12-01 09:30:00+00:00", "quic", "2001:db8::7", 8444, 2, {"bytes": 512}],
    ]


def test_the_admin_lists_the_newest_events_first(loaded):
    shown, newest = loaded[1]["admin"]["newest_first"]
    assert len(shown) == 100  # the change list's first page
    assert shown == newest
    assert shown == sorted(shown, reverse=True)


def test_the_migrations_match_the_models(tmp_path):
    """A user who changes a model and runs makemigrations gets only their own change."""
    assert "No changes detected" in manage("makemigrations", "--check", "--dry-run", data=tmp_path)


def test_the_example_passes_the_system_checks(tmp_path):
    """A newcomer's first command prints no warning about the example's own settings."""
    assert "no issues" in manage("check", "--fail-level", "WARNING", data=tmp_path)
