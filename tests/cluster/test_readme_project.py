"""django-clickhouse-backend's README project, run as its users run it: ``manage.py``
makemigrations, migrate, the README's CRUD and the test runner, in a copy of
``readme_project``.

On the embedded engine the single-node parts run; the replicated and distributed models
are refused by name. Against compose.yaml's 2-shard x 2-replica cluster
(``CLICKHOUSE_TEST_CLUSTER=clickhouse://127.0.0.1:9000,127.0.0.1:9001,127.0.0.1:9002,``
``127.0.0.1:9003``, see docs/cluster.md) everything runs.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

PROJECT = pathlib.Path(__file__).parent / "readme_project"
CLUSTER = os.environ.get("CLICKHOUSE_TEST_CLUSTER")
ON_A_CLUSTER = pytest.mark.skipif(
    not CLUSTER,
    reason="needs compose.yaml's cluster: set CLICKHOUSE_TEST_CLUSTER="
    "clickhouse://127.0.0.1:9000,127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003 "
    "(docs/cluster.md)",
)


@pytest.fixture
def project(tmp_path):
    """A copy of the project (makemigrations writes into it)."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def manage(project: pathlib.Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_single_node_parts_run_on_the_embedded_engine(project, tmp_path):
    env = {"CLICKHOUSE_EMBEDDED_DIR": str(tmp_path / "data")}
    made = manage(project, "makemigrations", "events", "students", **env)
    assert made.returncode == 0, made.stderr
    students = (project / "students/migrations/0001_initial.py").read_text()
    assert "clickhouse_backend.models.ReplicatedMergeTree(" in students
    assert "clickhouse_backend.models.Distributed(" in students
    assert "No changes detected" in manage(project, "makemigrations", **env).stdout

    migrated = manage(project, "migrate", **env)
    assert migrated.returncode != 0
    assert (
        "students.Student has Meta.cluster = 'cluster', which the embedded engine (chDB) "
        "cannot run" in migrated.stderr
    )
    assert "Traceback" not in migrated.stderr.split("NotSupportedError")[-1]
    applied = manage(project, "migrate", "events", **env)
    assert applied.returncode == 0, applied.stderr
    flows = manage(project, "event_flows", **env)
    assert flows.returncode == 0, flows.stderr
    assert "event flows passed" in flows.stdout


@ON_A_CLUSTER
def test_the_readme_flows_on_a_cluster(project):
    env = {"CLICKHOUSE_TEST_CLUSTER": CLUSTER}
    assert manage(project, "makemigrations", "events", "students", **env).returncode == 0
    tested = manage(project, "test", "students", "--noinput", **env)
    assert tested.returncode == 0, tested.stderr
    migrated = manage(project, "migrate", **env)
    assert migrated.returncode == 0, migrated.stderr
    again = manage(project, "migrate", "--database", "s1r2", **env)
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply" in again.stdout
    for command in ("event_flows", "student_flows"):
        flows = manage(project, command, **env)
        assert flows.returncode == 0, flows.stderr
