"""A Distributed model's CRUD run for real on the embedded engine, in a process of its
own whose working directory holds config.xml (chDB reads its clusters from there): the
one-shard cluster ``here`` runs it; a cluster of two shards of this process, and one
that does not exist, are refused by name."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def test_distributed_crud_on_a_one_shard_cluster_of_the_embedded_engine(tmp_path):
    shutil.copy(HERE / "config.xml", tmp_path / "config.xml")
    ran = subprocess.run(
        [sys.executable, str(HERE / "flows.py"), str(tmp_path / "data")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[-1] == "distributed flows passed"
    assert "over cluster 'twice_here', which the embedded engine (chDB) cannot run" in lines[0]
    assert "over cluster 'nowhere', which the embedded engine (chDB) cannot run" in lines[1]
    assert "ClickHouse cannot change id" in lines[2]  # the sharded table's key
